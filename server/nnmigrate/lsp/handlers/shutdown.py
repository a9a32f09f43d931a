"""shutdown: stop the verify worker so no subprocess outlives the server."""

from __future__ import annotations

from nnmigrate.lsp.language_server import NnmigrateServer


def handle(ls: NnmigrateServer, *args: object) -> None:
    ls.verifier.cancel()
    ls.verifier.dispose()
