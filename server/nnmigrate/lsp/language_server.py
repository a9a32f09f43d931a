"""The pygls server subclass: session, diagnostics debouncer and verify runner, plus small send helpers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from nnmigrate import __version__
from nnmigrate.frameworks import Framework
from nnmigrate.lsp import diagnostics
from nnmigrate.lsp import edits
from nnmigrate.lsp.scheduling import Debouncer
from nnmigrate.lsp.session import Session
from nnmigrate.lsp.session import Snapshot
from nnmigrate.lsp.verify_runner import VerifyRunner

log = logging.getLogger(__name__)

#: How long the cursor must rest on a class (no new code-action request) before it is migrated ahead.
PREFETCH_DELAY_S = 0.25


class NnmigrateProtocol(LanguageServerProtocol):
    """pygls' protocol plus cancel hooks: ``$/cancelRequest`` on a workspace/executeCommand only cancels
    pygls' own result future while the command's coroutine runs on, so long commands register here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cancel_hooks: dict[Any, Callable[[], None]] = {}

    def on_cancel(self, msg_id: Any, hook: Callable[[], None]) -> Callable[[], None]:
        """Call ``hook`` when the client cancels request ``msg_id``; returns the unregister function."""
        self._cancel_hooks[msg_id] = hook
        return lambda: self._cancel_hooks.pop(msg_id, None)

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        hook = self._cancel_hooks.pop(msg_id, None)
        if hook is not None:
            hook()
        super()._handle_cancel_notification(msg_id)


class NnmigrateServer(LanguageServer):
    """pygls server holding the session, the diagnostics debouncer and the verify runner."""

    protocol: NnmigrateProtocol

    def __init__(self) -> None:
        super().__init__("nnmigrate", __version__, protocol_cls=NnmigrateProtocol)
        self.session = Session()
        self.debouncer = Debouncer()
        self.verifier = VerifyRunner()
        self._published: set[str] = set()

    def schedule_diagnostics(self, uri: str, immediately: bool = False) -> None:
        """(Re)start the debounced diagnostics run of ``uri``."""
        delay = 0.0 if immediately else self.session.settings.debounce_ms / 1000
        self.debouncer.schedule(uri, delay, lambda: self.publish_diagnostics(uri))

    async def publish_diagnostics(self, uri: str) -> None:
        """Analyse and publish ``uri``; after the first publish, a slow run publishes an interim set first."""
        snap = self.session.snapshot(uri)
        if snap is None:
            return
        marks = self.session.verify_marks.get(uri, {})

        def send(items: list[types.Diagnostic]) -> None:
            if self.session.is_open(uri):
                self._published.add(uri)
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=snap.version))

        partial = send if uri in self._published else None
        send(await diagnostics.compute(snap.index, self.session.cache, marks, publish_partial=partial))

    def clear_diagnostics(self, uri: str) -> None:
        self.debouncer.cancel(uri)
        self._published.discard(uri)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def show(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """A message for the user (and the log)."""
        log.warning("%s", message)
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def notify(self, method: str, params: Any) -> None:
        self.protocol.notify(method, params)

    def prefetch_migration(self, snap: Snapshot, symbol: str, target: Framework) -> None:
        """Once the cursor has rested on ``symbol`` for ``PREFETCH_DELAY_S``, migrate it in the background."""

        async def job() -> None:
            try:
                edits.prefetch(self.thread_pool, edits.prepare(snap, symbol, target, lambda _: None))
            except Exception:
                log.debug("prefetch of %s skipped", symbol, exc_info=True)

        self.debouncer.schedule(f"prefetch:{snap.uri}", PREFETCH_DELAY_S, job)

    async def in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a slow library call off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.thread_pool, fn, *args)
