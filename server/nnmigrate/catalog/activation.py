"""Catalog entries for activation functions, in layer form (`nn.ReLU`) and functional form (`F.relu`)."""

from __future__ import annotations

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.shape_rules import ShapeRule, same, with_shapes
from nnmigrate.catalog.spell import (F, KA, KB, NN, TF, KerasForm, fn, keras, keras_fns, layer, method, torch_support,
                                     with_keras)
from nnmigrate.pivot import nodes as n
from nnmigrate.writers.emit import OpView, call

INPUT = Attr("input", doc="The tensor.")
INPLACE = Attr("inplace", torch=False, keras=False, doc="Ignored: Keras has no in-place ops.")
ELEMENTWISE = LayoutRule("elementwise")


def _simple(key: str, torch_layer: str, torch_fns: tuple[str, ...], keras_name: str, ops_name: str,
            notes: str = "", methods: tuple[str, ...] = ()) -> OpEntry:
    """An activation without parameters: `nn.X()` -> `layers.Activation("x")`, `F.x(t)` -> `ops.x(t)`."""

    def to_keras(v: OpView) -> n.Expr:
        if v.is_layer:
            return call("layers.Activation", keras_name)
        return call(f"ops.{ops_name}", v.get("input"))

    spellings = [layer(NN + torch_layer, "inplace")] if torch_layer else []
    spellings += [fn(q, "input", "inplace") if q.startswith(F) else fn(q, "input") for q in torch_fns]
    spellings += [method(m) for m in methods]
    return OpEntry(key, "activation", (INPUT, INPLACE), tuple(spellings), layout=ELEMENTWISE, to_keras=to_keras,
                   notes=notes)


def _relu(v: OpView) -> n.Expr:
    return call("layers.ReLU") if v.is_layer else call("ops.relu", v.get("input"))


def _relu6(v: OpView) -> n.Expr:
    return call("layers.ReLU", max_value=6.0) if v.is_layer else call("ops.relu6", v.get("input"))


def _leaky_relu(v: OpView) -> n.Expr:
    slope = v.get("negative_slope")
    if v.is_layer:
        return call("layers.LeakyReLU", negative_slope=slope)
    return call("ops.leaky_relu", v.get("input"), negative_slope=slope)


def _elu(v: OpView) -> n.Expr:
    if v.is_layer:
        return call("layers.ELU", alpha=v.unless("alpha", 1.0))
    return call("ops.elu", v.get("input"), alpha=v.unless("alpha", 1.0))


def _gelu(v: OpView) -> n.Expr:
    approximate = v.is_("approximate", "tanh")
    if v.is_layer:
        return call("layers.Activation", "gelu") if not approximate else call(
            "layers.Activation", n.Lambda(["t"], call("ops.gelu", n.Name("t"), approximate=True)))
    return call("ops.gelu", v.get("input"), approximate=approximate)


def _softmax_like(layer_name: str | None, ops_name: str):
    def to_keras(v: OpView) -> n.Expr:
        axis = v.get("dim")
        if v.is_layer:
            if layer_name:
                return call(f"layers.{layer_name}", axis=axis)
            return call("layers.Activation", n.Lambda(["t"], call(f"ops.{ops_name}", n.Name("t"), axis=axis)))
        return call(f"ops.{ops_name}", v.get("input"), axis=axis)

    return to_keras


def _mish(v: OpView) -> n.Expr:
    if v.is_layer:
        return call("layers.Activation", "mish")
    x = v.get("input")
    return n.BinOp("*", x, call("ops.tanh", call("ops.softplus", x)))


def _softplus(v: OpView) -> n.Expr:
    if v.is_("beta", 1) and v.is_("threshold", 20):
        return call("layers.Activation", "softplus") if v.is_layer else call("ops.softplus", v.get("input"))
    x, beta = n.Name("t") if v.is_layer else v.get("input"), v.get("beta")
    out = n.BinOp("/", call("ops.softplus", n.BinOp("*", beta, x)), beta)
    out = call("ops.where", n.Compare(n.BinOp("*", beta, x), [">"], [v.get("threshold")]), x, out)
    return call("layers.Activation", n.Lambda(["t"], out)) if v.is_layer else out


