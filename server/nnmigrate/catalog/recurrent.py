"""Catalog entries for recurrent layers and attention, known to the readers; Keras forms are not written yet."""

from __future__ import annotations

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.spell import NN, layer

_RNN_ATTRS = (Attr("input"), Attr("input_size"), Attr("hidden_size"), Attr("num_layers", torch=1), Attr("bias", torch=True),
              Attr("batch_first", torch=False), Attr("dropout", torch=0.0), Attr("bidirectional", torch=False),
              Attr("proj_size", torch=0), Attr("nonlinearity", torch="tanh"), Attr("device", torch=None), Attr("dtype", torch=None))
_POSITIONAL = ("input_size", "hidden_size", "num_layers")
_NOTE = ("torch {name}: batch_first=False by default, returns (output, h_n{c}) with h_n (layers*dirs, N, H); "
         "Keras: one layer per object, Bidirectional wrapper, gates {gates}.")

ENTRIES = (
    OpEntry("lstm", "recurrent", _RNN_ATTRS, (layer(NN + "LSTM", *_POSITIONAL),), layout=LayoutRule("opaque"),
            notes=_NOTE.format(name="LSTM", c=", c_n", gates="i,f,c,o with one bias (b_ih + b_hh)")),
    OpEntry("gru", "recurrent", _RNN_ATTRS, (layer(NN + "GRU", *_POSITIONAL),), layout=LayoutRule("opaque"),
            notes=_NOTE.format(name="GRU", c="", gates="z,r,h with reset_after=True")),
    OpEntry("rnn", "recurrent", _RNN_ATTRS, (layer(NN + "RNN", *_POSITIONAL),), layout=LayoutRule("opaque"),
            notes=_NOTE.format(name="RNN", c="", gates="-")),
    OpEntry("multihead_attention", "attention",
            (Attr("query"), Attr("embed_dim"), Attr("num_heads"), Attr("dropout", torch=0.0), Attr("bias", torch=True),
             Attr("add_bias_kv", torch=False), Attr("add_zero_attn", torch=False), Attr("kdim", torch=None),
             Attr("vdim", torch=None), Attr("batch_first", torch=False), Attr("device", torch=None), Attr("dtype", torch=None)),
            (layer(NN + "MultiheadAttention", "embed_dim", "num_heads", "dropout", "bias", "add_bias_kv", "add_zero_attn",
                   "kdim", "vdim", "batch_first"),),
            layout=LayoutRule("opaque", tensor_inputs=("query",)),
            notes="torch packs q/k/v projections in in_proj (3E, E) and masks with True = blocked; Keras MultiHeadAttention "
                  "has per-head kernels (E, heads, key_dim) and mask 1 = attend."),
)
