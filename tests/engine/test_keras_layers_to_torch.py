"""Keras layers with no single PyTorch counterpart migrate to exact PyTorch forms: 'same' pooling, merge layers and
Dot, separable and causal convolutions, cropping and padding, Lambda, Normalization and training-only layers."""

from __future__ import annotations

import textwrap

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source

from tests.conftest import migrate_and_verify


def test_same_pooling_at_odd_sizes_and_strides(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def build():
            inputs = keras.Input(shape=(15, 13, 3))
            a = layers.MaxPooling2D(3, strides=2, padding="same")(inputs)
            a = layers.AveragePooling2D(3, strides=2, padding="same")(a)
            b = layers.AveragePooling2D(pool_size=(2, 3), padding="same")(inputs)
            b = layers.AveragePooling2D(3, strides=1, padding="same")(b)
            b = layers.MaxPooling2D(5, strides=1, padding="same")(b)
            x = layers.Concatenate()([layers.GlobalMaxPooling2D()(a), layers.GlobalAveragePooling2D()(b)])
            seq = layers.Reshape((15, 39))(inputs)
            s = layers.AveragePooling1D(4, strides=3, padding="same")(seq)
            return keras.Model(inputs, [x, layers.Flatten()(s)])
    ''', "build", ["float32[2,15,13,3]"])
    assert "SameAvgPool(3, 2)" in result.text  # averages over the real values only, padding at the end
    assert "SamePadding(3, 2, value=float('-inf'))" in result.text
    assert "nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)" in result.text
    assert "nn.MaxPool2d(5, stride=1, padding=2)" in result.text


def test_merge_layers_and_dot(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        class Merges(keras.Model):
            def __init__(self):
                super().__init__()
                self.proj = layers.Dense(6)
                self.mul = layers.Multiply()
                self.sub = layers.Subtract()
                self.avg = layers.Average()
                self.top = layers.Maximum()
                self.low = layers.Minimum()
                self.cos = layers.Dot(axes=1, normalize=True)
                self.pairs = layers.Dot(axes=(2, 2))
                self.over_time = layers.Dot(axes=1)

            def call(self, a, b, seq):
                p = self.proj(b)
                merged = [self.mul([a, p]), self.sub([a, p]), self.avg([a, p, b]), self.top([a, p, b]),
                          self.low([a, p]), self.cos([a, p]), layers.dot([a, b], axes=-1, normalize=True),
                          layers.multiply([a, p, b]), layers.maximum([a, p])]
                scores = self.pairs([seq, seq])  # (N, L, L)
                pooled = self.over_time([seq, seq])  # (N, F, F)
                return layers.concatenate(merged), scores, pooled
    ''', "Merges", ["float32[2,6]", "float32[2,6]", "float32[2,5,6]"])
    assert "math.prod" in result.text and "functools.reduce(torch.maximum" in result.text
    assert "a * p * b" in result.text and "torch.maximum(a, p)" in result.text
    assert "Dot(1, normalize=True)" in result.text


def test_merge_layer_objects_keep_track_of_the_layout(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.a = layers.Conv2D(4, 3, padding="same")
                self.b = layers.Conv2D(4, 1)
                self.add = layers.Add()
                self.mul = layers.Multiply()
                self.flatten = layers.Flatten()
                self.fc = layers.Dense(3)

            def call(self, x):
                y = self.add([self.a(x), self.b(x)])
                return self.fc(self.flatten(self.mul([y, self.b(x)])))
    ''', "Net", ["float32[2,6,5,3]"])
    assert "self.flatten(self.mul([y, self.b(x)]).permute(0, 2, 3, 1))" in result.text  # Keras's flatten order


def test_nested_functional_calls_keep_keras_call_order(tmp_path, worker):
    migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def build():
            inputs = keras.Input(shape=(4,))
            outputs = layers.Dense(2)(layers.subtract([layers.Dense(4)(inputs), layers.Dense(4)(inputs)]))
            return keras.Model(inputs, outputs)
    ''', "build", ["float32[3,4]"])


