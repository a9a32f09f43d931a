"""Python values of literal pivot expressions: what emitters, shape rules and constant folding read."""

from __future__ import annotations

from typing import Any

from nnmigrate.pivot import nodes as n

NOT_CONST: Any = type("NotConst", (), {"__repr__": lambda self: "NOT_CONST"})()


def const_value(e: n.Expr | None) -> Any:
    """The Python value of a literal expression (tuples and lists of literals too), else NOT_CONST."""
    if isinstance(e, n.Const):
        return e.value
    if isinstance(e, (n.TupleExpr, n.ListExpr)):
        values = [const_value(x) for x in e.elts]
        return NOT_CONST if any(v is NOT_CONST for v in values) else tuple(values)
    if isinstance(e, n.UnaryOp) and e.op == "-":
        v = const_value(e.operand)
        return -v if isinstance(v, (int, float)) else NOT_CONST
    return NOT_CONST
