"""textDocument/didChange: take the text pygls rebuilt from the incremental change; debounce diagnostics."""

from __future__ import annotations

from lsprotocol import types
from nnmigrate.lsp.language_server import NnmigrateServer


def handle(ls: NnmigrateServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    document = ls.workspace.get_text_document(uri)
    ls.session.update(uri, document.source, params.text_document.version)
    ls.schedule_diagnostics(uri)
