"""Keras -> PyTorch on small hand-written models: Functional builders, preprocessing and reshape layers, per-layer report."""

from __future__ import annotations

import textwrap

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source
from nnmigrate.verify.run import build_request

FUNCTIONAL = textwrap.dedent('''
    import keras
    from keras import layers


    def conv_block(x, filters):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        return layers.Activation("relu")(x)


    def build(num_classes=3, width=4, head_activation="softmax"):
        inputs = keras.Input(shape=(8, 8, 3))
        x = layers.Rescaling(1.0 / 255, offset=-0.5)(inputs)
        skip = conv_block(x, width)
        x = conv_block(skip, width)
        x = layers.Concatenate()([x, skip])
        x = layers.Conv2D(width, 3, strides=2, padding="same")(x)
        x = layers.Reshape((4 * 4 * width,))(x)
        outputs = layers.Dense(num_classes, activation=head_activation)(x)
        return keras.Model(inputs, outputs)
''')


def test_functional_builder_migrates_and_verifies(tmp_path, worker):
    src = tmp_path / "net.py"
    src.write_text(FUNCTIONAL)
    result = migrate_source(FUNCTIONAL, Framework.PYTORCH, symbol="build")
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    text = result.text
    assert "def build(num_classes=3, width=4, head_activation='softmax'):" in text
    assert "return Functional(forward, input_shapes=[(3, 8, 8)])" in text  # channels-first, as the module takes it
    assert "SamePadding(3, 2)" in text  # 'same' at stride 2 pads the end first, like TensorFlow
    assert "torch.cat([x, skip], dim=1)" in text  # channel axis remapped for channels-first
    assert "Activation(head_activation" in text  # activation chosen by a variable
    out = tmp_path / "net_torch.py"
    out.write_text(text)
    report = worker.verify(build_request(str(src), str(out), "build", {}, ["float32[2,8,8,3]"], "cpu", "native"), timeout=300)
    assert report["status"] == "equivalent", report["message"]
    assert report["max_abs_diff"] <= 1e-5
    assert all(row["max_abs_diff"] <= 1e-4 for row in report["per_layer"]), report["per_layer"]


def test_hover_on_keras_source_shows_the_pytorch_form():
    from nnmigrate.explain import explain_at

    source = "import keras\nfrom keras import layers\nconv = layers.Conv2D(16, 3, strides=2, padding='same')\n"
    hover = explain_at(source, 3, 10)
    assert hover is not None and "**PyTorch equivalent** of `conv2d`" in hover.markdown
    assert "SamePadding(3, 2)" in hover.markdown and "nn.LazyConv2d(16, 3, stride=2)" in hover.markdown


GROUP_NORM = textwrap.dedent('''
    import keras
    from keras import layers


    class GNBlock(keras.Model):
        def __init__(self, filters=8):
            super().__init__()
            self.conv = layers.Conv2D(filters, 3, padding="same")
            self.norm = layers.GroupNormalization(groups=4, epsilon=1e-5)
            self.norm2 = layers.GroupNormalization(2)

        def call(self, x):
            return self.norm2(self.norm(self.conv(x)))
''')


def test_group_normalization_keeps_groups_and_epsilon(tmp_path, worker):
    src = tmp_path / "gn.py"
    src.write_text(GROUP_NORM)
    result = migrate_source(GROUP_NORM, Framework.PYTORCH, symbol="GNBlock")
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    assert "LazyGroupNorm(4, eps=1e-05)" in result.text and "LazyGroupNorm(2, eps=0.001)" in result.text
    out = tmp_path / "gn_torch.py"
    out.write_text(result.text)
    report = worker.verify(build_request(str(src), str(out), "GNBlock", {}, ["float32[2,8,8,3]"], "cpu", "native"),
                           timeout=300)
    assert report["status"] == "equivalent", report["message"]
    assert {row["source"] for row in report["per_layer"]} >= {"norm", "norm2"}


def test_a_sequential_subclass_adding_its_layers(tmp_path, worker):
    from tests.conftest import migrate_and_verify

    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        class Head(keras.Sequential):
            def __init__(self, units):
                super().__init__()
                self.norm = layers.LayerNormalization()
                self.add(self.norm)
                self.add(layers.Dense(units))
                self.add(layers.ReLU())
    ''', "Head", ["float32[2,6]"], {"units": 4})
    assert "self.add(" not in result.text and "self.norm = " in result.text
    assert "self.append(nn.LazyLinear(units))" in result.text and "self.append(nn.ReLU())" in result.text
