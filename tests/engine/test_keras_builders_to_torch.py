"""Keras Functional builders as published packages write them, to PyTorch: layers made through a variable or a
helper function, layer classes picked by name, models built without `keras.Input`, explicit `build()` calls."""

from __future__ import annotations

import textwrap

import torch

from tests.conftest import migrate_and_verify


def test_layers_made_by_factories_and_helpers_are_created_once(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def upsample_conv(filters, kernel_size, strides, padding):
            return layers.Conv2DTranspose(filters, kernel_size, strides=strides, padding=padding)


        def upsample_simple(filters, kernel_size, strides, padding):
            return layers.UpSampling2D(strides)


        def block(x, filters, dropout_type="spatial"):
            if dropout_type == "spatial":
                DO = layers.SpatialDropout2D
            else:
                DO = layers.Dropout
            x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            x = DO(0.2)(x)
            act = layers.Activation
            return act("tanh")(layers.Conv2D(filters, 3, padding="same")(x))


        def build(mode="deconv", filters=4):
            upsample = upsample_conv if mode == "deconv" else upsample_simple
            inputs = keras.Input((8, 8, 3))
            x = block(inputs, filters)
            x = layers.MaxPooling2D()(x)
            x = block(x, filters * 2, "standard")
            x = upsample(filters, (2, 2), strides=(2, 2), padding="same")(x)
            outputs = layers.Conv2D(2, 1)(x)
            return keras.Model(inputs, outputs)
    ''', "build", ["float32[2,8,8,3]"])
    assert "Functional.layer(lambda: DO(0.2))(x)" in result.text
    assert "Functional.layer(lambda: upsample(filters, (2, 2), strides=(2, 2), padding='same'))(x)" in result.text


def test_layer_classes_picked_with_eval(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras.layers import Conv2D, ReLU, LeakyReLU, ELU, add, multiply


        def gate(x, g, activation="ReLU", attention="add"):
            activation_func = eval(activation)
            attention_func = eval(attention)
            query = attention_func([Conv2D(4, 1)(x), Conv2D(4, 1)(g)], name="query")
            f = activation_func(name="act")(query)
            return multiply([x, Conv2D(4, 1, activation="sigmoid")(f)])


        def build(activation="LeakyReLU"):
            inputs = keras.Input((8, 8, 4))
            x = gate(inputs, inputs, activation)
            act = eval(activation)
            return keras.Model(inputs, act(name="out")(Conv2D(3, 1)(x)))
    ''', "build", ["float32[2,8,8,4]"])
    assert "eval(" not in result.text and "'LeakyReLU': lambda name=None: nn.LeakyReLU(0.3)" in result.text
    left_out = [d.message for d in result.diagnostics if d.code == "NNM102"]
    assert left_out and "Conv2D" in left_out[0]  # a layer that cannot be made without arguments is named


def test_eval_of_a_name_the_module_does_not_import_is_reported():
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    result = migrate_source(textwrap.dedent('''
        import keras


        def build(activation="ReLU"):
            inputs = keras.Input((4,))
            return keras.Model(inputs, eval(activation)()(inputs))
    '''), Framework.PYTORCH, symbol="build")
    assert result.exit_code == 3 and any("eval(activation)" in d.message for d in result.diagnostics)


def test_eval_of_a_layer_acting_on_an_axis_it_is_given_by_default_blocks_migration():
    from nnmigrate.diagnostics import Severity
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    result = migrate_source(textwrap.dedent('''
        import keras
        from keras.layers import Conv2D, ReLU, Softmax


        def head(x, activation="Softmax"):
            return eval(activation)(name="act")(Conv2D(3, 1)(x))


        def build(activation="ReLU"):
            inputs = keras.Input((8, 8, 3))
            x = eval(activation)()(Conv2D(4, 3, padding="same")(inputs))
            return keras.Model(inputs, head(x))
    '''), Framework.PYTORCH, symbol="build")
    errors = [d.message for d in result.diagnostics if d.severity is Severity.ERROR]
    assert result.exit_code == 3 and len(errors) == 1 and "picks Softmax" in errors[0]


