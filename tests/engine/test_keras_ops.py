"""Keras -> PyTorch tensor code: keras.ops, tf.* and legacy keras.backend in call(), weights made with add_weight /
tf.Variable, constants propagated into axes. Each model is migrated and verified numerically against the original."""

from __future__ import annotations

import textwrap

import pytest

from nnmigrate.catalog import default_catalog
from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source
from nnmigrate.pivot import nodes as n
from nnmigrate.readers.keras_reader import KerasReader
from nnmigrate.writers.module_plan import walk
from tests.conftest import migrate_and_verify

KERAS_OPS = '''
    import keras
    from keras import layers, ops


    class OpsNet(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.conv = layers.Conv2D(6, 3, padding="same")
            self.dense = layers.Dense(4)

        def call(self, x):
            x = self.conv(x)
            pooled = ops.mean(x, axis=[1, 2])
            peak = ops.max(x, axis=-1, keepdims=True)
            spread = ops.std(x, axis=(1, 2))
            a, b = ops.split(pooled, 2, axis=-1)
            mixed = ops.concatenate([a * ops.sigmoid(b), ops.tanh(spread[:, :3])], axis=-1)
            gram = ops.einsum("bi,bj->bij", mixed, mixed)
            flat = ops.reshape(ops.transpose(gram, (0, 2, 1)), (-1, 36))
            h = self.dense(flat) + ops.sum(ops.square(peak), axis=(1, 2, 3))[:, None]
            h = ops.where(h > 0, ops.sqrt(ops.abs(h) + 1.0), ops.exp(ops.clip(h, -3.0, 3.0)))
            index = ops.cast(ops.argmax(h, axis=-1), "float32")
            low = ops.squeeze(ops.min(h, axis=1, keepdims=True), axis=1)
            return ops.softmax(h) * ops.expand_dims(index + 1.0, -1), low + ops.erf(ops.prod(h[:, :2], axis=-1))
'''


def test_keras_ops_in_call(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, KERAS_OPS, "OpsNet", ["float32[2,8,8,3]"]).text
    assert "torch.mean(x, dim=(2, 3))" in text  # spatial axes of a channels-first map
    assert "torch.amax(x, dim=1, keepdim=True)" in text  # the channel axis
    assert "correction=0" in text  # Keras's std divides by n


TF_OPS = '''
    import tensorflow as tf


    class TfNet(tf.keras.layers.Layer):
        def __init__(self, units=5, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units), initializer="glorot_uniform")
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones", trainable=False)

        def call(self, inputs):
            h = tf.nn.bias_add(tf.matmul(inputs, self.kernel), self.bias) * self.scale
            g = tf.matmul(h, h, transpose_b=True)
            first, rest = tf.split(h, [2, 3], axis=1)
            halves = tf.split(tf.concat([h, h[:, :1]], axis=-1), 2, axis=1)
            picked = tf.gather(h, [4, 0, 2], axis=1)
            count = tf.cast(tf.shape(inputs)[0], tf.float32)
            steps = tf.cast(tf.range(5), tf.float32)
            out = tf.nn.softmax(h + steps, axis=-1) + tf.reduce_mean(g, axis=1, keepdims=True) / count
            out = out + tf.matmul(tf.math.log1p(tf.clip_by_value(tf.abs(rest), 0.0, 2.0)), tf.ones((3, 5)))
            tiled = tf.tile(tf.reduce_sum(tf.transpose(first), axis=0, keepdims=True), [2, 1])
            return out, tf.reduce_max(picked * halves[1], axis=-1), tiled, tf.cast(tf.argmax(h), tf.float32)
'''


def test_tensorflow_ops_and_weights_made_in_build(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, TF_OPS, "TfNet", ["float32[3,6]"]).text
    assert "self.kernel = nn.Parameter(nn.init.xavier_uniform_(torch.empty(input_shape[-1], self.units)))" in text
    assert "self.scale = nn.Buffer(torch.ones(()))" in text  # trainable=False: saved with the module, not trained
    assert "torch.chunk(" in text and "torch.split(h, [2, 3], dim=1)" in text  # a count vs piece sizes
    assert "if not self.built:" in text  # weights sized from the first input


