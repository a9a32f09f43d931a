"""Catalog entries for tensor math seen in published model code: grids, scans, masking, repetition,
gated and normalizing functions, RMSNorm, dtypes, framework constants (`keras.backend.epsilon()`), and
in-place random initialisation of raw tensors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry, VariableRead, WeightRule, fixed_reads
from nnmigrate.catalog.spell import (F, KB, NN, TF, KerasForm, fn, keras_fns, layer, method, names, torch_form,
                                     with_keras)
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST
from nnmigrate.writers.emit import OpView, call

INPUT = Attr("input")
DIM = LayoutRule("axis", axes=("dim",))
OPAQUE = LayoutRule("opaque")
CREATION = LayoutRule("none", tensor_inputs=())
_DTYPES = {"float32": "float32", "float": "float32", "float16": "float16", "half": "float16", "bfloat16": "bfloat16",
           "float64": "float64", "double": "float64", "int64": "int64", "long": "int64", "int32": "int32", "int": "int32",
           "int16": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool"}
DTYPE_NAMES = frozenset(_DTYPES.values())
#: TensorFlow's dtype names that differ from numpy's
_TF_DTYPES = {"float32": "float32", "float16": "float16", "bfloat16": "bfloat16", "float64": "float64", "int64": "int64",
              "int32": "int32", "int16": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool", "double": "float64",
              "half": "float16"}


def torch_dtype(e: n.Expr) -> n.Expr:
    """A dtype written the Keras way (`"float32"`, `tf.float32`, `K.floatx()`) as the torch dtype."""
    if isinstance(e, n.Const) and isinstance(e.value, str) and e.value in _DTYPES:
        return n.Name(f"torch.{_DTYPES[e.value]}")
    return e
_PLACEMENT = (Attr("dtype", torch=None), Attr("device", torch=None), Attr("requires_grad", torch=False))
#: torch.finfo(torch.float32).eps: RMSNorm's epsilon when none is given
FLOAT32_EPS = float(np.finfo(np.float32).eps)


def _spread(value: n.Expr) -> list[n.Expr]:
    """Varargs collected by the reader (`f(a, b)`, `f(*xs)`, `f([a, b])`) as positional arguments."""
    if isinstance(value, n.TupleExpr):
        return list(value.elts)
    if isinstance(value, n.Starred):
        return [value]
    return [n.Starred(value)]


def _sizes(value: n.Expr) -> n.Expr:
    """Varargs sizes (`x.repeat(2, 3)` or `x.repeat((2, 3))`) as one shape expression."""
    if isinstance(value, n.Starred):
        return value.value
    return value if isinstance(value, (n.TupleExpr, n.ListExpr)) or not isinstance(value, n.Const) else n.TupleExpr([value])


def _linspace(v: OpView) -> n.Expr:
    return call("ops.linspace", v.get("start"), v.get("end"), v.get("steps"))


def _meshgrid(v: OpView) -> n.Expr:
    return call("ops.meshgrid", *_spread(v.get("tensors")), indexing=v.get("indexing"))


def _axis(ops_name: str) -> Callable[[OpView], n.Expr]:
    return lambda v: call(f"ops.{ops_name}", v.get("input"), axis=v.get("dim"))


def _logcumsumexp(v: OpView) -> n.Expr:
    """log(cumsum(exp(x))) without overflow: a scan with logaddexp."""
    return call("ops.associative_scan", n.Name("ops.logaddexp"), v.get("input"), axis=v.get("dim"))


def _expand(v: OpView) -> n.Expr:
    """torch keeps a dim where the size is -1 and may prepend new dims; broadcast_to needs every size."""
    x, sizes = v.get("input"), _sizes(v.get("sizes"))
    value = v.value("sizes")
    if value is not NOT_CONST and -1 not in (value if isinstance(value, tuple) else (value,)):
        return call("ops.broadcast_to", x, sizes)
    s, d = n.Name("s"), n.Name("d")
    padded = n.BinOp("+", n.BinOp("*", n.TupleExpr([n.Const(1)]), n.BinOp("-", call("len", sizes), call("ops.ndim", x))),
                     call("tuple", call("ops.shape", x)))
    pick = n.IfExp(n.Compare(s, ["=="], [n.Const(-1)]), d, s)
    shape = n.Comprehension("generator", pick, [n.CompFor(n.TupleExpr([s, d]), call("zip", sizes, padded))])
    return call("ops.broadcast_to", x, call("tuple", shape))


def _glu(v: OpView) -> n.Expr:
    if v.is_layer:
        return call("layers.Activation", n.Lambda(["t"], call("ops.glu", n.Name("t"), axis=v.get("dim"))))
    return call("ops.glu", v.get("input"), axis=v.get("dim"))


def _normalize(v: OpView) -> n.Expr:
    """x / max(||x||_p, eps) over `dim`, as torch computes it."""
    x = v.get("input")
    norm = call("ops.norm", x, ord=v.get("p"), axis=v.get("dim"), keepdims=True)
    return n.BinOp("/", x, call("ops.maximum", norm, v.get("eps")))


def _rms_axis(v: OpView) -> Any:
    shape = v.value("normalized_shape")
    if isinstance(shape, tuple) and len(shape) > 1:
        return tuple(range(-len(shape), 0))
    return -1


def _rms_norm(v: OpView) -> n.Expr:
    eps = FLOAT32_EPS if v.is_("eps", None) else v.get("eps")
    axis = _rms_axis(v)
    if v.is_layer:
        return call("layers.RMSNormalization", axis=None if axis == -1 else axis, epsilon=eps)
    scale = None if v.is_("weight", None) else v.get("weight")
    return call("ops.rms_normalization", v.get("input"), scale=scale, axis=axis, epsilon=eps)


def _rms_weights(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    weight = torch.get("weight")
    return [weight if weight is not None else np.ones(config["normalized_shape"], dtype=np.float32)]


def _lerp(v: OpView) -> n.Expr:
    start = v.get("input")
    return n.BinOp("+", start, n.BinOp("*", v.get("weight"), n.BinOp("-", v.get("end"), start)))


def _reduced(v: OpView, losses: n.Expr) -> n.Expr:
    """A loss's `reduction`: mean, sum or none."""
    reduction = v.value("reduction")
    if reduction in ("mean", "sum"):
        return call(f"ops.{reduction}", losses)
    if reduction != "none":
        v.notes.append("reduction computed at run time is written as 'mean'")
        return call("ops.mean", losses)
    return losses


