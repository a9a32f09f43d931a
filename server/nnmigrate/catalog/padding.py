"""Catalog entries for Keras ZeroPadding1D/3D and Cropping1D/2D/3D, written as PyTorch padding modules.

Keras gives one (before, after) pair per spatial axis, in axis order; PyTorch's padding modules take the pairs
last axis first. Cropping is padding by negative amounts (`nn.ZeroPad2d((-1, 0, 0, -2))` removes pixels).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.spell import keras
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST
from nnmigrate.writers.emit import OpView, call

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


ENTRIES = tuple(
    OpEntry(f"pad{r}d", "padding", (Attr("input"), Attr("padding", keras=1)), (),
            (keras(f"ZeroPadding{r}D", "padding"),), layout=CHANNELS, to_torch=zero_pad_torch(r), rank=r + 2,
            notes="Keras pairs per axis in axis order; PyTorch's pads run last axis first.")
    for r in (1, 3)
) + tuple(
    OpEntry(f"crop{r}d", "padding", (Attr("input"), Attr("cropping", keras=0 if r == 2 else 1)), (),
            (keras(f"Cropping{r}D", "cropping"),), layout=CHANNELS, to_torch=zero_pad_torch(r, "cropping", crop=True),
            rank=r + 2, notes="Cropping is PyTorch padding by negative amounts.")
    for r in (1, 2, 3)
)