def test_star_import_of_a_package_module_brings_its_definitions(tmp_path):
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "blocks.py").write_text(textwrap.dedent('''
        from keras import layers


        def conv_block(x, filters):
            return layers.Conv2D(filters, 3, padding="same", activation="relu")(x)


        def _private(x):
            return x
    '''))
    model = package / "model.py"
    model.write_text(textwrap.dedent('''
        import keras
        from pkg.blocks import *


        def build():
            inputs = keras.Input((8, 8, 3))
            return keras.Model(inputs, conv_block(inputs, 4))
    '''))
    result = migrate_source(model.read_text(), Framework.PYTORCH, symbol="build", path=str(model))
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    assert "def conv_block(x, filters):" in result.text and "import *" not in result.text


def test_attributes_set_before_super_init(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras


        class FeedForward(keras.layers.Layer):
            def __init__(self, units, activation="relu", **kwargs):
                self.supports_masking = True
                self.units = units
                self.activation = keras.activations.get(activation)
                self.hidden = keras.layers.Dense(units)
                super().__init__(**kwargs)

            def call(self, x):
                return self.activation(self.hidden(x))
    ''', "FeedForward", ["float32[2,5,8]"], args={"units": 6})
    init = result.text.split("class FeedForward")[1]
    assert init.index("super().__init__()") < init.index("self.units")


def test_package_definitions_only_other_symbols_need_bring_no_diagnostics(tmp_path):
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "blocks.py").write_text(textwrap.dedent('''
        import tensorflow as tf


        class Plain(tf.keras.layers.Layer):
            def call(self, x):
                return tf.nn.relu(x)


        class Sparse(tf.keras.layers.Layer):
            def call(self, x):
                return tf.sparse.sparse_dense_matmul(x, x)
    '''))
    model = package / "model.py"
    model.write_text(textwrap.dedent('''
        import tensorflow as tf
        from pkg import blocks


        class Net(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.block = blocks.Plain()

            def call(self, x):
                return self.block(x)


        class SparseNet(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.block = blocks.Sparse()

            def call(self, x):
                return self.block(x)
    '''))
    result = migrate_source(model.read_text(), Framework.PYTORCH, symbol="Net", path=str(model))
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    assert "class Sparse" not in result.text
    other = migrate_source(model.read_text(), Framework.PYTORCH, symbol="SparseNet", path=str(model))
    assert other.exit_code == 3 and any("sparse_dense_matmul" in d.message for d in other.diagnostics)


def test_explicit_build_calls_are_left_out(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        class Head(keras.layers.Layer):
            def __init__(self, units):
                super().__init__()
                self.dense = layers.Dense(units)
                self.dense.build((None, 8))

            def call(self, x):
                return self.dense(x)


        def build(units=3):
            model = keras.Sequential([layers.Dense(8, activation="relu"), Head(units)])
            model.build((None, 4))
            return model
    ''', "build", ["float32[2,4]"])
    assert result.text.count("left out building ahead of time") == 2


def test_class_that_only_configures_a_builtin_layer(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import tensorflow as tf


        class ScaledUniform(tf.keras.initializers.VarianceScaling):
            def __init__(self, w0=1.0, seed=None):
                super().__init__(scale=6.0 / (3.0 * w0 * w0), mode="fan_in", distribution="uniform", seed=seed)


        class Sine(tf.keras.layers.Layer):
            def __init__(self, w0=1.0, **kwargs):
                super().__init__(**kwargs)
                self.w0 = w0

            def call(self, inputs):
                return tf.sin(self.w0 * inputs)


        class SineDense(tf.keras.layers.Dense):
            def __init__(self, units, w0=1.0, activation="sine", kernel_initializer="scaled", **kwargs):
                self.w0 = float(w0)
                if activation == "sine":
                    activation = Sine(w0=w0)
                if kernel_initializer == "scaled":
                    kernel_initializer = ScaledUniform(w0=w0)
                super().__init__(units=units, activation=activation, kernel_initializer=kernel_initializer, **kwargs)

            def get_config(self):
                return dict(super().get_config(), w0=self.w0)


        class Net(tf.keras.Model):
            def __init__(self, units=8):
                super().__init__()
                self.body = tf.keras.Sequential([SineDense(units, w0=30.0), SineDense(units)])
                self.head = SineDense(2, activation="linear")

            def call(self, x):
                return self.head(self.body(x))
    ''', "Net", ["float32[4,3]"])
    assert "class SineDense(nn.Module):" in result.text and "self.dense = nn.Sequential(nn.LazyLinear(" in result.text
    assert "ScaledUniform" not in result.text.split("class Sine(")[1]  # the initializer class is not written


def test_weight_of_run_time_rank_with_a_run_time_initializer(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        from tensorflow import keras
        from tensorflow.keras import backend as K


        class Norm(keras.layers.Layer):
            def __init__(self, gamma_initializer="ones", **kwargs):
                super().__init__(**kwargs)
                self.gamma_initializer = keras.initializers.get(gamma_initializer)

            def build(self, input_shape):
                self.gamma = self.add_weight(shape=input_shape[-1:], initializer=self.gamma_initializer, name="gamma")

            def call(self, inputs):
                mean = K.mean(inputs, axis=-1, keepdims=True)
                return (inputs - mean) * self.gamma
    ''', "Norm", ["float32[2,5,8]"])
    assert "nn.init.uniform_(torch.empty(" in result.text


def test_layer_lists_made_in_build_and_tensor_lists_in_call(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras


        class Stack(keras.layers.Layer):
            def __init__(self, units=6, depth=2, **kwargs):
                self.units, self.depth = units, depth
                self.blocks = []
                self.outputs_seen = []
                super().__init__(**kwargs)

            def build(self, input_shape):
                self.blocks = []
                for i in range(self.depth):
                    self.blocks.append(keras.layers.Dense(self.units, activation="tanh"))

            def call(self, x):
                self.outputs_seen = [x]
                for block in self.blocks:
                    x = block(x)
                    self.outputs_seen.append(x)
                return keras.ops.concatenate(self.outputs_seen[1:], axis=-1)
    ''', "Stack", ["float32[2,4]"])
    assert result.text.count("self.blocks = nn.ModuleList()") == 2 and "self.outputs_seen = []" in result.text


def test_reverse_broadcast_and_backend_dtype(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import tensorflow as tf
        from tensorflow.keras import backend as K


        class Ops(tf.keras.layers.Layer):
            def call(self, x):
                y = tf.reverse(x, axis=[1]) + keras_flip(x)
                z = tf.broadcast_to(tf.reduce_mean(x, axis=1, keepdims=True), tf.shape(x))
                if K.dtype(x) != K.floatx():
                    x = K.cast(x, K.floatx())
                return y + z + x


        def keras_flip(x):
            return tf.keras.ops.flip(x)
    ''', "Ops", ["float32[2,5,3]"])
    assert "torch.flip(x, [1])" in result.text and "torch.broadcast_to(" in result.text
    assert "x.dtype != torch.float32" in result.text


def test_functional_builder_with_layer_classes_from_its_package(tmp_path, worker):
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source
    from nnmigrate.verify.run import build_request

    package = tmp_path / "patchnet_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tokens.py").write_text(textwrap.dedent('''
        import tensorflow as tf
        from tensorflow import keras


        class ClassToken(keras.layers.Layer):
            def build(self, input_shape):
                self.hidden_size = input_shape[-1]
                self.cls = self.add_weight(shape=(1, 1, self.hidden_size), initializer="zeros", name="cls")

            def call(self, inputs):
                batch_size = tf.shape(inputs)[0]
                token = tf.broadcast_to(self.cls, [batch_size, 1, self.hidden_size])
                return tf.concat([token, inputs], 1)
    '''))
    model = package / "model.py"
    model.write_text(textwrap.dedent('''
        from tensorflow import keras

        from . import tokens


        def build_model(size=8, patch=4, hidden=6, classes=3):
            x = keras.layers.Input(shape=(size, size, 3))
            y = keras.layers.Conv2D(hidden, patch, strides=patch, name="embedding")(x)
            y = keras.layers.Reshape((y.shape[1] * y.shape[2], hidden))(y)
            y = tokens.ClassToken(name="class_token")(y)
            y = keras.layers.Lambda(lambda v: v[:, 0], name="token")(y)
            return keras.models.Model(inputs=x, outputs=keras.layers.Dense(classes)(y))
    '''))
    result = migrate_source(model.read_text(), Framework.PYTORCH, symbol="build_model", path=str(model))
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    out = tmp_path / "model_torch.py"
    out.write_text(result.text)
    report = worker.verify(build_request(str(model), str(out), "build_model", {}, ["float32[2,8,8,3]"], "cpu",
                                         "native"), timeout=300)
    assert report["status"] == "equivalent", report["message"] + "\n" + result.text


def test_legacy_backend_dropout_in_train_phase(tmp_path, worker):
    # K.in_train_phase is gone from current Keras: the branch using it is migrated but not run (rate 0)
    result = migrate_and_verify(tmp_path, worker, '''
        from tensorflow import keras
        from tensorflow.keras import backend as K


        class FeedForward(keras.layers.Layer):
            def __init__(self, units, dropout_rate=0.0, **kwargs):
                super().__init__(**kwargs)
                self.units, self.dropout_rate = units, dropout_rate

            def build(self, input_shape):
                self.W = self.add_weight(shape=(int(input_shape[-1]), self.units), initializer="glorot_normal", name="W")
                self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

            def call(self, x, training=None):
                h = K.bias_add(K.dot(x, self.W), self.b)
                if 0.0 < self.dropout_rate < 1.0:
                    def dropped_inputs():
                        return K.dropout(h, self.dropout_rate)
                    h = K.in_train_phase(dropped_inputs, h, training=training)
                return K.relu(h)
    ''', "FeedForward", ["float32[2,5,3]"], args={"units": 6})
    assert "F.dropout(h, self.dropout_rate, training=True)" in result.text
    assert "in_train_phase(dropped_inputs, h, self.training)" in result.text


def test_in_train_phase_support_function():
    from nnmigrate.support import torch_layers

    assert torch_layers.in_train_phase(lambda: 1, 2, True) == 1 and torch_layers.in_train_phase(lambda: 1, 2, False) == 2


def test_cast_of_a_size_taken_from_the_shape(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        from tensorflow import keras
        from tensorflow.keras import backend as K


        class TrigPositions(keras.layers.Layer):
            def call(self, inputs):
                input_shape = K.shape(inputs)
                seq_len, output_dim = input_shape[1], input_shape[2]
                pos = K.cast(K.arange(0, seq_len), K.floatx())
                evens = K.cast(K.arange(0, output_dim), K.floatx()) / K.cast(output_dim, K.floatx())
                return inputs + K.sin(K.expand_dims(pos, -1) * K.expand_dims(evens, 0))
    ''', "TrigPositions", ["float32[2,5,4]"])
    assert "torch.as_tensor(output_dim, dtype=torch.float32)" in result.text


def test_convolution_padding_chosen_at_run_time(tmp_path, worker):
    source = '''
        import keras


        class Block(keras.layers.Layer):
            def __init__(self, filters=4, padding="causal", **kwargs):
                super().__init__(**kwargs)
                self.conv = keras.layers.Conv1D(filters, 3, dilation_rate=2, padding=padding)
                self.strided = keras.layers.Conv1D(filters, 3, strides=2, padding=padding)

            def call(self, x):
                return self.strided(self.conv(x))
    '''
    for padding in ("causal", "same", "valid"):
        result = migrate_and_verify(tmp_path, worker, source, "Block", ["float32[2,11,3]"], args={"padding": padding})
    assert "KerasPadding(padding, 3, dilation=2)" in result.text


def test_same_transposed_convolutions_at_any_kernel_and_stride(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def build():
            inputs = keras.Input((7, 6, 3))
            a = layers.Conv2DTranspose(4, 3, strides=2, padding="same")(inputs)
            b = layers.Conv2DTranspose(4, (4, 3), strides=(2, 2), padding="same")(inputs)
            return keras.Model(inputs, [a, b, layers.Conv1DTranspose(2, 4, strides=3, padding="same")(
                layers.Reshape((42, 3))(inputs))])
    ''', "build", ["float32[2,7,6,3]"])
    assert "TransposedCrop(3, 2)" in result.text and "TransposedCrop((4, 3), (2, 2))" in result.text


def test_list_of_feature_maps_joined_after_branches(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def encoder(x, extra=None):
            skips = []
            if extra is None:
                for filters in (4, 6):
                    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
                    skips.append(x)
                    x = layers.MaxPooling2D()(x)
            else:
                skips = extra(x)
            skips = skips[::-1]
            return layers.concatenate([layers.GlobalAveragePooling2D()(s) for s in skips])


        def build():
            inputs = keras.Input((8, 8, 3))
            return keras.Model(inputs, layers.Dense(2)(encoder(inputs)))
    ''', "build", ["float32[2,8,8,3]"])
    assert "skips.permute" not in result.text  # a list of feature maps is never transposed as one tensor


def test_framework_names_a_star_import_passes_on(tmp_path):
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    package = tmp_path / "starpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "blocks.py").write_text(textwrap.dedent('''
        from tensorflow.keras.layers import Conv2D, ReLU, LeakyReLU


        def conv_block(x, filters, activation="ReLU"):
            return eval(activation)()(Conv2D(filters, 3, padding="same")(x))
    '''))
    model = package / "model.py"
    model.write_text(textwrap.dedent('''
        from tensorflow import keras
        from starpkg.blocks import *


        def build(activation="ReLU"):
            inputs = keras.Input((8, 8, 3))
            act = eval(activation)
            return keras.Model(inputs, act()(conv_block(inputs, 4, activation)))
    '''))
    result = migrate_source(model.read_text(), Framework.PYTORCH, symbol="build", path=str(model))
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    assert "eval(" not in result.text and "'LeakyReLU': lambda name=None: nn.LeakyReLU(0.3)" in result.text


def test_keras_shape_plumbing_on_sub_layers():
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    result = migrate_source(textwrap.dedent('''
        import keras


        class Block(keras.layers.Layer):
            def build(self, input_shape):
                self.layers = []
                self.layers.append(keras.layers.Dense(4))
                self.layers[-1].build(input_shape)
                self.out_shape = self.layers[-1].compute_output_shape(input_shape)

            def call(self, x):
                return self.layers[0](x)
    '''), Framework.PYTORCH, symbol="Block")
    kept = result.text.replace("`self.layers[-1].build(input_shape)`", "")
    assert "left out building ahead of time" in result.text and ".build(input_shape)" not in kept
    assert result.exit_code == 3 and any("compute_output_shape" in d.message for d in result.diagnostics)


def test_layer_dicts_become_module_dicts(tmp_path, worker):
    """Keras tracks a dict of layers; PyTorch registers its modules only in nn.ModuleDict (eval() must reach the
    BatchNormalization in it, or it normalizes with the batch's statistics)."""
    result = migrate_and_verify(tmp_path, worker, '''
        import keras


        class Blocks(keras.layers.Layer):
            def __init__(self, depth=2, **kwargs):
                super().__init__(**kwargs)
                self.named = {}
                for i in range(depth):
                    self.named["block%d" % i] = keras.layers.BatchNormalization()
                self.heads = {name: keras.layers.Dense(3) for name in ("a", "b")}

            def call(self, x):
                for name, block in self.named.items():
                    x = block(x)
                return self.heads["a"](x) + self.heads["b"](x)
    ''', "Blocks", ["float32[2,4]"], per_layer=True)
    assert "self.named = nn.ModuleDict()" in result.text
    assert "self.heads = nn.ModuleDict({name: nn.LazyLinear(3) for name in ('a', 'b')})" in result.text


def test_statements_after_the_model_are_translated_or_reported(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def build(n=4, weights=None, freeze=True):
            inputs = keras.Input((8,))
            hidden = layers.Dense(n, activation="relu")
            x = hidden(inputs)
            outputs = layers.Dense(2)(x)
            model = keras.Model(inputs, outputs)
            if freeze:
                model.trainable = False
                hidden.trainable = False
            model.layers[1].trainable = True
            model.compile(optimizer="adam", loss="mse")
            if weights is not None:
                model.load_weights(weights)
            model.summary()
            return model
    ''', "build", ["float32[2,8]"])
    namespace: dict = {}
    exec(result.text, namespace)
    model = namespace["build"]()
    model(namespace["torch"].zeros(2, 8))
    assert [p.requires_grad for p in model.parameters()] == [False] * 4  # frozen before its layers were made
    assert "model.requires_grad_(False)" in result.text
    left_out = {d.message.split("`")[1] for d in result.diagnostics if d.code == "NNM103"}
    assert left_out == {"hidden.trainable = False", "model.layers[1].trainable = True", "model.compile(...)",
                        "model.load_weights(...)", "model.summary(...)"}
    for code in ("hidden.trainable = False", "model.compile(", "model.load_weights(weights)", "model.summary()"):
        assert f"{code}" in result.text  # each left-out statement stays visible where it was
    assert result.text.rstrip().endswith("return model")


def test_layer_tracking_by_name_is_left_out_and_the_layer_name_kept(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        class Block(layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                self.prefix = self.name + "/"
                self.layers = [layers.Dense(self.units) for _ in range(2)]
                for layer in self.layers:
                    self.__setattr__(layer.name, layer)

            def call(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x


        class Net(layers.Layer):
            def __init__(self, units=4, **kwargs):
                super().__init__(**kwargs)
                self.blocks = [Block(units, name="block_%d" % i) for i in range(2)]
                self.tail = Block(units)

            def call(self, x):
                for b in self.blocks:
                    x = b(x)
                    self.__setattr__(b.name, b)
                return self.tail(x)
    ''', "Net", ["float32[2,6]"])
    namespace: dict = {}
    exec(result.text, namespace)
    net = namespace["Net"]()
    assert [b.name for b in net.blocks] + [net.tail.name] == ["block_0", "block_1", "block"]
    tracking = [d for d in result.diagnostics if "layer tracking" in d.message]
    assert len(tracking) == 2 and result.text.count("left out Keras layer tracking") == 2


def test_keyword_dictionaries_unpacked_into_layers_and_helpers(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def conv(x, filters, **conv_args):
            return layers.Conv2D(filters, **conv_args)(layers.BatchNormalization(momentum=0.01)(x))


        def upconv(x, filters, **conv_args):
            return layers.Conv2DTranspose(filters, **conv_args)(x)


        def build(kernel_size=3, padding="same", output_padding=(1, 1)):
            activation = "relu"
            conv_args = {"kernel_size": kernel_size, "activation": activation, "padding": padding}
            up_args = {"kernel_size": kernel_size, "strides": (2, 2), "padding": padding, "output_padding": output_padding}
            pool_args = {"pool_size": (2, 2), "strides": (2, 2)}
            inputs = keras.Input((8, 8, 3))
            x = layers.Conv2D(4, **conv_args)(inputs)
            skip = conv(x, 4, **conv_args)
            x = layers.MaxPooling2D(**pool_args)(skip)
            x = upconv(conv(x, 6, **conv_args), 4, **up_args)
            x = layers.concatenate([x, skip])
            return keras.Model(inputs, [x, upconv(x, 2, kernel_size=3, strides=2, padding="valid", output_padding=1)])
    ''', "build", ["float32[2,8,8,3]"])
    assert "def conv(x, filters, *, kernel_size" in result.text
    assert "TransposedCrop(kernel_size, strides, output_padding=output_padding, padding=padding)" in result.text
    assert not [d for d in result.diagnostics if "forwarded" in d.message]


def test_sub_layers_made_by_a_method_and_built_explicitly(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        class TwoScales(layers.Layer):
            def __init__(self, filters, data_format=None, **kwargs):
                super().__init__(**kwargs)
                self.data_format = data_format
                self.high = self._init_conv(filters, name="{}-high".format(self.name))
                self.low = self._init_conv(filters, name="{}-low".format(self.name))
                self.pooling = layers.AveragePooling2D(2, data_format=data_format)

            def _init_conv(self, filters, name):
                return layers.Conv2D(filters, 3, padding="same", data_format=self.data_format, name=name)

            def build(self, input_shape):
                self.high.build(input_shape)
                self.low.build(input_shape)
                super().build(input_shape)

            def call(self, inputs):
                return [self.high(inputs), self.low(self.pooling(inputs))]
    ''', "TwoScales", ["float32[2,8,8,3]"], {"filters": 4})
    assert "self.name = kwargs.get('name', 'two_scales')" in result.text
    assert "left out a build() that only builds sub-layers" in result.text
    assert sum("taken to be Keras's default, channels_last" in d.message for d in result.diagnostics) == 2


def test_activation_function_picked_with_getattr(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers, ops


        class Gated(layers.Layer):
            def __init__(self, units, activation="gelu", **kwargs):
                super().__init__(**kwargs)
                self.activation_name = activation
                self.dense = layers.Dense(units)

            def call(self, x):
                act = getattr(ops, self.activation_name)
                return act(self.dense(x)) * ops.sigmoid(x)
    ''', "Gated", ["float32[3,4]"], {"units": 4})
    assert any("activation functions of keras.ops" in d.message for d in result.diagnostics)
    assert "'gelu': lambda x: F.gelu(x, approximate='tanh')" in result.text


def test_layer_frozen_before_it_is_sized(tmp_path, worker):
    result = migrate_and_verify(tmp_path, worker, '''
        import keras
        from keras import layers


        def build(n=4):
            hidden = layers.Dense(n)
            hidden.trainable = False
            return keras.Sequential([hidden, layers.Dense(2)])
    ''', "build", ["float32[2,8]"])
    namespace: dict = {}
    exec(result.text, namespace)
    model = namespace["build"]()
    model(torch.zeros(2, 8))
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]
