"""Atoms of symbolic sizes: expressions made of names, literals, attributes, subscripts, arithmetic and pure
builtin calls, keyed canonically, with the names they read, and rewritten name by name."""

from __future__ import annotations

from nnmigrate.pivot import nodes as n

#: Builtins whose calls are pure functions of their arguments: `int(64 * alpha)` is a size.
_PURE_CALLS = frozenset({"int", "round", "max", "min", "abs", "len"})


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
        if any(a is None for a in args):
            return None
        return n.Call(e.func, [n.Arg(a) for a in args])  # type: ignore[arg-type]
    return None