LEGACY_BACKEND = '''
    from tensorflow import keras
    from tensorflow.keras import backend as K


    class Attend(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], input_shape[-1]), initializer="random_normal", name="w")
            super().build(input_shape)

        def call(self, x, mask=None):
            scores = K.batch_dot(K.dot(x, self.w), K.permute_dimensions(x, (0, 2, 1)))
            scores = scores + 0.1 * K.batch_dot(x, x, axes=2)
            if mask is not None:
                scores -= 1e9 * (1.0 - K.cast(K.expand_dims(mask, 1), K.floatx()))
            scores = scores - K.max(scores, axis=-1, keepdims=True)
            weights = K.exp(scores) / K.sum(K.exp(scores), axis=-1, keepdims=True)
            pooled = K.mean(K.batch_dot(weights, x), axis=1)
            gate = K.sigmoid(K.expand_dims(pooled))
            return K.concatenate([K.squeeze(gate, -1), K.sqrt(pooled - K.epsilon())])
'''


def test_legacy_keras_backend(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, LEGACY_BACKEND, "Attend", ["float32[2,5,4]"]).text
    assert "def batch_dot(x, y, axes=None):" in text  # Keras's per-sample dot, written once as a helper
    assert "torch.sqrt(torch.clamp(" in text  # keras.backend.sqrt clamps negatives to zero
    assert "torch.unsqueeze(pooled, -1)" in text  # K.expand_dims defaults to the last axis
    assert "def forward(self, x, mask=None):" in text  # call() reads its mask: kept, default None
    assert not any(line.strip().startswith("super().build") for line in text.splitlines())  # Keras plumbing


FOLDED_AXES = '''
    import keras
    from keras import backend, layers, ops


    def build(width=4):
        channel_axis = 3 if backend.image_data_format() == "channels_last" else 1
        spatial = (1, 2)
        inputs = keras.Input(shape=(8, 8, 3))
        x = layers.Conv2D(width, 3, padding="same")(inputs)
        y = layers.Conv2D(width, 1)(inputs)
        x = layers.Concatenate(axis=channel_axis)([x, y])
        x = layers.BatchNormalization(axis=channel_axis)(x)
        pooled = ops.mean(x, axis=spatial)
        return keras.Model(inputs, layers.Dense(3)(pooled))
'''


def test_axis_held_by_a_local_is_remapped(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, FOLDED_AXES, "build", ["float32[2,8,8,3]"]).text
    assert "torch.cat([x, y], dim=1)" in text and "torch.mean(x, dim=(2, 3))" in text
    assert "channel_axis" not in text.replace("`channel_axis = 3", "")  # substituted, the assignment left out
    assert "left out a constant substituted where it is used" in text


RUNTIME_AXIS = '''
    import keras
    from keras import layers, ops


    class Pick(keras.Model):
        def __init__(self, axis=-1, **kwargs):
            super().__init__(**kwargs)
            self.conv = layers.Conv2D(4, 3)
            self.axis = axis

        def call(self, x):
            return ops.softmax(self.conv(x), axis=self.axis)
'''


@pytest.mark.parametrize("axis", [-1, 2])
def test_axis_known_only_at_run_time_is_warned_and_still_exact(tmp_path, worker, axis):
    result = migrate_source(textwrap.dedent(RUNTIME_AXIS), Framework.PYTORCH, symbol="Pick")
    warnings = [d for d in result.diagnostics if d.code == "NNM204"]
    assert warnings and "computed at run time" in warnings[0].message
    migrate_and_verify(tmp_path, worker, RUNTIME_AXIS, "Pick", ["float32[2,6,6,3]"], {"axis": axis}).text


