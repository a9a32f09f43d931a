"""Catalog entries for Keras ZeroPadding1D/3D and Cropping1D/2D/3D, written as PyTorch padding modules, for PyTorch's
ZeroPad/ConstantPad/ReflectionPad modules read into Keras, and for the SamePadding module that writes Keras's
padding='same' before a PyTorch convolution or pooling.

Keras gives one (before, after) pair per spatial axis, in axis order; PyTorch's padding modules take the pairs
last axis first. Cropping is padding by negative amounts (`nn.ZeroPad2d((-1, 0, 0, -2))` removes pixels).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry, Spelling
from nnmigrate.catalog.shape_rules import ShapeRule, crop2d, with_shapes
from nnmigrate.catalog.spell import NN, keras, layer, torch_support
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST, const_value
from nnmigrate.writers.emit import OpView, as_tuple, call, lit, same_expr

CHANNELS = LayoutRule("channels")


def torch_pads(value: Any, rank: int) -> tuple[int, ...] | Any:
    """A literal Keras padding (an int, one int per axis, or one pair per axis; for 1-D also one pair) as PyTorch's
    flat tuple, last axis first; NOT_CONST when it is not a literal or not one of those forms."""
    if isinstance(value, int):
        pairs: list[Any] = [(value, value)] * rank
    elif rank == 1 and isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
        pairs = [value]
    elif isinstance(value, tuple) and len(value) == rank:
        pairs = [(v, v) if isinstance(v, int) else v for v in value]
    else:
        return NOT_CONST
    if not all(isinstance(p, tuple) and len(p) == 2 and all(isinstance(x, int) for x in p) for p in pairs):
        return NOT_CONST
    return tuple(x for pair in reversed(pairs) for x in pair)


def zero_padding_copy(rank: int, crop: bool = False, **options: Any) -> Spelling:
    """The ZeroPadding support module as migrated code carries it (Keras's amounts), `rank` and `crop` choosing
    the entry."""
    if crop:
        return torch_support("ZeroPadding", "cropping", "rank", when={"rank": rank, "crop": True},
                             rename={"padding": "cropping"}, **options)
    return torch_support("ZeroPadding", "padding", "rank", when={"rank": rank, "crop": None}, **options)


def torch_pads_as_keras(rank: int) -> Callable[[n.Expr], n.Expr]:
    """PyTorch padding-module amounts (an int, or (before, after) pairs last axis first) -> Keras's (one pair per
    axis, in axis order); for 1-D the two forms agree. A name for the tuple is taken apart by index."""
    def convert(padding: n.Expr) -> n.Expr:
        if rank == 1 or isinstance(padding, n.Const) and isinstance(padding.value, int):
            return padding
        if isinstance(padding, (n.TupleExpr, n.ListExpr)) and len(padding.elts) == 2 * rank:
            elts = padding.elts
        else:
            elts = [n.Subscript(padding, n.Const(i)) for i in range(2 * rank)]
        return n.TupleExpr([n.TupleExpr(elts[i:i + 2]) for i in range(2 * rank - 2, -1, -2)])
    return convert


def keras_pairs(value: Any, rank: int) -> list[list[int]] | None:
    """A literal Keras padding as one [before, after] pair per axis, in axis order; None when it is no literal."""
    pads = torch_pads(value, rank)
    return None if pads is NOT_CONST else [list(pads[i:i + 2]) for i in range(2 * rank - 2, -1, -2)]


def _keras_form(pairs: list[list[int]]) -> Any:
    """One [before, after] pair per axis, in Keras's shortest spelling: an int, or a tuple of pairs."""
    if len({x for pair in pairs for x in pair}) == 1:
        return pairs[0][0]
    return tuple(pairs[0]) if len(pairs) == 1 else tuple(tuple(pair) for pair in pairs)


def keras_zero_pad(padding: n.Expr, rank: int) -> n.Expr:
    """Keras ZeroPadding{rank}D for a Keras padding; negative literal amounts (PyTorch crops so) are Cropping{rank}D's,
    mixed ones both layers in turn."""
    pairs = keras_pairs(const_value(padding), rank)
    if pairs is None or all(x >= 0 for pair in pairs for x in pair):
        return call(f"layers.ZeroPadding{rank}D", padding)
    crop = call(f"layers.Cropping{rank}D", lit(_keras_form([[max(-x, 0) for x in pair] for pair in pairs])))
    if all(x <= 0 for pair in pairs for x in pair):
        return crop
    pad = call(f"layers.ZeroPadding{rank}D", lit(_keras_form([[max(x, 0) for x in pair] for pair in pairs])))
    return call("keras.Sequential", [pad, crop])