ENTRIES = (
    OpEntry("relu", "activation", (INPUT, INPLACE),
            (layer(NN + "ReLU", "inplace"), fn(F + "relu", "input", "inplace"), fn("torch.relu", "input"),
             fn(F + "relu_", "input"), method("relu"), method("relu_")),
            layout=ELEMENTWISE, to_keras=_relu),
    OpEntry("relu6", "activation", (INPUT, INPLACE),
            (layer(NN + "ReLU6", "inplace"), fn(F + "relu6", "input", "inplace")),
            layout=ELEMENTWISE, to_keras=_relu6, notes="Keras: `layers.ReLU(max_value=6.0)`."),
    OpEntry("leaky_relu", "activation",
            (INPUT, Attr("negative_slope", torch=0.01, keras=0.3, doc="Slope below zero; always written."), INPLACE),
            (layer(NN + "LeakyReLU", "negative_slope", "inplace"), fn(F + "leaky_relu", "input", "negative_slope", "inplace")),
            layout=ELEMENTWISE, to_keras=_leaky_relu,
            notes="Default slope differs: torch 0.01, Keras layer 0.3, `keras.ops.leaky_relu` 0.2 - the slope is always written."),
    OpEntry("elu", "activation", (INPUT, Attr("alpha", torch=1.0, keras=1.0), INPLACE),
            (layer(NN + "ELU", "alpha", "inplace"), fn(F + "elu", "input", "alpha", "inplace")),
            layout=ELEMENTWISE, to_keras=_elu),
    OpEntry("gelu", "activation", (INPUT, Attr("approximate", torch="none", keras="none")),
            (layer(NN + "GELU", "approximate"), fn(F + "gelu", "input", "approximate")),
            layout=ELEMENTWISE, to_keras=_gelu,
            notes="torch GELU is exact by default; `keras.ops.gelu` defaults to the tanh approximation, so `approximate` is always written."),
    _simple("silu", "SiLU", (F + "silu",), "silu", "silu", "SiLU is Keras `swish`/`silu`."),
    _simple("sigmoid", "Sigmoid", ("torch.sigmoid", F + "sigmoid"), "sigmoid", "sigmoid", methods=("sigmoid",)),
    _simple("tanh", "Tanh", ("torch.tanh", F + "tanh"), "tanh", "tanh", methods=("tanh",)),
    _simple("hardswish", "Hardswish", (F + "hardswish",), "hard_silu", "hard_silu",
            "torch x·relu6(x+3)/6 equals Keras `hard_silu`."),
    _simple("hardsigmoid", "Hardsigmoid", (F + "hardsigmoid",), "hard_sigmoid", "hard_sigmoid",
            "torch relu6(x+3)/6 equals Keras 3 `hard_sigmoid` (legacy `keras.backend.hard_sigmoid` is 0.2x+0.5)."),
    _simple("selu", "SELU", ("torch.selu", F + "selu"), "selu", "selu"),
    _simple("softsign", "Softsign", (F + "softsign",), "softsign", "softsign"),
    _simple("logsigmoid", "LogSigmoid", (F + "logsigmoid",), "log_sigmoid", "log_sigmoid",
            "log(sigmoid(x)) computed stably: Keras `log_sigmoid`."),
    OpEntry("mish", "activation", (INPUT, INPLACE), (layer(NN + "Mish", "inplace"), fn(F + "mish", "input", "inplace")),
            layout=ELEMENTWISE, to_keras=_mish),
    OpEntry("softplus", "activation", (INPUT, Attr("beta", torch=1.0, keras=1.0), Attr("threshold", torch=20.0, keras=20.0)),
            (layer(NN + "Softplus", "beta", "threshold"), fn(F + "softplus", "input", "beta", "threshold")),
            layout=ELEMENTWISE, to_keras=_softplus),
    OpEntry("softmax", "activation", (INPUT, Attr("dim", torch=None, keras=-1, doc="Axis; torch needs it, Keras defaults to -1.")),
            (layer(NN + "Softmax", "dim"), fn(F + "softmax", "input", "dim"), fn("torch.softmax", "input", "dim"),
             method("softmax", "dim")),
            layout=LayoutRule("axis", axes=("dim",)), to_keras=_softmax_like("Softmax", "softmax"),
            notes="Keras softmax defaults to the last axis; under a layout change the axis is remapped."),
    OpEntry("log_softmax", "activation", (INPUT, Attr("dim", torch=None, keras=-1)),
            (layer(NN + "LogSoftmax", "dim"), fn(F + "log_softmax", "input", "dim"), fn("torch.log_softmax", "input", "dim"),
             method("log_softmax", "dim")),
            layout=LayoutRule("axis", axes=("dim",)), to_keras=_softmax_like(None, "log_softmax")),
)


