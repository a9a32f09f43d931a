"""The one routing table, ``create_server()`` and ``main()`` (``nnmigrate serve``: LSP over stdio).

Every LSP method and command is listed in :data:`FEATURES` / :data:`COMMANDS` next to its handler module.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from lsprotocol import types

from nnmigrate.lsp import commands
from nnmigrate.lsp.handlers import apply_migration
from nnmigrate.lsp.handlers import cancel_verify
from nnmigrate.lsp.handlers import code_action
from nnmigrate.lsp.handlers import code_action_resolve
from nnmigrate.lsp.handlers import did_change
from nnmigrate.lsp.handlers import did_change_configuration
from nnmigrate.lsp.handlers import did_close
from nnmigrate.lsp.handlers import did_open
from nnmigrate.lsp.handlers import hover
from nnmigrate.lsp.handlers import initialize
from nnmigrate.lsp.handlers import initialized
from nnmigrate.lsp.handlers import preview
from nnmigrate.lsp.handlers import shutdown
from nnmigrate.lsp.handlers import symbol_at
from nnmigrate.lsp.handlers import verify
from nnmigrate.lsp.language_server import NnmigrateServer

log = logging.getLogger(__name__)

CODE_ACTION_OPTIONS = types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.RefactorRewrite],
                                              resolve_provider=True)

#: LSP method -> (handler, registration options).
FEATURES: dict[str, tuple[Callable[..., Any], Any]] = {
    types.INITIALIZE: (initialize.handle, None),
    types.INITIALIZED: (initialized.handle, None),
    types.SHUTDOWN: (shutdown.handle, None),
    types.TEXT_DOCUMENT_DID_OPEN: (did_open.handle, None),
    types.TEXT_DOCUMENT_DID_CHANGE: (did_change.handle, None),
    types.TEXT_DOCUMENT_DID_CLOSE: (did_close.handle, None),
    types.WORKSPACE_DID_CHANGE_CONFIGURATION: (did_change_configuration.handle, None),
    types.TEXT_DOCUMENT_CODE_ACTION: (code_action.handle, CODE_ACTION_OPTIONS),
    types.CODE_ACTION_RESOLVE: (code_action_resolve.handle, None),
    types.TEXT_DOCUMENT_HOVER: (hover.handle, None),
}

#: workspace/executeCommand name -> handler.
COMMANDS: dict[str, Callable[..., Any]] = {
    commands.PREVIEW: preview.handle,
    commands.SYMBOL_AT: symbol_at.handle,
    commands.VERIFY: verify.handle,
    commands.CANCEL_VERIFY: cancel_verify.handle,
    commands.APPLY_MIGRATION: apply_migration.handle,
}


def create_server() -> NnmigrateServer:
    """A server with every feature and command of the routing tables registered."""
    server = NnmigrateServer()
    for method, (handler, options) in FEATURES.items():
        server.feature(method, options)(handler)
    for name, handler in COMMANDS.items():
        server.command(name)(handler)
    return server


def main(argv: list[str] | None = None) -> int:
    """Serve LSP over stdio until the client says exit."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="nnmigrate-lsp %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)
    create_server().start_io()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