def test_separable_and_causal_convolutions(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def build():
            images = keras.Input(shape=(11, 9, 3))
            x = layers.SeparableConv2D(8, 3, strides=2, padding="same", depth_multiplier=2, use_bias=False)(images)
            x = layers.SeparableConv2D(4, (3, 1), padding="valid", activation="relu")(x)
            series = keras.Input(shape=(13, 3))
            y = layers.SeparableConv1D(5, 3, strides=2, padding="same", depth_multiplier=3)(series)
            y = layers.Conv1D(4, 3, padding="causal", dilation_rate=2)(y)
            return keras.Model([images, series], [x, y])
    ''', "build", ["float32[2,11,9,3]", "float32[2,13,3]"])
    assert "SamePadding(3, 2), LazySeparableConv2d(8, 3, stride=2, depth_multiplier=2, bias=False)" in result.text
    assert "nn.ZeroPad1d((4, 0))" in result.text  # causal: all the padding before the sequence


def test_cropping_and_padding(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def build(pad=((1, 0), (2, 1))):
            images = keras.Input(shape=(9, 8, 2))
            x = layers.Cropping2D(((1, 2), (0, 3)))(images)
            x = layers.ZeroPadding2D(pad)(x)
            x = layers.Cropping2D(1)(x)
            series = keras.Input(shape=(10, 2))
            y = layers.ZeroPadding1D((2, 1))(layers.Cropping1D()(series))
            clips = keras.Input(shape=(5, 6, 7, 2))
            z = layers.Cropping3D(((1, 0), 1, (0, 2)))(layers.ZeroPadding3D((1, 0, 2))(clips))
            return keras.Model([images, series, clips], [x, y, z])
    ''', "build", ["float32[2,9,8,2]", "float32[2,10,2]", "float32[2,5,6,7,2]"])
    assert "nn.ZeroPad2d((0, -3, -1, -2))" in result.text
    assert "ZeroPadding(pad, 2)" in result.text  # known only at run time


def test_lambda_layers(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def build():
            inputs = keras.Input(shape=(7, 4))
            x = layers.Conv1D(6, 3, padding="same")(inputs)
            last = layers.Lambda(lambda t: t[:, -1, :])(x)
            scaled = layers.Lambda(lambda t: t * t + 1.0)(last)
            shifted = layers.Lambda(lambda t, shift: t - shift, arguments={"shift": 0.5})(scaled)
            return keras.Model(inputs, shifted)
    ''', "build", ["float32[2,7,4]"])
    assert "x.permute(0, 2, 1)[:, -1, :]" in result.text  # the lambda's body, on the channels-last tensor
    assert "scaled - 0.5" in result.text


def test_lambda_layer_in_a_sequential(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def make_model():
            return keras.Sequential([
                keras.Input(shape=(7, 4)),
                layers.Conv1D(5, 1),
                layers.Lambda(lambda t: t[:, 1:, :] * 2.0),
                layers.Conv1D(3, 2),
                layers.Flatten(),
            ])
    ''', "make_model", ["float32[2,7,4]"])
    assert "Lambda(lambda t: t[:, 1:, :] * 2.0, channels_last=True)" in result.text


def test_lambda_body_that_cannot_be_translated_is_reported():
    source = textwrap.dedent('''
        import keras
        import tensorflow as tf
        from keras import layers


        def build():
            inputs = keras.Input(shape=(8,))
            x = layers.Lambda(lambda t: tf.signal.rfft(t))(inputs)
            return keras.Model(inputs, x)
    ''')
    result = migrate_source(source, Framework.PYTORCH, symbol="build")
    assert result.exit_code == 3
    assert any("tf.signal.rfft" in d.message or "tensorflow.signal.rfft" in d.message for d in result.diagnostics)
    assert "TODO(nnmigrate)" in result.text


def test_normalization_and_training_only_layers(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def make_model():
            return keras.Sequential([
                keras.Input(shape=(3,)),
                layers.Normalization(mean=[0.5, -1.0, 2.0], variance=[4.0, 0.25, 0.01]),
                layers.GaussianNoise(0.1),
                layers.Dense(4),
                layers.Normalization(axis=-1, mean=1.0, variance=2.0, invert=True),
                layers.GaussianDropout(0.2),
                layers.ActivityRegularization(l2=0.01),
            ])
    ''', "make_model", ["float32[2,3]"])
    notes = [d.message for d in result.diagnostics]
    assert any("GaussianNoise adds noise only in training" in m for m in notes)
    assert "nn.Identity()" in result.text


def test_image_augmentation_is_identity_at_inference(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def make_model():
            return keras.Sequential([
                keras.Input(shape=(9, 9, 3)),
                layers.RandomFlip("horizontal"),
                layers.RandomRotation(0.1),
                layers.RandomZoom(0.2, fill_mode="nearest"),
                layers.RandomTranslation(0.1, 0.1),
                layers.RandomContrast(0.2),
                layers.Conv2D(2, 3),
            ])
    ''', "make_model", ["float32[2,9,9,3]"])
    assert result.text.count("nn.Identity()") == 5


