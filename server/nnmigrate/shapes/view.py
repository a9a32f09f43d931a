"""What a catalog shape rule sees: one op application, the values its tensor inputs hold, and its attributes
read as sizes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import const_value
from nnmigrate.shapes.dims import Dim, Shape, size_of


@dataclass
class ShapeView:
    """One application of an op.

    Attributes:
        op: the op (its canonical attributes).
        inputs: per tensor input name, what it holds: a `Shape`, a tuple of values (a list of tensors), or None.
        scope: the id of the function the op is written in (attribute expressions are sizes there).
        channels_last: the source's layout (Keras: channels last; PyTorch: channels first).
    """

    op: n.Op
    inputs: dict[str, Any]
    scope: int
    channels_last: bool = True

    def value(self, name: str) -> Any:
        """The attribute's literal value, or NOT_CONST."""
        return const_value(self.op.attrs.get(name))

    def size(self, name: str) -> Dim:
        """The attribute as a size (`Conv2D(filters)` -> the Sym `filters`)."""
        return size_of(self.op.attrs.get(name), self.scope)

    def size_of(self, e: n.Expr | None) -> Dim:
        return size_of(e, self.scope)

    @property
    def x(self) -> Shape | None:
        """The first tensor input's shape, when it holds one tensor."""
        first = next(iter(self.inputs.values()), None)
        return first if isinstance(first, Shape) else None

    def shapes(self) -> list[Shape | None]:
        """Every tensor input's shape, lists of tensors flattened."""
        out: list[Shape | None] = []

        def add(v: Any) -> None:
            if isinstance(v, tuple):
                for item in v:
                    add(item)
            else:
                out.append(v if isinstance(v, Shape) else None)

        for v in self.inputs.values():
            add(v)
        return out

    @property
    def channel_axis(self) -> int:
        return -1 if self.channels_last else 1

    def spatial_axes(self, rank: int) -> range:
        """The spatial axes of a rank-`rank` tensor in the source layout."""
        return range(1, rank - 1) if self.channels_last else range(2, rank)