def _cross_entropy(v: OpView) -> n.Expr:
    if not (v.is_("weight", None) and v.is_("ignore_index", -100) and v.is_("label_smoothing", 0.0)):
        v.notes.append("class weights, ignore_index and label smoothing are left out")
    logits = v.get("input") if v.is_("dim", -1) else call("ops.moveaxis", v.get("input"), v.get("dim"), -1)
    losses = call("keras.losses.sparse_categorical_crossentropy", v.get("target"), logits, from_logits=True)
    return _reduced(v, losses)


def _ntuple(count: int) -> Callable[[OpView], n.Expr]:
    """torch.nn.modules.utils._pair and kin: an int repeated `count` times, a sequence as a tuple."""
    def to_keras(v: OpView) -> n.Expr:
        x = v.get("x")
        is_seq = call("isinstance", x, n.TupleExpr([n.Name("tuple"), n.Name("list")]))
        return n.IfExp(is_seq, call("tuple", x), n.TupleExpr([x] * count))
    return to_keras


def _finfo(v: OpView) -> n.Expr:
    dtype = n.Const("float32") if v.is_("type", None) else call("keras.backend.standardize_dtype", v.get("type"))
    return call("np.finfo", dtype)


def _checkpoint(v: OpView) -> n.Expr:
    v.notes.append("downloads the PyTorch checkpoint, which a Keras model cannot load")
    return call("keras.utils.get_file", origin=v.get("url"))


def _sort(v: OpView) -> n.Expr:
    """torch.sort returns (values, indices); Keras sorts ascending, so descending flips both."""
    x, dim = v.get("input"), v.get("dim")
    values, indices = call("ops.sort", x, axis=dim), call("ops.argsort", x, axis=dim)
    if not v.is_("descending", False):
        values, indices = call("ops.flip", values, axis=dim), call("ops.flip", indices, axis=dim)
    return n.TupleExpr([values, indices])


INIT = "torch.nn.init."
_TENSOR = {"tensor": "input"}
#: torch.nn.init.calculate_gain squared, by nonlinearity (leaky_relu's depends on its slope `a`)
_SQUARED_GAINS = {"linear": 1.0, "sigmoid": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0, "relu": 2.0,
                  "tanh": (5 / 3) ** 2, "selu": (3 / 4) ** 2}


