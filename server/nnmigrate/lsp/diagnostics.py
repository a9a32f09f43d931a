"""Diagnostics of one document: engine analysis per block, the syntax check, and verify results.

Only blocks whose text (or the import header) changed are analysed again. Stale blocks are analysed
first-edited-first; when that takes longer than ``PARTIAL_AFTER_S``, an interim set (fresh results plus
the last good results of the blocks still pending) is published, then the rest follow with a yield
between blocks so a new edit can cancel the run.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

from lsprotocol import types

from nnmigrate.lsp import convert
from nnmigrate.lsp.block_cache import BlockCache
from nnmigrate.lsp.documents import DocumentIndex
from nnmigrate.lsp.session import VerifyMark

PARTIAL_AFTER_S = 0.15
VERIFY_CODE = "NNM301"


def _collect(index: DocumentIndex, cache: BlockCache, marks: dict[str, VerifyMark]) -> list[types.Diagnostic]:
    lines, header = index.lines, index.header
    out: list[types.Diagnostic] = []
    if header:
        for d in cache.cached_analysis("", header) or ():
            if d.range is not None and d.range.start_line <= len(index.header_lines) and d.code != "NNM001":
                line = index.header_lines[d.range.start_line - 1]
                out.append(convert.to_diagnostic(lines, d.__class__(
                    d.code, d.message, d.range.shifted(line + 1 - d.range.start_line), d.severity, d.hint)))
    for block in index.analysis_units():
        for d in cache.cached_analysis(header, block.text) or ():
            out.append(convert.to_diagnostic(lines, _at(d, block.start)))
    for symbol, mark in marks.items():
        block = index.by_name.get(symbol)
        if block is not None and block.text == mark.block_text:
            out.append(verify_diagnostic(lines, block.start, block.text, symbol, mark.report))
    return out


def _at(diagnostic: Any, start: int) -> Any:
    return diagnostic.__class__(diagnostic.code, diagnostic.message, diagnostic.range.shifted(start),
                                diagnostic.severity, diagnostic.hint)


async def compute(
    index: DocumentIndex,
    cache: BlockCache,
    marks: dict[str, VerifyMark],
    publish_partial: Callable[[list[types.Diagnostic]], None] | None = None,
) -> list[types.Diagnostic]:
    """All diagnostics of ``index``; analyses stale blocks, yielding between them."""
    header = index.header
    units = index.analysis_units()
    stale = [b for b in units if not cache.is_fresh(header, b.text)]
    stale.sort(key=lambda b: cache.cached_analysis(header, b.text) is not None)  # never-seen blocks first
    if header and not cache.is_fresh("", header):
        stale.append(None)  # type: ignore[arg-type]  # the header on its own, last
    started = time.perf_counter()
    partial_sent = False
    for block in stale:
        if block is None:
            cache.analysis("", header)
        else:
            cache.analysis(header, block.text)
        if not partial_sent and publish_partial and time.perf_counter() - started > PARTIAL_AFTER_S:
            publish_partial(_collect(index, cache, marks))
            partial_sent = True
        if len(stale) > 1:
            await asyncio.sleep(0)
    return _collect(index, cache, marks)


_NAME = re.compile(r"^(?:class|(?:async\s+)?def)\s+(\w+)", re.MULTILINE)


def verify_diagnostic(lines: list[str], start: int, block_text: str, symbol: str,
                      report: dict[str, Any]) -> types.Diagnostic:
    """An Information diagnostic on the symbol's name with the verify outcome."""
    match = next((m for m in _NAME.finditer(block_text) if m.group(1) == symbol), None)
    line = start + (block_text.count("\n", 0, match.start()) if match else 0)
    col = match.start(1) - block_text.rfind("\n", 0, match.start(1)) - 1 if match else 0
    rng = types.Range(convert.to_position(lines, line, col), convert.to_position(lines, line, col + len(symbol)))
    return types.Diagnostic(rng, summary(symbol, report), severity=types.DiagnosticSeverity.Information,
                            code=VERIFY_CODE, source=convert.SOURCE)


def summary(symbol: str, report: dict[str, Any]) -> str:
    """One line for a verify report: status, max_abs_diff, worst layer, device."""
    status = report.get("status", "error")
    if status in ("equivalent", "not_equivalent"):
        text = f"Verify {symbol}: {status.replace('_', ' ')}, max_abs_diff={_num(report.get('max_abs_diff'))}"
        layers = [p for p in report.get("per_layer") or [] if isinstance(p.get("max_abs_diff"), (int, float))]
        if layers:
            worst = max(layers, key=lambda p: p["max_abs_diff"])
            text += f"; worst layer {worst.get('source')} -> {worst.get('target')} ({_num(worst['max_abs_diff'])})"
        if report.get("device"):
            text += f" on {report['device']}"
        return text
    return f"Verify {symbol}: {status}" + (f": {report['message']}" if report.get("message") else "")


def _num(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, (int, float)) else "n/a"
