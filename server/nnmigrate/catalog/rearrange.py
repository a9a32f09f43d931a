"""Catalog entries for pure axis reorderings as layers: einops' `Rearrange` (`Rearrange('b n c -> b c n')`) and
Keras's `Permute` (`layers.Permute((2, 1))`).

A pattern that only reorders axes is a transpose. Where that transpose moves the channel axis between
PyTorch's place and Keras's (`b n c -> b c n` before a Conv1d), the Keras code keeps its channels-last
data as it is and relabels its layout instead: the layer becomes `layers.Identity()` (kept, so the layer
list lines up with the source's). Another pure reordering becomes `layers.Permute`; a pattern that groups,
splits or repeats axes stays einops's Keras layer.

Keras's `Permute(dims)` numbers the axes from 1 and never moves the batch axis: canonically it is the torch order
`(0, *dims)`. Written in PyTorch, one that only moves the channel axis (`Permute((3, 1, 2))` before a Flatten) is
`nn.Identity()` on the channels-first tensor; another is the `Permute` support module.
"""

from __future__ import annotations

from typing import Any

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.shape_rules import ShapeRule, permuted, with_shapes
from nnmigrate.catalog.spell import keras, layer, torch_support
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


def _with_batch(dims: n.Expr) -> n.Expr:
    """Keras `Permute` dims (batch axis excluded, counted from 1) as the full torch order `(0, *dims)`."""
    if isinstance(dims, (n.TupleExpr, n.ListExpr)):
        return n.TupleExpr([n.Const(0), *dims.elts])
    if isinstance(dims, n.Const) and isinstance(dims.value, (tuple, list)):
        return n.Const((0, *dims.value))
    return n.BinOp("+", n.TupleExpr([n.Const(0)]), call("tuple", dims))


def order(op: Any, rank: int | None = None) -> tuple[int, ...] | None:
    """The full axis order of a Permute layer (batch first; its dims fix the rank), None when it is known only at
    run time."""
    dims = const_value(op.attrs.get("dims"))
    return dims if isinstance(dims, tuple) and all(isinstance(d, int) for d in dims) else None


def _on_stored(v: OpView, to_last: bool) -> tuple[int, ...] | None:
    """The permutation the target applies to its stored tensor (None when the order is not a literal)."""
    perm = order(v.op)
    return None if perm is None else AxisMove(to_last=to_last).permuted(perm, v.layout)[1]


def _permute_keras(v: OpView) -> n.Expr:
    perm = _on_stored(v, to_last=True)
    if perm is None:
        return call("layers.Permute", n.Subscript(v.get("dims"), n.Slice(n.Const(1), None, None)))
    return call("layers.Identity") if perm == tuple(range(len(perm))) else call("layers.Permute", perm[1:])


def _permute_torch(v: OpView) -> n.Expr:
    perm = _on_stored(v, to_last=False)
    if perm is None:
        return call("Permute", v.get("dims"))
    return call("nn.Identity") if perm == tuple(range(len(perm))) else call("Permute", perm)


ENTRIES = (
    OpEntry("rearrange", "einops", (Attr("input"), Attr("pattern"), Attr("axes_lengths", torch=None, keras=None)),
            (layer("einops.layers.torch.Rearrange", "pattern", varkw="axes_lengths"),),
            layout=LayoutRule("permute", permutation=permutation), to_keras=_to_keras,
            notes="A pure reordering that moves the channel axis between the frameworks' places relabels the "
                  "layout (Identity); another reordering is layers.Permute; others stay einops's Keras layer."),
    OpEntry("permute_layer", "rearrange", (Attr("input"), Attr("dims")),
            (torch_support("Permute", "dims"),),
            (keras("Permute", "dims", convert={"dims": _with_batch}),),
            layout=LayoutRule("permute", spatial_input=True, permutation=order), to_keras=_permute_keras,
            to_torch=_permute_torch,
            notes="Keras numbers the axes from 1, batch excluded; one that only moves the channel axis between the "
                  "frameworks' places relabels the layout (Identity)."),
)

ENTRIES = with_shapes(ENTRIES, {"permute_layer": ShapeRule(permuted(order))})
