"""initialize: resolve client capabilities, trust and initializationOptions settings."""

from __future__ import annotations

from lsprotocol import types
from nnmigrate.lsp.language_server import NnmigrateServer


def handle(ls: NnmigrateServer, params: types.InitializeParams) -> None:
    for problem in ls.session.initialize(params):
        ls.show(problem)
