"""workspace/didChangeConfiguration: take pushed "nnmigrate" settings, else pull them again."""

from __future__ import annotations

from lsprotocol import types

from nnmigrate.lsp.handlers.initialized import pull_configuration
from nnmigrate.lsp.language_server import NnmigrateServer


async def handle(ls: NnmigrateServer, params: types.DidChangeConfigurationParams) -> None:
    pushed = params.settings.get("nnmigrate") if isinstance(params.settings, dict) else None
    if isinstance(pushed, dict):
        for problem in ls.session.apply_settings(pushed):
            ls.show(problem)
    else:
        await pull_configuration(ls)
