"""Catalog entries for activation functions, in layer form (`nn.ReLU`) and functional form (`F.relu`)."""

from __future__ import annotations

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.spell import F, NN, fn, layer, method
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
    x = v.get("input")
    if not (v.is_("beta", 1) and v.is_("threshold", 20)):
        beta = v.get("beta")
        inner = call("ops.softplus", n.BinOp("*", beta, x))
        out = n.BinOp("/", inner, beta)
        return call("ops.where", n.Compare(n.BinOp("*", beta, x), [">"], [v.get("threshold")]), x, out)
    return call("layers.Activation", "softplus") if v.is_layer else call("ops.softplus", x)


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
            "torch relu6(x+3)/6 equals Keras 3 `hard_sigmoid`."),
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
