"""initialized: pull the "nnmigrate" configuration section when the client offers workspace/configuration."""

from __future__ import annotations

import logging

from lsprotocol import types
from nnmigrate.lsp.language_server import NnmigrateServer


log = logging.getLogger(__name__)


async def pull_configuration(ls: NnmigrateServer) -> None:
    """Ask the client for section "nnmigrate" and apply it over the current settings."""
    if not ls.session.features.configuration:
        return
    try:
        params = types.ConfigurationParams(items=[types.ConfigurationItem(section="nnmigrate")])
        values = await ls.workspace_configuration_async(params)
    except Exception:
        log.exception("workspace/configuration failed")
        return
    for problem in ls.session.apply_settings(values[0] if values else None):
        ls.show(problem)


async def handle(ls: NnmigrateServer, params: types.InitializedParams) -> None:
    await pull_configuration(ls)
