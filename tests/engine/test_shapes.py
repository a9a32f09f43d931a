"""Static shape inference: the catalog's per-op shape rules, and the sizes the walk over the pivot finds
(written into PyTorch constructors) or leaves to Lazy modules."""

from __future__ import annotations

import textwrap

import pytest

from nnmigrate.catalog import default_catalog
from nnmigrate.catalog.shape_rules import output_of
from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source, read_pivot
from nnmigrate.pivot import nodes as n
from nnmigrate.shapes.dims import Shape, Sym, add, broadcast, mul, size_of, to_expr
from nnmigrate.shapes.view import ShapeView
from nnmigrate.writers.printer import expr


def output_shape(layer: str, input_shape: tuple) -> tuple | None:
    """The output shape the catalog rule gives for a Keras layer applied to `input_shape` (batch first)."""
    module, _ = read_pivot(f"import keras\nfrom keras import layers\nlayer = layers.{layer}\n")
    op = module.body[-1].value
    assert isinstance(op, n.Op), op
    several = isinstance(input_shape[0], tuple)
    inputs = {"input": tuple(Shape(s) for s in input_shape) if several else Shape(input_shape)}
    out = output_of(default_catalog().get(op.key), ShapeView(op, inputs, 0))
    return None if out is None else out.dims


@pytest.mark.parametrize(("layer", "input_shape", "expected"), [
    ("Conv2D(8, 3)", (None, 32, 32, 3), (None, 30, 30, 8)),
    ("Conv2D(8, 3, strides=2)", (None, 32, 32, 3), (None, 15, 15, 8)),
    ("Conv2D(8, 3, strides=2, padding='same')", (None, 32, 32, 3), (None, 16, 16, 8)),
    ("Conv2D(8, 3, strides=2, padding='same')", (None, 31, 31, 3), (None, 16, 16, 8)),
    ("Conv2D(8, (3, 5), strides=(1, 2), padding='same')", (None, 10, 10, 3), (None, 10, 5, 8)),
    ("Conv2D(8, 3, dilation_rate=2)", (None, 32, 32, 3), (None, 28, 28, 8)),
    ("Conv1D(4, 5, strides=3)", (None, 20, 2), (None, 6, 4)),
    ("DepthwiseConv2D(3, depth_multiplier=2, padding='same')", (None, 8, 8, 5), (None, 8, 8, 10)),
    ("Conv2DTranspose(4, 3, strides=2, padding='same')", (None, 8, 8, 3), (None, 16, 16, 4)),
    ("Conv2DTranspose(4, 3, strides=2)", (None, 8, 8, 3), (None, 17, 17, 4)),
    ("Conv2DTranspose(4, 1, strides=3)", (None, 8, 8, 3), (None, 24, 24, 4)),  # kernel < stride: Keras pads
    ("MaxPooling2D(2)", (None, 15, 15, 8), (None, 7, 7, 8)),
    ("MaxPooling2D(3, strides=2)", (None, 32, 32, 8), (None, 15, 15, 8)),
    ("MaxPooling2D(2, padding='same')", (None, 5, 5, 8), (None, 3, 3, 8)),
    ("AveragePooling1D(4)", (None, 17, 2), (None, 4, 2)),
    ("GlobalAveragePooling2D()", (None, 7, 7, 8), (None, 8)),
    ("GlobalMaxPooling1D(keepdims=True)", (None, 7, 8), (None, 1, 8)),
    ("Flatten()", (None, 4, 4, 8), (None, 128)),
    ("Dense(10)", (None, 128), (None, 10)),
    ("Dense(10)", (None, 5, 7), (None, 5, 10)),
    ("UpSampling2D(2)", (None, 4, 6, 3), (None, 8, 12, 3)),
    ("ZeroPadding2D(((1, 2), (3, 4)))", (None, 4, 4, 3), (None, 7, 11, 3)),
    ("Reshape((4, -1))", (None, 8, 2), (None, 4, 4)),
    ("Embedding(100, 16)", (None, 12), (None, 12, 16)),
    ("BatchNormalization()", (None, 4, 4, 3), (None, 4, 4, 3)),
    ("Concatenate()", ((None, 4, 4, 3), (None, 4, 4, 5)), (None, 4, 4, 8)),
    ("Add()", ((None, 4, 3), (None, 4, 3)), (None, 4, 3)),
])
def test_shape_rule(layer, input_shape, expected):
    assert output_shape(layer, input_shape) == expected


