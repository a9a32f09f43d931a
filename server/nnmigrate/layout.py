"""Tensor layouts across the migration: which values sit in the target's native layout, and axis math.

Source and target frameworks put the channel axis in different places (PyTorch: axis 1, Keras: last).
A tensor tagged MOVED holds the source tensor with its channel axis moved to the target's place;
PLAIN tensors keep the source order. `AxisMove` says which way the channel axis moves and remaps axis
numbers; the writers turn its permutations into code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST, const_value
from nnmigrate.writers.emit import MOVED, PLAIN

__all__ = ["MOVED", "PLAIN", "AxisMove", "TensorInfo", "UNKNOWN", "collapse"]


@dataclass(frozen=True)
class TensorInfo:
    """What the writer knows of a value: its layout (None: not a tensor or unknown), rank, and which
    parameters it derives from without passing a layout-sensitive op (for input-layout demand)."""

    layout: str | None = None
    rank: int | None = None
    origin: frozenset[str] = field(default_factory=frozenset)
    parts: tuple[TensorInfo, ...] | None = None  # tuple results (chunk, split, tuple returns)
    listed: bool = False  # a list of tensors, each in `layout` (converted element by element)

    @property
    def moved(self) -> bool:
        return self.layout == MOVED


UNKNOWN = TensorInfo()


def collapse(info: TensorInfo) -> TensorInfo:
    """A list of tensors in one layout (`[a, b]` with both moved) as that layout: what a variable holding
    such a list is known as (concatenating it, or passing it on)."""
    if info.parts and info.layout is None:
        layouts = {p.layout for p in info.parts}
        ranks = {p.rank for p in info.parts}
        if len(layouts) == 1 and None not in layouts and all(p.parts is None for p in info.parts):
            return TensorInfo(layouts.pop(), ranks.pop() if len(ranks) == 1 else None, listed=True)
    return info


@dataclass(frozen=True)
class AxisMove:
    """Channels move from axis 1 to the end (`to_last`, PyTorch -> Keras) or from the end to axis 1."""

    to_last: bool

    def remap(self, axis: int, rank: int | None) -> int | None:
        """Source axis -> target axis; None when the rank is needed but unknown."""
        if self.to_last:
            if axis >= 0:
                return 0 if axis == 0 else (-1 if axis == 1 else axis - 1)
            if rank is None:  # a negative axis counts from the spatial end (channels are rarely addressed so)
                return axis - 1
            return self.remap(axis + rank, rank)
        if axis == -1 or rank is not None and axis == rank - 1:
            return 1
        if axis >= 1:
            return axis + 1
        if axis == 0:
            return 0
        return axis + 1  # -2 (last spatial) -> -1

    def remap_expr(self, value: n.Expr, rank: int | None) -> n.Expr | None:
        """A literal axis or tuple of axes remapped, else None."""
        v = const_value(value)
        if v is NOT_CONST or v is None:
            return None
        if isinstance(v, int):
            out = self.remap(v, rank)
            return None if out is None else n.Const(out)
        if isinstance(v, tuple) and all(isinstance(a, int) for a in v):
            mapped = [self.remap(a, rank) for a in v]
            return None if None in mapped else n.TupleExpr([n.Const(a) for a in mapped])
        return None

    def perm_to_target(self, rank: int) -> tuple[int, ...]:
        return _to_last(rank) if self.to_last else _to_first(rank)

    def perm_to_source(self, rank: int) -> tuple[int, ...]:
        return _to_first(rank) if self.to_last else _to_last(rank)

    def permuted(self, perm: tuple[int, ...], layout: str | None) -> tuple[str, tuple[int, ...]]:
        """How the target writes `transpose(x, perm)` of a source tensor stored in `layout`: the result's layout
        and the permutation to apply to the stored data. When the source permutation only moves the channel
        axis between the two frameworks' places (`b n c -> b c n`), that permutation is the identity: the
        result is the same data, relabelled."""
        rank = len(perm)
        stored = self.perm_to_target(rank) if layout == MOVED else tuple(range(rank))
        back = tuple(stored.index(i) for i in range(rank))  # stored -> source order
        on_stored = tuple(back[p] for p in perm)  # the source result, from the stored input
        as_moved = tuple(on_stored[i] for i in self.perm_to_target(rank))
        if as_moved == tuple(range(rank)):
            return MOVED, as_moved
        return PLAIN, on_stored

    def remap_index(self, index: n.Expr, rank: int | None) -> n.Expr | None:
        """A slice-only subscript of a source-layout tensor rewritten for the moved tensor; None when it cannot be."""
        items = index.elts if isinstance(index, n.TupleExpr) else [index]
        if rank is None or not 2 <= len(items) <= rank or not all(isinstance(i, n.Slice) for i in items):
            return None
        full = [*items, *[n.Slice(None, None, None) for _ in range(rank - len(items))]]
        moved = [full[0], *full[2:], full[1]] if self.to_last else [full[0], full[-1], *full[1:-1]]
        while len(moved) > 1 and isinstance(moved[-1], n.Slice) and moved[-1].lower is moved[-1].upper is moved[-1].step is None:
            moved.pop()
        return n.TupleExpr(moved) if len(moved) > 1 else moved[0]


def _to_last(rank: int) -> tuple[int, ...]:
    return (0, *range(2, rank), 1)


def _to_first(rank: int) -> tuple[int, ...]:
    return (0, rank - 1, *range(1, rank - 1))