def _kaiming_scale(v: OpView) -> n.Expr:
    """The variance scale of kaiming init: calculate_gain(nonlinearity, a) squared."""
    nonlinearity = v.value("nonlinearity")
    if nonlinearity in _SQUARED_GAINS:
        return n.Const(_SQUARED_GAINS[nonlinearity])
    return n.BinOp("/", n.Const(2.0), n.BinOp("+", n.Const(1), n.BinOp("**", v.get("a"), n.Const(2))))


def _xavier(v: OpView, kind: str) -> n.Expr:
    """Glorot init: Keras's GlorotUniform for torch's default gain; torch's normal one is untruncated."""
    gain = v.value("gain")
    if kind == "uniform" and gain == 1:
        return _initialized(v, call("keras.initializers.GlorotUniform"))
    scale = n.Const(float(gain) ** 2) if isinstance(gain, (int, float)) else n.BinOp("**", v.get("gain"), n.Const(2))
    return _scaled_init(v, scale, "fan_avg", kind)


def _scaled_init(v: OpView, scale: n.Expr, mode: n.Expr | str, kind: str) -> n.Expr:
    """A fresh tensor of the input's shape from keras.initializers.VarianceScaling (torch's normal is untruncated)."""
    return _initialized(v, call("keras.initializers.VarianceScaling", scale=scale, mode=mode,
                                distribution="uniform" if kind == "uniform" else "untruncated_normal"))


def _initialized(v: OpView, initializer: n.Expr) -> n.Expr:
    """What the Keras `initializer` makes for the input's shape: the fresh tensor the torch init leaves in it."""
    return n.Call(initializer, [n.Arg(_shape_of(v.get("input")))])


def _shape_of(e: n.Expr) -> n.Expr:
    """The shape of tensor `e`: the one it is made with (`ops.zeros((4, 4))`, from `torch.empty(4, 4)`), else read."""
    if isinstance(e, n.Call) and isinstance(e.func, n.Name) and e.func.id in ("ops.zeros", "ops.ones", "ops.empty") \
            and e.args and not e.args[0].keyword and not e.args[0].star:
        shape = e.args[0].value
        return shape if isinstance(shape, (n.TupleExpr, n.ListExpr)) else n.TupleExpr([shape])
    return call("ops.shape", e)


def _filled(v: OpView, kind: str) -> n.Expr:
    """A tensor of the input's shape filled with zeros, ones or `value` (`kind` zeros, ones, full)."""
    shape = _shape_of(v.get("input"))
    value = (v.get("value"),) if kind == "full" else ()
    if isinstance(shape, n.Call):  # read from a tensor of unknown making
        return call(f"ops.{kind}_like", v.get("input"), *value)
    return call(f"ops.{kind}", shape, *value)


def _tensor_constructor(v: OpView) -> n.Expr:
    """`torch.Tensor(2, 3)` / `torch.Tensor(n)`: sizes; `torch.Tensor([1, 2])`: a list or tuple display is data."""
    args = v.get("args")
    given = list(args.elts) if isinstance(args, n.TupleExpr) else [args]
    if len(given) == 1 and isinstance(given[0], (n.ListExpr, n.TupleExpr)):
        return call("ops.convert_to_tensor", given[0], dtype="float32")
    return call("ops.zeros", n.TupleExpr(given))


def _random_like(v: OpView, kind: str, low: str, high: str) -> n.Expr:
    return call(f"keras.random.{kind}", _shape_of(v.get("input")), v.get(low), v.get(high))


