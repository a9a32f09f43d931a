"""Keras Functional builders through PyTorch and back: the `Functional` support module records each input's shape
(channels-first) and reads back as `keras.Input`s and `keras.Model`; layer classes built in a builder are created once
and their first-call build is Keras's own again; permutations that only move the channel axis write no transpose."""

from __future__ import annotations

import textwrap
from pathlib import Path

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source
from nnmigrate.verify.run import build_request

BUILDER = textwrap.dedent('''
    import keras
    from keras import layers


    def build(image_shape=(8, 8, 3), width=4):
        image = keras.Input(shape=image_shape)
        meta = keras.Input(shape=(5,))
        x = layers.Conv2D(width, 3, padding="same", activation="relu")(image)
        skip = x
        x = layers.Conv2D(width, 3, padding="same")(x)
        x = layers.Add()([x, skip])
        x = layers.Concatenate()([x, skip])
        x = layers.Flatten()(x)
        x = layers.Concatenate()([x, layers.Dense(width)(meta)])
        outputs = layers.Dense(3)(x)
        return keras.Model([image, meta], outputs)
''')

CUSTOM_LAYERS = textwrap.dedent('''
    import keras
    from keras import layers, ops


    class SineLayer(layers.Layer):
        def __init__(self, units, w0=30.0, **kwargs):
            super().__init__(**kwargs)
            self.w0 = w0
            self.dense = layers.Dense(units)

        def call(self, x):
            return ops.sin(self.w0 * self.dense(x))


    class Scale(layers.Layer):
        def build(self, input_shape):
            self.scale = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="scale")

        def call(self, x):
            return x * self.scale


    def build(in_dim=2, hidden=16):
        inputs = keras.Input(shape=(in_dim,))
        x = SineLayer(hidden)(inputs)
        shared = SineLayer(hidden, w0=1.0)
        x = shared(shared(x))
        x = Scale()(x)
        outputs = layers.Dense(3)(x)
        return keras.Model(inputs, outputs)
''')

PERMUTING = textwrap.dedent('''
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(4, 8, 3, padding=1)
            self.fc = nn.Linear(8, 2)

        def forward(self, x):
            x = self.conv(x)
            x = x.permute(0, 2, 1)
            return self.fc(x)
''')


def _migrated(source: str, to: Framework, symbol: str):
    result = migrate_source(source, to, symbol=symbol)
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    return result


def _verify_round_trip(tmp_path: Path, worker, source: str, middle, final, inputs: list[str]) -> None:
    paths = [tmp_path / name for name in ("net.py", "net_torch.py", "net_keras.py")]
    for path, code in zip(paths, (source, middle.text, final.text)):
        path.write_text(code)
    request = {"source_path": str(paths[0]), "symbol": "build", "args": {}, "inputs": inputs, "device": "cpu",
               "hops": [{"path": str(paths[1]), "contract": middle.mapping},
                        {"path": str(paths[2]), "contract": final.mapping}]}
    report = worker.verify(request, timeout=300)
    assert report["status"] == "equivalent", report["message"]
    assert report["max_abs_diff"] <= 1e-5


def test_builder_reads_back_from_its_pytorch_form(tmp_path: Path, worker) -> None:
    middle = _migrated(BUILDER, Framework.PYTORCH, "build")
    assert "return Functional(forward, input_shapes=[(image_shape[-1], *image_shape[:-1]), (5,)])" in middle.text
    final = _migrated(middle.text, Framework.TENSORFLOW, "build")
    text = final.text
    assert "image = keras.Input(shape=image_shape)" in text and "meta = keras.Input(shape=(5,))" in text
    assert "return keras.Model([image, meta], outputs)" in text
    assert "Functional" not in text and "transpose" not in text  # channels-last throughout, as the original
    again = _migrated(_migrated(text, Framework.PYTORCH, "build").text, Framework.TENSORFLOW, "build")
    assert again.text == text

    _verify_round_trip(tmp_path, worker, BUILDER, middle, final, ["float32[2,8,8,3]", "float32[2,5]"])


def test_literal_input_shape_moves_its_channel_axis() -> None:
    source = BUILDER.replace("image_shape=(8, 8, 3), ", "").replace("shape=image_shape", "shape=(8, 8, 3)")
    middle = _migrated(source, Framework.PYTORCH, "build")
    assert "input_shapes=[(3, 8, 8), (5,)]" in middle.text
    assert "image = keras.Input(shape=(8, 8, 3))" in _migrated(middle.text, Framework.TENSORFLOW, "build").text