def test_pooling_alias_spellings(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def build():
            inputs = keras.Input(shape=(8, 8, 8, 2))
            x = layers.MaxPool3D(2)(inputs)
            x = layers.AvgPool3D((1, 2, 2))(x)
            seq = keras.Input(shape=(9, 2))
            y = layers.MaxPool1D(2)(seq)
            y = layers.AvgPool1D(2, padding="same")(y)
            return keras.Model([inputs, seq], [layers.GlobalMaxPool3D()(x), layers.GlobalAvgPool1D()(y)])
    ''', "build", ["float32[2,8,8,8,2]", "float32[2,9,2]"])
    assert "nn.MaxPool3d(2)" in result.text and "nn.AvgPool3d((1, 2, 2))" in result.text
    assert "nn.AdaptiveMaxPool3d(1)" in result.text and "nn.AdaptiveAvgPool1d(1)" in result.text


def test_adapted_normalization_state_reaches_the_support_module():
    """Normalization without given statistics: the adapted mean and variance go to the support module's buffers."""
    import numpy as np
    import pytest

    torch = pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    from nnmigrate.catalog import default_catalog
    from nnmigrate.support import source

    namespace = {"torch": torch, "nn": torch.nn}
    exec(source(["Normalization"], "torch_layers.py"), namespace)
    data = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 5, 5, 4)).astype("float32")
    layer = keras.layers.Normalization()
    layer.adapt(data)
    module = namespace["Normalization"]()
    x = torch.from_numpy(np.moveaxis(data[:2], -1, 1).copy())
    module(x)  # sizes the buffers from the first input
    rule = default_catalog().lookup("keras", "keras.layers.Normalization")[0].weights
    for name, value in rule.to_torch([np.asarray(w) for w in layer.get_weights()], {}).items():
        getattr(module, name).copy_(torch.from_numpy(np.asarray(value, dtype="float32")))
    np.testing.assert_allclose(np.moveaxis(module(x).numpy(), 1, -1), np.asarray(layer(data[:2])), atol=1e-5)


def test_permute_relabels_the_channel_axis_or_reorders(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.conv = layers.Conv2D(4, 3)
                self.flat = keras.Sequential([layers.Permute((3, 1, 2)), layers.Flatten()])
                self.fc = layers.Dense(5)
                self.embed = layers.Dense(6)
                self.swap = layers.Permute((2, 1, 3))
                self.proj = layers.Dense(3)

            def call(self, x, seq):
                return self.fc(self.flat(self.conv(x))), self.proj(self.swap(self.embed(seq)))
    ''', "Net", ["float32[2,8,8,3]", "float32[2,5,6,7]"])
    assert "self.flat = nn.Flatten()" in result.text  # channels-first already: the permutation only relabels
    assert "self.swap = Permute((0, 2, 1, 3))" in result.text


def test_adaptive_pooling_layers(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def build():
            inputs = keras.Input(shape=(13, 11, 3))
            a = layers.AdaptiveAveragePooling2D((4, 3))(inputs)
            b = layers.AdaptiveMaxPooling2D(2)(inputs)
            return keras.Model(inputs, [layers.Flatten()(a), b])
    ''', "build", ["float32[2,13,11,3]"])
    assert "nn.AdaptiveAvgPool2d((4, 3))" in result.text
    assert "nn.AdaptiveMaxPool2d(2)" in result.text


def test_sequential_built_without_a_call_site_follows_its_layers(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                blocks = {}
                blocks["conv"] = layers.Conv2D(4, 3)
                blocks["flat"] = keras.Sequential([layers.Permute((3, 1, 2)), layers.Flatten()])
                self.body = keras.Sequential(list(blocks.values()))
                self.fc = layers.Dense(5)

            def call(self, x):
                return self.fc(self.body(x))
    ''', "Net", ["float32[2,8,8,3]"])
    assert "blocks['flat'] = nn.Flatten()" in result.text  # the Permute only relabels what the convolution made


def test_layers_of_a_list_called_in_a_loop_get_channels_first_input(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers, ops


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.convs = [layers.Conv1D(4, k) for k in (2, 3)]

            def call(self, x):
                out = []
                for conv in self.convs:
                    out.append(ops.max(ops.relu(conv(x)), axis=1))
                return ops.concatenate(out, axis=1)
    ''', "Net", ["float32[2,9,5]"])
    assert "torch.amax(F.relu(conv(x)), dim=2)" in result.text
