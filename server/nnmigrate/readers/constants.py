"""Constant propagation while reading: which local names hold a value known before the model runs.

`bn_axis = 3` (or `bn_axis = 3 if backend.image_data_format() == "channels_last" else 1`) followed by
`layers.Concatenate(axis=bn_axis)`: the axis must be remapped when the layout changes, which needs its
value. The reader tracks, statement by statement, the names bound to such values (flow-sensitive: a name
reassigned in a loop or in one branch of an `if` is no longer known) and substitutes them where an op
takes an axis. Assignments whose every use was substituted are left out of the output.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import libcst as cst

from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST, const_value
from nnmigrate.readers.positions import code_fields

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "//": operator.floordiv, "%": operator.mod}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "is": operator.is_, "is not": operator.is_not}
#: values worth propagating: axis numbers, flags and option strings (not tensors or large containers)
_SCALARS = (int, float, str, bool, type(None))


def _is_simple(value: Any) -> bool:
    if isinstance(value, tuple):
        return len(value) <= 8 and all(isinstance(v, _SCALARS) for v in value)
    return isinstance(value, _SCALARS)


class Bindings:
    """Every name each statement and block (re)binds: assignment and loop targets, `with ... as`, `del`, walrus,
    `import ... as`, defs (not what a nested def binds inside itself), found in one plain field walk of a module
    that skips expressions (they bind nothing unless the source has a walrus). Also the names declared `global`."""

    def __init__(self, root: cst.CSTNode, walrus: bool = True) -> None:
        self.by_node: dict[int, set[str]] = {}
        self.globals: set[str] = set()
        self.walrus = walrus
        self._names(root)

    def of(self, node: cst.CSTNode) -> set[str]:
        """The names `node` binds; a node from outside the walked tree is walked on its own."""
        found = self.by_node.get(id(node))
        return found if found is not None else Bindings(node).of(node)

    def _names(self, node: cst.CSTNode) -> set[str]:
        if isinstance(node, cst.Lambda):
            return set()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            self._names(node.body)  # its own scope: recorded for its blocks, not passed up
            found = {node.name.value}
        else:
            found = self._bound_here(node)
            for child in self._children(node):
                found |= self._names(child)
        if isinstance(node, _BLOCKS):
            self.by_node[id(node)] = found
        return found

    def _children(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        for name in code_fields(type(node)) or ():
            value = getattr(node, name)
            for item in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(item, cst.CSTNode) and (self.walrus or not isinstance(item, cst.BaseExpression)):
                    yield item

    def _bound_here(self, node: cst.CSTNode) -> set[str]:
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.For, cst.Del, cst.NamedExpr)):
            return set(target_names(node.target))
        if isinstance(node, cst.AsName):
            return set(target_names(node.name))  # type: ignore[arg-type]
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            names = {item.name.value for item in node.names}
            if isinstance(node, cst.Global):
                self.globals |= names
            return names
        return set()


_BLOCKS = (cst.BaseStatement, cst.BaseSuite, cst.BaseSmallStatement)


def target_names(t: cst.BaseExpression) -> Iterator[str]:
    if isinstance(t, cst.Name):
        yield t.value
    elif isinstance(t, (cst.Tuple, cst.List)):
        for el in t.elements:
            yield from target_names(el.value)
    elif isinstance(t, cst.StarredElement):
        yield from target_names(t.value)


class Constants:
    """Flow-sensitive map of local names to known values, with the assignment each value came from."""

    def __init__(self, folders: Callable[[n.Expr], Any] | None = None) -> None:
        #: name -> (value, the pivot assignment that bound it, or None for a module-level constant)
        self.env: dict[str, tuple[Any, n.Assign | None]] = {}
        self.module: dict[str, Any] = {}
        self.fold_op = folders  # the value of an op that is a framework constant (`keras.backend.epsilon()`)
        #: assignments whose value was substituted somewhere: assignment -> the name it binds
        self.used: dict[int, tuple[n.Assign, str]] = {}

    # ---- values -------------------------------------------------------------------------

    def value(self, e: n.Expr | None) -> Any:
        """The Python value of a pivot expression when it is known before run time, else NOT_CONST."""
        if e is None:
            return NOT_CONST
        if isinstance(e, n.Name):
            known = self.env.get(e.id)
            return known[0] if known is not None else NOT_CONST
        if isinstance(e, n.Op):
            return self.fold_op(e) if self.fold_op is not None else NOT_CONST
        if isinstance(e, (n.TupleExpr, n.ListExpr)):
            items = [self.value(x) for x in e.elts]
            return NOT_CONST if any(v is NOT_CONST for v in items) else tuple(items)
        if isinstance(e, n.UnaryOp):
            v = self.value(e.operand)
            if v is NOT_CONST:
                return NOT_CONST
            if e.op == "not":
                return not v
            return -v if e.op == "-" and isinstance(v, (int, float)) else NOT_CONST
        if isinstance(e, n.BinOp) and e.op in _BINARY:
            left, right = self.value(e.left), self.value(e.right)
            if isinstance(left, (int, float)) and isinstance(right, (int, float)) and not (
                    e.op in ("//", "%") and right == 0):
                return _BINARY[e.op](left, right)
            return NOT_CONST
        if isinstance(e, n.Compare) and len(e.ops) == 1 and e.ops[0] in _COMPARE:
            left, right = self.value(e.left), self.value(e.comparators[0])
            if left is NOT_CONST or right is NOT_CONST:
                return NOT_CONST
            return _COMPARE[e.ops[0]](left, right)
        if isinstance(e, n.IfExp):
            test = self.value(e.test)
            if test is NOT_CONST:
                return NOT_CONST
            return self.value(e.body if test else e.orelse)
        return const_value(e)

    def known(self, e: n.Expr) -> n.Expr:
        """`e` with a name of known value replaced by that value (in tuples too); records the use."""
        if isinstance(e, n.Name) and e.id in self.env:
            value, source = self.env[e.id]
            if source is not None:
                self.used[id(source)] = (source, e.id)
            return _literal(value, e.span)
        if isinstance(e, (n.TupleExpr, n.ListExpr)) and any(isinstance(x, n.Name) for x in e.elts):
            return type(e)([self.known(x) for x in e.elts], span=e.span)
        return e

    # ---- statements ---------------------------------------------------------------------

    def assign(self, targets: list[n.Expr], value: n.Expr, stmt: n.Assign) -> None:
        folded = self.value(value)
        for t in targets:
            for name in _pivot_names(t):
                self.env.pop(name, None)
        if len(targets) == 1 and isinstance(targets[0], n.Name) and folded is not NOT_CONST and _is_simple(folded):
            self.env[targets[0].id] = (folded, stmt)

    def forget(self, names: set[str] | list[str]) -> None:
        for name in names:
            self.env.pop(name, None)

    @contextmanager
    def scope(self, params: set[str], assigned: set[str]) -> Iterator[None]:
        """A function body: module constants it does not rebind, none of the caller's locals."""
        outer, outer_used = self.env, self.used
        self.env = {k: (v, None) for k, v in self.module.items() if k not in params and k not in assigned}
        self.used = {}
        try:
            yield
        finally:
            self.env, self.used = outer, outer_used

    @contextmanager
    def shadowed(self, names: list[str]) -> Iterator[None]:
        """Lambda parameters and comprehension targets hide outer names while their body is read."""
        saved = {k: self.env[k] for k in names if k in self.env}
        self.forget(names)
        try:
            yield
        finally:
            self.env.update(saved)

    def branches(self) -> Branches:
        return Branches(self)

    def unused_assignments(self, body: list[n.Stmt]) -> list[n.Assign]:
        """Assignments whose value was substituted everywhere it was read: nothing in `body` names it any more."""
        if not self.used:
            return []
        from nnmigrate.writers.module_plan import walk

        bound = {id(t) for x in walk(body) if isinstance(x, n.Assign) for t in x.targets if isinstance(t, n.Name)}
        remaining = {x.id for x in walk(body) if isinstance(x, n.Name) and id(x) not in bound}
        for x in walk(body):
            if isinstance(x, (n.Unsupported, n.UnsupportedStmt)):
                remaining.update(x.code.replace(".", " ").replace("(", " ").split())
        return [stmt for stmt, name in self.used.values() if name not in remaining]