def keras_pad_layer(rank: int) -> Callable[[OpView], n.Expr]:
    """Keras ZeroPadding{rank}D for zeros (see `keras_zero_pad`), Cropping{rank}D for negative amounts; another value,
    or reflection, as a Lambda layer running keras.ops.pad over the spatial axes of the channels-last tensor."""
    def to_keras(v: OpView) -> n.Expr:
        mode, value = v.value("mode"), v.value("value")
        pairs = keras_pairs(v.value("padding"), rank)
        if mode == "constant" and value == 0 or pairs is not None and all(x <= 0 for pair in pairs for x in pair):
            return keras_zero_pad(v.get("padding"), rank)
        if pairs is None:
            v.errors.append(f"{mode} padding by amounts known only at run time has no Keras form here")
            return call(f"layers.ZeroPadding{rank}D", v.get("padding"))
        widths = lit([[0, 0], *pairs, [0, 0]])
        padded = call("ops.pad", n.Name("t"), widths, mode=None if mode == "constant" else mode,
                      constant_values=v.get("value") if mode == "constant" else None)
        return call("layers.Lambda", n.Lambda(["t"], padded))
    return to_keras


def torch_pad_modules(rank: int, modes: tuple[str, ...]) -> tuple[Spelling, ...]:
    """PyTorch's padding modules of `rank` for `modes` (ZeroPad, ConstantPad, ReflectionPad), their amounts read as
    Keras's. (ReplicationPad and CircularPad are left out: keras.ops.pad's 'edge' and 'wrap' modes do not run on
    every backend.)"""
    names = {"zeros": "ZeroPad", "constant": "ConstantPad", "reflect": "ReflectionPad"}
    return tuple(layer(f"{NN}{names[m]}{rank}d", "padding", *(("value",) if m == "constant" else ()),
                       fixed={"mode": "constant" if m == "zeros" else m}, convert={"padding": torch_pads_as_keras(rank)})
                 for m in modes)


def keras_pads_as_torch(padding: n.Expr) -> n.Expr:
    """A literal Keras padding as PyTorch's flat pads (read back from ZeroPadding); another value as it is."""
    pads = torch_pads(const_value(padding), 2)
    return padding if pads is NOT_CONST else n.Const(pads[0] if len(set(pads)) == 1 else pads)


def zero_pad_torch(rank: int, attr: str = "padding", crop: bool = False) -> Callable[[OpView], n.Expr]:
    """`nn.ZeroPad{rank}d` with the Keras amounts (negated to crop); a ZeroPadding support module when they are
    known only at run time."""
    def to_torch(v: OpView) -> n.Expr:
        pads = torch_pads(v.value(attr), rank)
        if pads is NOT_CONST:
            return call("ZeroPadding", v.get(attr), rank, crop=True if crop else None)
        pads = tuple(-p for p in pads) if crop else pads
        return call(f"nn.ZeroPad{rank}d", pads[0] if len(set(pads)) == 1 else pads)
    return to_torch


_CONVS = frozenset(f"{kind}{r}d" for kind in ("conv", "separable_conv") for r in (1, 2, 3))
_MAX_POOLS = frozenset(f"max_pool{r}d" for r in (1, 2, 3))
_MINUS_INF = n.Call(n.Name("float"), [n.Arg(n.Const("-inf"))])


def _unpadded(layer: n.Op) -> bool:
    padding = const_value(layer.attrs.get("padding"))
    return padding in (0, "valid") or isinstance(padding, tuple) and all(p == 0 for p in padding)


def _pads_same(pad: n.Op, layer: n.Op) -> n.Op | None:
    """SamePadding(k, s, d) right before an unpadded convolution of that kernel, stride and dilation (zeros), or a
    max pooling of that window and stride (-inf): that layer with Keras's padding='same', which pads just so."""
    def same(name: str, value: n.Expr) -> bool:
        return same_expr(pad.attrs[name], value) or const_value(pad.attrs[name]) == const_value(value) is not NOT_CONST

    kernel = layer.attrs.get("kernel_size")
    if layer.key in _CONVS:
        fits = same("value", n.Const(0.0)) and same("dilation", layer.attrs["dilation"]) \
            and same("stride", layer.attrs["stride"])
    elif layer.key in _MAX_POOLS:
        stride = kernel if const_value(layer.attrs["stride"]) is None else layer.attrs["stride"]
        fits = same("value", _MINUS_INF) and same("dilation", n.Const(1)) and same("stride", stride) \
            and const_value(layer.attrs["dilation"]) == 1 and const_value(layer.attrs["ceil_mode"]) is False
    else:
        return None
    if not (fits and kernel is not None and same("kernel_size", kernel) and _unpadded(layer)):
        return None
    return n.Op(layer.key, {**layer.attrs, "padding": n.Const("same")}, layer.extra, [*layer.spelled, "padding"],
                layer.layer, span=layer.span)


def _pads_by_name(pad: n.Op, layer: n.Op) -> n.Op | None:
    """KerasPadding(padding, k, s, d) right before an unpadded convolution of that kernel, stride and dilation: that
    convolution with Keras's `padding` ('valid', 'same' or 'causal', known only at run time)."""
    def same(name: str, value: n.Expr) -> bool:
        return same_expr(pad.attrs[name], value) or const_value(pad.attrs[name]) == const_value(value) is not NOT_CONST

    if layer.key not in _CONVS or not _unpadded(layer) or not all(
            same(name, layer.attrs[name]) for name in ("kernel_size", "stride", "dilation")):
        return None
    return n.Op(layer.key, {**layer.attrs, "padding": pad.attrs["padding"], "padding_names": n.Const(True)}, layer.extra,
                [*layer.spelled, "padding"], layer.layer, span=layer.span)


