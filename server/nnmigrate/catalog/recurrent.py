"""Catalog entries for recurrent layers and attention in both contracts: torch's (written in Keras as support layers
that keep it) and Keras's (written in PyTorch as support modules that keep it)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry, ShapeRule, WeightRule
from nnmigrate.catalog.shape_rules import last, with_shapes
from nnmigrate.catalog.spell import NN, keras, keras_support, layer, torch_support
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import const_value
from nnmigrate.shapes.dims import mul
from nnmigrate.shapes.view import ShapeView
from nnmigrate.writers.emit import OpView, call, own_spelling

_RNN_ATTRS = (Attr("input"), Attr("input_size"), Attr("hidden_size"), Attr("num_layers", torch=1), Attr("bias", torch=True),
              Attr("batch_first", torch=False), Attr("dropout", torch=0.0), Attr("bidirectional", torch=False),
              Attr("proj_size", torch=0), Attr("nonlinearity", torch="tanh"), Attr("device", torch=None), Attr("dtype", torch=None))
_POSITIONAL = ("input_size", "hidden_size", "num_layers")
#: RecurrentStack("lstm" | "gru" | "rnn", units, ...), the Keras support layer that keeps torch's contract; like a
#: Keras layer it sizes itself from its input: written without input_size, that comes from static shape inference
_STACK = dict(rename={"units": "hidden_size", "use_bias": "bias", "activation": "nonlinearity"},
              fixed={"input_size": None})
_NOTE = ("torch {name}: batch_first=False by default, returns (output, h_n{c}) with h_n (layers*dirs, N, H); "
         "Keras: one layer per object, Bidirectional wrapper, gates {gates}. Written as RecurrentStack, a support "
         "layer written into the migrated module that stacks Keras layers and keeps torch's inputs and outputs.")


def _recurrent(cell: str):
    def to_keras(v: OpView) -> n.Expr:
        if not v.is_("proj_size", 0):
            v.notes.append("proj_size (LSTM output projection) has no Keras form; the projection is left out")
        activation = v.get("nonlinearity") if cell == "rnn" and not v.is_("nonlinearity", "tanh") else None
        return call("RecurrentStack", cell, v.get("hidden_size"), input_size=v.unless("input_size", None),
                    num_layers=v.unless("num_layers", 1),
                    bidirectional=v.unless("bidirectional", False), batch_first=v.unless("batch_first", False),
                    use_bias=v.unless("bias", True), activation=activation, dropout=v.unless("dropout", 0.0))

    return to_keras


def _recurrent_torch(v: OpView) -> n.Expr:
    """nn.LSTM / GRU / RNN, whose input_size the Keras code may leave to the first call: torch has no lazy form."""
    if v.size("input_size") is None:
        v.errors.append("input_size is not known statically (torch's recurrent modules have no lazy form); "
                        "give the layer's input a known feature size")
    return own_spelling(v.entry, "torch")(v)  # type: ignore[misc]


def _recurrent_shape(v: ShapeView) -> tuple[Any, None] | None:
    """(output, state): the output keeps the input's leading axes with hidden_size features per direction."""
    x = v.x
    if x is None or not x.dims:
        return None
    return x.replace(-1, mul(v.size("hidden_size"), 2 if v.value("bidirectional") is True else 1)), None


def _gru_gates(w: np.ndarray) -> np.ndarray:
    """torch's GRU gate blocks r, z, n (axis 0) in Keras order z, r, h."""
    r, z, h = np.split(w, 3, axis=0)
    return np.concatenate([z, r, h], axis=0)


