"""Helpers for the language-server tests: server command, initialize, document edits, waiting."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from pytest_lsp import client_capabilities

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
SERVER_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "server"), os.environ.get("PYTHONPATH", "")])}
SERVER = [sys.executable, "-m", "nnmigrate", "serve"]  # the real entry point, as the VS Code client starts it


def engine_has(name: str) -> bool:
    """Whether the migration library already provides ``name`` (tests of engine-backed features skip otherwise)."""
    from nnmigrate.lsp import engine

    if name == "WorkerSession":
        return engine._lookup("nnmigrate.verify.session", "WorkerSession") is not None
    return engine.available(name)


def needs_engine(*names: str) -> pytest.MarkDecorator:
    missing = [n for n in names if not engine_has(n)]
    return pytest.mark.skipif(bool(missing), reason=f"engine does not provide {', '.join(missing)} yet")


async def initialize(client: LanguageClient, *, settings: dict[str, Any] | None = None, trusted: bool | None = None,
                     capabilities: types.ClientCapabilities | None = None, root: Path | None = None) -> None:
    options: dict[str, Any] = {"settings": settings or {}}
    if trusted is not None:
        options["trusted"] = trusted
    await client.initialize_session(types.InitializeParams(
        capabilities=capabilities or client_capabilities("visual-studio-code"),
        initialization_options=options,
        root_uri=(root.as_uri() if root else None),
    ))


def open_doc(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="python", version=version, text=path.read_text() if text is None else text)))
    return uri


def change(client: LanguageClient, uri: str, version: int, start: tuple[int, int], end: tuple[int, int],
           text: str) -> None:
    """Send one incremental change replacing ``start``..``end`` (0-based line, UTF-16 column) with ``text``."""
    rng = types.Range(types.Position(*start), types.Position(*end))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(range=rng, text=text)]))


async def wait_diagnostics(client: LanguageClient, uri: str, version: int | None = None,
                           timeout: float = 20.0) -> list[types.Diagnostic]:
    """Wait for the diagnostics of ``uri`` published for ``version`` (any version when None)."""
    async def wait() -> list[types.Diagnostic]:
        while True:
            params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri and (version is None or params.version == version):
                return list(params.diagnostics)

    return await asyncio.wait_for(wait(), timeout)
