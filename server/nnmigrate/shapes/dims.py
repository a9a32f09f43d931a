"""Sizes and shapes known without running code: ints, sizes spelled with the source's own names, or unknown.

A size (`Dim`) is an int, a `Sym` (`filters`, `input_shape[-1]`, `2 * base`: an expression of names that
holds the size wherever those names still hold their values), or None when it is not known statically.
A `Shape` lists one size per axis, batch first, in the source's axis order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from nnmigrate.pivot import nodes as n
from nnmigrate.shapes.atoms import atom_key, names_in

@dataclass(frozen=True)
class Sym:
    """A size as `const + sum(coef * atom)`, where atoms are expressions of names (`filters`, `64 // width_div`).

    It holds in `scope` (the id of the function whose names it uses) as long as none of `names` is rebound.
    `written` is the source's own expression when no arithmetic changed it, so output reads like the input.
    """

    const: int
    terms: tuple[tuple[str, int], ...]  # (atom key, coefficient), sorted by key
    scope: int
    atoms: dict[str, n.Expr] = field(default_factory=dict, compare=False, hash=False)
    names: frozenset[str] = field(default=frozenset(), compare=False)
    written: n.Expr | None = field(default=None, compare=False)


Dim = Union[int, Sym, None]


@dataclass(frozen=True)
class Shape:
    """A tensor's static shape. With `exact` False the rank is unknown and `dims` holds only the trailing
    axes that are known (possibly none): `Shape((), False)` is a tensor of unknown shape."""

    dims: tuple[Dim, ...]
    exact: bool = True

    @property
    def rank(self) -> int | None:
        return len(self.dims) if self.exact else None

    def axis(self, i: int) -> Dim:
        """The size of axis `i` (negative counts from the end), None when unknown."""
        if not self.exact and i >= 0:
            return None
        return self.dims[i] if -len(self.dims) <= i < len(self.dims) else None

    def replace(self, i: int, size: Dim) -> Shape:
        """This shape with axis `i` set to `size` (on an inexact shape only trailing axes can be set)."""
        if not self.exact and i >= 0:
            return self
        dims = list(self.dims)
        if -len(dims) <= i < len(dims):
            dims[i] = size
        elif not self.exact and i == -len(dims) - 1:
            dims.insert(0, size)
        return Shape(tuple(dims), self.exact)

    def join(self, other: Shape) -> Shape:
        """What both shapes agree on (a value that is one or the other)."""
        if self.exact and other.exact and len(self.dims) == len(other.dims):
            return Shape(tuple(join(a, b) for a, b in zip(self.dims, other.dims)))
        k = min(len(self.dims), len(other.dims))
        tail = tuple(join(a, b) for a, b in zip(self.dims[len(self.dims) - k:], other.dims[len(other.dims) - k:]))
        return Shape(tail, False)


UNKNOWN_TENSOR = Shape((), False)


# ---- sizes ---------------------------------------------------------------------------------


_Linear = tuple[int, dict[str, int], dict[str, n.Expr]]


def _linear(e: n.Expr) -> _Linear | None:
    if isinstance(e, n.Const):
        v = e.value
        return (v, {}, {}) if isinstance(v, int) and not isinstance(v, bool) else None
    if isinstance(e, n.UnaryOp) and e.op in ("-", "+"):
        inner = _linear(e.operand)
        return inner if inner is None or e.op == "+" else _scaled(inner, -1)
    if isinstance(e, n.BinOp) and e.op in ("+", "-"):
        left, right = _linear(e.left), _linear(e.right)
        if left is not None and right is not None:
            return _sum(left, right if e.op == "+" else _scaled(right, -1))
    if isinstance(e, n.BinOp) and e.op == "*":
        left, right = _linear(e.left), _linear(e.right)
        if left is not None and right is not None and not (left[1] and right[1]):
            return _scaled(right, left[0]) if not left[1] else _scaled(left, right[0])
    if isinstance(e, n.BinOp) and e.op == "//":
        left, right = _linear(e.left), _linear(e.right)
        if left is not None and right is not None and not left[1] and not right[1] and right[0]:
            return left[0] // right[0], {}, {}
    key = atom_key(e)
    if key is None or isinstance(e, n.Const):
        return None
    return 0, {key: 1}, {key: e}


def _scaled(lin: _Linear, k: int) -> _Linear:
    return lin[0] * k, {key: c * k for key, c in lin[1].items() if c * k}, lin[2] if k else {}


def _sum(a: _Linear, b: _Linear) -> _Linear:
    terms = dict(a[1])
    for key, c in b[1].items():
        terms[key] = terms.get(key, 0) + c
    return a[0] + b[0], {k: c for k, c in terms.items() if c}, {**a[2], **b[2]}


def _make(lin: _Linear, scope: int, written: n.Expr | None = None) -> Dim:
    const, terms, atoms = lin
    if not terms:
        return const
    used = {k: atoms[k] for k in terms}
    names = frozenset().union(*(names_in(a) for a in used.values()))
    return Sym(const, tuple(sorted(terms.items())), scope, used, names, written)


def size_of(e: n.Expr | None, scope: int) -> Dim:
    """The size an expression written in `scope` stands for: an int, a `Sym`, or None (not a size we can use)."""
    if e is None:
        return None
    lin = _linear(e)
    return None if lin is None else _make(lin, scope, e)


def _lin(d: Sym | int) -> _Linear:
    return (d, {}, {}) if isinstance(d, int) else (d.const, dict(d.terms), dict(d.atoms))


def add(a: Dim, b: Dim) -> Dim:
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    if b == 0:
        return a
    if a == 0:
        return b
    scope = a.scope if isinstance(a, Sym) else b.scope  # type: ignore[union-attr]
    if isinstance(a, Sym) and isinstance(b, Sym) and a.scope != b.scope:
        return None
    return _make(_sum(_lin(a), _lin(b)), scope)


def mul(a: Dim, b: Dim) -> Dim:
    """a * b while it stays linear (at most one side symbolic)."""
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if isinstance(a, Sym) and isinstance(b, Sym):
        return None
    sym, k = (a, b) if isinstance(a, Sym) else (b, a)
    if k == 1:
        return sym
    return _make(_scaled(_lin(sym), k), sym.scope)  # type: ignore[arg-type, union-attr]


def join(a: Dim, b: Dim) -> Dim:
    return a if a == b else None


def to_expr(d: Dim) -> n.Expr | None:
    """Source code for a size: the literal, the source's own expression, or the sum its arithmetic gave."""
    if d is None:
        return None
    if isinstance(d, int):
        return n.Const(d)
    if d.written is not None:
        return d.written
    out: n.Expr | None = None
    for key, coef in d.terms:
        atom = d.atoms[key]
        term = atom if abs(coef) == 1 else n.BinOp("*", n.Const(abs(coef)), atom)
        if out is None:
            out = term if coef > 0 else n.UnaryOp("-", term)
        else:
            out = n.BinOp("+" if coef > 0 else "-", out, term)
    if d.const:
        out = n.BinOp("+" if d.const > 0 else "-", out, n.Const(abs(d.const)))  # type: ignore[arg-type]
    return out


# ---- sizes as ints -------------------------------------------------------------------------


def as_ints(value: object, rank: int) -> tuple[int, ...] | None:
    """A literal int or tuple of ints spread to `rank` entries, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    if isinstance(value, (tuple, list)) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        if len(value) == 1:
            return tuple(value) * rank
        return tuple(value) if len(value) == rank else None
    return None


def broadcast(shapes: list[Shape | None]) -> Shape | None:
    """The shape elementwise arithmetic gives, axis by axis from the end: sizes of 1 stretch to the others."""
    known = [s for s in shapes if s is not None]
    if not known:
        return None
    out: list[Dim] = []
    for i in range(1, max(len(s.dims) for s in known) + 1):
        stretched = [s.dims[-i] for s in known if i <= len(s.dims) and s.dims[-i] != 1]
        same = bool(stretched) and all(d == stretched[0] for d in stretched)
        if any(not s.exact and i > len(s.dims) for s in known):
            # a tensor of unknown rank may have this axis: it is 1 or equal, so only an int other than 1 is certain
            out.append(stretched[0] if same and isinstance(stretched[0], int) else None)
        else:
            out.append(stretched[0] if same else 1 if not stretched else None)
    return Shape(tuple(reversed(out)), all(s.exact for s in known))
