"""initialize: resolve client capabilities, trust and initializationOptions settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from nnmigrate.lsp.server import NnmigrateServer


def handle(ls: NnmigrateServer, params: types.InitializeParams) -> None:
    for problem in ls.session.initialize(params):
        ls.show(problem)
