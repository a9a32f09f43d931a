"""Catalog entries for Keras ZeroPadding1D/3D and Cropping1D/2D/3D, written as PyTorch padding modules, and for
the SamePadding module that writes Keras's padding='same' before a PyTorch convolution or pooling.

Keras gives one (before, after) pair per spatial axis, in axis order; PyTorch's padding modules take the pairs
last axis first. Cropping is padding by negative amounts (`nn.ZeroPad2d((-1, 0, 0, -2))` removes pixels).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry, Spelling
from nnmigrate.catalog.spell import keras, torch_support
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST, const_value
from nnmigrate.writers.emit import OpView, call, same_expr

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
        fits = same("value", n.Const(0.0)) and same("dilation", layer.attrs["dilation"]) and same("stride", layer.attrs["stride"])
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


ENTRIES = (
    OpEntry("same_padding", "padding", (Attr("input"), Attr("kernel_size"), Attr("stride", torch=1),
                                        Attr("dilation", torch=1), Attr("value", torch=0.0)),
            (torch_support("SamePadding", "kernel_size", "stride", "dilation", "value"),), layout=CHANNELS,
            pads_next=_pads_same,
            notes="nnmigrate's SamePadding writes Keras's padding='same' (the extra pixel at the end) before a PyTorch "
                  "convolution or max pooling; right before that layer it reads back as the layer's padding='same', "
                  "alone it has no Keras form."),
)
ENTRIES += tuple(
    OpEntry(f"pad{r}d", "padding", (Attr("input"), Attr("padding", keras=1)), (zero_padding_copy(r),),
            (keras(f"ZeroPadding{r}D", "padding"),), layout=CHANNELS, to_torch=zero_pad_torch(r), rank=r + 2,
            notes="Keras pairs per axis in axis order; PyTorch's pads run last axis first.")
    for r in (1, 3)
) + tuple(
    OpEntry(f"crop{r}d", "padding", (Attr("input"), Attr("cropping", keras=0 if r == 2 else 1)),
            (zero_padding_copy(r, crop=True),),
            (keras(f"Cropping{r}D", "cropping"),), layout=CHANNELS, to_torch=zero_pad_torch(r, "cropping", crop=True),
            rank=r + 2, notes="Cropping is PyTorch padding by negative amounts.")
    for r in (1, 2, 3)
)