#: Keras activation names -> the PyTorch module (and its arguments) that computes the same function.
TORCH_ACTIVATIONS: dict[str, tuple[str, dict]] = {
    "relu": ("nn.ReLU", {}), "relu6": ("nn.ReLU6", {}), "sigmoid": ("nn.Sigmoid", {}), "tanh": ("nn.Tanh", {}),
    "softmax": ("nn.Softmax", {"dim": -1}), "log_softmax": ("nn.LogSoftmax", {"dim": -1}), "gelu": ("nn.GELU", {}),
    "silu": ("nn.SiLU", {}), "swish": ("nn.SiLU", {}), "elu": ("nn.ELU", {}), "selu": ("nn.SELU", {}),
    "softplus": ("nn.Softplus", {}), "softsign": ("nn.Softsign", {}), "leaky_relu": ("nn.LeakyReLU", {"negative_slope": 0.2}),
    "hard_sigmoid": ("nn.Hardsigmoid", {}), "hard_silu": ("nn.Hardswish", {}), "hard_swish": ("nn.Hardswish", {}),
    "mish": ("nn.Mish", {}), "exponential": ("Exp", {}),
}


def torch_activation(name: n.Expr, moved: bool) -> n.Expr | None:
    """The torch module for a Keras `activation=` value; None for no activation. Softmax axes follow the layout."""
    if not isinstance(name, n.Const):  # chosen by a variable: looked up when the model runs
        return call("Activation", name, dim=1 if moved else None)
    value = name.value
    if value is None or value == "linear":
        return None
    if not isinstance(value, str) or value not in TORCH_ACTIVATIONS:
        return n.Unsupported(repr(value), f"activation {value!r} has no PyTorch module in the catalog")
    cls, kwargs = TORCH_ACTIVATIONS[value]
    if "dim" in kwargs and moved:
        kwargs = {**kwargs, "dim": 1}
    return call(cls, **kwargs)


def _activation_layer(v: OpView) -> n.Expr:
    module = torch_activation(v.get("activation"), v.moved)
    return module if module is not None else call("nn.Identity")


def with_activation(v: OpView, main: n.Expr) -> n.Expr:
    """`main`, followed by the Keras `activation=` of the same layer as an nn.Sequential when there is one."""
    act = torch_activation(v.get("activation"), v.moved) if "activation" in v.attrs else None
    if act is None:
        return main
    if isinstance(main, n.Call) and isinstance(main.func, n.Name) and main.func.id == "nn.Sequential":
        return n.Call(main.func, [*main.args, n.Arg(act)])  # padding, layer, activation: one flat Sequential
    return call("nn.Sequential", main, act)


def _torch_fn(name: str, **fixed: object):
    def to_torch(v: OpView) -> n.Expr:
        if v.is_layer:
            return call(f"nn.{name}", **fixed)
        return call(f"torch.{name.lower()}" if name in ("Sigmoid", "Tanh") else f"F.{name.lower()}", v.get("input"))
    return to_torch


def _relu_torch(v: OpView) -> n.Expr:
    """keras.layers.ReLU(max_value, negative_slope, threshold): ReLU, ReLU6, or a clamp for other caps."""
    if not v.is_layer:
        plain = v.is_("threshold", 0.0) and (v.is_("negative_slope", 0) or v.is_("negative_slope", 0.0))
        if not plain:
            if v.is_("max_value", None) and v.is_("threshold", 0.0):
                return call("F.leaky_relu", v.get("input"), v.get("negative_slope"))
            v.notes.append("relu with negative_slope or threshold is written as a plain relu")
        if v.is_("max_value", None):
            return call("F.relu", v.get("input"))
        return call("torch.clamp", v.get("input"), 0.0, v.get("max_value"))
    if not (v.is_("negative_slope", 0) or v.is_("negative_slope", 0.0)) or not v.is_("threshold", 0.0):
        v.notes.append("ReLU with negative_slope or threshold is written as a plain ReLU")
    if v.is_("max_value", 6) or v.is_("max_value", 6.0):
        return call("nn.ReLU6")
    if v.is_("max_value", None):
        return call("nn.ReLU")
    return call("nn.Hardtanh", 0.0, v.get("max_value"))