def test_loop_reassigned_name_is_not_substituted():
    source = textwrap.dedent('''
        import keras
        from keras import ops

        def f(x):
            axis = 1
            for _ in range(2):
                x = ops.sum(x, axis=axis, keepdims=True)
                axis = 2
            return ops.mean(x, axis=axis)
    ''')
    module = KerasReader(source, default_catalog()).read()
    dims = [x.attrs["dim"] for x in walk(module.body) if isinstance(x, n.Op) and x.key in ("sum", "mean")]
    assert [type(d).__name__ for d in dims] == ["Name", "Name"]


TORCH_LOCAL_DIM = '''
    import torch
    from torch import nn


    class Fuse(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Conv2d(3, 4, 3, padding=1)
            self.b = nn.Conv2d(3, 4, 1)

        def forward(self, x):
            dim = 1
            return torch.cat([self.a(x), self.b(x)], dim).mean(dim=(2, 3))
'''


def test_torch_reader_substitutes_a_local_dim(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, TORCH_LOCAL_DIM, "Fuse", ["float32[2,3,8,8]"], to="tensorflow").text
    assert "axis=-1" in text and "ops.transpose" not in text and "moveaxis" not in text


SUBLAYER_BUILD = '''
    import keras
    from keras import layers, ops


    def positive(x):
        return ops.elu(x) + 1 + keras.backend.epsilon()


    class Head(layers.Layer):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.mu = layers.Dense(units, name="mu")
            self.sigma = layers.Dense(units, activation=positive, name="sigma")
            self.extra = keras.Variable([[0.5, -1.0, 2.0]], trainable=False)
            self.gelu = layers.Activation(keras.activations.gelu)

        def build(self, input_shape):
            self.mu.build(input_shape)
            self.sigma.build(input_shape)
            super().build(input_shape)

        def call(self, x):
            out = ops.concatenate([self.mu(x), self.sigma(x) * self.extra], axis=-1)
            self.add_loss(ops.mean(out))
            return self.gelu(out) + keras.activations.selu(out) - keras.activations.softsign(out)
'''


def test_sublayer_builds_and_training_only_calls_are_left_out(tmp_path, worker):
    result = migrate_source(textwrap.dedent(SUBLAYER_BUILD), Framework.PYTORCH, symbol="Head")
    assert any(d.code == "NNM103" and "add_loss" in d.message for d in result.diagnostics)
    text = migrate_and_verify(tmp_path, worker, SUBLAYER_BUILD, "Head", ["float32[4,6]"]).text
    assert "def build" not in text.split("left out a build()")[0] and "self.built" not in text  # nothing to build lazily
    assert "nn.GELU()" in text and "F.selu(" in text and "F.softsign(" in text
    assert "self.extra = nn.Buffer(torch.tensor([[0.5, -1.0, 2.0]]))" in text
    assert "return F.elu(x) + 1 + 1e-07" in text


def test_unknown_backend_function_is_reported():
    source = textwrap.dedent('''
        from tensorflow import keras
        from tensorflow.keras import backend as K


        class Gate(keras.layers.Layer):
            def call(self, x):
                return K.hard_sigmoid(x) * x
    ''')
    result = migrate_source(source, Framework.PYTORCH, symbol="Gate")
    assert result.exit_code == 3
    assert any(d.code == "NNM101" and "keras.backend.hard_sigmoid" in d.message for d in result.diagnostics)
    assert "TODO(nnmigrate)" in result.text


