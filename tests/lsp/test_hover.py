"""textDocument/hover: the other framework's equivalent of the call under the cursor, as markdown."""

from __future__ import annotations

import textwrap

from lsprotocol import types
from pytest_lsp import client_capabilities

from lsp.support import initialize
from lsp.support import needs_engine
from lsp.support import open_doc

SOURCE = textwrap.dedent(
    """\
    import torch.nn as nn

    WIDTH = 64


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = nn.BatchNorm2d(64, momentum=0.05)
            s = "𝒩"; self.act = nn.ReLU()
    """
)


def hover_at(uri: str, line: int, character: int) -> types.HoverParams:
    return types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, character))


async def test_hover_range_and_markdown_come_from_the_block(fake, tmp_path):
    await initialize(fake)
    uri = open_doc(fake, tmp_path / "model.py", SOURCE)
    hover = await fake.text_document_hover_async(hover_at(uri, 8, 22))
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value.startswith("```python\nkeras.layers.Equivalent()  # for nn.BatchNorm2d(64, momentum=0.05)")
    assert "\n---\n" in hover.contents.value
    assert hover.range == types.Range(types.Position(8, 18), types.Position(8, 51))
    # A non-BMP character before the call: LSP columns count UTF-16 units, the engine code points.
    line = SOURCE.splitlines()[9]
    start16 = len(line[: line.index("nn.ReLU")].encode("utf-16-le")) // 2
    hover = await fake.text_document_hover_async(hover_at(uri, 9, start16 + 3))
    assert "# for nn.ReLU()" in hover.contents.value
    assert hover.range == types.Range(types.Position(9, start16), types.Position(9, start16 + 9))
    assert await fake.text_document_hover_async(hover_at(uri, 2, 3)) is None  # not a call
    assert await fake.text_document_hover_async(hover_at(uri, 0, 3)) is None  # import header


async def test_hover_plaintext_client(fake, tmp_path):
    caps = client_capabilities("visual-studio-code")
    caps.text_document.hover.content_format = [types.MarkupKind.PlainText]
    await initialize(fake, capabilities=caps)
    uri = open_doc(fake, tmp_path / "model.py", SOURCE)
    hover = await fake.text_document_hover_async(hover_at(uri, 8, 22))
    assert hover.contents.kind == types.MarkupKind.PlainText


@needs_engine("explain_at")
async def test_real_hover_converts_batchnorm_arguments(client, tmp_path):
    await initialize(client)
    uri = open_doc(client, tmp_path / "model.py", SOURCE)
    hover = await client.text_document_hover_async(hover_at(uri, 8, 22))
    value = hover.contents.value
    assert value.startswith("```python\n") and "\n---\n" in value
    assert "layers.BatchNormalization(" in value
    assert "epsilon=1e-05" in value and "momentum=0.95" in value