ENTRIES = (
    OpEntry("linspace", "math_ops", (Attr("start"), Attr("end"), Attr("steps"), *_PLACEMENT),
            (fn("torch.linspace", "start", "end", "steps"),), layout=CREATION, to_keras=_linspace),
    OpEntry("meshgrid", "math_ops", (Attr("tensors"), Attr("indexing", torch="ij", keras="xy")),
            (fn("torch.meshgrid", varargs="tensors"),), layout=LayoutRule("opaque", tensor_inputs=("tensors",)),
            to_keras=_meshgrid, notes="torch indexes 'ij' by default, keras.ops.meshgrid 'xy': always written."),
    OpEntry("eye", "math_ops", (Attr("n"), Attr("m", torch=None), *_PLACEMENT),
            (fn("torch.eye", "n", "m"),), layout=CREATION, to_keras=lambda v: call("ops.eye", v.get("n"), v.get("m"))),
    OpEntry("cumsum", "math_ops", (INPUT, Attr("dim"), Attr("dtype", torch=None)),
            (fn("torch.cumsum", "input", "dim"), method("cumsum", "dim")), layout=DIM, to_keras=_axis("cumsum")),
    OpEntry("logcumsumexp", "math_ops", (INPUT, Attr("dim")),
            (fn("torch.logcumsumexp", "input", "dim"), method("logcumsumexp", "dim")), layout=DIM,
            to_keras=_logcumsumexp, notes="Keras has no logcumsumexp: an associative scan with logaddexp."),
    OpEntry("masked_fill", "math_ops", (INPUT, Attr("mask"), Attr("value")), (method("masked_fill", "mask", "value"),),
            layout=LayoutRule("elementwise", tensor_inputs=("input", "mask")),
            to_keras=lambda v: call("ops.where", v.get("mask"), v.get("value"), v.get("input"))),
    OpEntry("repeat", "math_ops", (INPUT, Attr("sizes")), (method("repeat", varargs="sizes"),), layout=OPAQUE,
            to_keras=lambda v: call("ops.tile", v.get("input"), _sizes(v.get("sizes"))),
            notes="Tensor.repeat tiles like numpy.tile (not numpy.repeat)."),
    OpEntry("expand", "math_ops", (INPUT, Attr("sizes")), (method("expand", varargs="sizes"),), layout=OPAQUE,
            to_keras=_expand, notes="-1 keeps a dim's size: resolved from the input's shape."),
    OpEntry("expand_as", "math_ops", (INPUT, Attr("other")), (method("expand_as", "other"),),
            layout=LayoutRule("opaque", tensor_inputs=("input", "other")),
            to_keras=lambda v: call("ops.broadcast_to", v.get("input"), call("ops.shape", v.get("other")))),
    OpEntry("glu", "math_ops", (INPUT, Attr("dim", torch=-1, keras=-1)),
            (fn(F + "glu", "input", "dim"), layer(NN + "GLU", "dim")), layout=DIM, to_keras=_glu,
            notes="First half times the sigmoid of the second half, in both frameworks."),
    OpEntry("normalize", "math_ops", (INPUT, Attr("p", torch=2.0), Attr("dim", torch=1), Attr("eps", torch=1e-12)),
            (fn(F + "normalize", "input", "p", "dim", "eps"),), layout=DIM, to_keras=_normalize,
            notes="x / max(norm, eps): keras.ops.normalize clamps the squared norm instead, so it is written out."),
    OpEntry("rms_norm", "math_ops",
            (INPUT, Attr("normalized_shape"), Attr("eps", torch=None, keras=1e-6), Attr("elementwise_affine", torch=True),
             Attr("weight", torch=None), Attr("device", torch=None), Attr("dtype", torch=None)),
            (layer(NN + "RMSNorm", "normalized_shape", "eps", "elementwise_affine"),
             fn(F + "rms_norm", "input", "normalized_shape", "weight", "eps")),
            layout=OPAQUE, to_keras=_rms_norm, weights=WeightRule(_rms_weights, "weight -> scale", reads=fixed_reads(weight=VariableRead("scale"))),
            notes="torch's default eps is the dtype's machine epsilon, Keras's 1e-6: always written."),
    OpEntry("lerp", "math_ops", (INPUT, Attr("end"), Attr("weight")),
            (fn("torch.lerp", "input", "end", "weight"), method("lerp", "end", "weight")),
            layout=LayoutRule("elementwise", tensor_inputs=("input", "end", "weight")), to_keras=_lerp),
    OpEntry("cross_entropy", "math_ops",
            (INPUT, Attr("target"), Attr("weight", torch=None), Attr("ignore_index", torch=-100),
             Attr("reduction", torch="mean"), Attr("label_smoothing", torch=0.0), Attr("dim", torch=1)),
            (fn(F + "cross_entropy", "input", "target", "weight"),),
            layout=LayoutRule("axis", axes=("dim",)), to_keras=_cross_entropy,
            notes="Class indices as targets. torch's class axis is 1, Keras's last: moved there."),
    OpEntry("mse_loss", "math_ops", (INPUT, Attr("target"), Attr("reduction", torch="mean")),
            (fn(F + "mse_loss", "input", "target"),), layout=LayoutRule("elementwise", tensor_inputs=("input", "target")),
            to_keras=lambda v: _reduced(v, call("ops.square", n.BinOp("-", v.get("input"), v.get("target"))))),
    OpEntry("sort", "math_ops", (INPUT, Attr("dim", torch=-1), Attr("descending", torch=False), Attr("stable", torch=False)),
            (fn("torch.sort", "input", "dim", "descending"), method("sort", "dim", "descending")), layout=DIM,
            to_keras=_sort, notes="(values, indices); the order of equal elements may differ."),
    OpEntry("gather", "math_ops", (INPUT, Attr("dim"), Attr("index")),
            (fn("torch.gather", "input", "dim", "index"), method("gather", "dim", "index")),
            layout=LayoutRule("opaque", tensor_inputs=("input", "index")),
            to_keras=lambda v: call("ops.take_along_axis", v.get("input"), v.get("index"), axis=v.get("dim"))),
    OpEntry("tensor", "math_ops", (Attr("data"), Attr("dtype", torch=None), Attr("device", torch=None),
                                   Attr("requires_grad", torch=False)),
            (fn("torch.tensor", "data"), fn("torch.as_tensor", "data", "dtype"),
             fn("torch.FloatTensor", "data", fixed={"dtype": "float32"}),
             fn("torch.LongTensor", "data", fixed={"dtype": "int64"}), fn("torch.BoolTensor", "data", fixed={"dtype": "bool"})),
            layout=CREATION, notes="A tensor from Python data (the legacy FloatTensor(sizes) form is not supported).",
            to_keras=lambda v: call("ops.convert_to_tensor", v.get("data"),
                                    dtype=None if v.is_("dtype", None) else v.get("dtype"))),
    *(OpEntry(f"cast_{name}", "math_ops", (INPUT,), (method(name),), layout=LayoutRule("elementwise"),
              to_keras=lambda v, dtype=dtype: call("ops.cast", v.get("input"), dtype))
      for name, dtype in (("int", "int32"), ("double", "float64"), ("half", "float16"), ("bool", "bool"))),
    OpEntry("cast_type", "math_ops", (INPUT, Attr("dtype")), (method("type", "dtype"),), layout=LayoutRule("elementwise"),
            to_keras=lambda v: call("ops.cast", v.get("input"), v.get("dtype")),
            notes="`x.type(dtype)` casts; `x.type()` without a dtype names the type and has no Keras form."),
    OpEntry("tensor_constructor", "math_ops", (Attr("args", torch=()),), (fn("torch.Tensor", varargs="args"),),
            layout=CREATION, to_keras=_tensor_constructor,
            notes="The legacy constructor: `torch.Tensor(n, m)` is an uninitialised float32 tensor of that shape (as "
                  "torch.empty; zeros in Keras), `torch.Tensor([1, 2])` one of that data."),
    OpEntry("matrix_t", "math_ops", (INPUT,), (method("t"), fn("torch.t", "input")), layout=OPAQUE,
            to_keras=lambda v: call("ops.transpose", v.get("input")), notes="2-D transpose."),
    OpEntry("tolist", "math_ops", (INPUT,), (method("tolist"),), layout=OPAQUE,
            to_keras=lambda v: n.Call(n.Attr(call("ops.convert_to_numpy", v.get("input")), "tolist"), [])),
    OpEntry("item", "math_ops", (INPUT,), (method("item"),), layout=OPAQUE,
            to_keras=lambda v: n.Call(n.Attr(call("ops.convert_to_numpy", v.get("input")), "item"), [])),
    OpEntry("is_tensor", "math_ops", (Attr("obj"),), (fn("torch.is_tensor", "obj"),), layout=CREATION,
            to_keras=lambda v: call("ops.is_tensor", v.get("obj"))),
    OpEntry("finfo", "math_ops", (Attr("type", torch=None),), (fn("torch.finfo", "type"),), layout=CREATION,
            to_keras=_finfo, notes="numpy's finfo of the same dtype: `.max`, `.min`, `.eps`, `.tiny` read alike."),
    OpEntry("dtype", "math_ops", (Attr("name"),),
            tuple(fn(f"torch.{alias}", fixed={"name": name}) for alias, name in _DTYPES.items()), layout=CREATION,
            to_keras=lambda v: v.get("name"), notes="torch dtypes are written as Keras dtype names."),
    *(OpEntry(f"ntuple{count}", "math_ops", (Attr("x"),), (fn(f"torch.nn.modules.utils.{name}", "x"),),
              layout=CREATION, to_keras=_ntuple(count))
      for count, name in ((1, "_single"), (2, "_pair"), (3, "_triple"), (4, "_quadruple"))),
    OpEntry("torch_version", "math_ops", (Attr("version"),), (fn("torch.__version__", fixed={"version": "2.0.0"}),),
            layout=CREATION, to_keras=lambda v: v.get("version"),
            notes="Version gates take the current PyTorch API's branch, the one verify compares against."),
    OpEntry("load_state_dict_from_url", "math_ops",
            (Attr("url"), Attr("model_dir", torch=None), Attr("map_location", torch=None), Attr("progress", torch=True),
             Attr("check_hash", torch=False), Attr("file_name", torch=None), Attr("weights_only", torch=False)),
            (fn("torch.hub.load_state_dict_from_url", "url", "model_dir", "map_location", "progress", "check_hash",
                "file_name"),), layout=CREATION, to_keras=_checkpoint,
            notes="The file is a PyTorch checkpoint: Keras models cannot load it; copy weights the way verify does."),
    # In-place random initialisation of raw tensors: left out as initialisation where it stands alone as a
    # statement (see the reader); where its value is used, a fresh tensor of the input's shape.
    OpEntry("uniform_", "init", (INPUT, Attr("a", torch=0.0), Attr("b", torch=1.0)), (method("uniform_", "a", "b"), fn(INIT + "uniform_", "input", "a", "b", rename=_TENSOR)),
            layout=OPAQUE, to_keras=lambda v: _random_like(v, "uniform", "a", "b")),
    OpEntry("normal_", "init", (INPUT, Attr("mean", torch=0.0), Attr("std", torch=1.0)),
            (method("normal_", "mean", "std"), fn(INIT + "normal_", "input", "mean", "std", rename=_TENSOR)),
            layout=OPAQUE, to_keras=lambda v: _random_like(v, "normal", "mean", "std")),
    OpEntry("zero_", "init", (INPUT,), (method("zero_"), fn(INIT + "zeros_", "input", rename=_TENSOR)), layout=OPAQUE,
            to_keras=lambda v: _filled(v, "zeros")),
    OpEntry("fill_", "init", (INPUT, Attr("value")), (method("fill_", "value"),
                                                          fn(INIT + "constant_", "input", "value", rename={**_TENSOR, "val": "value"})),
            layout=OPAQUE, to_keras=lambda v: _filled(v, "full")),
    OpEntry("ones_", "init", (INPUT,), (fn(INIT + "ones_", "input", rename=_TENSOR),), layout=OPAQUE,
            to_keras=lambda v: _filled(v, "ones")),
    OpEntry("eye_", "init", (INPUT,), (fn(INIT + "eye_", "input", rename=_TENSOR),), layout=OPAQUE,
            to_keras=lambda v: call("ops.eye", *(n.Subscript(call("ops.shape", v.get("input")), n.Const(i)) for i in (0, 1)))),
    *(OpEntry(f"xavier_{kind}_", "init", (INPUT, Attr("gain", torch=1.0)),
              (fn(INIT + f"xavier_{kind}_", "input", "gain", rename=_TENSOR),), layout=OPAQUE,
              to_keras=lambda v, kind=kind: _xavier(v, kind),
              notes="Starting weights only (verify copies trained ones): Keras reads the fans from the shape in its "
                    "(in, out) order.")
      for kind in ("uniform", "normal")),
    *(OpEntry(f"kaiming_{kind}_", "init", (INPUT, Attr("a", torch=0.0), Attr("mode", torch="fan_in"),
                                           Attr("nonlinearity", torch="leaky_relu")),
              (fn(INIT + f"kaiming_{kind}_", "input", "a", "mode", "nonlinearity", rename=_TENSOR),), layout=OPAQUE,
              to_keras=lambda v, kind=kind: _scaled_init(v, _kaiming_scale(v), v.get("mode"), kind),
              notes="Starting weights only (verify copies trained ones): Keras reads the fans from the shape in its "
                    "(in, out) order.")
      for kind in ("uniform", "normal")),
    OpEntry("trunc_normal_", "init", (INPUT, Attr("mean", torch=0.0), Attr("std", torch=1.0), Attr("a", torch=-2.0),
                                      Attr("b", torch=2.0)),
            (fn(INIT + "trunc_normal_", "input", "mean", "std", "a", "b", rename=_TENSOR),), layout=OPAQUE,
            to_keras=lambda v: _initialized(v, call("keras.initializers.TruncatedNormal", mean=v.unless("mean", 0.0),
                                                    stddev=v.get("std"))),
            notes="Starting weights only: torch cuts at the absolute bounds a and b, Keras at two standard deviations."),
    OpEntry("orthogonal_", "init", (INPUT, Attr("gain", torch=1.0)),
            (fn(INIT + "orthogonal_", "input", "gain", rename=_TENSOR),), layout=OPAQUE,
            to_keras=lambda v: _initialized(v, call("keras.initializers.Orthogonal", gain=v.unless("gain", 1.0)))),
)


