"""Command nnmigrate.server.applyMigration: build a migration edit and apply it (clients without resolve)."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from nnmigrate.frameworks import Framework
from nnmigrate.lsp import commands
from nnmigrate.lsp import edits
from nnmigrate.lsp.language_server import NnmigrateServer


async def build_edit(ls: NnmigrateServer, data: dict[str, Any]) -> tuple[types.WorkspaceEdit, edits.MigrationPlan]:
    """The WorkspaceEdit for code-action ``data`` (uri, symbol, target, action); raises with a user message."""
    snap = ls.session.snapshot(str(data.get("uri")))
    if snap is None:
        raise edits.EditError(f"The document is not open: {data.get('uri')}")
    symbol = data.get("symbol") if data.get("action") == "migrateClass" else None
    request = edits.prepare(snap, symbol, Framework.parse(str(data.get("target"))), ls.session.read_text)
    plan = await ls.in_thread(edits.plan_migration, request)
    version = ls.session.version_of(plan.target_uri)
    return edits.workspace_edit(plan, snap.features, version), plan


async def handle(ls: NnmigrateServer, data: dict) -> dict[str, Any]:
    try:
        edit, plan = await build_edit(ls, data)
    except Exception as exc:
        raise commands.request_failed(f"nnmigrate: {exc}") from exc
    result = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=plan.title))
    return {"applied": result.applied, "targetUri": plan.target_uri, "failureReason": result.failure_reason}
