"""What the shape walk knows of a value: a tensor's `Shape`, a layer object, a Sequential, a block, and how
values meet where control flow joins, survive rebinding, and cross function calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Union

from nnmigrate.pivot import nodes as n
from nnmigrate.shapes.atoms import atom_key, substitute
from nnmigrate.shapes.dims import UNKNOWN_TENSOR, Dim, Shape, Sym, size_of, to_expr
from nnmigrate.shapes.scopes import Scope


@dataclass(frozen=True)
class Layer:
    """A layer object: the op that built it, and where (scope, index of the top-level statement)."""

    op: n.Op
    scope: Scope
    pos: int


@dataclass(frozen=True)
class Stack:
    """A keras.Sequential: its layers and, once its input is declared, what it outputs so far."""

    op: n.Op | None
    layers: tuple[Any, ...]
    out: Shape | None
    declared: bool
    at_once: bool = True  # every layer built in the Sequential(...) expression itself (no `.add`)


@dataclass(frozen=True)
class Instance:
    """An object of a class defined in the module (a block)."""

    cls: str


@dataclass(frozen=True)
class NoneValue:
    """The literal None (`self.shortcut = None`): a layer assigned on another path is the one called."""


NONE = NoneValue()


Value = Union[Shape, Layer, Stack, Instance, NoneValue, tuple, None]


def join(a: Value, b: Value) -> Value:
    """What two paths agree a value is (an `if` and its `else`, a loop entered again)."""
    if a == b:
        return a
    if isinstance(a, NoneValue) or isinstance(b, NoneValue):  # a value used as a layer or tensor was not None
        return b if isinstance(a, NoneValue) else a
    if isinstance(a, Shape) and isinstance(b, Shape):
        return a.join(b)
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        return tuple(join(x, y) for x, y in zip(a, b))
    if isinstance(a, Stack) and isinstance(b, Stack) and a.op is b.op:
        out = join(a.out, b.out)
        return Stack(a.op, a.layers if a.layers == b.layers else (None,), out if isinstance(out, Shape) else None,
                     a.declared and b.declared, a.at_once and b.at_once)
    return None


def join_env(a: dict[str, Value], b: dict[str, Value]) -> dict[str, Value]:
    """Names bound on both paths keep what both agree on; a name bound on one path only keeps its value there."""
    out = dict(a)
    for name, value in b.items():
        out[name] = join(a[name], value) if name in a else value
    return out


def map_dims(value: Value, f: Callable[[Dim], Dim]) -> Value:
    """`value` with every size in it passed through `f`."""
    if isinstance(value, Shape):
        return Shape(tuple(f(d) for d in value.dims), value.exact)
    if isinstance(value, tuple):
        return tuple(map_dims(v, f) for v in value)
    if isinstance(value, Stack) and value.out is not None:
        return replace(value, out=map_dims(value.out, f))
    return value


def retired(value: Value, name: str, scope: int) -> Value:
    """`value` once `name` (in `scope`) is rebound: sizes spelled with it are no longer known."""
    def f(d: Dim) -> Dim:
        return None if isinstance(d, Sym) and d.scope == scope and name in d.names else d
    return map_dims(value, f)


def export(value: Value, callee: int | None, caller: int, args: dict[str, n.Expr]) -> Value:
    """A callee's result as the caller sees it: the callee's sizes rewritten with the caller's argument
    expressions where they are spelled with its parameters, the caller's own sizes kept, others unknown."""
    def f(d: Dim) -> Dim:
        if not isinstance(d, Sym) or d.scope == caller:
            return d
        if d.scope != callee:
            return None
        rewritten = substitute(to_expr(d), args)  # type: ignore[arg-type]
        return size_of(rewritten, caller) if rewritten is not None else None
    if isinstance(value, (Layer, Instance)):
        return None
    return map_dims(value, f)


def bind_params(f: n.FunctionDef, args: list[n.Arg], values: list[Value]) -> tuple[dict[str, Value], dict[str, n.Expr]]:
    """Parameter -> argument value, and parameter -> argument expression (for rewriting sizes)."""
    params = [p for p in f.params if not p.star]
    bound: dict[str, Value] = {}
    exprs: dict[str, n.Expr] = {}
    positional = [(a, v) for a, v in zip(args, values) if not a.keyword]
    for p, (a, v) in zip(params, positional):
        bound[p.name], exprs[p.name] = v, a.value
    for a, v in zip(args, values):
        if a.keyword:
            bound[a.keyword], exprs[a.keyword] = v, a.value
    for p in params:
        if p.name not in exprs and isinstance(p.default, n.Const):
            exprs[p.name] = p.default
    return bound, {k: e for k, e in exprs.items() if atom_key(e) is not None}  # names, literals, arithmetic


def batch_shape(e: n.Expr, scope: int) -> Shape:
    """A full input shape, batch axis first (`model.build((None, 784))`)."""
    if isinstance(e, (n.TupleExpr, n.ListExpr)):
        return Shape(tuple(size_of(x, scope) for x in e.elts))
    return UNKNOWN_TENSOR


def declared_shape(e: n.Expr, scope: int) -> Shape:
    """A Keras layer's `input_shape=` (batch axis excluded) as the input shape it declares."""
    if isinstance(e, (n.TupleExpr, n.ListExpr)):
        return Shape((None, *(size_of(x, scope) for x in e.elts)))
    last = size_of(n.Subscript(e, n.Const(-1)), scope)
    return Shape((last,), False) if last is not None else UNKNOWN_TENSOR