TRY_AND_FIXED_WEIGHTS = '''
    import tensorflow as tf
    from tensorflow import keras


    class Grid(keras.layers.Layer):
        def __init__(self, size=4, **kwargs):
            super().__init__(**kwargs)
            self.size = size
            self.table = None

        def build(self, input_shape):
            self.table = tf.linspace(-1.0, 1.0, self.size)
            self.table = tf.Variable(tf.repeat(self.table[None, :], input_shape[-1], axis=0), trainable=False)
            self.kernel = self.add_weight(shape=(input_shape[-1], self.size),
                                          initializer=keras.initializers.RandomNormal(stddev=0.1))

        def call(self, x):
            try:
                width = int(x.shape[-1])
            except TypeError:
                width = -1
            near = tf.reduce_sum(tf.abs(tf.expand_dims(x, -1) - self.table), axis=-1)
            ordered = tf.sort(near, axis=-1, direction="DESCENDING")
            tf.debugging.assert_equal(tf.shape(x)[-1], width)
            return tf.concat([ordered, tf.matmul(x, self.kernel)], axis=-1)
'''


def test_try_statements_and_fixed_weights_replacing_attributes(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, TRY_AND_FIXED_WEIGHTS, "Grid", ["float32[3,5]"]).text
    assert "try:" in text and "except TypeError:" in text
    # a buffer cannot replace the attribute set before: the fixed table is a parameter that is not trained
    assert "self.table = nn.Parameter(" in text and "requires_grad=False" in text and "nn.Buffer" not in text
    assert "nn.init.normal_(torch.empty(input_shape[-1], self.size), std=0.1)" in text
    assert "torch.sort(near, descending=True).values" in text


def test_subclass_of_a_builtin_layer_is_reported():
    source = textwrap.dedent('''
        import tensorflow as tf


        class ScaledDense(tf.keras.layers.Dense):
            def call(self, inputs):
                return 2.0 * super().call(inputs)
    ''')
    result = migrate_source(source, Framework.PYTORCH, symbol="ScaledDense")
    assert result.exit_code == 3
    assert any(d.code == "NNM103" and "keras.layers.Dense" in d.message for d in result.diagnostics)


REBOUND_IN_BUILDER = '''
    import keras
    from keras import layers


    def build(filters=4, depth=2):
        inputs = keras.Input(shape=(8, 8, 3))
        x = inputs
        for _ in range(depth):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            filters *= 2
        return keras.Model(inputs, layers.GlobalAveragePooling2D()(x))
'''


def test_builder_variables_rebound_in_the_dataflow(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, REBOUND_IN_BUILDER, "build", ["float32[2,8,8,3]"]).text
    assert "def forward(inputs, filters=filters):" in text  # every run starts from the builder's value


WEIGHT_LISTS = '''
    import keras
    from keras import layers, ops


    class Mix(layers.Layer):
        def __init__(self, count=3, **kwargs):
            super().__init__(**kwargs)
            self.count = count
            self.scales = [self.add_weight(shape=(4,), initializer="random_uniform", name=f"s{i}") for i in range(count)]
            self.kernels = []

        def build(self, input_shape):
            for i in range(self.count):
                self.kernels.append(self.add_weight(shape=(input_shape[-1], 4), name=f"k{i}"))

        def call(self, x):
            out = 0.0
            for kernel, scale in zip(self.kernels, self.scales):
                out = out + ops.matmul(x, kernel) * scale
            return out
'''


def test_lists_of_weights_are_parameter_lists(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, WEIGHT_LISTS, "Mix", ["float32[2,5]"]).text
    assert "[nn.Parameter(nn.init.uniform_(torch.empty(4), a=-0.05, b=0.05)) for i in range(count)]" in text
    assert "self.kernels = nn.ParameterList()" in text


SETTINGS_BRANCHES = '''
    import keras
    from keras import backend, layers, ops


    def build(classes=3):
        inputs = keras.Input(shape=(8, 8, 3))
        if backend.image_data_format() == "channels_first":
            x = layers.Permute((3, 1, 2))(inputs)
        else:
            x = inputs
        x = layers.Conv2D(4, 3, padding="same")(x)
        axis = 1 if backend.image_data_format() == "channels_first" else -1
        x = layers.BatchNormalization(axis=axis, epsilon=1e-3)(x)
        scale = 2.0 if keras.config.backend() == "tensorflow" else 1.0
        x = ops.mean(x, axis=(1, 2)) * scale
        return keras.Model(inputs, layers.Dense(classes)(x))
'''


