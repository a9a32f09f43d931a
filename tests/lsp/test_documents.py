"""Tests for the block splitter and the per-block cache: an edit re-analyses only the block it touches."""

from __future__ import annotations

import textwrap

import pytest

from nnmigrate.diagnostics import Diagnostic
from nnmigrate.diagnostics import Severity
from nnmigrate.diagnostics import SourceRange
from nnmigrate.lsp import engine
from nnmigrate.lsp.blocks import split_blocks
from nnmigrate.lsp.block_cache import BlockCache
from nnmigrate.lsp.documents import DocumentIndex

SOURCE = textwrap.dedent(
    '''\
    """Module docstring.

    class NotAClass: this line sits inside the docstring
    """
    import torch
    import torch.nn as nn

    WIDTH = (
    64)


    # nnmigrate: input float32[1,3,32,32] int64[2,16]<1000
    @torch.jit.ignore
    class A(nn.Module):
        s = "("
    # a column-0 comment inside the body
        def forward(self, x):
            return x


    try:
        import torchvision
    except ImportError:
        torchvision = None


    class B(A):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(WIDTH, 2)
    '''
)


def spans(text: str) -> list[tuple[int, str, str | None]]:
    return [(b.start, b.kind, b.name) for b in split_blocks(text.splitlines(keepends=True))]


def test_split_blocks_follows_top_level_statements() -> None:
    assert spans(SOURCE) == [
        (0, "other", None),
        (4, "import", None),
        (5, "import", None),
        (7, "other", None),
        (11, "class", "A"),
        (20, "other", None),
        (26, "class", "B"),
    ]


def test_unterminated_docstring_is_split_leniently_by_the_index() -> None:
    text = SOURCE.replace('    """\n    import torch', "    import torch").replace("        s = \"(\"", '        """open')
    index = DocumentIndex(textwrap.dedent(text), BlockCache())
    names = [b.name for b in index.blocks if b.name]
    assert "B" in names


def test_input_specs_and_slice() -> None:
    index = DocumentIndex(SOURCE, BlockCache())
    assert index.input_specs("A") == ["float32[1,3,32,32]", "int64[2,16]<1000"]
    piece = index.slice_for("B")
    assert "class A(nn.Module)" in piece.text and "WIDTH = (" in piece.text and "torchvision" not in piece.text
    line = piece.text.splitlines().index("class B(A):")
    assert index.lines[piece.line_map[line]] == "class B(A):\n"
    assert piece.to_document(SourceRange(line + 1, 0, line + 1, 5)) == SourceRange(27, 0, 27, 5)


@pytest.fixture
def counting_engine(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace engine.analyze with one that flags every `nn.Linear` and records what it was asked."""
    calls: list[str] = []

    def analyze(source: str) -> list[Diagnostic]:
        calls.append(source)
        out = []
        for number, line in enumerate(source.splitlines(), start=1):
            col = line.find("nn.Linear")
            if col >= 0:
                out.append(Diagnostic("NNM205", "init differs", SourceRange(number, col, number, col + 9),
                                      Severity.HINT))
        return out

    monkeypatch.setattr(engine, "analyze", analyze)
    return calls


def test_edit_in_one_class_reanalyses_only_that_class(counting_engine: list[str]) -> None:
    cache = BlockCache()
    first = DocumentIndex(SOURCE, cache)
    for block in first.analysis_units():
        cache.analysis(first.header, block.text)
    assert len(counting_engine) == len(first.analysis_units())
    counting_engine.clear()

    edited = SOURCE.replace("        return x", "        y = x\n        return y")
    second = DocumentIndex(edited, cache)
    stale = [b for b in second.analysis_units() if not cache.is_fresh(second.header, b.text)]
    assert [b.name for b in stale] == ["A"]
    found = {}
    for block in second.analysis_units():
        for d in cache.analysis(second.header, block.text):
            found[block.name] = d.range.shifted(block.start)
    assert [s for s in counting_engine if "class A" in s] and len(counting_engine) == 1
    assert found["B"] == SourceRange(31, 18, 31, 27)  # moved down one line, not recomputed


def test_broken_block_reports_syntax_once_and_skips_the_engine(counting_engine: list[str]) -> None:
    cache = BlockCache()
    index = DocumentIndex(SOURCE.replace("return x", "return (x"), cache)
    results = [d for b in index.analysis_units() for d in cache.analysis(index.header, b.text)]
    assert [d.code for d in results].count("NNM001") == 1
    assert not any("class A" in s for s in counting_engine)