def _repeat_interleave_keras(v: OpView) -> n.Expr:
    return call("ops.repeat", v.get("input"), v.get("repeats"), axis=None if v.is_("dim", None) else v.get("dim"))


def _constant(key: str, value: object, *qualnames: str, notes: str = "") -> OpEntry:
    """A framework setting read as a function (`keras.backend.epsilon()`): its default value, known before run time,
    so an `if` or an axis that depends on it is settled while reading."""
    return OpEntry(key, "constant", (Attr("value", torch=value, keras=value),), (),
                   tuple(fn(q, fixed={"value": value}) for q in qualnames), layout=CREATION,
                   to_torch=lambda v: v.get("value"), notes=notes)


ENTRIES = ENTRIES + (
    OpEntry("repeat_interleave", "math_ops", (INPUT, Attr("repeats"), Attr("dim", torch=None)),
            (fn("torch.repeat_interleave", "input", "repeats", "dim"), method("repeat_interleave", "repeats", "dim")),
            layout=DIM, to_keras=_repeat_interleave_keras, notes="numpy.repeat: each element repeated in place."),
    _constant("keras_epsilon", 1e-7, KB + "epsilon", "keras.config.epsilon",
              notes="Keras's fuzz factor, 1e-7 unless the program sets another."),
    _constant("keras_image_data_format", "channels_last", KB + "image_data_format", "keras.config.image_data_format",
              notes="The source's layout; the migration itself moves tensors to channels-first."),
    _constant("keras_backend_name", "tensorflow", KB + "backend", "keras.config.backend",
              notes="The backend the Keras source ran on (verify runs it on TensorFlow)."),
)


