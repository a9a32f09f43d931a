"""Hover narrowing: one `__init__` statement under a class/def skeleton explains a call exactly as the block does."""

from __future__ import annotations

import ast
import textwrap

import pytest

from lsp.support import FIXTURES
from lsp.support import needs_engine
from nnmigrate.lsp.block_cache import BlockCache
from nnmigrate.lsp.documents import DocumentIndex
from nnmigrate.lsp.hover_context import narrow

BLOCK = textwrap.dedent(
    """\
    @register
    class Net(nn.Module):
        \"\"\"Doc.\"\"\"

        def __init__(self, width=64,
                     classes=10):
            super().__init__()
            self.fc = nn.Linear(
                width, classes)
            for i in range(3):
                self.add_module(f"c{i}", nn.Conv2d(3, 3, 3))

        def forward(self, x):
            return self.fc(x)
    """
)


def test_narrow_keeps_skeleton_and_statement() -> None:
    piece = narrow(BLOCK, 8)
    assert piece is not None
    assert piece.text == ("@register\nclass Net(nn.Module):\n    def __init__(self, width=64,\n"
                          "                 classes=10):\n        self.fc = nn.Linear(\n            width, classes)\n")
    assert piece.from_block(8) == 5 and piece.to_block(6) == 9
    ast.parse(piece.text)


@pytest.mark.parametrize("line", [11, 14, 3])  # inside a loop, in forward, the docstring
def test_narrow_falls_back_to_the_block(line: int) -> None:
    assert narrow(BLOCK, line) is None


@needs_engine("explain_at")
@pytest.mark.parametrize("fixture", ["cifar_cnn.py", "resnet_basic.py", "transformer_encoder.py"])
def test_narrowed_hover_equals_whole_block_hover(fixture: str) -> None:
    from nnmigrate.explain import explain_at

    text = (FIXTURES / "pytorch" / fixture).read_text()
    index = DocumentIndex(text, BlockCache())
    offset = index.header.count("\n")
    checked = 0
    for block in index.blocks:
        for node in ast.walk(ast.parse(block.text)) if block.kind in ("class", "def") else ():
            piece = narrow(block.text, node.lineno) if isinstance(node, ast.Call) else None
            if piece is None:
                continue
            col = node.col_offset + 1  # fixtures are ASCII
            full = explain_at(index.header + block.text, node.lineno + offset, col)
            small = explain_at(index.header + piece.text, piece.from_block(node.lineno) + offset, col)
            assert (full and full.markdown) == (small and small.markdown)
            checked += 1
    assert checked > 5
