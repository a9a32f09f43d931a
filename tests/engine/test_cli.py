"""CLI contract: exit codes, diagnostics with file:line:col, markers in the output, bad input, pivot JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from nnmigrate.cli import main
from nnmigrate.pivot.serialize import dumps, loads
from nnmigrate.migrate import read_pivot
from tests.conftest import FIXTURES

UNSUPPORTED = textwrap.dedent('''
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            x = torch.fft.rfft(x)  # no catalog entry
            return self.fc(x)
''')


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nnmigrate", *args], capture_output=True, text=True, timeout=120)


def test_migrate_exit_0_and_writes_file(tmp_path):
    out = tmp_path / "cifar_tf.py"
    assert main(["migrate", str(FIXTURES / "pytorch/cifar_cnn.py"), "--to", "tensorflow", "--symbol", "CifarCNN",
                 "-o", str(out)]) == 0
    text = out.read_text()
    assert "class CifarCNN(keras.Model):" in text and "def call(self, x, training=None):" in text
    assert "torch" not in text.replace("PyTorch", "")


def test_unsupported_call_exits_3_with_range_and_marker(tmp_path):
    src = tmp_path / "net.py"
    src.write_text(UNSUPPORTED)
    proc = run("migrate", str(src), "--to", "tensorflow")
    assert proc.returncode == 3
    assert f"{src}:12:13: NNM101 `torch.fft.rfft` is not in the op catalog" in proc.stderr
    assert "# TODO(nnmigrate): not migrated: `torch.fft.rfft` is not in the op catalog" in proc.stdout
    assert "torch.fft.rfft(x)" in proc.stdout  # the user's code is kept, not dropped


@pytest.mark.parametrize("content", ["def broken(:\n", "import torch\nclass A(nn.Module:\n    pass\n", "\x00\x01binary"])
def test_bad_input_exits_2(tmp_path, content):
    src = tmp_path / "bad.py"
    src.write_text(content)
    proc = run("migrate", str(src), "--to", "tensorflow")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() and "Traceback" not in proc.stderr


def test_missing_symbol_exits_2(tmp_path):
    proc = run("migrate", str(FIXTURES / "pytorch/cifar_cnn.py"), "--to", "tensorflow", "--symbol", "Nope")
    assert proc.returncode == 2 and "NNM002" in proc.stderr


def test_latin1_file_is_read(tmp_path):
    src = tmp_path / "latin.py"
    src.write_bytes(("# auteur: José\n" + UNSUPPORTED.replace("torch.fft.rfft(x)", "x")).encode("latin-1"))
    assert run("migrate", str(src), "--to", "tensorflow").returncode == 0


def test_pivot_json_round_trips():
    module, _ = read_pivot((FIXTURES / "pytorch/resnet_basic.py").read_text())
    text = dumps(module)
    assert dumps(loads(text)) == text
    proc = run("pivot", str(FIXTURES / "pytorch/resnet_basic.py"), "--symbol", "ResNet")
    data = json.loads(proc.stdout)
    assert data["body"][0]["name"] == "ResNet"
    ops = json.dumps(data)
    assert '"key": "conv2d"' in ops and '"key": "batch_norm2d"' in ops


def test_init_code_is_left_out_with_a_warning(tmp_path):
    proc = run("migrate", str(FIXTURES / "pytorch/resnet_basic.py"), "--to", "tensorflow", "--symbol", "resnet_tiny")
    assert proc.returncode == 0
    assert "NNM205" in proc.stderr
    assert "# nnmigrate: left out torch weight initialisation" in proc.stdout


def test_verify_json_contract(tmp_path):
    out = tmp_path / "mlp_tf.py"
    src = FIXTURES / "pytorch/mlp_regression.py"
    assert main(["migrate", str(src), "--to", "tensorflow", "--symbol", "MLPRegressor", "-o", str(out)]) == 0
    proc = run("verify", str(src), str(out), "--symbol", "MLPRegressor", "--args", '{"in_features": 16}',
               "--input", "float32[2,16]", "--device", "cpu", "--json")
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, report
    assert report["status"] == "equivalent" and report["max_abs_diff"] <= 1e-5
    assert {"max_rel_diff", "per_layer", "device", "seconds", "message"} <= report.keys()


def test_verify_detects_a_wrong_migration(tmp_path):
    out = tmp_path / "mlp_tf.py"
    src = FIXTURES / "pytorch/mlp_regression.py"
    main(["migrate", str(src), "--to", "tensorflow", "--symbol", "MLPRegressor", "-o", str(out)])
    out.write_text(out.read_text().replace("ops.relu(", "ops.sigmoid(").replace("layers.ReLU()", "layers.Activation('sigmoid')"))
    proc = run("verify", str(src), str(out), "--symbol", "MLPRegressor", "--args", '{"in_features": 16}',
               "--input", "float32[2,16]", "--device", "cpu", "--json")
    assert proc.returncode == 1 and json.loads(proc.stdout)["status"] == "not_equivalent"


def test_verify_bad_spec_exits_2():
    proc = run("verify", str(FIXTURES / "pytorch/cifar_cnn.py"), str(FIXTURES / "pytorch/cifar_cnn.py"), "--symbol",
               "CifarCNN", "--input", "float32(2,3)", "--json")
    assert proc.returncode == 2 and json.loads(proc.stdout)["status"] == "error"


@pytest.mark.parametrize("path", sorted((FIXTURES / "pytorch").glob("*.py")) + sorted((FIXTURES / "keras").glob("*.py")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_whole_file_migration_always_parses(path):
    """Even where constructs are left for a person, the written file is valid Python."""
    import ast

    from nnmigrate.frameworks import detect_framework
    from nnmigrate.migrate import migrate_source

    source = path.read_text()
    result = migrate_source(source, detect_framework(source).other)
    ast.parse(result.text)
    assert not [d for d in result.diagnostics if "does not parse" in d.message]


def test_unknown_tensor_method_is_reported(tmp_path):
    src = tmp_path / "net.py"
    src.write_text(UNSUPPORTED.replace("x = torch.fft.rfft(x)  # no catalog entry", "x = self.fc(x).lu()"))
    proc = run("migrate", str(src), "--to", "tensorflow")
    assert proc.returncode == 3
    assert "NNM101 tensor method `.lu()` is not in the op catalog" in proc.stderr
