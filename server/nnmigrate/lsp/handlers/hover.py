"""textDocument/hover: the other framework's equivalent of the layer/op call under the cursor.

The engine explains the call from the import header plus the hovered block only, so hover cost does not
grow with the file; its range is shifted back to document lines.
"""

from __future__ import annotations

from lsprotocol import types

from nnmigrate.lsp import convert
from nnmigrate.lsp import engine
from nnmigrate.lsp.language_server import NnmigrateServer


def handle(ls: NnmigrateServer, params: types.HoverParams) -> types.Hover | None:
    snap = ls.session.snapshot(params.text_document.uri)
    if snap is None:
        return None
    index = snap.index
    block = index.block_at(params.position.line)
    if block is None or block.kind == "import" or index.cache.syntax(block.text).error is not None:
        return None
    line, col = convert.from_position(index.lines, params.position)
    offset = index.header.count("\n")
    found = engine.explain(index.header + block.text, line - block.start + offset, col)
    if found is None or not getattr(found, "markdown", ""):
        return None
    rng = found.range.shifted(block.start - offset) if found.range is not None else None
    kind = types.MarkupKind.Markdown if snap.features.markdown else types.MarkupKind.PlainText
    return types.Hover(contents=types.MarkupContent(kind=kind, value=found.markdown),
                       range=convert.to_range(index.lines, rng) if rng else None)
