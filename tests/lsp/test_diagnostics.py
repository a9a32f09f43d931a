"""textDocument/publishDiagnostics over stdio: after open, after incremental edits, and on broken code."""

from __future__ import annotations

import textwrap

from lsprotocol import types

from lsp.support import change
from lsp.support import initialize
from lsp.support import needs_engine
from lsp.support import open_doc
from lsp.support import wait_diagnostics

TWO_CLASSES = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn


    class First(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(x)


    class Second(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 4, padding_idx=0)

        def forward(self, x):
            return self.emb(x)
    """
)


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


async def test_syntax_error_reported_once_with_exact_range_then_fixed(client, tmp_path):
    await initialize(client)
    broken = TWO_CLASSES.replace("return self.fc(x)", "return self.fc(x")
    uri = open_doc(client, tmp_path / "model.py", broken)
    diagnostics = await wait_diagnostics(client, uri, 1)
    syntax = [d for d in diagnostics if d.code == "NNM001"]
    assert len(syntax) == 1
    assert syntax[0].source == "nnmigrate"
    assert syntax[0].severity == types.DiagnosticSeverity.Error
    assert syntax[0].range.start.line == 10  # `return self.fc(x` (0-based)
    assert syntax[0].range.start.character == 22  # the unclosed parenthesis

    change(client, uri, 2, (10, 24), (10, 24), ")")
    diagnostics = await wait_diagnostics(client, uri, 2)
    assert "NNM001" not in codes(diagnostics)


async def test_half_typed_class_keeps_other_blocks(fake, tmp_path):
    client = fake
    await initialize(client)
    uri = open_doc(client, tmp_path / "model.py", TWO_CLASSES)
    before = await wait_diagnostics(client, uri, 1)
    second = [d for d in before if d.range.start.line >= 13]
    assert [(d.code, d.range.start.line, d.range.start.character, d.severity) for d in second] == [
        ("NNM202", 16, 39, types.DiagnosticSeverity.Warning)]
    assert second[0].message == "padding_idx has no Keras equivalent\nHint: mask the zero row yourself"
    assert [d.code for d in before if d.range.start.line < 13] == ["NNM205"]

    # Start typing a new method in First: the block no longer parses.
    change(client, uri, 2, (11, 0), (11, 0), "    def extra(self, \n")
    after = await wait_diagnostics(client, uri, 2)
    assert [d.code for d in after].count("NNM001") == 1
    assert [d for d in after if d.range.start.line >= 14] == [_moved(d, 1) for d in second]

    # A burst of edits: only the last version is published, and it is clean again.
    change(client, uri, 3, (11, 0), (12, 0), "")
    change(client, uri, 4, (0, 0), (0, 0), "# header comment\n")
    final = await wait_diagnostics(client, uri, 4)
    assert "NNM001" not in codes(final)
    assert [d for d in final if d.range.start.line >= 14] == [_moved(d, 1) for d in second]


def _moved(d: types.Diagnostic, lines: int) -> types.Diagnostic:
    start = types.Position(d.range.start.line + lines, d.range.start.character)
    end = types.Position(d.range.end.line + lines, d.range.end.character)
    return types.Diagnostic(types.Range(start, end), d.message, d.severity, d.code, d.code_description,
                            d.source, d.tags, d.related_information, d.data)


async def test_garbage_and_unicode_never_crash(client, tmp_path):
    await initialize(client)
    text = 'import torch\n"""unterminated\nclass 𝒳(nn.Module):\n    x = "é"\n\x00\n'
    uri = open_doc(client, tmp_path / "weird.py", text)
    diagnostics = await wait_diagnostics(client, uri, 1)
    assert "NNM001" in codes(diagnostics)
    change(client, uri, 2, (0, 0), (99, 0), "")
    assert await wait_diagnostics(client, uri, 2) == []
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert await wait_diagnostics(client, uri) == []


@needs_engine("analyze")
async def test_engine_diagnostics_have_codes_ranges_and_source(client, tmp_path):
    await initialize(client)
    uri = open_doc(client, tmp_path / "model.py", TWO_CLASSES)
    diagnostics = await wait_diagnostics(client, uri, 1)
    emb = [d for d in diagnostics if d.range.start.line == 16]  # the nn.Embedding(..., padding_idx=0) line
    assert emb, diagnostics
    assert emb[0].severity in (types.DiagnosticSeverity.Warning, types.DiagnosticSeverity.Error)
    assert all(d.source == "nnmigrate" and str(d.code).startswith("NNM") for d in diagnostics)