def _sorted_torch(v: OpView) -> n.Expr:
    """tf.sort / keras.ops.sort give the sorted values only."""
    descending = v.get("descending")
    descending = None if v.is_("descending", "ASCENDING") else n.Const(True) if v.is_("descending", "DESCENDING") \
        else n.Compare(descending, ["=="], [n.Const("DESCENDING")])
    return n.Attr(call("torch.sort", v.get("input"), dim=v.unless("dim", -1), descending=descending), "values")


def _lstsq_torch(v: OpView) -> n.Expr:
    """Least squares; with an L2 regularizer TensorFlow solves the normal equations (A^T A + l2 I) x = A^T b."""
    a, b = v.get("input"), v.get("other")
    plain = n.Attr(call("torch.linalg.lstsq", a, b), "solution")
    if v.is_("l2_regularizer", 0.0) or v.is_("l2_regularizer", 0):
        return plain
    a_t = n.Attr(a, "mT")
    eye = call("torch.eye", n.Subscript(n.Attr(a, "shape"), n.Const(-1)), dtype=n.Attr(a, "dtype"))
    regularized = call("torch.linalg.solve", n.BinOp("+", n.BinOp("@", a_t, a), n.BinOp("*", v.get("l2_regularizer"), eye)),
                       n.BinOp("@", a_t, b))
    if v.value("l2_regularizer") is not NOT_CONST:
        return regularized
    return n.IfExp(v.get("l2_regularizer"), regularized, plain)


