"""Catalog entries for core layers: Linear, Identity, Flatten, Dropout, Embedding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry, VariableRead, WeightRule, fixed_reads
from nnmigrate.catalog.shape_rules import ShapeRule, dense, embedding, flatten, last, reshape, same, with_shapes
from nnmigrate.catalog.spell import F, KB, NN, KerasForm, fn, keras, keras_fns, layer, method, torch_support, with_keras
from nnmigrate.pivot import nodes as n
from nnmigrate.writers.emit import OpView, call, substitute, uses


def _linear(v: OpView) -> n.Expr:
    if v.is_layer:
        return call("layers.Dense", v.get("out_features"), use_bias=v.unless("bias", True))
    out = call("ops.matmul", v.get("input"), call("ops.transpose", v.get("weight")))
    return out if v.is_("bias", None) else n.BinOp("+", out, v.get("bias"))


def _linear_weights(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    out = [torch["weight"].T.copy()]
    return out + ([torch["bias"]] if torch.get("bias") is not None else [])


_LINEAR_WEIGHTS = WeightRule(_linear_weights, "weight (out, in) -> kernel (in, out)",
                             reads=fixed_reads(weight=VariableRead("kernel", (1, 0)), bias=VariableRead("bias")),
                             build_shape=lambda v: None if v.is_("in_features", None) else (None, v.get("in_features")))


def _identity(v: OpView) -> n.Expr:
    return call("layers.Identity") if v.is_layer else v.get("input")


def _flatten(v: OpView) -> n.Expr:
    start, end = v.value("start_dim"), v.value("end_dim")
    if v.is_layer and start == 1 and end == -1:
        if not v.moved:
            return call("layers.Flatten")
        # flatten in torch's (C, H, W) order so the next Dense keeps torch's weight rows
        back = (call("layers.Permute", (v.rank - 1, *range(1, v.rank - 1))) if v.rank
                else call("layers.Lambda", n.Lambda(["t"], call("ops.moveaxis", n.Name("t"), -1, 1))))
        return call("keras.Sequential", [back, call("layers.Flatten")])
    x = v.get("input")
    if start == 0 and end == -1:
        return call("ops.reshape", x, (-1,))
    if not _named(x):  # an expression (with layer calls) runs once: the support function reads its shape
        ends = (v.get("start_dim"),) if end == -1 else (v.get("start_dim"), v.get("end_dim"))
        return call("flatten_dims", x, *ends)
    shape = call("ops.shape", x)
    if start == 1 and end == -1:
        return call("ops.reshape", x, (n.Subscript(shape, n.Const(0)), -1))
    head = n.Starred(n.Subscript(shape, n.Slice(None, v.get("start_dim"), None)))
    tail_start = n.BinOp("+", v.get("end_dim"), n.Const(1))
    tail = n.Starred(n.Subscript(shape, n.Slice(tail_start, None, None)))
    if end == -1:
        return call("ops.reshape", x, n.TupleExpr([head, n.Const(-1)]))
    return call("ops.reshape", x, n.TupleExpr([head, n.Const(-1), tail]))


def _named(e: n.Expr) -> bool:
    """A name or an attribute of one (`x`, `self.cache`): reading it twice costs nothing."""
    while isinstance(e, n.Attr):
        e = e.value
    return isinstance(e, n.Name)


def _dropout(spatial: str | None):
    def to_keras(v: OpView) -> n.Expr:
        if v.is_layer:
            return call(f"layers.{spatial}" if spatial else "layers.Dropout", v.get("p"))
        x = v.get("input")
        dropped = call("keras.random.dropout", x, v.get("p"))
        if v.is_("training", True) and "training" in v.op.spelled:  # training=True: it always drops
            return dropped
        return n.IfExp(n.Name("training"), dropped, x) if not v.is_("training", False) else x

    return to_keras


def _embedding(v: OpView) -> n.Expr:
    if not v.is_("padding_idx", None):
        v.notes.append("padding_idx only freezes that row's gradient in torch; the weights carry the zero row")
    return call("layers.Embedding", v.get("num_embeddings"), v.get("embedding_dim"))


_DEV = (Attr("device", torch=None), Attr("dtype", torch=None))
_DROPOUT_ATTRS = (Attr("input"), Attr("p", torch=0.5, doc="Keras `rate` has no default: always written.", keras_attr="rate"),
                  Attr("training", torch=True), Attr("inplace", torch=False))

ENTRIES = (
    OpEntry("linear", "linear",
            (Attr("input"), Attr("in_features"), Attr("out_features", keras_attr="units"), Attr("bias", torch=True, keras=True),
             Attr("weight", torch=None)) + _DEV,
            (layer(NN + "Linear", "in_features", "out_features", "bias"),
             layer(NN + "LazyLinear", "out_features", "bias", fixed={"in_features": None}),
             fn(F + "linear", "input", "weight", "bias", fixed={"in_features": None, "out_features": None, "bias": None})),
            layout=LayoutRule("opaque"), to_keras=_linear, weights=_LINEAR_WEIGHTS,
            notes="torch weight is (out, in), Keras kernel (in, out): transposed on transfer. Acts on the last axis."),
    OpEntry("identity", "linear", (Attr("input"),), (layer(NN + "Identity", varargs="args"),),
            layout=LayoutRule("elementwise"), to_keras=_identity),
    OpEntry("flatten", "linear", (Attr("input"), Attr("start_dim", torch=1), Attr("end_dim", torch=-1)),
            (layer(NN + "Flatten", "start_dim", "end_dim"),
             fn("torch.flatten", "input", "start_dim", "end_dim", fixed={"start_dim": 0}),
             method("flatten", "start_dim", "end_dim", fixed={"start_dim": 0})),
            layout=LayoutRule("opaque", spatial_input=True), to_keras=_flatten, support=("flatten_dims",),
            notes="torch flattens (C, H, W); Keras channels-last flattens (H, W, C): channels-last input is transposed first."),
    OpEntry("dropout", "linear", _DROPOUT_ATTRS,
            (layer(NN + "Dropout", "p", "inplace"), layer(NN + "AlphaDropout", "p", "inplace"),
             fn(F + "dropout", "input", "p", "training", "inplace")),
            layout=LayoutRule("elementwise"), to_keras=_dropout(None), notes="Identity at inference; the rate is always written."),
    OpEntry("dropout1d", "linear", _DROPOUT_ATTRS, (layer(NN + "Dropout1d", "p", "inplace"),),
            layout=LayoutRule("channels"), to_keras=_dropout("SpatialDropout1D"), rank=3),
    OpEntry("dropout2d", "linear", _DROPOUT_ATTRS, (layer(NN + "Dropout2d", "p", "inplace"),),
            layout=LayoutRule("channels"), to_keras=_dropout("SpatialDropout2D"), rank=4,
            notes="Dropout2d zeroes whole channels: Keras SpatialDropout2D."),
    OpEntry("dropout3d", "linear", _DROPOUT_ATTRS, (layer(NN + "Dropout3d", "p", "inplace"),),
            layout=LayoutRule("channels"), to_keras=_dropout("SpatialDropout3D"), rank=5),
    OpEntry("embedding", "linear",
            (Attr("input"), Attr("num_embeddings", keras_attr="input_dim"), Attr("embedding_dim", keras_attr="output_dim"), Attr("padding_idx", torch=None),
             Attr("max_norm", torch=None), Attr("norm_type", torch=2.0), Attr("scale_grad_by_freq", torch=False),
             Attr("sparse", torch=False)) + _DEV,
            (layer(NN + "Embedding", "num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type",
                   "scale_grad_by_freq", "sparse"),),
            layout=LayoutRule("opaque"), to_keras=_embedding,
            weights=WeightRule(lambda t, c: [t["weight"]], "weight -> embeddings",
                               reads=fixed_reads(weight=VariableRead("embeddings")), build_shape=lambda v: (None,)),
            notes="padding_idx is not Keras mask_zero: mask_zero would mask token 0 downstream. Weights carry the row as is."),
)


def _dense_torch(v: OpView) -> n.Expr:
    from nnmigrate.catalog.activation import with_activation

    in_features = v.size("in_features")
    sizes = ("nn.LazyLinear",) if in_features is None else ("nn.Linear", in_features)
    return with_activation(v, call(*sizes, v.get("out_features"), bias=v.unless("bias", True)))


def _dense_weights_to_torch(keras: list[Any], config: Mapping[str, Any]) -> dict[str, Any]:
    out = {"weight": keras[0].T.copy()}
    if len(keras) > 1:
        out["bias"] = keras[1]
    return out


def _dropout_torch(module: str):
    """The Keras layer as the torch module; keras.random.dropout, which always drops, as F.dropout(training=True)."""
    def to_torch(v: OpView) -> n.Expr:
        if "noise_shape" in v.attrs and not v.is_("noise_shape", None):
            v.notes.append("noise_shape (dropping along chosen axes) changes only training; nn.Dropout drops each "
                           "element on its own")
        if not v.is_layer:  # keras.backend.dropout(x, level): drops whenever it runs
            return call("F.dropout", v.get("input"), v.get("p"), training=True)
        return call(module, v.get("p"))
    return to_torch


def _lambda_torch(v: OpView) -> n.Expr:
    """keras.layers.Lambda: the function applied to the input in the forward (a one-parameter lambda is inlined),
    or a Lambda support module where the layer is kept as an object."""
    function = v.get("function")
    arguments = [] if v.is_("arguments", None) else [n.Arg(v.get("arguments"), star="**")]
    if v.is_layer:
        if arguments:  # Keras passes `arguments` as keywords on every call
            function = n.Lambda(["t"], n.Call(function, [n.Arg(n.Name("t")), *arguments]))
        return call("Lambda", function, channels_last=True if v.moved else None)
    x = v.get("input")
    bound = _bound_arguments(function, v.attrs["arguments"])
    if bound is not None and (isinstance(x, n.Name) or uses(function.body, function.params[0]) <= 1):
        body = function.body
        for name, value in {function.params[0]: x, **bound}.items():
            body = substitute(body, name, value)
        return body
    return n.Call(function, [n.Arg(x), *arguments])


def _bound_arguments(function: n.Expr, arguments: n.Expr) -> dict[str, n.Expr] | None:
    """For a lambda applied inline: the values of its parameters after the first (from a literal `arguments`
    dict), or None when they cannot be put in place."""
    if not isinstance(function, n.Lambda) or not function.params:
        return None
    if isinstance(arguments, n.Const) and arguments.value is None:
        return {} if len(function.params) == 1 else None
    if not isinstance(arguments, n.DictExpr) or not all(isinstance(k, n.Const) for k in arguments.keys):
        return None
    bound = {k.value: value for k, value in zip(arguments.keys, arguments.values)}  # type: ignore[union-attr]
    return bound if set(bound) == set(function.params[1:]) else None


def _lambda_keras(channels_last: bool):
    """The Lambda support module as keras.layers.Lambda: its function gets the tensor in the order it was written for
    (channels-last with `channels_last`), moved there and back where the Keras tensor is in the other order."""
    def to_keras(v: OpView) -> n.Expr:
        function = v.get("function")
        if v.moved != channels_last:  # the Keras tensor is channels-last exactly when moved
            there, back = (1, -1) if channels_last else (-1, 1)
            t = n.Name("t")
            applied = n.Call(function, [n.Arg(call("ops.moveaxis", t, there, back))])
            function = n.Lambda(["t"], call("ops.moveaxis", applied, back, there))
        if v.is_layer:
            return call("layers.Lambda", function)
        if isinstance(function, n.Lambda) and len(function.params) == 1:
            return substitute(function.body, function.params[0], v.get("input"))
        return n.Call(function, [n.Arg(v.get("input"))])
    return to_keras


_LAMBDA = ("function", "channels_last")
ENTRIES += (
    OpEntry("lambda_layer", "linear",
            (Attr("input"), Attr("function"), Attr("output_shape", keras=None), Attr("mask", keras=None),
             Attr("arguments", keras=None)),
            (torch_support("Lambda", *_LAMBDA, when={"channels_last": None}),
             torch_support("Lambda", *_LAMBDA, when={"channels_last": False})),
            (keras("Lambda", "function", "output_shape", "mask", "arguments"),),
            layout=LayoutRule("opaque", spatial_input=True), to_keras=_lambda_keras(False),
            to_torch=_lambda_torch, stateless=True,
            notes="The function runs on the tensor in Keras's channels-last order, so channels-first inputs are "
                  "moved back first; output_shape and mask change nothing at inference."),
    OpEntry("channels_last_lambda", "linear", (Attr("input"), Attr("function")),
            (torch_support("Lambda", *_LAMBDA, when={"channels_last": True}),),
            layout=LayoutRule("channels"), to_keras=_lambda_keras(True), stateless=True,
            notes="The Lambda support module with channels_last=True: a Keras function of channels-last tensors."),
    OpEntry("rescaling", "linear", (Attr("input"), Attr("scale"), Attr("offset", keras=0.0)),
            (torch_support("Rescaling", "scale", "offset"),),
            (keras("Rescaling", "scale", "offset"),), layout=LayoutRule("elementwise"),
            to_torch=lambda v: call("Rescaling", v.get("scale"), offset=v.unless("offset", 0.0)),
            notes="Keras preprocessing inside the model: x * scale + offset."),
    OpEntry("reshape_layer", "linear", (Attr("input"), Attr("target_shape")),
            (torch_support("Reshape", "target_shape", rename={"shape": "target_shape"}),), (keras("Reshape", "target_shape"),),
            layout=LayoutRule("opaque"), to_torch=lambda v: call("Reshape", v.get("target_shape")),
            notes="Reshapes all but the batch axis, in Keras's channels-last order."),
    OpEntry("channels_last_flatten", "linear", (Attr("input"),), (torch_support("ChannelsLastFlatten"),),
            layout=LayoutRule("channels"), to_keras=lambda v: call("layers.Flatten"),
            notes="Flattens a channels-first tensor in channels-last order (Keras's Flatten), so a following layer "
                  "keeps the weight rows of the Keras layer it came from."),
)

ENTRIES = with_keras(ENTRIES, {
    "linear": KerasForm((keras("Dense", "out_features", "activation", "bias",
                               rename={"units": "out_features", "use_bias": "bias"}, fixed={"in_features": None}),),
                        _dense_torch, (Attr("activation", torch=None, keras=None),), _dense_weights_to_torch),
    "identity": KerasForm((keras("Identity"),), lambda v: call("nn.Identity")),
    "flatten": KerasForm((keras("Flatten"),), lambda v: call("ChannelsLastFlatten") if v.moved else call("nn.Flatten")),
    "dropout": KerasForm((keras("Dropout", "p", "noise_shape", rename={"rate": "p"}),
                          fn("keras.random.dropout", "input", "p", "noise_shape", "seed",
                             rename={"inputs": "input", "rate": "p"}, fixed={"training": True}))
                         + keras_fns((KB + "dropout",), "input", "p", "noise_shape", rename={"level": "p"}),
                         _dropout_torch("nn.Dropout"),
                         (Attr("noise_shape", torch=None, keras=None), Attr("seed", torch=None, keras=None))),
    **{f"dropout{r}d": KerasForm((keras(f"SpatialDropout{r}D", "p", rename={"rate": "p"}),),
                                 _dropout_torch(f"nn.Dropout{r}d")) for r in (1, 2, 3)},
    "embedding": KerasForm((keras("Embedding", "num_embeddings", "embedding_dim",
                                  rename={"input_dim": "num_embeddings", "output_dim": "embedding_dim"}),),
                           lambda v: call("nn.Embedding", v.get("num_embeddings"), v.get("embedding_dim")),
                           weights_to_torch=lambda k, c: {"weight": k[0]}),
})

ENTRIES = with_shapes(ENTRIES, {
    "linear": ShapeRule(dense, {"in_features": last}),
    "flatten": ShapeRule(flatten),
    "embedding": ShapeRule(embedding),
    "reshape_layer": ShapeRule(reshape("target_shape")),
    **{f"dropout{r}d": ShapeRule(same) for r in (1, 2, 3)},
})
