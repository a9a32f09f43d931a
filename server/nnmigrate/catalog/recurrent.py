"""Catalog entries for recurrent layers and attention; their Keras forms are support layers that keep torch's contract."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry, WeightRule
from nnmigrate.catalog.spell import NN, layer
from nnmigrate.pivot import nodes as n
from nnmigrate.writers.emit import OpView, call

_RNN_ATTRS = (Attr("input"), Attr("input_size"), Attr("hidden_size"), Attr("num_layers", torch=1), Attr("bias", torch=True),
              Attr("batch_first", torch=False), Attr("dropout", torch=0.0), Attr("bidirectional", torch=False),
              Attr("proj_size", torch=0), Attr("nonlinearity", torch="tanh"), Attr("device", torch=None), Attr("dtype", torch=None))
_POSITIONAL = ("input_size", "hidden_size", "num_layers")
_NOTE = ("torch {name}: batch_first=False by default, returns (output, h_n{c}) with h_n (layers*dirs, N, H); "
         "Keras: one layer per object, Bidirectional wrapper, gates {gates}. Written as RecurrentStack, a support "
         "layer written into the migrated module that stacks Keras layers and keeps torch's inputs and outputs.")


def _recurrent(cell: str):
    def to_keras(v: OpView) -> n.Expr:
        if not v.is_("proj_size", 0):
            v.notes.append("proj_size (LSTM output projection) has no Keras form; the projection is left out")
        activation = v.get("nonlinearity") if cell == "rnn" and not v.is_("nonlinearity", "tanh") else None
        return call("RecurrentStack", cell, v.get("hidden_size"), num_layers=v.unless("num_layers", 1),
                    bidirectional=v.unless("bidirectional", False), batch_first=v.unless("batch_first", False),
                    use_bias=v.unless("bias", True), activation=activation, dropout=v.unless("dropout", 0.0))

    return to_keras


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


_RECURRENT_DOC = ("per layer and direction: kernel = weight_ih.T, recurrent_kernel = weight_hh.T; LSTM bias = b_ih + b_hh; "
                  "GRU gate blocks r,z,n -> z,r,h and bias = stack(b_ih, b_hh)")
RECURRENT_WEIGHTS = WeightRule(_recurrent_weights, _RECURRENT_DOC)
ATTENTION_WEIGHTS = WeightRule(_attention_weights, "in_proj (3E, E) split into q, k, v kernels (E, heads, head_dim); "
                                                   "out_proj (E, E) -> (heads, head_dim, E)")

ENTRIES = (
    OpEntry("lstm", "recurrent", _RNN_ATTRS, (layer(NN + "LSTM", *_POSITIONAL),), layout=LayoutRule("opaque"),
            to_keras=_recurrent("lstm"), weights=RECURRENT_WEIGHTS, support=("RecurrentStack",),
            notes=_NOTE.format(name="LSTM", c=", c_n", gates="i,f,c,o with one bias (b_ih + b_hh)")),
    OpEntry("gru", "recurrent", _RNN_ATTRS, (layer(NN + "GRU", *_POSITIONAL),), layout=LayoutRule("opaque"),
            to_keras=_recurrent("gru"), weights=RECURRENT_WEIGHTS, support=("RecurrentStack",),
            notes=_NOTE.format(name="GRU", c="", gates="z,r,h with reset_after=True")),
    OpEntry("rnn", "recurrent", _RNN_ATTRS, (layer(NN + "RNN", *_POSITIONAL),), layout=LayoutRule("opaque"),
            to_keras=_recurrent("rnn"), weights=RECURRENT_WEIGHTS, support=("RecurrentStack",),
            notes=_NOTE.format(name="RNN", c="", gates="-")),
    OpEntry("multihead_attention", "attention",
            (Attr("query"), Attr("embed_dim"), Attr("num_heads"), Attr("dropout", torch=0.0), Attr("bias", torch=True),
             Attr("add_bias_kv", torch=False), Attr("add_zero_attn", torch=False), Attr("kdim", torch=None),
             Attr("vdim", torch=None), Attr("batch_first", torch=False), Attr("device", torch=None), Attr("dtype", torch=None)),
            (layer(NN + "MultiheadAttention", "embed_dim", "num_heads", "dropout", "bias", "add_bias_kv", "add_zero_attn",
                   "kdim", "vdim", "batch_first"),),
            layout=LayoutRule("opaque", tensor_inputs=("query",)), to_keras=_attention, weights=ATTENTION_WEIGHTS,
            support=("TorchStyleAttention",),
            notes="torch packs q/k/v projections in in_proj (3E, E) and masks with True = blocked; Keras MultiHeadAttention "
                  "has per-head kernels (E, heads, key_dim) and mask 1 = attend. Written as TorchStyleAttention, a support "
                  "layer written into the migrated module that keeps torch's (query, key, value) call and (output, weights) result."),
)
