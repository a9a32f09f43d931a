"""textDocument/hover: the other framework's equivalent of the layer/op call under the cursor.

The engine explains the call from the import header plus the hovered block only (narrowed further to one
``__init__`` statement where that gives the same answer, see ``hover_context``), so hover cost does not grow
with the file; its range is mapped back to document lines.
"""

from __future__ import annotations

from lsprotocol import types

from nnmigrate.diagnostics import SourceRange
from nnmigrate.lsp import convert
from nnmigrate.lsp import engine
from nnmigrate.lsp.hover_context import narrow
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
    in_block = line - block.start  # 1-based within the block
    offset = index.header.count("\n")
    piece = narrow(block.text, in_block)
    if piece is not None:
        found = engine.explain(index.header + piece.text, piece.from_block(in_block) + offset, col)
        to_block = piece.to_block
    else:
        found = engine.explain(index.header + block.text, in_block + offset, col)
        to_block = lambda n: n  # noqa: E731
    if found is None or not getattr(found, "markdown", ""):
        return None
    rng = found.range
    start, end = (to_block(rng.start_line - offset), to_block(rng.end_line - offset)) if rng else (None, None)
    doc_range = None
    if start is not None and end is not None:
        doc_range = convert.to_range(index.lines, SourceRange(start + block.start, rng.start_col,
                                                              end + block.start, rng.end_col))
    kind = types.MarkupKind.Markdown if snap.features.markdown else types.MarkupKind.PlainText
    return types.Hover(contents=types.MarkupContent(kind=kind, value=found.markdown), range=doc_range)