def _softmax_torch(v: OpView) -> n.Expr:
    dim = v.get("dim")
    return call("nn.Softmax", dim=dim) if v.is_layer else call("torch.softmax", v.get("input"), dim=dim)


def _leaky_torch(v: OpView) -> n.Expr:
    slope = v.get("negative_slope")
    return call("nn.LeakyReLU", slope) if v.is_layer else call("F.leaky_relu", v.get("input"), slope)


_ACT = Attr("activation", torch=None, keras=None, doc="Keras activation name; PyTorch uses a separate module.")
_ACT_DIM = Attr("dim", torch=-1, keras=-1, doc="The axis softmax-like activations act on (Keras: the last).")


def _activation_keras(v: OpView) -> n.Expr:
    """keras.layers.Activation by name; the support Activation's `dim` must be the axis Keras's softmax takes: the
    last, or the channels axis of a tensor that is channels-last in Keras."""
    dim = v.value("dim")
    last = dim == -1 or v.rank is not None and dim == v.rank - 1
    if not (last and not v.moved or v.moved and dim == 1):
        v.errors.append(f"an activation over axis {v.get('dim')!r} has no Keras Activation form (it takes the last axis)")
    return call("layers.Activation", v.get("activation"))

ENTRIES = with_keras(ENTRIES + (
    OpEntry("activation_layer", "activation", (INPUT, _ACT, _ACT_DIM), (torch_support("Activation", "activation", "dim"),),
            layout=ELEMENTWISE, to_keras=_activation_keras,
            notes="keras.layers.Activation by name; softmax-like activations act on the last axis in Keras."),
), {
    "relu": KerasForm((keras("ReLU", "max_value", "negative_slope", "threshold"), fn("keras.ops.relu", "input"),
                       fn("keras.activations.relu", "input"), fn("tensorflow.nn.relu", "input")), _relu_torch,
                      (Attr("max_value", torch=None, keras=None), Attr("negative_slope", torch=0.0, keras=0.0),
                       Attr("threshold", torch=0.0, keras=0.0)), stateless=True),
    "relu6": KerasForm((fn("keras.ops.relu6", "input"), fn("tensorflow.nn.relu6", "input")),
                       lambda v: call("nn.ReLU6") if v.is_layer else call("F.relu6", v.get("input"))),
    "silu": KerasForm((fn("keras.ops.silu", "input"), fn("keras.ops.swish", "input"), fn("keras.activations.swish", "input"),
                       fn("keras.activations.silu", "input"), fn("tensorflow.nn.swish", "input"),
                       fn("tensorflow.nn.silu", "input")), lambda v: call("F.silu", v.get("input"))),
    "elu": KerasForm((keras("ELU", "alpha"), *keras_fns(("keras.ops.elu", KA + "elu", KB + "elu"), "input", "alpha"),
                      *keras_fns((TF + "nn.elu",), "input", rename={"features": "input"})),
                     lambda v: call("nn.ELU", alpha=v.unless("alpha", 1.0)) if v.is_layer
                     else call("F.elu", v.get("input"), alpha=v.unless("alpha", 1.0)), stateless=True),
    "softplus": KerasForm((fn("keras.ops.softplus", "input"), fn("keras.activations.softplus", "input"),
                           fn("tensorflow.nn.softplus", "input")), lambda v: call("F.softplus", v.get("input"))),
    "log_softmax": KerasForm((fn("keras.ops.log_softmax", "input", "dim", rename={"axis": "dim"}),
                              fn("tensorflow.nn.log_softmax", "input", "dim", rename={"axis": "dim"})),
                             lambda v: call("torch.log_softmax", v.get("input"), dim=v.get("dim"))),
    "sigmoid": KerasForm((fn("keras.ops.sigmoid", "input"), fn("keras.activations.sigmoid", "input"),
                          fn("tensorflow.sigmoid", "input"), fn("tensorflow.nn.sigmoid", "input")), _torch_fn("Sigmoid"),
                         stateless=True),
    "tanh": KerasForm((fn("keras.ops.tanh", "input"), fn("tensorflow.tanh", "input"), fn("tensorflow.nn.tanh", "input")),
                      _torch_fn("Tanh"), stateless=True),
    "leaky_relu": KerasForm((keras("LeakyReLU", "negative_slope", rename={"alpha": "negative_slope"}),
                             fn("keras.ops.leaky_relu", "input", "negative_slope", fixed={"negative_slope": 0.2}),
                             fn("tensorflow.nn.leaky_relu", "input", "negative_slope", rename={"alpha": "negative_slope"},
                                fixed={"negative_slope": 0.2})), _leaky_torch,
                            stateless=True),
    "softmax": KerasForm((keras("Softmax", "dim", rename={"axis": "dim"}), fn("keras.ops.softmax", "input", "dim",
                          rename={"axis": "dim"}), fn("tensorflow.nn.softmax", "input", "dim", rename={"axis": "dim"})),
                         _softmax_torch, stateless=True),
    "activation_layer": KerasForm((keras("Activation", "activation"),), _activation_layer),
})

