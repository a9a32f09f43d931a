"""The server subclass, the one routing table, and ``main()`` (``nnmigrate serve``: LSP over stdio).

Every LSP method and command is listed in :data:`FEATURES` / :data:`COMMANDS` next to its handler module.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from nnmigrate import __version__
from nnmigrate.lsp import commands
from nnmigrate.lsp import diagnostics
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
from nnmigrate.lsp.scheduling import Debouncer
from nnmigrate.lsp.session import Session
from nnmigrate.lsp.verify_runner import VerifyRunner

log = logging.getLogger(__name__)


class NnmigrateServer(LanguageServer):
    """pygls server holding the session, the diagnostics debouncer and the verify runner."""

    def __init__(self) -> None:
        super().__init__("nnmigrate", __version__)
        self.session = Session()
        self.debouncer = Debouncer()
        self.verifier = VerifyRunner()

    def schedule_diagnostics(self, uri: str, immediately: bool = False) -> None:
        """(Re)start the debounced diagnostics run of ``uri``."""
        delay = 0.0 if immediately else self.session.settings.debounce_ms / 1000
        self.debouncer.schedule(uri, delay, lambda: self.publish_diagnostics(uri))

    async def publish_diagnostics(self, uri: str) -> None:
        snap = self.session.snapshot(uri)
        if snap is None:
            return
        marks = self.session.verify_marks.get(uri, {})

        def send(items: list[types.Diagnostic]) -> None:
            if self.session.is_open(uri):
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=snap.version))

        send(await diagnostics.compute(snap.index, self.session.cache, marks, publish_partial=send))

    def clear_diagnostics(self, uri: str) -> None:
        self.debouncer.cancel(uri)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def show(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """A message for the user (and the log)."""
        log.warning("%s", message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def notify(self, method: str, params: Any) -> None:
        self.protocol.notify(method, params)

    async def in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a slow library call off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.thread_pool, fn, *args)


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