def test_sizes_spelled_with_names_stay_linear():
    base = size_of(n.BinOp("*", n.Name("base"), n.Const(2)), scope=1)
    assert isinstance(base, Sym) and expr(to_expr(base)) == "base * 2"  # as the source wrote it
    assert expr(to_expr(add(base, base))) == "4 * base"
    assert add(base, size_of(n.Name("other"), scope=2)) is None  # names of another function
    assert mul(base, size_of(n.Name("h"), scope=1)) is None  # not linear: unknown
    assert size_of(n.BinOp("//", n.Const(64), n.Const(16)), scope=1) == 4


def test_broadcast_keeps_only_certain_sizes():
    unknown_rank = Shape((), False)
    assert broadcast([Shape((None, 1, 4)), Shape((3, 1))]).dims == (None, 3, 4)
    assert broadcast([unknown_rank, Shape((None, 4))]).dims == (None, 4)  # the other is 1 or 4 there
    width = size_of(n.Name("width"), scope=1)
    assert broadcast([unknown_rank, Shape((None, width))]).dims == (None, None)  # `width` may be 1
    assert broadcast([Shape((None, width)), Shape((None, width))]).dims == (None, width)


def torch_of(source: str, symbol: str | None = None) -> str:
    result = migrate_source(textwrap.dedent(source), Framework.PYTORCH, symbol=symbol)
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    return result.text


def test_functional_sizes_follow_conv_arithmetic():
    text = torch_of('''
        import keras
        from keras import layers


        def build():
            inputs = keras.Input(shape=(32, 32, 3))
            x = layers.Conv2D(8, 3, strides=2, padding="same")(inputs)
            x = layers.Conv2D(4, 3, strides=2)(x)
            x = layers.MaxPooling2D(2)(x)
            x = layers.Flatten()(x)
            return keras.Model(inputs, layers.Dense(10)(x))
    ''')
    assert "nn.Conv2d(3, 8, 3, stride=2)" in text and "nn.Conv2d(8, 4, 3, stride=2)" in text
    assert "nn.Linear(36, 10)" in text  # 32 -> 16 -> 7 -> 3: 3 * 3 * 4
    assert "Lazy" not in text


def test_sizes_from_parameters_are_written_with_their_names():
    text = torch_of('''
        import keras
        from keras import layers


        def build(input_shape, width=8, classes=10):
            inputs = keras.Input(shape=input_shape)
            x = layers.Conv2D(width, 3, padding="same")(inputs)
            x = layers.BatchNormalization()(x)
            x = layers.Conv2D(2 * width, 3)(x)
            x = layers.Flatten()(x)
            x = layers.Dense(64)(x)
            return keras.Model(inputs, layers.Dense(classes)(x))
    ''')
    assert "nn.Conv2d(input_shape[-1], width, 3, padding='same')" in text
    assert "nn.BatchNorm2d(width, " in text and "nn.Conv2d(width, 2 * width, 3)" in text
    assert "nn.LazyLinear(64)" in text  # flattened size depends on the unknown spatial size: stays Lazy
    assert "nn.Linear(64, classes)" in text


def test_rebound_name_is_not_written_where_it_changed():
    text = torch_of('''
        import keras
        from keras import layers


        def build(units=8):
            inputs = keras.Input(shape=(4,))
            x = layers.Dense(units)(inputs)
            units = units * 2
            x = layers.Dense(units)(x)
            return keras.Model(inputs, x)
    ''')
    assert "nn.Linear(4, units)" in text
    assert "nn.LazyLinear(units)" in text  # its input has the old `units`


