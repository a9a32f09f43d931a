"""Fixtures for the language-server tests: pytest-lsp clients driving the server over stdio.

``client`` runs `python -m nnmigrate serve` on the real library; ``fake`` runs the same server with
``fake_engine`` installed, to pin down the server's own behaviour with deterministic engine answers.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from typing import Union

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig
from pytest_lsp import LanguageClient

from lsp.support import SERVER
from lsp.support import SERVER_ENV

FAKE_SERVER = [sys.executable, str(Path(__file__).with_name("fake_engine.py"))]


def _read_code_actions_like_vscode(lsp_client: LanguageClient) -> None:
    """lsprotocol reads any code action carrying ``command`` as a bare Command (``_hooks.py:
    _code_action_hook``); VS Code checks that ``command`` is a string (``Command.is``). Do the same."""
    converter = lsp_client.protocol._converter

    def hook(obj: Any, _: type) -> Any:
        is_command = isinstance(obj.get("command"), str)
        return converter.structure(obj, types.Command if is_command else types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], hook)


def _record(lsp_client: LanguageClient) -> None:
    """Answer workspace/applyEdit and record edits and nnmigrate/verifyResult notifications."""
    _read_code_actions_like_vscode(lsp_client)
    lsp_client.applied_edits = []  # type: ignore[attr-defined]
    lsp_client.notifications = []  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        lsp_client.applied_edits.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    @lsp_client.feature("nnmigrate/verifyResult")
    def verify_result(params: Any) -> None:
        lsp_client.notifications.append(params)  # type: ignore[attr-defined]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=SERVER_ENV))
async def client(lsp_client: LanguageClient):
    """The server on the real library; each test initializes it with ``support.initialize``."""
    _record(lsp_client)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=FAKE_SERVER, server_env=SERVER_ENV))
async def fake(lsp_client: LanguageClient):
    """The server with ``fake_engine`` standing in for the library."""
    _record(lsp_client)
    yield
    await lsp_client.shutdown_session()
