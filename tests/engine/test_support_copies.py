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


def _to_keras(classes: str, model: str = MODEL) -> str:
    code = "import torch\nfrom torch import nn\n\n\n" + classes + model
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


def test_a_recurrent_copy_run_both_ways_reads_as_the_bidirectional_wrapper():
    copies = support_source(["Reshape", "LazyRecurrent"], "torch_layers.py")
    text = _to_keras(copies, MODEL.replace("LazyRecurrent(nn.GRU, 16, return_sequences=True)",
                                           "LazyRecurrent(nn.GRU, 16, return_sequences=True, bidirectional=True, merge_mode='sum')"))
    assert "layers.Bidirectional(layers.GRU(16, return_sequences=True), merge_mode='sum')" in text