def test_layer_classes_in_a_builder_are_created_once_and_round_trip(tmp_path: Path, worker) -> None:
    middle = _migrated(CUSTOM_LAYERS, Framework.PYTORCH, "build")
    assert "x = Functional.layer(lambda: SineLayer(hidden))(inputs)" in middle.text  # not a new layer on every run
    assert "shared = Functional.layer(lambda: SineLayer(hidden, w0=1.0))" in middle.text
    final = _migrated(middle.text, Framework.TENSORFLOW, "build")
    assert "x = SineLayer(hidden)(inputs)" in final.text and "x = Scale()(x)" in final.text
    assert "built" not in final.text  # Keras builds the layer itself: the PyTorch form's first-call build is left out
    again = _migrated(_migrated(final.text, Framework.PYTORCH, "build").text, Framework.TENSORFLOW, "build")
    assert again.text == final.text
    _verify_round_trip(tmp_path, worker, CUSTOM_LAYERS, middle, final, ["float32[4,2]"])


def test_permutation_to_channels_last_writes_no_transpose(tmp_path: Path, worker) -> None:
    result = _migrated(PERMUTING, Framework.TENSORFLOW, "Net")
    assert "transpose" not in result.text
    assert "# nnmigrate: left out a reordering the target layout already has: `x = x.permute(0, 2, 1)`" in result.text
    src, out = tmp_path / "net.py", tmp_path / "net_keras.py"
    src.write_text(PERMUTING)
    out.write_text(result.text)
    report = worker.verify(build_request(str(src), str(out), "Net", {}, ["float32[2,4,6]"], "cpu", "native"), timeout=300)
    assert report["status"] == "equivalent", report["message"]
    assert report["max_abs_diff"] <= 1e-5


def test_batch_shape_is_recorded_and_a_missing_shape_is_an_error() -> None:
    source = BUILDER.replace("image = keras.Input(shape=image_shape)", "image = keras.Input(batch_shape=(None, 8, 8, 3))")
    middle = _migrated(source, Framework.PYTORCH, "build")
    assert "input_shapes=[(3, 8, 8), (5,)]" in middle.text
    unrecorded = middle.text.replace(", input_shapes=[(3, 8, 8), (5,)]", "")
    result = migrate_source(unrecorded, Framework.TENSORFLOW, symbol="build")
    assert [d.message for d in result.diagnostics if d.blocks_migration] == [
        "keras.Input needs the shape of `image`, which the PyTorch code does not give",
        "keras.Input needs the shape of `meta`, which the PyTorch code does not give"]


def test_layers_of_an_inline_sequential_are_built_for_the_rank_they_see(tmp_path: Path, worker) -> None:
    source = textwrap.dedent('''
        import keras
        from keras import layers


        def build(seq_len=12, channels=4):
            inputs = keras.Input(shape=(seq_len, channels))
            x = layers.Conv1D(8, 3, padding="same", activation="relu")(inputs)
            x = layers.GlobalAveragePooling1D()(x)
            outputs = layers.Dense(2)(x)
            return keras.Model(inputs, outputs)
    ''')
    middle = _migrated(source, Framework.PYTORCH, "build")
    assert "nn.Sequential(nn.AdaptiveAvgPool1d(1), nn.Flatten())" in middle.text
    final = _migrated(middle.text, Framework.TENSORFLOW, "build")
    assert "layers.Permute((2, 1))" in final.text  # the flatten of a rank-3 tensor in PyTorch's order
    _verify_round_trip(tmp_path, worker, source, middle, final, ["float32[2,12,4]"])


FACTORIES = textwrap.dedent('''
    import keras
    from keras import layers


    def upsample_conv(filters):
        return layers.Conv2DTranspose(filters, 2, strides=2)


    def upsample_simple(filters):
        return layers.UpSampling2D(2)


    def build(mode="deconv", width=4):
        upsample = upsample_conv if mode == "deconv" else upsample_simple
        drop = lambda rate: layers.SpatialDropout2D(rate)
        inputs = keras.Input(shape=(8, 8, 3))
        x = layers.Conv2D(width, 3, strides=2, padding="same")(inputs)
        x = drop(0.5)(x)
        x = upsample(width)(x)
        outputs = layers.Conv2D(2, 1)(x)
        return keras.Model(inputs, outputs)
''')


def test_layers_from_factories_are_created_once(tmp_path: Path, worker) -> None:
    """A layer a helper function or a lambda builds, called at once, is created on the first run and follows the
    module's mode: a fresh one on every run had new weights and dropped out in eval mode."""
    result = _migrated(FACTORIES, Framework.PYTORCH, "build")
    assert "x = Functional.layer(lambda: drop(0.5))(x)" in result.text
    assert "x = Functional.layer(lambda: upsample(width))(x)" in result.text
    src, out = tmp_path / "net.py", tmp_path / "net_torch.py"
    src.write_text(FACTORIES)
    out.write_text(result.text)
    report = worker.verify(build_request(str(src), str(out), "build", {}, ["float32[2,8,8,3]"], "cpu", "native"),
                           timeout=300)
    assert report["status"] == "equivalent", report["message"]
    assert report["max_abs_diff"] <= 1e-5