class Branches:
    """The environments after each branch of an `if`, merged: a name keeps its value only where all agree."""

    def __init__(self, constants: Constants) -> None:
        self.constants = constants
        self.before = dict(constants.env)
        self.after: list[dict[str, tuple[Any, n.Assign | None]]] = []

    def next(self) -> None:
        """Closes the branch just read and starts the next from the state before the `if`."""
        self.after.append(self.constants.env)
        self.constants.env = dict(self.before)

    def merge(self, live: int | None) -> None:
        """`live`: the only branch that can run (the test is known), else None."""
        self.after.append(self.constants.env)
        if live is not None:
            self.constants.env = self.after[live]
            return
        first, *rest = self.after
        self.constants.env = {k: v for k, v in first.items() if all(other.get(k) == v for other in rest)}


def _pivot_names(t: n.Expr) -> Iterator[str]:
    if isinstance(t, n.Name):
        yield t.id
    elif isinstance(t, (n.TupleExpr, n.ListExpr)):
        for x in t.elts:
            yield from _pivot_names(x)
    elif isinstance(t, n.Starred):
        yield from _pivot_names(t.value)


def _literal(value: Any, span: Any) -> n.Expr:
    if isinstance(value, tuple):
        return n.TupleExpr([_literal(v, span) for v in value], span=span)
    return n.Const(value, span=span)
