"""Command nnmigrate.server.cancelVerify: cancel the verify in flight (the worker is killed)."""

from __future__ import annotations

from nnmigrate.lsp.language_server import NnmigrateServer


def handle(ls: NnmigrateServer) -> dict[str, bool]:
    return {"cancelled": ls.verifier.cancel()}
