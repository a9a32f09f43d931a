"""textDocument/codeAction: cheap list of "Migrate class X to …", "Migrate file to …", "Verify X".

Titles and data only; the edit is built in codeAction/resolve. A client without resolve support gets the
``nnmigrate.server.applyMigration`` command instead of an edit.
"""

from __future__ import annotations

from lsprotocol import types

from nnmigrate.lsp import commands
from nnmigrate.lsp.language_server import NnmigrateServer


KIND = types.CodeActionKind.RefactorRewrite


def _wanted(only: list[str] | None) -> bool:
    return not only or any(KIND == k or KIND.value.startswith(f"{k}.") for k in only)


def _action(ls: NnmigrateServer, title: str, data: commands.ActionData) -> types.CodeAction:
    action = types.CodeAction(title=title, kind=KIND, data=data.to_json())
    if not ls.session.features.resolve_edit:
        action.command = types.Command(title=title, command=commands.APPLY_MIGRATION, arguments=[data.to_json()])
    return action


def handle(ls: NnmigrateServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    snap = ls.session.snapshot(params.text_document.uri)
    if snap is None or not _wanted(params.context.only) or snap.index.framework is None:
        return None
    uri, symbol = snap.uri, snap.index.symbol_at(params.range.start.line)
    target = (symbol.framework if symbol else snap.index.framework).other
    actions = []
    if symbol is not None:
        noun = "class" if symbol.kind == "class" else "function"
        data = commands.ActionData(uri, target.value, "migrateClass", symbol.name)
        actions.append(_action(ls, f"Migrate {noun} {symbol.name} to {target.display}", data))
        if snap.trusted:
            data = commands.ActionData(uri, target.value, "verify", symbol.name)
            actions.append(types.CodeAction(title=f"Verify {symbol.name}", kind=KIND, data=data.to_json(),
                                            command=commands.verify_command(uri, symbol.name)))
    data = commands.ActionData(uri, snap.index.framework.other.value, "migrateFile")
    actions.append(_action(ls, f"Migrate file to {snap.index.framework.other.display}", data))
    if symbol is not None:
        ls.prefetch_migration(snap, symbol.name, target)
    return actions
