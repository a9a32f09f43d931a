"""Robustness on code nnmigrate has never seen: what it cannot handle becomes a diagnostic with a source range and
a marker in valid output, never a traceback, and never costs the rest of the file."""

from __future__ import annotations

import ast
import textwrap

import pytest

from nnmigrate.cli import main
from nnmigrate.frameworks import Framework
from nnmigrate.migrate import MigrationError, migrate_source

NET = textwrap.dedent('''
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self, ndim=2):
            super().__init__()
            self.ndim = ndim
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            y = self.fc(x)
            return y * self.ndim


    def split(pairs):
        (first,) = pairs
        rest = [p for p in pairs]
        return (*rest,)
''')


def to_keras(source: str, **options):
    result = migrate_source(source, Framework.TENSORFLOW, **options)
    ast.parse(result.text)
    return result


def test_own_attribute_named_like_a_tensor_property_stays_an_attribute():
    """`self.ndim = ndim` sets the module's attribute; it is not the tensor property `.ndim` (no `ops.ndim(self)`)."""
    result = to_keras(NET)
    assert "self.ndim = ndim" in result.text and "return y * self.ndim" in result.text
    assert "ops.ndim(self)" not in result.text


def test_one_element_tuples_keep_their_comma():
    """`(first,) = pairs` unpacks and `return (*rest,)` builds a tuple: both stay valid Python that means the same."""
    text = to_keras(NET).text
    assert "(first,) = pairs" in text and "return (*rest,)" in text
    namespace: dict = {}
    exec(compile(ast.parse(text[text.index("def split"):]), "out", "exec"), namespace)
    assert namespace["split"]([7]) == (7,)


def test_model_class_inside_a_function_is_kept_with_a_marker():
    source = NET + textwrap.dedent('''

        if __name__ == "__main__":
            class Probe(nn.Module):
                def forward(self, x):
                    return torch.ones(x.shape[0], 3)

            print(Net()(torch.zeros(1, 4)).shape, Probe())
    ''')
    result = to_keras(source)
    [d] = [d for d in result.diagnostics if "Probe" in d.message]
    assert d.code == "NNM103" and d.range is not None and d.range.start_line == source.splitlines().index(
        "    class Probe(nn.Module):") + 1
    assert "# TODO(nnmigrate): not migrated: model class `Probe` is defined inside a function" in result.text
    assert "return torch.ones(x.shape[0], 3)" in result.text  # kept as written, not dropped
    assert "class Net(keras.Model):" in result.text


def _raises(s):
    raise RuntimeError("boom")


def _writes_invalid_python(s):
    from nnmigrate.pivot import nodes as n

    return [n.Assign([n.Call(n.Name("f"), [])], n.Name("x"), span=s.span)]  # `f() = x`


@pytest.mark.parametrize(("failure", "words"), [(_raises, "RuntimeError: boom"),
                                                (_writes_invalid_python, "SyntaxError: cannot assign")])
def test_a_statement_the_writer_fails_on_is_kept_with_a_marker(monkeypatch, failure, words):
    """An internal error on one statement (an exception, or code that is not valid Python): that statement is kept
    as written behind a marker, with an NNM103 at its range; the rest of the file is migrated."""
    from nnmigrate.writers.translate import Translator

    translate = Translator._stmt

    def failing(self, s):
        if s.span is not None and s.span.start_line == 13:  # `y = self.fc(x)`
            return failure(s)
        return translate(self, s)

    monkeypatch.setattr(Translator, "_stmt", failing)
    result = to_keras(NET)
    [d] = [d for d in result.diagnostics if "internal error" in d.message]
    assert d.code == "NNM103" and words in d.message and d.range.start_line == 13
    assert "y = self.fc(x)" in result.text and "TODO(nnmigrate): not migrated: internal error" in result.text
    assert "self.fc = layers.Dense(2)" in result.text and result.exit_code == 3


def test_a_class_the_writer_fails_on_is_kept_whole_with_a_marker(monkeypatch):
    from nnmigrate.writers.model_writer import ModelWriter

    monkeypatch.setattr(ModelWriter, "translate_class_forward", lambda *_: 1 / 0)
    result = to_keras(NET)
    [d] = [d for d in result.diagnostics if "internal error" in d.message]
    assert "class `Net`" in d.message and "ZeroDivisionError" in d.message and d.range.start_line == 6
    assert "class Net(nn.Module):" in result.text and "def split(pairs):" in result.text


def test_a_statement_the_reader_fails_on_is_kept_with_a_marker(monkeypatch):
    from nnmigrate.readers.torch_reader import TorchReader

    read = TorchReader.stmt

    def failing(self, node):
        if getattr(getattr(node, "name", None), "value", None) == "split":
            raise KeyError("boom")
        return read(self, node)

    monkeypatch.setattr(TorchReader, "stmt", failing)
    result = to_keras(NET)
    [d] = [d for d in result.diagnostics if "internal error" in d.message]
    assert d.code == "NNM103" and d.range.start_line == 17
    assert "TODO(nnmigrate): not migrated: internal error while reading" in result.text
    assert "return (*rest,)" in result.text and "class Net(keras.Model):" in result.text


def test_cli_reports_an_internal_error_without_a_traceback(tmp_path, monkeypatch, capsys):
    import nnmigrate.migrate

    def broken(*_, **__):
        raise AttributeError("'NoneType' object has no attribute 'x'")

    monkeypatch.setattr(nnmigrate.migrate, "migrate_source", broken)
    src = tmp_path / "net.py"
    src.write_text(NET)
    assert main(["migrate", str(src), "--to", "tensorflow"]) == 2
    err = capsys.readouterr().err
    assert f"{src}:1:1: NNM103 internal error" in err and "AttributeError" in err and "Traceback" not in err


