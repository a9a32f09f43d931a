"""NCHW <-> NHWC: tensor layout facts, axis remapping and the explicit transposes between layouts.

A channels-first source tensor that lives channels-last in the target is tagged CHANNELS_LAST; its
axis 1 (channels) sits at the end, every later axis moves one place forward.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nnmigrate.pivot import nodes as n
from nnmigrate.writers.emit import CHANNELS_LAST, NOT_CONST, PLAIN, call, const_value

__all__ = ["CHANNELS_LAST", "PLAIN", "TensorInfo", "remap_axis", "to_channels_last", "to_plain"]


@dataclass(frozen=True)
class TensorInfo:
    """What the writer knows of a value: its layout (None: not a tensor or unknown), rank, and which
    parameters it derives from without passing a layout-sensitive op (for input-layout demand)."""

    layout: str | None = None
    rank: int | None = None
    origin: frozenset[str] = field(default_factory=frozenset)
    parts: tuple[TensorInfo, ...] | None = None  # tuple results (chunk, split, tuple returns)

    @property
    def channels_last(self) -> bool:
        return self.layout == CHANNELS_LAST


UNKNOWN = TensorInfo()


def remap_axis(axis: int, rank: int | None) -> int | None:
    """Source axis -> channels-last axis; None when it cannot be known without the rank."""
    if axis >= 0:
        return 0 if axis == 0 else (-1 if axis == 1 else axis - 1)
    if rank is None:  # a negative axis counts from the spatial end (channels are rarely addressed that way)
        return axis - 1
    return remap_axis(axis + rank, rank)


def remap_axes(value: n.Expr, rank: int | None) -> n.Expr | None:
    """A literal axis or tuple of axes remapped, else None."""
    v = const_value(value)
    if v is NOT_CONST or v is None:
        return None
    if isinstance(v, int):
        out = remap_axis(v, rank)
        return None if out is None else n.Const(out)
    if isinstance(v, tuple) and all(isinstance(a, int) for a in v):
        mapped = [remap_axis(a, rank) for a in v]
        return None if None in mapped else n.TupleExpr([n.Const(a) for a in mapped])
    return None


def _perm(rank: int, to_last: bool) -> tuple[int, ...]:
    if to_last:
        return (0, *range(2, rank), 1)
    return (0, rank - 1, *range(1, rank - 1))


def to_channels_last(e: n.Expr, rank: int | None) -> n.Expr:
    if rank is not None and rank <= 2:
        return e
    if rank is None:
        return call("ops.moveaxis", e, 1, -1)
    return call("ops.transpose", e, _perm(rank, True))


def to_plain(e: n.Expr, rank: int | None) -> n.Expr:
    if rank is not None and rank <= 2:
        return e
    if rank is None:
        return call("ops.moveaxis", e, -1, 1)
    return call("ops.transpose", e, _perm(rank, False))
