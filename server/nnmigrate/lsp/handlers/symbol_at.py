"""Command nnmigrate.server.symbolAt: the model class or builder at a position, and its framework."""

from __future__ import annotations

from typing import Any

from nnmigrate.lsp import commands
from nnmigrate.lsp.language_server import NnmigrateServer


def handle(ls: NnmigrateServer, args: commands.SymbolAtArgs) -> dict[str, Any]:
    snap = ls.session.snapshot(args.uri)
    symbol = snap.index.symbol_at(args.line) if snap is not None else None
    if symbol is None:
        framework = snap.index.framework if snap is not None else None
        return {"symbol": None, "kind": None, "framework": framework.value if framework else None}
    return {"symbol": symbol.name, "kind": symbol.kind, "framework": symbol.framework.value}