@pytest.mark.parametrize(("source", "line", "words"), [
    ("import torch\nimport torch.nn as nn\nclass A(nn.Module:\n    pass\n", 3, "invalid syntax"),
    ("import torch\nprint 'hi'\n", 2, "Missing parentheses in call to 'print'"),
    ("import keras\n\ndef build(x):\n    return (x\n", 4, "was never closed"),
])
def test_syntax_errors_name_the_line_python_names(source, line, words):
    with pytest.raises(MigrationError) as info:
        migrate_source(source, Framework.TENSORFLOW if "torch" in source else Framework.PYTORCH)
    d = info.value.diagnostic
    assert d.code == "NNM001" and d.range.start_line == line and words in d.message


def test_forwarding_reads_the_module_once_whatever_its_size(monkeypatch):
    """Binding `**kwargs` of many classes walks the module's statements once (a walk per class made a 20k-line file
    take minutes), and still binds each class's forwarded keywords."""
    from nnmigrate.readers.positions import Positions

    blocks = "".join(textwrap.dedent(f'''
        class Block{i}(nn.Module):
            def __init__(self, c, **kwargs):
                super().__init__()
                self.conv = nn.Conv2d(c, c, **kwargs)

            def forward(self, x):
                return self.conv(x)
    ''') for i in range(40))
    uses = "".join(f"        self.b{i} = Block{i}(3, kernel_size=3, padding=1)\n" for i in range(40))
    source = "import torch\nimport torch.nn as nn\n" + blocks + textwrap.dedent('''
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
    ''') + uses + "\n    def forward(self, x):\n        return self.b0(x)\n"
    walks = []
    statements = Positions.all_statements
    monkeypatch.setattr(Positions, "all_statements", lambda self: walks.append(1) or statements(self))
    result = to_keras(source, symbol="Net")
    assert len(walks) <= 2
    assert "def __init__(self, c, *, kernel_size, padding=0):" in result.text


def test_diagnostics_from_a_star_imported_module_point_at_the_star_import(tmp_path):
    """What a definition brought by `from pkg.blocks import *` reports is placed on that import line (a star import
    names nothing, so it had no range)."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "blocks.py").write_text(textwrap.dedent('''
        import keras


        def block(x):
            return keras.ops.fft(x)
    '''))
    model = package / "model.py"
    model.write_text(textwrap.dedent('''
        import keras
        from pkg.blocks import *


        def build():
            inputs = keras.Input((8,))
            return keras.Model(inputs, block(inputs))
    '''))
    result = migrate_source(model.read_text(), Framework.PYTORCH, symbol="build", path=str(model))
    [d] = [d for d in result.diagnostics if "fft" in d.message]
    assert d.range is not None and d.range.start_line == 3 and "(in blocks.py:6)" in d.message


def test_a_source_framework_name_left_in_the_output_is_marked():
    """The framework's imports are not written, so a name the writer passes through (`nn.Module.__call__`) would be
    a NameError at run time: it is reported at its statement, with a marker, instead of passing silently."""
    source = NET.replace("    def forward(self, x):", "    __call__ = nn.Module.__call__\n\n    def forward(self, x):")
    result = to_keras(source)
    [d] = [d for d in result.diagnostics if "left in the migrated code" in d.message]
    assert d.code == "NNM101" and "`nn` (the PyTorch import of `torch.nn`)" in d.message
    assert d.range.start_line == source.splitlines().index("    __call__ = nn.Module.__call__") + 1
    text = result.text
    assert "# TODO(nnmigrate): NNM101 `nn`" in text.split("__call__ = nn.Module.__call__")[0].splitlines()[-2]
    assert result.exit_code == 3


def test_a_local_named_like_a_framework_import_is_not_reported():
    source = textwrap.dedent('''
        import keras
        from keras import layers


        class Stack(keras.layers.Layer):
            def __init__(self, n=2):
                super().__init__()
                self.blocks = [layers.Dense(4) for _ in range(n)]

            def call(self, x):
                layers = list(self.blocks)
                for block in layers:
                    x = block(x)
                return x
    ''')
    result = migrate_source(source, Framework.PYTORCH)
    assert not [d for d in result.diagnostics if "left in the migrated code" in d.message]


def test_code_nested_past_pythons_own_limit_is_bad_input(tmp_path, capsys):
    src = tmp_path / "deep.py"
    src.write_text("import torch\nx = " + " + ".join(["a"] * 3000) + "\n")
    assert main(["migrate", str(src), "--to", "tensorflow"]) == 2
    err = capsys.readouterr().err
    assert "NNM001 the source nests too deeply to parse" in err and "Traceback" not in err


def test_source_framework_decorators_are_left_out_with_a_note():
    """`@torch.no_grad()` kept in Keras code would fail when the module is imported (no `torch` there): it is left out
    with a warning at the decorator and a note above the function, which is kept."""
    source = NET.replace("    def forward(self, x):", "    @torch.no_grad()\n    def sample(self, x):\n        return x\n\n"
                                                    "    def forward(self, x):")
    result = to_keras(source)
    [d] = [d for d in result.diagnostics if "decorator" in d.message]
    assert d.code == "NNM103" and d.severity.value == "warning" and "`@torch.no_grad()`" in d.message
    assert d.range.start_line == source.splitlines().index("    @torch.no_grad()") + 1
    assert "# nnmigrate: left out the decorator `@torch.no_grad()`\n    def sample(self, x):" in result.text
    assert "torch" not in result.text.replace("@torch.no_grad()`", "") and result.exit_code == 0
