"""Catalog entry for einops' `Rearrange` layer (`einops.layers.torch.Rearrange('b n c -> b c n')`).

A pattern that only reorders axes is a transpose. Where that transpose moves the channel axis between
PyTorch's place and Keras's (`b n c -> b c n` before a Conv1d), the Keras code keeps its channels-last
data as it is and relabels its layout instead: the layer becomes `layers.Identity()` (kept, so the layer
list lines up with the source's). Another pure reordering becomes `layers.Permute`; a pattern that groups,
splits or repeats axes stays einops's Keras layer.
"""

from __future__ import annotations

from typing import Any

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.spell import layer
from nnmigrate.layout import AxisMove
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST, const_value
from nnmigrate.writers.emit import OpView, call


def permutation(op: Any, rank: int | None = None) -> tuple[int, ...] | None:
    """The axis order a pattern such as `b n c -> b c n` gives (the pattern fixes the rank), or None when it does
    more than reorder."""
    pattern = const_value(op.attrs.get("pattern"))
    lengths = op.attrs.get("axes_lengths")
    if not isinstance(pattern, str) or pattern.count("->") != 1 or isinstance(lengths, n.DictExpr) and lengths.keys:
        return None
    left, right = (side.split() for side in pattern.split("->"))
    if not all(name.isidentifier() for name in left + right) or len(set(left)) != len(left) \
            or sorted(left) != sorted(right):
        return None
    return tuple(left.index(name) for name in right)


def _to_keras(v: OpView) -> n.Expr:
    perm = permutation(v.op)
    if perm is not None:
        _, on_stored = AxisMove(to_last=True).permuted(perm, v.layout)
        if on_stored == tuple(range(len(on_stored))):
            return call("layers.Identity")
        if on_stored[0] == 0:
            return call("layers.Permute", on_stored[1:])
    lengths = v.attrs.get("axes_lengths")
    keywords = {const_value(k): value for k, value in zip(lengths.keys, lengths.values)} \
        if isinstance(lengths, n.DictExpr) else {}
    if NOT_CONST in keywords or not all(isinstance(k, str) for k in keywords):
        keywords = {}
    return call("Rearrange", v.get("pattern"), **keywords)


ENTRIES = (
    OpEntry("rearrange", "einops", (Attr("input"), Attr("pattern"), Attr("axes_lengths", torch=None, keras=None)),
            (layer("einops.layers.torch.Rearrange", "pattern", varkw="axes_lengths"),),
            layout=LayoutRule("permute", permutation=permutation), to_keras=_to_keras,
            notes="A pure reordering that moves the channel axis between the frameworks' places relabels the "
                  "layout (Identity); another reordering is layers.Permute; others stay einops's Keras layer."),
)
