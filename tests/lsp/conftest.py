"""Fixtures for the language-server tests: a pytest-lsp client driving `python -m nnmigrate.lsp` over stdio."""

from __future__ import annotations

from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig
from pytest_lsp import LanguageClient

from lsp.support import SERVER
from lsp.support import SERVER_ENV


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=SERVER_ENV))
async def client(lsp_client: LanguageClient):
    """A started server; each test initializes it with :func:`initialize` (options vary per test)."""
    lsp_client.applied_edits = []  # type: ignore[attr-defined]
    lsp_client.notifications = []  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        lsp_client.applied_edits.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    @lsp_client.feature("nnmigrate/verifyResult")
    def verify_result(params: Any) -> None:
        lsp_client.notifications.append(params)  # type: ignore[attr-defined]

    yield
    await lsp_client.shutdown_session()


