"""textDocument/didOpen: track the document and publish its diagnostics at once."""

from __future__ import annotations

from lsprotocol import types
from nnmigrate.lsp.language_server import NnmigrateServer


def handle(ls: NnmigrateServer, params: types.DidOpenTextDocumentParams) -> None:
    doc = params.text_document
    ls.session.open(doc.uri, doc.text, doc.version)
    ls.schedule_diagnostics(doc.uri, immediately=True)