def _assert_torch(op: str):
    def to_torch(v: OpView) -> n.Expr:
        holds = call("torch.all", call("torch.as_tensor", n.Compare(v.get("input"), [op], [v.get("other")])))
        return call("torch._assert", holds, v.get("message"))
    return to_torch


def _dtype_torch(v: OpView) -> n.Expr:
    return torch_dtype(v.get("name"))


def _cumsum_torch(v: OpView) -> n.Expr:
    """keras.ops.cumsum without an axis runs over the flattened tensor."""
    if v.is_("dim", None):
        return call("torch.cumsum", call("torch.flatten", v.get("input")), 0)
    return call("torch.cumsum", v.get("input"), dim=v.get("dim"))


def _linspace_torch(v: OpView) -> n.Expr:
    return call("torch.linspace", v.get("start"), v.get("end"), v.get("steps"))


_ASSERTS = {"assert_equal": "==", "assert_none_equal": "!=", "assert_greater": ">", "assert_greater_equal": ">=",
            "assert_less": "<", "assert_less_equal": "<="}
ENTRIES = ENTRIES + (
    OpEntry("sorted", "math_ops", (INPUT, Attr("dim", keras=-1), Attr("descending", keras="ASCENDING")), (),
            keras_fns(names("sort"), "input", "dim") + keras_fns((TF + "sort",), "input", "dim", "descending",
                                                                 rename={"values": "input", "direction": "descending"}),
            layout=DIM, to_torch=_sorted_torch, notes="The sorted values alone (torch.sort also gives the indices)."),
    OpEntry("lstsq", "math_ops", (INPUT, Attr("other"), Attr("l2_regularizer", keras=0.0), Attr("fast", keras=True)), (),
            keras_fns((TF + "linalg.lstsq",), "input", "other", "l2_regularizer", "fast",
                      rename={"matrix": "input", "rhs": "other"}),
            layout=LayoutRule("opaque", tensor_inputs=("input", "other")), to_torch=_lstsq_torch),
    *(OpEntry(name, "math_ops", (INPUT, Attr("other"), Attr("message", keras=None), Attr("summarize", keras=None)), (),
              keras_fns((TF + f"debugging.{name}", TF + name), "input", "other", "message", rename={"y": "other"}),
              layout=LayoutRule("none", tensor_inputs=()), to_torch=_assert_torch(op),
              notes="A run-time check: torch._assert over every element.")
      for name, op in _ASSERTS.items()),
    *(OpEntry(name, "math_ops", (INPUT, Attr("value")), (), (method(name, "value"),),
              layout=LayoutRule("none", tensor_inputs=()),
              to_torch=lambda v, fn_name=fn_name: n.Call(n.Attr(n.Attr(v.get("input"), "data"), fn_name), [n.Arg(v.get("value"))]),
              notes="A variable updated in place, outside autograd.")
      for name, fn_name in (("assign", "copy_"), ("assign_add", "add_"), ("assign_sub", "sub_"))),
)

