"""Command nnmigrate.server.preview: the migrated full text and target URI, for a side-by-side diff.

Nothing is written: the client shows ``text`` against ``targetUri`` and applies on confirmation.
"""

from __future__ import annotations

from typing import Any

from nnmigrate.frameworks import Framework
from nnmigrate.lsp import commands
from nnmigrate.lsp import convert
from nnmigrate.lsp import edits
from nnmigrate.lsp.language_server import NnmigrateServer


async def handle(ls: NnmigrateServer, args: commands.PreviewArgs) -> dict[str, Any]:
    snap = ls.session.snapshot(args.uri)
    if snap is None:
        raise commands.request_failed(f"nnmigrate: the document is not open: {args.uri}")
    try:
        request = edits.prepare(snap, args.symbol, Framework.parse(args.target), ls.session.read_text)
        plan = await ls.in_thread(edits.plan_migration, request)
    except Exception as exc:
        raise commands.request_failed(f"nnmigrate: {exc}") from exc
    return {
        "targetUri": plan.target_uri,
        "text": plan.text,
        "title": plan.title,
        "symbol": plan.symbol,
        "diagnostics": [convert.diagnostic_json(snap.index.lines, d) for d in plan.diagnostics],
    }