def test_branches_on_framework_settings_keep_what_the_source_runs(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, SETTINGS_BRANCHES, "build", ["float32[2,8,8,3]"]).text
    code = "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))
    assert "left out a branch for framework settings the source does not run with" in text
    assert "Permute" not in code and "channels_first" not in code and "scale = 2.0" in code


def test_pad_and_pooling_functions(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, '''
        import keras
        import tensorflow as tf
        from keras import layers, ops


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.conv = layers.Conv2D(4, 3)

            def call(self, x, seq):
                h = self.conv(x)
                a = ops.pad(h, [[0, 0], [1, 2], [0, 1], [0, 0]], constant_values=-1.0)
                b = ops.max_pool(a, 2)
                c = ops.average_pool(h, (3, 2), strides=(1, 2), padding="same")
                d = tf.pad(seq, [[0, 0], [2, 0], [0, 0]], mode="REFLECT")
                e = ops.pad(seq, [[0, 0]] + [[1, 1]] + [[0, 0]])
                return b, c, ops.max_pool(d, 2), e
    ''', "Net", ["float32[2,9,8,3]", "float32[2,6,5]"]).text
    assert "F.pad(h, (0, 1, 1, 2), value=-1.0)" in text  # pairs follow the axes to channels-first
    assert "F.max_pool2d(a, 2)" in text
    assert "mode='reflect'" in text


