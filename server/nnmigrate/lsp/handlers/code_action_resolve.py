"""codeAction/resolve: run the migration and attach the WorkspaceEdit (or the verify command)."""

from __future__ import annotations

from lsprotocol import types

from nnmigrate.lsp import commands
from nnmigrate.lsp.handlers.apply_migration import build_edit
from nnmigrate.lsp.language_server import NnmigrateServer


async def handle(ls: NnmigrateServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    if data.get("action") == "verify" and data.get("symbol"):
        action.command = commands.verify_command(data["uri"], data["symbol"])
        return action
    try:
        edit, _ = await build_edit(ls, data)
    except Exception as exc:  # shown to the user; the action stays without an edit
        ls.show(f"nnmigrate: {exc}", types.MessageType.Error)
        return action
    action.edit = edit
    return action