ENTRIES = with_shapes(ENTRIES, {"softmax": ShapeRule(same), "log_softmax": ShapeRule(same)})


def _gelu_mode(e: n.Expr) -> n.Expr:
    """Keras's `approximate=True/False` as torch's `approximate="tanh"/"none"`."""
    if isinstance(e, n.Const) and isinstance(e.value, bool):
        return n.Const("tanh" if e.value else "none")
    return n.IfExp(e, n.Const("tanh"), n.Const("none"))


def _gelu_torch(v: OpView) -> n.Expr:
    approximate = None if v.is_("approximate", "none") else v.get("approximate")
    if v.is_layer:
        return call("nn.GELU", approximate=approximate)
    return call("F.gelu", v.get("input"), approximate=approximate)


_X = {"features": "input", "logits": "input"}

# Legacy keras.backend, keras.activations and tf.math spellings of the activations above.
ENTRIES = with_keras(ENTRIES, {
    "relu": KerasForm(keras_fns((KB + "relu",), "input", "negative_slope", "max_value", "threshold",
                                rename={"alpha": "negative_slope"})),
    "relu6": KerasForm(keras_fns((KA + "relu6",), "input")),
    "softplus": KerasForm(keras_fns((KB + "softplus", TF + "math.softplus"), "input", rename=_X)),
    "log_softmax": KerasForm(keras_fns((KA + "log_softmax", TF + "math.log_softmax"), "input", "dim", rename=_X)),
    "sigmoid": KerasForm(keras_fns((KB + "sigmoid", TF + "math.sigmoid"), "input")),
    "tanh": KerasForm(keras_fns((KB + "tanh", KA + "tanh", TF + "math.tanh"), "input")),
    "leaky_relu": KerasForm(keras_fns((KA + "leaky_relu",), "input", "negative_slope", fixed={"negative_slope": 0.2})),
    "softmax": KerasForm(keras_fns((KB + "softmax", KA + "softmax", TF + "math.softmax"), "input", "dim", rename=_X)),
    # keras.activations.get(name) gives a callable to apply later: the same as an Activation layer
    "activation_layer": KerasForm(keras_fns((KA + "get",), "activation", rename={"identifier": "activation"}, layer=True)),
    "gelu": KerasForm(keras_fns(("keras.ops.gelu",), "input", "approximate", fixed={"approximate": True},
                                convert={"approximate": _gelu_mode})
                      + keras_fns((KA + "gelu", TF + "nn.gelu"), "input", "approximate", rename=_X,
                                  fixed={"approximate": False}, convert={"approximate": _gelu_mode}),
                      _gelu_torch),
    "hardswish": KerasForm(keras_fns(("keras.ops.hard_silu", "keras.ops.hard_swish", KA + "hard_silu", KA + "hard_swish"),
                                     "input"), _torch_fn("Hardswish")),
    "hardsigmoid": KerasForm(keras_fns(("keras.ops.hard_sigmoid", KA + "hard_sigmoid"), "input"), _torch_fn("Hardsigmoid")),
    "mish": KerasForm(keras_fns((KA + "mish",), "input"), _torch_fn("Mish")),
    "selu": KerasForm(keras_fns(("keras.ops.selu", KA + "selu", TF + "nn.selu"), "input", rename=_X), _torch_fn("SELU")),
    "logsigmoid": KerasForm(keras_fns(("keras.ops.log_sigmoid", KA + "log_sigmoid", TF + "math.log_sigmoid"), "input",
                                      rename=_X), _torch_fn("LogSigmoid")),
    "softsign": KerasForm(keras_fns(("keras.ops.softsign", KA + "softsign", TF + "nn.softsign"), "input", rename=_X),
                          _torch_fn("Softsign")),
})
