"""nnmigrate's support classes, copied into migrated code, are read back as the ops they implement; a user class
that only shares a support class's name is migrated like any other class."""

from __future__ import annotations

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source
from nnmigrate.support import source as support_source

MODEL = '''

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(8, 8)
        self.split = Reshape((4, 2))
        self.rnn = LazyRecurrent(nn.GRU, 16, return_sequences=True)

    def forward(self, x):
        return self.rnn(self.split(self.head(x)))
'''


def _to_keras(classes: str) -> str:
    code = "import torch\nfrom torch import nn\n\n\n" + classes + MODEL
    result = migrate_source(code, Framework.parse("tensorflow"), symbol="Net")
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    return result.text


def test_reformatted_copies_read_as_their_ops():
    copies = support_source(["Reshape", "LazyRecurrent"], "torch_layers.py")
    reformatted = copies.replace("\n\n    def ", "\n\n\n    # a comment\n    def ")
    reformatted = reformatted.replace("super().__init__()", "super( ).__init__( )  # formatting differs")
    text = _to_keras(reformatted)
    assert "class Reshape" not in text and "class LazyRecurrent" not in text
    assert "layers.Reshape((4, 2))" in text
    assert "layers.GRU(16, return_sequences=True)" in text  # the `cell` argument chose the Keras GRU entry


def test_a_user_class_sharing_a_name_is_migrated_as_written():
    copies = support_source(["LazyRecurrent"], "torch_layers.py")
    own = '''class Reshape(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.size = tuple(shape)

    def forward(self, x):
        return x.reshape(x.shape[0], *self.size) * 2
'''
    text = _to_keras(copies + "\n\n\n" + own)
    assert "class Reshape(" in text and "* 2" in text
    assert "layers.Reshape(" not in text


def test_lambda_and_permute_copies_read_back_and_verify(tmp_path, worker):
    from nnmigrate.verify.run import build_request

    copies = support_source(["Lambda", "Permute"], "torch_layers.py")
    code = "import torch\nfrom torch import nn\nimport torch.nn.functional as F\n\n\n" + copies + '''

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.pool = nn.Sequential(Lambda(lambda t: F.pad(t, (0, 0, 1, 1, 1, 1), value=float('-inf')), channels_last=True),
                                  nn.MaxPool2d(3, stride=2))
        self.shift = Lambda(lambda t: t[:, :, 1:] - t[:, :, :-1])
        self.swap = Permute((0, 2, 1, 3))

    def forward(self, x):
        h = self.pool(self.conv(x))
        return self.swap(self.shift(h))
'''
    src = tmp_path / "net.py"
    src.write_text(code)
    result = migrate_source(code, Framework.parse("tensorflow"), symbol="Net")
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    assert "class Lambda" not in result.text and "class Permute" not in result.text
    assert "layers.Lambda(lambda t: ops.pad(" in result.text  # the function was written for channels-last tensors
    out = tmp_path / "net_keras.py"
    out.write_text(result.text)
    report = worker.verify(build_request(str(src), str(out), "Net", {}, ["float32[2,3,12,10]"], "cpu", "native"),
                           timeout=300)
    assert report["status"] == "equivalent", report["message"] + "\n" + result.text