def test_functional_forward_never_reads_a_name_before_binding_it():
    text = torch_of('''
        import keras
        from keras import layers


        def build(units=8):
            inputs = keras.Input(shape=(units,))
            x = layers.Dense(4)(inputs)
            units = 5
            x = layers.Dense(units)(x)
            return keras.Model(inputs, layers.Dense(2)(x))
    ''')
    # `units` is bound in the PyTorch forward (the dataflow after keras.Input), so it is a local there: before
    # that binding the size is not written with it
    assert "nn.LazyLinear(4)" in text
    assert "nn.Linear(4, units)" in text and "nn.Linear(units, 2)" in text


def test_layer_built_before_a_rebinding_keeps_its_old_size():
    text = torch_of('''
        import keras
        from keras import layers


        def build(filters=8):
            inputs = keras.Input(shape=(8, 8, 3))
            conv = layers.Conv2D(filters, 3, padding="same")
            filters = filters * 2
            x = layers.BatchNormalization()(conv(inputs))  # has the old `filters` channels
            return keras.Model(inputs, x)
    ''')
    assert "nn.Conv2d(3, filters, 3, padding='same')" in text
    assert "nn.LazyBatchNorm2d(" in text


def test_loop_changing_sizes_stays_lazy_and_stable_sizes_do_not():
    text = torch_of('''
        import keras
        from keras import layers


        def build(widths=(16, 32)):
            inputs = keras.Input(shape=(8, 8, 3))
            x = inputs
            for w in widths:
                x = layers.Conv2D(w, 3, padding="same")(x)
                x = layers.BatchNormalization()(x)
            for _ in range(3):
                x = layers.Conv2D(32, 1)(x)
            return keras.Model(inputs, x)
    ''')
    assert "nn.LazyConv2d(w, 3, padding='same')" in text  # 3 channels, then w of the iteration before
    assert "nn.BatchNorm2d(w, " in text
    assert "nn.LazyConv2d(32, 1)" in text  # 32 after the first iteration, but maybe not before it


def test_layer_built_once_and_called_later_gets_its_size_from_the_call():
    text = torch_of('''
        import keras
        from keras import layers


        def build():
            inputs = keras.Input(shape=(16,))
            dense = layers.Dense(8)
            head = layers.Dense(2)
            return keras.Model(inputs, head(dense(inputs)))
    ''')
    assert "nn.Linear(16, 8)" in text and "nn.Linear(8, 2)" in text


def test_helper_results_are_rewritten_in_the_callers_names():
    text = torch_of('''
        import keras
        from keras import layers


        def block(x, filters):
            x = layers.Conv2D(filters, 3, padding="same")(x)
            return layers.BatchNormalization()(x)


        def build(base=8):
            inputs = keras.Input(shape=(16, 16, 3))
            x = block(inputs, base * 2)
            return keras.Model(inputs, layers.Conv2D(1, 1)(x))
    ''')
    assert "nn.LazyConv2d(filters, 3, padding='same')" in text  # the helper is called with any input
    assert "nn.BatchNorm2d(filters, " in text
    assert "nn.Conv2d(base * 2, 1, 1)" in text


def test_subclassed_model_input_stays_lazy_its_inner_sizes_do_not():
    text = torch_of('''
        import keras
        from keras import layers


        class Net(keras.Model):
            def __init__(self, filters=16):
                super().__init__()
                self.conv = layers.Conv2D(filters, 3, padding="same")
                self.bn = layers.BatchNormalization()
                self.pool = layers.GlobalAveragePooling2D()
                self.fc = layers.Dense(10)

            def call(self, x):
                return self.fc(self.pool(self.bn(self.conv(x))))
    ''')
    assert "nn.LazyConv2d(filters, 3, padding='same')" in text  # call() input: not known statically
    assert "nn.BatchNorm2d(filters, " in text and "nn.Linear(filters, 10)" in text


def test_build_input_shape_stays_lazy():
    text = torch_of('''
        import keras
        from keras import layers


        class Block(keras.layers.Layer):
            def build(self, input_shape):
                self.dense = layers.Dense(4)

            def call(self, x):
                return self.dense(x)
    ''')
    assert "nn.LazyLinear(4)" in text