def _recurrent_weights(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    gru = config.get("mode") == "GRU"
    reorder = _gru_gates if gru else (lambda w: w)  # LSTM gates i, f, g, o match Keras i, f, c, o
    out: list[Any] = []
    for index in range(config.get("num_layers", 1)):
        for suffix in ("", "_reverse") if config.get("bidirectional") else ("",):
            name = f"l{index}{suffix}"
            out += [reorder(torch[f"weight_ih_{name}"]).T.copy(), reorder(torch[f"weight_hh_{name}"]).T.copy()]
            if torch.get(f"bias_ih_{name}") is None:
                continue
            b_ih, b_hh = reorder(torch[f"bias_ih_{name}"]), reorder(torch[f"bias_hh_{name}"])
            out.append(np.stack([b_ih, b_hh]) if gru else b_ih + b_hh)
    return out


def _attention(v: OpView) -> n.Expr:
    for flag in ("add_bias_kv", "add_zero_attn"):
        if not v.is_(flag, False):
            v.notes.append(f"{flag}=True has no Keras MultiHeadAttention form; it is left out")
    return call("TorchStyleAttention", v.get("embed_dim"), v.get("num_heads"), dropout=v.unless("dropout", 0.0),
                use_bias=v.unless("bias", True), batch_first=v.unless("batch_first", False))


def _attention_weights(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    heads = config["num_heads"]
    if torch.get("in_proj_weight") is not None:
        projections = np.split(torch["in_proj_weight"], 3, axis=0)
    else:  # kdim / vdim differ from embed_dim: three separate matrices
        projections = [torch["q_proj_weight"], torch["k_proj_weight"], torch["v_proj_weight"]]
    biases = np.split(torch["in_proj_bias"], 3) if torch.get("in_proj_bias") is not None else [None] * 3
    out: list[Any] = []
    for w, b in zip(projections, biases):  # (heads * head_dim, in) -> (in, heads, head_dim)
        out.append(w.T.reshape(w.shape[1], heads, -1).copy())
        if b is not None:
            out.append(b.reshape(heads, -1))
    w = torch["out_proj.weight"]  # (E, heads * head_dim) -> (heads, head_dim, E)
    out.append(w.T.reshape(heads, -1, w.shape[0]).copy())
    if torch.get("out_proj.bias") is not None:
        out.append(torch["out_proj.bias"])
    return out


def _direction_to_torch(keras: list[Any], name: str) -> dict[str, Any]:
    """One direction of one layer: Keras [kernel, recurrent_kernel, bias] -> torch's `*_ih_<name>`, `*_hh_<name>`."""
    kernel, recurrent, *bias = keras
    gates = recurrent.shape[1] // recurrent.shape[0]  # LSTM 4 (i,f,c,o = torch i,f,g,o), GRU 3, SimpleRNN 1
    reorder = _gru_gates if gates == 3 else (lambda w: w)  # GRU z,r,h -> r,z,n (a swap: its own inverse)
    out = {f"weight_ih_{name}": reorder(kernel.T), f"weight_hh_{name}": reorder(recurrent.T)}
    if bias:  # GRU (2, 3H): input and recurrent biases; else one bias, all on the input side
        b_ih, b_hh = (bias[0][0], bias[0][1]) if bias[0].ndim == 2 else (bias[0], np.zeros_like(bias[0]))
        out[f"bias_ih_{name}"], out[f"bias_hh_{name}"] = reorder(b_ih), reorder(b_hh)
    return out


def _stack_to_torch(keras: list[Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """RecurrentStack's weights, layer by layer (forward, then backward) -> the torch module's."""
    directions = 2 if config.get("bidirectional") else 1
    groups = config.get("num_layers", 1) * directions
    per = len(keras) // groups
    out: dict[str, Any] = {}
    for group in range(groups):
        layer, backward = divmod(group, directions)
        name = f"l{layer}_reverse" if backward else f"l{layer}"
        out.update(_direction_to_torch(keras[group * per:(group + 1) * per], name))
    return out


def _attention_weights_to_torch(keras: list[Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `_attention_weights`: per-head q, k, v kernels (in, heads, head_dim) and the output kernel
    (heads, head_dim, E) -> in_proj (3E, E) when q, k and v all take E features (else q/k/v_proj_weight) and out_proj."""
    biased = len(keras) == 8
    step = 2 if biased else 1
    kernels = [keras[i * step] for i in range(3)]
    weights = [k.reshape(k.shape[0], -1).T for k in kernels]  # (heads * head_dim, in)
    out: dict[str, Any] = {}
    if len({w.shape for w in weights}) == 1 and weights[0].shape[0] == weights[0].shape[1]:
        out["in_proj_weight"] = np.concatenate(weights, axis=0)
    else:
        out.update(zip(("q_proj_weight", "k_proj_weight", "v_proj_weight"), weights))
    if biased:
        out["in_proj_bias"] = np.concatenate([keras[i * 2 + 1].reshape(-1) for i in range(3)])
    w = keras[3 * step]  # (heads, head_dim, E) -> (E, heads * head_dim)
    out["out_proj.weight"] = w.reshape(-1, w.shape[-1]).T
    if biased:
        out["out_proj.bias"] = keras[7]
    return out


_RECURRENT_DOC = ("per layer and direction: kernel = weight_ih.T, recurrent_kernel = weight_hh.T; LSTM bias = b_ih + b_hh; "
                  "GRU gate blocks r,z,n -> z,r,h and bias = stack(b_ih, b_hh)")
RECURRENT_WEIGHTS = WeightRule(_recurrent_weights, _RECURRENT_DOC, _stack_to_torch)
ATTENTION_WEIGHTS = WeightRule(_attention_weights, "in_proj (3E, E) split into q, k, v kernels (E, heads, head_dim); "
                                                   "out_proj (E, E) -> (heads, head_dim, E)", _attention_weights_to_torch)

ENTRIES = (
    OpEntry("lstm", "recurrent", _RNN_ATTRS, (layer(NN + "LSTM", *_POSITIONAL),),
            (keras_support("RecurrentStack", "cell", "hidden_size", when={"cell": "lstm"}, **_STACK),), layout=LayoutRule("opaque"),
            to_keras=_recurrent("lstm"), to_torch=_recurrent_torch, weights=RECURRENT_WEIGHTS,
            support=("RecurrentStack",),
            notes=_NOTE.format(name="LSTM", c=", c_n", gates="i,f,c,o with one bias (b_ih + b_hh)")),
    OpEntry("gru", "recurrent", _RNN_ATTRS, (layer(NN + "GRU", *_POSITIONAL),),
            (keras_support("RecurrentStack", "cell", "hidden_size", when={"cell": "gru"}, **_STACK),), layout=LayoutRule("opaque"),
            to_keras=_recurrent("gru"), to_torch=_recurrent_torch, weights=RECURRENT_WEIGHTS,
            support=("RecurrentStack",),
            notes=_NOTE.format(name="GRU", c="", gates="z,r,h with reset_after=True")),
    OpEntry("rnn", "recurrent", _RNN_ATTRS, (layer(NN + "RNN", *_POSITIONAL),),
            (keras_support("RecurrentStack", "cell", "hidden_size", when={"cell": "rnn"}, **_STACK),), layout=LayoutRule("opaque"),
            to_keras=_recurrent("rnn"), to_torch=_recurrent_torch, weights=RECURRENT_WEIGHTS,
            support=("RecurrentStack",),
            notes=_NOTE.format(name="RNN", c="", gates="-")),
    OpEntry("multihead_attention", "attention",
            (Attr("query"), Attr("embed_dim"), Attr("num_heads"), Attr("dropout", torch=0.0), Attr("bias", torch=True),
             Attr("add_bias_kv", torch=False), Attr("add_zero_attn", torch=False), Attr("kdim", torch=None),
             Attr("vdim", torch=None), Attr("batch_first", torch=False), Attr("device", torch=None), Attr("dtype", torch=None)),
            (layer(NN + "MultiheadAttention", "embed_dim", "num_heads", "dropout", "bias", "add_bias_kv", "add_zero_attn",
                   "kdim", "vdim", "batch_first"),),
            (keras_support("TorchStyleAttention", "embed_dim", "num_heads", rename={"use_bias": "bias"}),),
            layout=LayoutRule("opaque", tensor_inputs=("query",)), to_keras=_attention, weights=ATTENTION_WEIGHTS,
            support=("TorchStyleAttention",),
            notes="torch packs q/k/v projections in in_proj (3E, E) and masks with True = blocked; Keras MultiHeadAttention "
                  "has per-head kernels (E, heads, key_dim) and mask 1 = attend. Written as TorchStyleAttention, a support "
                  "layer written into the migrated module that keeps torch's (query, key, value) call and (output, weights) result."),
)


# ---- Keras recurrent layers and MultiHeadAttention: their own contract (batch-first, Keras returns) -----------------

_KERAS_RNN = {"keras_lstm": "nn.LSTM", "keras_gru": "nn.GRU", "keras_simple_rnn": "nn.RNN"}
_KERAS_RNN_ATTRS = (
    Attr("input"), Attr("hidden_size", doc="Keras `units`."), Attr("activation", keras="tanh"),
    Attr("bias", keras=True, doc="Keras `use_bias`."), Attr("return_sequences", keras=False),
    Attr("return_state", keras=False), Attr("go_backwards", keras=False),
    Attr("stateful", keras=False, doc="State carried from one batch to the next: no torch form."),
    Attr("dropout", keras=0.0, doc="Per-step dropout, training only: torch's recurrent modules have none."),
    Attr("recurrent_dropout", keras=0.0), Attr("unroll", keras=False, doc="Speed only."),
    Attr("time_major", keras=False, doc="tf.keras 2: (L, N, F) input."), Attr("zero_output_for_mask", keras=False),
    Attr("recurrent_initializer", keras="orthogonal", doc="Initializers do not change a copied model; not migrated."),
    Attr("recurrent_regularizer", keras=None), Attr("recurrent_constraint", keras=None))
_GATED_ATTRS = (Attr("recurrent_activation", keras="sigmoid"), Attr("unit_forget_bias", keras=True))
#: LazyRecurrent's own options: both directions, as Keras's Bidirectional wrapper around the layer runs them
_BOTH_WAYS = (Attr("bidirectional", keras=False, doc="LazyRecurrent: Keras's Bidirectional wrapper."),
              Attr("merge_mode", keras="concat", doc="LazyRecurrent both ways: Bidirectional's merge_mode."))


def _keras_form(v: OpView) -> n.Expr:
    """The Keras layer as Keras spells it; inside a Bidirectional wrapper when the LazyRecurrent it was read from
    runs both ways."""
    both_ways = {"bidirectional", "merge_mode"}
    layer = own_spelling(v.entry, "keras")(replace(v, attrs={k: e for k, e in v.attrs.items() if k not in both_ways}))
    if v.is_("bidirectional", False):
        return layer
    merge_mode = v.unless("merge_mode", "concat")
    if v.is_layer:
        return call("layers.Bidirectional", layer, merge_mode=merge_mode)
    return n.Call(call("layers.Bidirectional", layer.func, merge_mode=merge_mode), layer.args)


def _keras_recurrent(key: str):
    def to_torch(v: OpView) -> n.Expr:
        for flag in ("stateful", "time_major"):
            if not v.is_(flag, False):
                v.errors.append(f"{flag}={v.value(flag)!r} has no PyTorch form")
        if "reset_after" in v.attrs and not v.is_("reset_after", True):
            v.errors.append("reset_after=False (reset gate applied before the recurrent matmul) has no PyTorch form: "
                            "torch.nn.GRU computes Keras's reset_after=True")
        activations = ("tanh", "relu") if key == "keras_simple_rnn" else ("tanh",)
        if v.value("activation") not in activations:
            v.errors.append(f"activation={v.value('activation')!r} has no {_KERAS_RNN[key]} form "
                            f"({' or '.join(activations)} only)")
        if "recurrent_activation" in v.attrs and not v.is_("recurrent_activation", "sigmoid"):
            v.errors.append(f"recurrent_activation={v.value('recurrent_activation')!r} has no PyTorch form "
                            "(sigmoid gates only)")
        if not (v.is_("dropout", 0.0) and v.is_("recurrent_dropout", 0.0)):
            v.notes.append("dropout inside the recurrent step (training only) has no PyTorch form; it is left out")
        return call("LazyRecurrent", n.Name(_KERAS_RNN[key]), v.get("hidden_size"),
                    return_sequences=v.unless("return_sequences", False), return_state=v.unless("return_state", False),
                    go_backwards=v.unless("go_backwards", False), bidirectional=v.unless("bidirectional", False),
                    merge_mode=v.unless("merge_mode", "concat"), bias=v.unless("bias", True),
                    nonlinearity=v.unless("activation", "tanh") if key == "keras_simple_rnn" else None)

    return to_torch


def _bidirectional(v: OpView) -> n.Expr:
    """The wrapped layer's LazyRecurrent with both directions: torch's own bidirectional module."""
    inner, source = v.get("layer"), v.op.attrs.get("layer")
    if isinstance(inner, n.Unsupported):
        v.errors.append("the wrapped layer has no PyTorch form")
        return inner
    if not (isinstance(source, n.Op) and source.key in _KERAS_RNN and isinstance(inner, n.Call)):
        v.errors.append("only an LSTM, GRU or SimpleRNN written inside Bidirectional(...) has a PyTorch form")
        return inner
    if not v.is_("backward_layer", None):
        v.errors.append("a separate backward_layer has no PyTorch form (torch runs one module both ways)")
    if const_value(source.attrs.get("go_backwards")) is not False:
        v.errors.append("a wrapped layer with go_backwards=True has no PyTorch form")
    merge = [] if v.is_("merge_mode", "concat") else [n.Arg(v.get("merge_mode"), "merge_mode")]
    return n.Call(inner.func, [*inner.args, n.Arg(n.Const(True), "bidirectional"), *merge])


def _time_distributed(v: OpView) -> n.Expr:
    """torch layers that act on the last axis (Linear, activations) already apply to every time step."""
    from nnmigrate.catalog import default_catalog

    inner, source = v.get("layer"), v.op.attrs.get("layer")
    if isinstance(inner, n.Unsupported):
        v.errors.append("the wrapped layer has no PyTorch form")
    elif not (isinstance(source, n.Op) and (source.key == "linear"
                                            or default_catalog().get(source.key).layout.kind == "elementwise")):
        v.errors.append("only layers that act on the last axis (Dense, activations, Dropout) have a PyTorch form here")
    return inner


def _recurrent_to_torch(keras: list[Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Keras [kernel, recurrent_kernel, bias] per direction (Bidirectional: forward, then backward) -> LazyRecurrent."""
    directions = 2 if config.get("keras_class") == "Bidirectional" else 1
    per = len(keras) // directions
    out: dict[str, Any] = {}
    for d, suffix in enumerate(("", "_reverse")[:directions]):
        direction = _direction_to_torch(keras[d * per:(d + 1) * per], f"l0{suffix}")
        out.update({f"rnn.{name}": value for name, value in direction.items()})
    return out


def _keras_attention(v: OpView) -> n.Expr:
    if not v.is_("attention_axes", None) and v.value("attention_axes") not in (1, (1,)):
        v.errors.append("attention over axes other than the sequence axis has no PyTorch form yet")
    for flag, default in (("use_gate", False), ("sliding_window", None)):
        if not v.is_(flag, default):
            v.errors.append(f"{flag}={v.value(flag)!r} has no PyTorch form yet")
    shape = v.value("output_shape")
    if isinstance(shape, tuple) and len(shape) != 1:
        v.errors.append(f"output_shape={shape!r} (several axes) has no PyTorch form yet")
    output_shape = n.Const(shape[0]) if isinstance(shape, tuple) and shape else v.unless("output_shape", None)
    return call("LazyMultiHeadAttention", v.get("num_heads"), v.get("key_dim"), value_dim=v.unless("value_dim", None),
                dropout=v.unless("dropout", 0.0), bias=v.unless("bias", True), output_shape=output_shape)


def _attention_to_torch(keras: list[Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """Per-head kernels (E, heads, dim) -> (heads * dim, E); the output kernel (heads, dim, E') -> (E', heads * dim)."""
    per = 2 if config.get("use_bias", True) else 1
    out: dict[str, Any] = {}
    for i, name in enumerate(("query_proj", "key_proj", "value_proj", "out_proj")):
        kernel = keras[i * per]
        matrix = kernel.reshape(kernel.shape[0], -1) if i < 3 else kernel.reshape(-1, kernel.shape[-1])
        out[f"{name}.weight"] = matrix.T
        if per == 2:
            out[f"{name}.bias"] = keras[i * per + 1].reshape(-1)
    return out


def _recurrent_from_torch(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    """LazyRecurrent's one-layer torch module (`rnn.*`) -> the Keras layer's weights (Bidirectional: both directions)."""
    own = {name.removeprefix("rnn."): value for name, value in torch.items()}
    hh = own["weight_hh_l0"]
    mode = {4: "LSTM", 3: "GRU"}.get(hh.shape[0] // hh.shape[1], "RNN")
    return _recurrent_weights(own, {"mode": mode, "bidirectional": "weight_ih_l0_reverse" in own})


def _attention_from_torch(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    """LazyMultiHeadAttention's projections -> per-head kernels (E, heads, dim) and output kernel (heads, dim, E')."""
    heads = config["num_heads"]
    out: list[Any] = []
    for name in ("query_proj", "key_proj", "value_proj", "out_proj"):
        w, b = torch[f"{name}.weight"], torch.get(f"{name}.bias")
        if name == "out_proj":
            out.append(w.T.reshape(heads, -1, w.shape[0]).copy())
        else:
            out.append(w.T.reshape(w.shape[1], heads, -1).copy())
        if b is not None:
            out.append(b if name == "out_proj" else b.reshape(heads, -1))
    return out


_RNN_KERAS = dict(rename={"units": "hidden_size", "use_bias": "bias"})
#: LazyRecurrent(nn.LSTM | nn.GRU | nn.RNN, hidden_size, ...), the torch support module that keeps Keras's contract
_LAZY = dict(rename={"nonlinearity": "activation"})
_RNN_CONTRACT = ("Keras {name}: batch-first (N, L, F), returns the last output unless return_sequences=True, and "
                 "[output, *states] with return_state=True. Written as LazyRecurrent, a support module around {torch}"
                 "(batch_first=True) sized from the first input, which keeps the Keras returns.")
_RECURRENT_TO_TORCH = WeightRule(_recurrent_from_torch, "per direction: weight_ih = kernel.T, weight_hh = recurrent_kernel.T; GRU gate "
                                       "blocks z,r,h -> r,z,n, bias (2, 3H) -> bias_ih, bias_hh; else bias_ih = bias, "
                                       "bias_hh = 0", _recurrent_to_torch)
_OPAQUE = LayoutRule("opaque")

ENTRIES += (
    OpEntry("keras_lstm", "recurrent", _KERAS_RNN_ATTRS + _GATED_ATTRS + _BOTH_WAYS,
            (torch_support("LazyRecurrent", "cell", "hidden_size", when={"cell": "torch.nn.LSTM"}, **_LAZY),),
            (keras("LSTM", "hidden_size", "activation", "recurrent_activation", "bias", **_RNN_KERAS),),
            layout=_OPAQUE, to_torch=_keras_recurrent("keras_lstm"), to_keras=_keras_form,
            weights=_RECURRENT_TO_TORCH,
            notes=_RNN_CONTRACT.format(name="LSTM", torch="nn.LSTM") + " Gates i,f,c,o are torch's i,f,g,o."),
    OpEntry("keras_gru", "recurrent",
            _KERAS_RNN_ATTRS + _GATED_ATTRS[:1] + (Attr("reset_after", keras=True),) + _BOTH_WAYS,
            (torch_support("LazyRecurrent", "cell", "hidden_size", when={"cell": "torch.nn.GRU"}, **_LAZY),),
            (keras("GRU", "hidden_size", "activation", "recurrent_activation", "bias", **_RNN_KERAS),),
            layout=_OPAQUE, to_torch=_keras_recurrent("keras_gru"), to_keras=_keras_form,
            weights=_RECURRENT_TO_TORCH,
            notes=_RNN_CONTRACT.format(name="GRU", torch="nn.GRU") + " Keras gate blocks z,r,h become torch's r,z,n; "
                  "torch's GRU is Keras's reset_after=True (reset_after=False has no PyTorch form)."),
    OpEntry("keras_simple_rnn", "recurrent", _KERAS_RNN_ATTRS + _BOTH_WAYS,
            (torch_support("LazyRecurrent", "cell", "hidden_size", when={"cell": "torch.nn.RNN"}, **_LAZY),),
            (keras("SimpleRNN", "hidden_size", "activation", "bias", **_RNN_KERAS),),
            layout=_OPAQUE, to_torch=_keras_recurrent("keras_simple_rnn"), to_keras=_keras_form,
            weights=_RECURRENT_TO_TORCH,
            notes=_RNN_CONTRACT.format(name="SimpleRNN", torch="nn.RNN") + " activation tanh or relu."),
    OpEntry("bidirectional", "recurrent",
            (Attr("input"), Attr("layer"), Attr("merge_mode", keras="concat"), Attr("backward_layer", keras=None)), (),
            (keras("Bidirectional", "layer", "merge_mode"),), layout=_OPAQUE, to_torch=_bidirectional,
            weights=_RECURRENT_TO_TORCH,
            notes="Keras runs a reversed copy of the wrapped layer and merges both (concat, sum, mul, ave or None); "
                  "written as the wrapped layer's LazyRecurrent with bidirectional=True (torch's output keeps the "
                  "backward direction in input order, as Keras does)."),
    OpEntry("time_distributed", "recurrent", (Attr("input"), Attr("layer")), (),
            (keras("TimeDistributed", "layer"),), layout=_OPAQUE, to_torch=_time_distributed,
            notes="Applies the wrapped layer to every time step; torch layers that act on the last axis (Linear, "
                  "activations) already do, so they are written alone."),
    OpEntry("keras_multi_head_attention", "attention",
            (Attr("query"), Attr("num_heads"), Attr("key_dim"), Attr("value_dim", keras=None),
             Attr("dropout", keras=0.0), Attr("bias", keras=True, doc="Keras `use_bias`."),
             Attr("output_shape", keras=None), Attr("attention_axes", keras=None), Attr("use_gate", keras=False),
             Attr("sliding_window", keras=None), Attr("flash_attention", keras=None, doc="Speed only.")),
            (torch_support("LazyMultiHeadAttention", "num_heads", "key_dim", "value_dim", "dropout", "bias",
                           "output_shape"),),
            (keras("MultiHeadAttention", "num_heads", "key_dim", "value_dim", "dropout", "bias", "output_shape",
                   "attention_axes", rename={"use_bias": "bias"}),),
            layout=LayoutRule("opaque", tensor_inputs=("query",)), to_torch=_keras_attention,
            weights=WeightRule(_attention_from_torch, "query/key/value kernels (E, heads, dim) -> (heads * dim, E); output kernel "
                                     "(heads, value_dim, E) -> (E, heads * value_dim)", _attention_to_torch),
            notes="Keras MultiHeadAttention is called (query, value, key=None, attention_mask=None) with key_dim per "
                  "head, its own output projection back to the query's size and mask 1 = attend; nn.MultiheadAttention "
                  "takes (query, key, value), needs heads * head_dim == embed_dim and masks True = blocked. Written as "
                  "LazyMultiHeadAttention, a support module that keeps the Keras call."),
)
ENTRIES = with_shapes(ENTRIES, {key: ShapeRule(_recurrent_shape, {"input_size": last})
                                for key in ("lstm", "gru", "rnn")})
