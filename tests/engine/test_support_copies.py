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
    both_ways = "LazyRecurrent(nn.GRU, 16, return_sequences=True, bidirectional=True, merge_mode='sum')"
    text = _to_keras(copies, MODEL.replace("LazyRecurrent(nn.GRU, 16, return_sequences=True)", both_ways))
    assert "layers.Bidirectional(layers.GRU(16, return_sequences=True), merge_mode='sum')" in text


def test_padding_steps_read_back_as_the_layers_own_padding(tmp_path, worker):
    from tests.engine.test_realworld_patterns import check

    copies = support_source(["SamePadding", "SameAvgPool", "ZeroPadding"], "torch_layers.py")
    text = check(worker, tmp_path, "import torch\nfrom torch import nn\n\n\n" + copies + '''

class Net(nn.Module):
    def __init__(self, stride=2, pad=(1, 2)):
        super().__init__()
        self.conv = nn.Sequential(SamePadding(3, stride), nn.Conv2d(3, 8, 3, stride=stride))
        self.max = nn.Sequential(SamePadding(3, 2, value=float('-inf')), nn.MaxPool2d(3, stride=2))
        self.avg = SameAvgPool(3, 2)
        self.pad = ZeroPadding(pad, 2)
        self.crop = ZeroPadding(1, 2, crop=True)

    def forward(self, x):
        x = self.conv(x)
        return self.crop(self.pad(self.avg(x) + self.max(x)))
''', "Net", ["float32[2,3,15,13]"])
    assert "class SamePadding" not in text and "class SameAvgPool" not in text and "class ZeroPadding" not in text
    assert "layers.Conv2D(8, 3, strides=stride, padding='same')" in text
    assert "layers.MaxPooling2D(3, strides=2, padding='same')" in text
    assert "layers.AveragePooling2D(3, strides=2, padding='same')" in text
    assert "layers.ZeroPadding2D(pad)" in text and "layers.Cropping2D(cropping=1)" in text


def test_a_padding_step_before_a_layer_and_its_activation_and_dot_read_back(tmp_path, worker):
    """Keras's Conv2D(strides=2, padding='same', activation=...) in its PyTorch form, and the Dot support module."""
    from tests.engine.test_realworld_patterns import check

    copies = support_source(["SamePadding", "Dot"], "torch_layers.py")
    text = check(worker, tmp_path, "import torch\nfrom torch import nn\n\n\n" + copies + '''

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(SamePadding(3, 2), nn.Conv2d(3, 4, 3, stride=2), nn.ReLU())
        self.dot = Dot(1, normalize=True)

    def forward(self, x):
        x = torch.flatten(self.conv(x), 1)
        return self.dot([x, x * x])
''', "Net", ["float32[2,3,9,9]"])
    assert "class SamePadding" not in text and "class Dot" not in text
    assert "layers.Conv2D(4, 3, strides=2, padding='same', activation='relu')" in text
    assert "layers.Dot(1, normalize=True)" in text


def test_a_padding_step_alone_has_no_keras_form():
    copies = support_source(["SamePadding"], "torch_layers.py")
    code = "import torch\nfrom torch import nn\n\n\n" + copies + '''

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.pad = SamePadding(3, 2)

    def forward(self, x):
        return self.pad(x)
'''
    result = migrate_source(code, Framework.parse("tensorflow"), symbol="Net")
    assert result.exit_code != 0
    assert any("same_padding" in d.message and "no Keras form" in d.message for d in result.diagnostics)


def test_ceil_mode_padding_reads_back_as_ceil_mode():
    from nnmigrate.support import source

    code = "import keras\nfrom keras import layers\n\n\n" + source(["CeilModePadding"], "keras_layers.py") + '''

class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.pool = keras.Sequential([CeilModePadding(3, 2), layers.MaxPooling2D(3, strides=2)])
        self.norm = layers.Normalization(mean=[0.5, 0.5, 0.5], variance=[0.25, 0.25, 0.25])

    def call(self, x):
        return self.pool(self.norm(x))
'''
    result = migrate_source(code, Framework.parse("pytorch"), symbol="Net")
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    assert "self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)" in result.text
    back = migrate_source(result.text, Framework.parse("tensorflow"), symbol="Net")
    assert "layers.Normalization(mean=[0.5, 0.5, 0.5], variance=[0.25, 0.25, 0.25])" in back.text


def test_the_first_call_build_prelude_reads_back_as_keras_build():
    code = '''import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, units):
        super().__init__()
        self.units = units
        self.built = False

    def build(self, input_shape):
        self.proj = nn.Linear(input_shape[-1], self.units)

    def forward(self, inputs):
        if not self.built:
            self.build(torch.movedim(inputs, 1, -1).shape)
            self.built = True
            self.train(self.training)
        return self.proj(inputs)
'''
    result = migrate_source(code, Framework.parse("tensorflow"), symbol="Block")
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    assert "def build(self, input_shape):" in result.text and "built" not in result.text


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


def test_depthwise_separable_and_activation_copies_read_back_as_keras_layers(tmp_path, worker):
    from tests.engine.test_realworld_patterns import check

    copies = support_source(["SamePadding", "KerasPadding", "LazyDepthwiseConv2d", "LazySeparableConv2d",
                             "LazySeparableConv1d", "Activation"], "torch_layers.py")
    text = check(worker, tmp_path, "import torch\nfrom torch import nn\n\n\n" + copies + '''

class Net(nn.Module):
    def __init__(self, act="softmax", pad="same"):
        super().__init__()
        self.conv = nn.Sequential(KerasPadding(pad, 3, stride=2), nn.Conv2d(3, 3, 3, stride=2))
        self.depthwise = LazyDepthwiseConv2d(3, stride=2, padding=1, depth_multiplier=2, bias=False)
        self.separable = LazySeparableConv2d(8, 3, padding=pad, depth_multiplier=2)
        self.act = Activation(act, dim=1)
        self.sequence = LazySeparableConv1d(4, 3)

    def forward(self, x):
        h = self.act(self.separable(self.depthwise(self.conv(x))))
        return self.sequence(h.flatten(2))
''', "Net", ["float32[2,3,20,20]"])
    assert "class Lazy" not in text and "class Activation" not in text and "Padding(" not in text
    assert "layers.Conv2D(3, 3, strides=2, padding=pad)" in text
    assert "layers.DepthwiseConv2D(3, depth_multiplier=2, strides=2, use_bias=False)" in text
    assert "layers.SeparableConv2D(8, 3, padding=pad, depth_multiplier=2)" in text
    assert "layers.Activation(act)" in text and "layers.SeparableConv1D(4, 3)" in text


def test_an_activation_copy_over_another_axis_has_no_keras_form():
    copies = support_source(["Activation"], "torch_layers.py")
    code = "import torch\nfrom torch import nn\n\n\n" + copies + '''

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = Activation("softmax", dim=1)

    def forward(self, x):
        return self.act(self.fc(x).reshape(-1, 2, 2))
'''
    result = migrate_source(code, Framework.parse("tensorflow"), symbol="Net")
    assert result.exit_code != 0
    assert any("has no Keras Activation form" in d.message for d in result.diagnostics)
