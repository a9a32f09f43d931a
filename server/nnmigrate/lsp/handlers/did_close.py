"""textDocument/didClose: forget the document and clear its diagnostics."""

from __future__ import annotations

from lsprotocol import types
from nnmigrate.lsp.language_server import NnmigrateServer


def handle(ls: NnmigrateServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.session.close(uri)
    ls.session.verify_marks.pop(uri, None)
    ls.clear_diagnostics(uri)
