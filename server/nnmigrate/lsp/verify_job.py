"""One verify request from start to end: progress, the worker job, and publishing the outcome.

``run`` migrates the symbol, writes the files the worker imports, and waits for the runner; ``finish`` ends
the progress, stores the result as a diagnostic on the symbol and sends ``nnmigrate/verifyResult``.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

from lsprotocol import types

from nnmigrate.lsp import commands
from nnmigrate.lsp import diagnostics
from nnmigrate.lsp import edits
from nnmigrate.lsp.language_server import NnmigrateServer
from nnmigrate.lsp.session import Snapshot
from nnmigrate.lsp.session import VerifyMark
from nnmigrate.lsp.verify_runner import error_report


async def start_progress(ls: NnmigrateServer, title: str, cancel: threading.Event) -> str | None:
    """Create and begin a cancellable work-done progress; its cancel sets ``cancel``. None without support."""
    if not ls.session.features.work_done_progress:
        return None
    token = f"nnmigrate-verify-{uuid.uuid4()}"
    try:
        await ls.work_done_progress.create_async(token)
    except Exception:
        return None
    ls.work_done_progress.tokens[token].add_done_callback(lambda _: cancel.set())
    ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=True,
                                                                  message="starting", percentage=0))
    return token


def report_progress(ls: NnmigrateServer, token: str | None, message: str, fraction: float) -> None:
    """One progress report (``fraction`` in [0, 1])."""
    if token is not None:
        pct = max(0, min(100, int(fraction * 100)))
        ls.work_done_progress.report(token, types.WorkDoneProgressReport(message=message, percentage=pct))


async def run(ls: NnmigrateServer, args: commands.VerifyArgs, cancel: threading.Event,
              token: str | None) -> dict[str, Any]:
    """Check trust and the symbol, migrate it, run the worker; always returns a report."""
    snap = ls.session.snapshot(args.uri)
    if snap is None:
        return error_report(f"The document is not open: {args.uri}")
    if not snap.trusted:
        return error_report("This workspace is not trusted: nnmigrate does not run its code.")
    symbol = snap.index.symbol(args.symbol)
    if symbol is None:
        return error_report(f"`{args.symbol}` is not a model class or builder function in this document.")
    settings = snap.settings
    inputs = args.inputs or list(settings.inputs.get(args.symbol, ())) or snap.index.input_specs(args.symbol)
    report_progress(ls, token, "migrating", 0.05)
    try:
        request = edits.prepare(snap, args.symbol, symbol.framework.other, lambda _: None)
        result = await ls.in_thread(edits.migrate_cached, request.source, request.target, args.symbol,
                                    settings.layout)
    except Exception as exc:
        return error_report(f"Migration failed, nothing to verify: {exc}")
    job = _job(ls, snap, args.symbol, request.source, result, inputs)
    return await ls.verifier.run(job, python=settings.verify_interpreter,
                                 memory_limit_mb=settings.verify_memory_limit_mb,
                                 timeout=settings.verify_timeout_seconds, cancel=cancel,
                                 on_progress=lambda message, fraction: report_progress(ls, token, message, fraction))


def _job(ls: NnmigrateServer, snap: Snapshot, symbol: str, source: str, result: Any,
         inputs: list[str]) -> dict[str, Any]:
    """The worker request: source and migrated files (the saved file itself when the buffer matches it)."""
    folder = ls.verifier.scratch()
    path = snap.path
    if path is None or ls.session.read_disk(snap.uri) != snap.text:
        path = str(folder / f"{symbol}_source.py")
        Path(path).write_text(source, encoding="utf-8")
    target = folder / f"{symbol}_{result.target_framework.value}.py"
    target.write_text(result.text, encoding="utf-8")
    settings = snap.settings
    return {"source_path": path, "target_path": str(target), "source_text": source, "target_text": result.text,
            "contract": result.mapping, "symbol": symbol, "args": {}, "inputs": inputs, "device": settings.device,
            "layout": settings.layout}


def finish(ls: NnmigrateServer, args: commands.VerifyArgs, token: str | None, report: dict[str, Any]) -> None:
    """End the progress, keep the result as a diagnostic, notify the client, and warn on errors."""
    summary = diagnostics.summary(args.symbol, report)
    if token is not None:
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=summary))
        ls.work_done_progress.tokens.pop(token, None)
    snap = ls.session.snapshot(args.uri)
    block = snap.index.by_name.get(args.symbol) if snap is not None else None
    if block is not None and report.get("status") != "cancelled":
        ls.session.verify_marks.setdefault(args.uri, {})[args.symbol] = VerifyMark(block.text, report)
        ls.schedule_diagnostics(args.uri, immediately=True)
    ls.notify(commands.VERIFY_RESULT, {"uri": args.uri, "symbol": args.symbol, "report": report})
    if report.get("status") == "error":
        ls.show(summary)
