"""Patterns seen in published PyTorch model code, in small hand-written form: each migrates to Keras and,
where numerics matter, verifies equivalent."""

from __future__ import annotations

import textwrap
from pathlib import Path

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source
from nnmigrate.verify.run import build_request


def write_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def migrate_file(path: Path, symbol: str):
    return migrate_source(path.read_text(), Framework.TENSORFLOW, symbol=symbol, path=str(path))


def verify(worker, src: Path, out_text: str, symbol: str, inputs: list[str], args: dict | None = None,
           tmp: Path | None = None) -> dict:
    out = (tmp or src.parent.parent) / "out" / f"{src.stem}_tf.py"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(out_text)
    request = build_request(str(src), str(out), symbol, args or {}, inputs, "cpu", "native")
    return worker.verify(request, timeout=300)


PACKAGE = {
    "pkg/__init__.py": "from .net import Net\n",
    "pkg/helpers.py": """
        def exists(v):
            return v is not None
        """,
    "pkg/blocks.py": """
        import torch.nn as nn
        from .helpers import exists

        WIDTH = 4

        def exists(v):  # a different helper under the same name as the main file's
            return v is not None and v is not False

        class Block(nn.Module):
            def __init__(self, dim, norm=None):
                super().__init__()
                self.fc = nn.Linear(dim, WIDTH)
                self.norm = nn.LayerNorm(WIDTH) if exists(norm) else nn.Identity()

            def forward(self, x):
                return self.norm(self.fc(x))
        """,
    "pkg/base.py": """
        import torch.nn as nn

        class Base(nn.Module):
            def head(self, x):
                return x * 2
        """,
    "pkg/net.py": """
        import torch
        from torch import nn
        from .blocks import Block as B
        from pkg import base
        from pkg.base import Base

        def exists(v):
            return v is not None

        class Net(Base):
            def __init__(self, dim):
                super().__init__()
                self.block = B(dim, norm=True)
                self.out = nn.Linear(4, 2)

            def forward(self, x):
                return self.head(self.out(torch.relu(self.block(x))))

        class Other(base.Base):
            def forward(self, x):
                return x
        """,
}


def test_package_imports_are_migrated_into_the_output(tmp_path, worker):
    write_package(tmp_path / "src", PACKAGE)
    src = tmp_path / "src" / "pkg" / "net.py"
    result = migrate_file(src, "Net")
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    text = result.text
    assert "import pkg" not in text and "from ." not in text and "from pkg" not in text
    assert "class Block(keras.layers.Layer)" in text and "class Base(keras.layers.Layer)" in text
    assert "self.block = Block(dim, norm=True)" in text
    assert "def exists_blocks(v)" in text and "if exists_blocks(norm)" in text  # conflicting helper renamed
    assert text.index("class Base(") < text.index("class Net(")
    assert "class Other(Base)" in migrate_file(src, "Other").text  # a model class through a module alias
    report = verify(worker, src, text, "Net", ["float32[3,5]"], {"dim": 5}, tmp_path)
    assert report["status"] == "equivalent", report["message"] + "\n" + text


def test_module_alias_and_reader_diagnostics_point_at_the_import(tmp_path):
    write_package(tmp_path / "src", {
        "tools/__init__.py": "",
        "tools/ops.py": """
            import torch
            import torch.nn as nn

            class Odd(nn.Module):
                def forward(self, x):
                    return torch.special.zeta(x, x)
            """,
        "tools/model.py": """
            import torch.nn as nn
            from tools import ops as o

            class Model(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.odd = o.Odd()

                def forward(self, x):
                    return self.odd(x)
            """,
    })
    result = migrate_file(tmp_path / "src" / "tools" / "model.py", "Model")
    assert "self.odd = Odd()" in result.text and "class Odd(keras.layers.Layer)" in result.text
    [diag] = [d for d in result.diagnostics if d.code == "NNM101"]
    assert diag.range is not None and diag.range.start_line == 3 and "(in ops.py:7)" in diag.message


def test_third_party_imports_stay_imports(tmp_path):
    write_package(tmp_path / "src", {"loose/model.py": """
        import torch.nn as nn
        from einops import rearrange

        class M(nn.Module):
            def forward(self, x):
                return rearrange(x, 'b c -> c b')
        """})
    result = migrate_file(tmp_path / "src" / "loose" / "model.py", "M")
    assert "from einops import rearrange" in result.text


def test_diagnostics_outside_the_symbol_do_not_count(tmp_path):
    source = textwrap.dedent("""
        import torch
        import torch.nn as nn

        class Small(nn.Module):
            def forward(self, x):
                return torch.relu(x)

        class Unrelated(nn.Module):
            def forward(self, x):
                return torch.special.zeta(x, x)
        """)
    assert migrate_source(source, Framework.TENSORFLOW, symbol="Small").exit_code == 0
    assert migrate_source(source, Framework.TENSORFLOW, symbol="Unrelated").exit_code == 3