def causal_pad(kernel_size: n.Expr, dilation: n.Expr) -> n.Expr:
    """How much Keras's padding='causal' puts before a sequence: dilation * (kernel_size - 1), folded when literal."""
    k, d = as_tuple(const_value(kernel_size), 1), as_tuple(const_value(dilation), 1)
    if NOT_CONST not in (k, d):
        return n.Const(d[0] * (k[0] - 1))
    size = n.BinOp("-", kernel_size, n.Const(1))
    return size if const_value(dilation) == 1 else n.BinOp("*", dilation, size)


def _pads_causal(pad: n.Op, layer: n.Op) -> n.Op | None:
    """Zeros before a sequence, just as many as an unpadded Conv1d after them sees back (dilation * (kernel - 1)), and
    none after: that convolution with Keras's padding='causal'."""
    padding = pad.attrs["padding"]
    before = padding.elts if isinstance(padding, (n.TupleExpr, n.ListExpr)) and len(padding.elts) == 2 else None
    if layer.key != "conv1d" or before is None or const_value(before[1]) != 0 or not _unpadded(layer) \
            or const_value(pad.attrs["value"]) != 0 or const_value(pad.attrs["mode"]) != "constant":
        return None
    expected = causal_pad(layer.attrs["kernel_size"], layer.attrs["dilation"])
    if not (same_expr(before[0], expected) or const_value(before[0]) == const_value(expected) is not NOT_CONST):
        return None
    return n.Op(layer.key, {**layer.attrs, "padding": n.Const("causal")}, layer.extra, [*layer.spelled, "padding"],
                layer.layer, span=layer.span)


ENTRIES = (
    OpEntry("same_padding", "padding", (Attr("input"), Attr("kernel_size"), Attr("stride", torch=1),
                                        Attr("dilation", torch=1), Attr("value", torch=0.0)),
            (torch_support("SamePadding", "kernel_size", "stride", "dilation", "value"),), layout=CHANNELS,
            pads_next=_pads_same,
            notes="nnmigrate's SamePadding writes Keras's padding='same' (the extra pixel at the end) before a PyTorch "
                  "convolution or max pooling; right before that layer it reads back as the layer's padding='same', "
                  "alone it has no Keras form."),
)
ENTRIES += (
    OpEntry("keras_padding", "padding", (Attr("input"), Attr("padding"), Attr("kernel_size"), Attr("stride", torch=1),
                                         Attr("dilation", torch=1)),
            (torch_support("KerasPadding", "padding", "kernel_size", "stride", "dilation"),), layout=CHANNELS,
            pads_next=_pads_by_name,
            notes="nnmigrate's KerasPadding pads as Keras's padding chosen at run time does, before a PyTorch "
                  "convolution; right before it, it reads back as the convolution's padding, alone it has no Keras "
                  "form."),
)
_MODE_ATTRS = (Attr("mode", torch="constant", keras="constant"), Attr("value", torch=0, keras=0))
ENTRIES += tuple(
    OpEntry(f"pad{r}d", "padding", (Attr("input"), Attr("padding", keras=1), *_MODE_ATTRS),
            (zero_padding_copy(r), *torch_pad_modules(r, ("zeros", "constant"))),
            (keras(f"ZeroPadding{r}D", "padding"),), layout=CHANNELS, to_keras=keras_pad_layer(r),
            to_torch=zero_pad_torch(r), rank=r + 2, pads_next=_pads_causal if r == 1 else None,
            notes="Keras pairs per axis in axis order; PyTorch's pads run last axis first. A value other than zero is "
                  "keras.ops.pad in a Lambda layer; right before a Conv1d, zeros just before the sequence read back "
                  "as its padding='causal'.")
    for r in (1, 3)
) + tuple(
    OpEntry(f"reflection_pad{r}d", "padding", (Attr("input"), Attr("padding"), *_MODE_ATTRS),
            torch_pad_modules(r, ("reflect",)), layout=CHANNELS, to_keras=keras_pad_layer(r), rank=r + 2,
            notes="Keras has no reflection padding layer: keras.ops.pad(mode='reflect') in a Lambda layer.")
    for r in (1, 2, 3)
) + tuple(
    OpEntry(f"crop{r}d", "padding", (Attr("input"), Attr("cropping", keras=0 if r == 2 else 1)),
            (zero_padding_copy(r, crop=True),),
            (keras(f"Cropping{r}D", "cropping"),), layout=CHANNELS, to_torch=zero_pad_torch(r, "cropping", crop=True),
            rank=r + 2, notes="Cropping is PyTorch padding by negative amounts.")
    for r in (1, 2, 3)
)

ENTRIES = with_shapes(ENTRIES, {"crop2d": ShapeRule(crop2d)})