def test_sequential_input_declarations():
    text = torch_of('''
        import keras
        from keras import layers


        def with_input_shape():
            return keras.Sequential([layers.Dense(6, input_shape=(8,)), layers.Dense(3)])


        def with_input_layer():
            model = keras.Sequential()
            model.add(layers.InputLayer(shape=(5,)))
            model.add(layers.Dense(4))
            return model


        def without_input():
            return keras.Sequential([layers.Dense(4), layers.LayerNormalization()])


        def built(hidden=32):
            model = keras.Sequential([layers.Dense(hidden), layers.Dense(10)])
            model.build((None, 784))
            return model
    ''')
    assert "nn.Linear(784, hidden)" in text and "nn.Linear(hidden, 10)" in text
    assert "nn.Linear(8, 6)" in text and "nn.Linear(6, 3)" in text
    assert "nn.Linear(5, 4)" in text
    assert "nn.LazyLinear(4)" in text and "nn.LayerNorm(4, eps=0.001)" in text


def test_keras_to_torch_fixture_builders_are_sized():
    from tests.conftest import FIXTURES

    cifar = torch_of((FIXTURES / "keras" / "cifar_cnn.py").read_text(), "create_model")
    assert "nn.Conv2d(3, 32, (3, 3))" in cifar and "nn.Linear(1024, 64)" in cifar and "Lazy" not in cifar
    alexnet = torch_of((FIXTURES / "keras" / "alexnet.py").read_text(), "alexnet")
    assert "nn.Conv2d(input_shape[-1], c1, (11, 11), stride=(4, 4))" in alexnet
    assert "nn.Linear(hidden, num_classes)" in alexnet


SIZED = textwrap.dedent('''
    import keras
    from keras import layers


    def build(num_classes=10):
        inputs = keras.Input(shape=(16, 16, 8))
        x = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(inputs)
        x = layers.BatchNormalization()(x)
        x = layers.Conv2DTranspose(8, 4, strides=2, padding="same")(x)
        y = layers.Conv2D(4, 1)(x)
        x = layers.Concatenate()([x, y])
        x = layers.LayerNormalization(center=False)(x)
        x = layers.GlobalAveragePooling2D()(x)
        return keras.Model(inputs, layers.Dense(num_classes)(x))


    def build_sequential():
        return keras.Sequential([layers.Dense(6, input_shape=(8,), activation="relu"), layers.BatchNormalization(),
                                 layers.Dense(3)])


    class Depthwise(keras.Model):
        def __init__(self):
            super().__init__()
            self.dw = layers.DepthwiseConv2D(3, depth_multiplier=2)
            self.bn = layers.BatchNormalization()

        def call(self, x):
            return self.bn(self.dw(x))
''')


@pytest.mark.parametrize(("symbol", "inputs", "expected"), [
    ("build", "float32[2,16,16,8]", ["nn.Conv2d(8, 16, 3, padding='same', groups=8)", "nn.BatchNorm2d(16, ",
                                     "nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)", "nn.Conv2d(8, 4, 1)",
                                     "nn.LayerNorm(12, eps=0.001, bias=False)", "nn.Linear(12, num_classes)"]),
    ("build_sequential", "float32[2,8]", ["nn.Linear(8, 6)", "nn.BatchNorm1d(6, ", "nn.Linear(6, 3)"]),
    ("Depthwise", "float32[2,8,8,3]", ["LazyDepthwiseConv2d(3, depth_multiplier=2)", "nn.LazyBatchNorm2d("]),
])
def test_sized_and_lazy_modules_verify_with_keras_weights(symbol, inputs, expected, tmp_path, worker):
    from nnmigrate.verify.run import build_request

    text = torch_of(SIZED, symbol)
    for form in expected:
        assert form in text, text
    assert ("Lazy" in text) == (symbol == "Depthwise")
    src, out = tmp_path / "net.py", tmp_path / "net_torch.py"
    src.write_text(SIZED)
    out.write_text(text)
    report = worker.verify(build_request(str(src), str(out), symbol, {}, [inputs], "cpu", "native"), timeout=300)
    assert report["status"] == "equivalent", report["message"]
    assert report["max_abs_diff"] <= 1e-5
