"""The server process never imports torch, tensorflow or keras, not even through the library it calls."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from lsp.support import FIXTURES
from lsp.support import SERVER_ENV

PROBE = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import nnmigrate.cli
    from nnmigrate.lsp import engine
    from nnmigrate.lsp import server
    from nnmigrate.lsp.block_cache import BlockCache
    from nnmigrate.lsp.documents import DocumentIndex

    server.create_server()
    for path in sorted(Path(sys.argv[1]).glob("*/*.py")):
        text = path.read_text()
        index = DocumentIndex(text, BlockCache())
        for block in index.analysis_units():
            index.cache.analysis(index.header, block.text)
        for symbol in engine.list_symbols(text):
            try:
                engine.migrate(text, symbol.framework.other, symbol.name, "native")
            except engine.EngineError:
                pass
        engine.explain(text, 12, 20)
    heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"torch", "tensorflow", "keras", "jax"})
    print(",".join(heavy))
    """
)


def test_server_and_engine_calls_import_no_framework():
    result = subprocess.run([sys.executable, "-c", PROBE, str(FIXTURES)], env=SERVER_ENV, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