def test_resize_reductions_random_and_tensor_checks(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers, ops


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.conv = layers.Conv2D(4, 3)
                self.up = layers.Conv2DTranspose(2, 3, strides=2, output_padding=1)
                self.noise = keras.Variable(keras.random.normal((1, 4), mean=1.0, stddev=0.5))

            def call(self, x, training=None):
                h = self.conv(x)
                if ops.is_tensor(h):
                    h = keras.random.dropout(h, 0.5) if training else h
                a = ops.image.resize(h, (9, 5))
                b = ops.image.resize(h, (11, 13), interpolation="nearest")
                m = ops.amax(h, axis=(1, 2)) + ops.amin(h, axis=-1, keepdims=True)[:, 0, 0]
                s = ops.convert_to_tensor([1.0, 2.0, 3.0, 4.0])
                return a, b, self.up(h), m * self.noise + s
    ''', "Net", ["float32[2,9,8,3]"]).text
    assert "mode='nearest-exact'" in text  # Keras resizes with half-pixel centers
    assert "torch.randn((1, 4)) * 0.5 + 1.0" in text
    assert "F.dropout(h, 0.5, training=True) if self.training else h" in text
    assert "output_padding=1" in text


def test_keras_reductions_norms_top_k_unstack_one_hot(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, '''
        import tensorflow as tf
        import keras
        from keras import layers, ops


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.conv = layers.Conv2D(4, 3)
                self.dense = layers.Dense(6)

            def call(self, x):
                h = self.conv(x)
                unit = tf.math.l2_normalize(h, axis=-1)
                flat = tf.nn.l2_normalize(ops.reshape(h, (-1, 36 * 4)), 1, epsilon=1e-4)
                size = tf.math.reduce_euclidean_norm(h, axis=[1, 2]) + ops.norm(h, axis=-1, keepdims=True)[:, 0, 0]
                positive = tf.cast(tf.math.reduce_any(h > 0.5, axis=-1), "float32") + tf.cast(tf.reduce_all(tf.greater(h, -9.0)), "float32")
                d = self.dense(size)
                best, where = ops.top_k(d, 2)
                first, second, third = tf.unstack(d[:, :3], axis=1)
                order = ops.cast(ops.argsort(d), "float32")
                picked = ops.one_hot(ops.argmax(d, axis=-1), 6) * d
                return unit, flat, positive, best + ops.cast(where, "float32"), first * second - third, order, picked
    ''', "Net", ["float32[2,8,8,3]"]).text
    assert "eps=1e-06" in text and "eps=0.01" in text  # TensorFlow clamps the squared norm
    assert "torch.linalg.vector_norm(h, dim=(2, 3))" in text  # spatial axes of a channels-first map
    assert "torch.any(h > 0.5, dim=1)" in text  # the channel axis: a comparison keeps its layout
    assert "torch.topk(d, 2)" in text and "torch.unbind(d[:, :3], dim=1)" in text


def test_tf_cond_runs_one_branch(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, '''
        import tensorflow as tf
        import keras


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.dense = keras.layers.Dense(3)

            def call(self, x):
                h = self.dense(x)
                h = tf.cond(tf.reduce_sum(h) > 0.0, lambda: h * 2.0, lambda: tf.nn.relu(h) - 1.0)
                return tf.cond(tf.reduce_max(x) > 100.0, lambda: -h, lambda: h + 1.0)
    ''', "Net", ["float32[2,5]"]).text
    assert "h = h * 2.0 if torch.sum(h) > 0.0 else F.relu(h) - 1.0" in text


def test_segment_sums_and_tensor_shape(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, '''
        import tensorflow as tf
        import keras
        from keras import ops


        class Net(keras.Model):
            def call(self, x):
                ids = ops.convert_to_tensor([0, 0, 2, 1])
                shape = tf.TensorShape([2, 6])
                a = ops.segment_sum(x, ids, num_segments=3)
                b = tf.math.segment_sum(x, tf.constant([0, 0, 1, 1]))
                c = tf.math.unsorted_segment_sum(x, ids, 3) * 2.0
                return a, b, c, tf.reshape(x, shape)
    ''', "Net", ["float32[4,3]"]).text
    assert "x.new_zeros((3, *x.shape[1:])).index_add(0, ids, x)" in text


def test_tf_gather_with_batch_dims(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, '''
        import tensorflow as tf
        import keras
        from keras import ops


        class Net(keras.Model):
            def call(self, x):
                order = tf.argsort(x[:, :, 0], axis=-1, direction="DESCENDING")[:, :3]
                rows = tf.gather(x, order, batch_dims=1)
                cols = tf.gather(x, order[:, :2], axis=2, batch_dims=1)
                return rows, cols, ops.take(x, order[0], axis=1)
    ''', "Net", ["float32[2,5,6]"]).text
    assert "torch.vmap(lambda row, index: row[index])(x, order)" in text
    assert "torch.vmap(lambda row, index: row[:, index])(x, order[:, :2])" in text


def test_tf_nest_flatten_and_map_structure(tmp_path, worker):
    text = migrate_and_verify(tmp_path, worker, '''
        import tensorflow as tf
        import keras


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.dense = keras.layers.Dense(3)

            def call(self, x):
                h = self.dense(x)
                parts = [h, (h * 2.0, x - 1.0)]
                flat = tf.nest.flatten(parts)
                doubled = tf.nest.map_structure(lambda t: t * 2.0, parts)
                summed = tf.nest.map_structure(lambda a, b: a + b, parts, doubled)
                return flat[2], doubled[1][0], summed[1][1]
    ''', "Net", ["float32[2,5]"]).text
    assert "torch.utils._pytree.tree_map(lambda t: t * 2.0, parts)" in text


def test_pooling_functions_size_the_layers_after_them(tmp_path, worker):
    """Shape inference goes through keras.ops pooling of any rank: the Dense after it gets its in_features."""
    text = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers, ops


        def build():
            inputs = keras.Input((9, 9, 3))
            h = ops.average_pool(layers.Conv2D(4, 3)(inputs), 2)
            outputs = layers.Dense(5)(layers.Flatten()(h))
            return keras.Model(inputs, outputs)
    ''', "build", ["float32[2,9,9,3]"]).text
    assert "nn.Linear(36, 5)" in text