ENTRIES = with_keras(ENTRIES, {
    "tensor": KerasForm(keras_fns(("keras.ops.convert_to_tensor", TF + "convert_to_tensor", TF + "constant"), "data", "dtype",
                                  rename={"value": "data"}),
                        lambda v: call("torch.as_tensor", v.get("data"), dtype=None if v.is_("dtype", None)
                                       else torch_dtype(v.get("dtype")))),
    "is_tensor": KerasForm(keras_fns(("keras.ops.is_tensor", TF + "is_tensor"), "obj"),
                           lambda v: call("torch.is_tensor", v.get("obj"))),
    "dtype": KerasForm(tuple(fn(TF + alias, fixed={"name": name}) for alias, name in _TF_DTYPES.items())
                       + (fn(KB + "floatx", fixed={"name": "float32"}), fn("keras.config.floatx", fixed={"name": "float32"})),
                       _dtype_torch),
    "cumsum": KerasForm(keras_fns(names("cumsum"), "input", "dim", fixed={"dim": None})
                        + keras_fns(names(None, "cumsum", "cumsum"), "input", "dim", fixed={"dim": 0}), _cumsum_torch),
    "linspace": KerasForm(keras_fns(names("linspace", "linspace", math=False), "start", "end", "steps",
                                    rename={"stop": "end", "num": "steps"}, fixed={"steps": 50}), _linspace_torch),
    "gather": KerasForm(keras_fns(names("take_along_axis"), "input", "index", "dim", rename={"indices": "index"},
                                  fixed={"dim": None}),
                        torch_form("torch.take_along_dim", "input", "index", dim=None)),
    "repeat": KerasForm(keras_fns(names("tile", "tile", "tile", math=False), "input", "sizes",
                                  rename={"repeats": "sizes", "multiples": "sizes", "n": "sizes"}),
                        torch_form("torch.tile", "input", "sizes")),
    "repeat_interleave": KerasForm(keras_fns(names("repeat", "repeat", math=False), "input", "repeats", "dim")
                                   + keras_fns((KB + "repeat_elements",), "input", "repeats", "dim", rename={"rep": "repeats"}),
                                   torch_form("torch.repeat_interleave", "input", "repeats", dim=None)),
})
