"""Sizes and shapes known without running code: ints, sizes spelled with the source's own names, or unknown.

A size (`Dim`) is an int, a `Sym` (`filters`, `input_shape[-1]`, `2 * base`: an expression of names that
holds the size wherever those names still hold their values), or None when it is not known statically.
A `Shape` lists one size per axis, batch first, in the source's axis order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from nnmigrate.pivot import nodes as n

#: Builtins whose calls are pure functions of their arguments: `int(64 * alpha)` is a size.
_PURE_CALLS = frozenset({"int", "round", "max", "min", "abs", "len"})


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


# ---- atoms ---------------------------------------------------------------------------------


def atom_key(e: n.Expr) -> str | None:
    """A canonical text for an expression made of names, literals, attributes, subscripts, arithmetic and pure
    builtin calls; None for anything else (it could not stand for a size)."""
    if isinstance(e, n.Name):
        return e.id
    if isinstance(e, n.Const):
        return repr(e.value) if isinstance(e.value, (int, float, str, bool)) or e.value is None else None
    if isinstance(e, n.Attr):
        inner = atom_key(e.value)
        return None if inner is None else f"{inner}.{e.attr}"
    if isinstance(e, n.Subscript):
        value, index = atom_key(e.value), atom_key(e.index)
        return None if value is None or index is None else f"{value}[{index}]"
    if isinstance(e, n.BinOp):
        left, right = atom_key(e.left), atom_key(e.right)
        return None if left is None or right is None else f"({left}{e.op}{right})"
    if isinstance(e, n.UnaryOp) and e.op in ("-", "+"):
        inner = atom_key(e.operand)
        return None if inner is None else f"({e.op}{inner})"
    if isinstance(e, n.TupleExpr):
        parts = [atom_key(x) for x in e.elts]
        return None if None in parts else "(" + ",".join(parts) + ",)"  # type: ignore[arg-type]
    if isinstance(e, n.Call) and isinstance(e.func, n.Name) and e.func.id in _PURE_CALLS \
            and all(a.keyword is None and not a.star for a in e.args):
        parts = [atom_key(a.value) for a in e.args]
        return None if None in parts else f"{e.func.id}(" + ",".join(parts) + ")"  # type: ignore[arg-type]
    return None


def names_in(e: n.Expr) -> frozenset[str]:
    """The variables an atom reads: plain names, and `self.x` for attributes of `self`."""
    out: set[str] = set()

    def visit(x: n.Expr) -> None:
        if isinstance(x, n.Attr) and isinstance(x.value, n.Name) and x.value.id == "self":
            out.add(f"self.{x.attr}")
        elif isinstance(x, n.Name):
            out.add(x.id)
        elif isinstance(x, n.Attr):
            visit(x.value)
        elif isinstance(x, n.Subscript):
            visit(x.value)
            visit(x.index)
        elif isinstance(x, n.BinOp):
            visit(x.left)
            visit(x.right)
        elif isinstance(x, n.UnaryOp):
            visit(x.operand)
        elif isinstance(x, n.TupleExpr):
            for item in x.elts:
                visit(item)
        elif isinstance(x, n.Call):
            for a in x.args:
                visit(a.value)

    visit(e)
    out.difference_update(_PURE_CALLS)
    return frozenset(out)


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


def substitute(e: n.Expr, values: dict[str, n.Expr]) -> n.Expr | None:
    """`e` with names replaced by expressions (a callee's parameters by the caller's arguments); None when a
    name in `e` has no replacement."""
    if isinstance(e, n.Name):
        return values.get(e.id)
    if isinstance(e, n.Const):
        return e
    if isinstance(e, n.Attr):
        inner = substitute(e.value, values)
        return None if inner is None else n.Attr(inner, e.attr)
    if isinstance(e, n.Subscript):
        value, index = substitute(e.value, values), substitute(e.index, values)
        return None if value is None or index is None else n.Subscript(value, index)
    if isinstance(e, n.BinOp):
        left, right = substitute(e.left, values), substitute(e.right, values)
        return None if left is None or right is None else n.BinOp(e.op, left, right)
    if isinstance(e, n.UnaryOp):
        inner = substitute(e.operand, values)
        return None if inner is None else n.UnaryOp(e.op, inner)
    if isinstance(e, n.TupleExpr):
        parts = [substitute(x, values) for x in e.elts]
        return None if any(p is None for p in parts) else n.TupleExpr(parts)  # type: ignore[arg-type]
    if isinstance(e, n.Call) and isinstance(e.func, n.Name) and e.func.id in _PURE_CALLS:
        args = [substitute(a.value, values) for a in e.args]
        return None if any(a is None for a in args) else n.Call(e.func, [n.Arg(a) for a in args])  # type: ignore[arg-type]
    return None


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
    """The shape elementwise arithmetic gives: sizes that agree (or broadcast from 1) are kept."""
    known = [s for s in shapes if s is not None]
    if not known:
        return None
    out = known[0]
    for s in known[1:]:
        if out.exact and s.exact and len(out.dims) != len(s.dims):
            return UNKNOWN_TENSOR
        k = min(len(out.dims), len(s.dims))
        a, b = out.dims[len(out.dims) - k:], s.dims[len(s.dims) - k:]
        tail = tuple(y if x == 1 else x if y == 1 else join(x, y) for x, y in zip(a, b))
        exact = out.exact and s.exact
        longer = out.dims if len(out.dims) >= len(s.dims) else s.dims
        out = Shape(longer[:len(longer) - k] + tail if exact else tail, exact)
    return out
