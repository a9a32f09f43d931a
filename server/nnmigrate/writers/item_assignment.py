"""Item assignment on tensors (`x[:, 0] = v`, `x[1:] += v`) for a target whose tensors are immutable.

PyTorch writes into a tensor in place; a Keras (TensorFlow) tensor takes no item assignment. The functional form
rebinds the name to a new tensor with the indexed elements replaced, `x = set_items(x, (slice(None), 0), v)`, where
`set_items` is the support function copied into the migrated module. The index keeps its Python form (slices as
`slice(...)`), so any basic index (integers, slices, `...`, `None`) means what it meant in the source.
"""

from __future__ import annotations

from nnmigrate.pivot import nodes as n
from nnmigrate.writers.emit import call

SUPPORT = "set_items"


def tensor_valued(item: n.Expr) -> bool:
    """Whether the index item `item` is, as written, a tensor (a mask `x > 0`, a tensor op, a list of indices): an
    advanced index, which selects otherwise than the basic indexing `set_items` keeps."""
    if isinstance(item, (n.Compare, n.BoolOp, n.Op, n.ListExpr)):
        return True
    if isinstance(item, n.UnaryOp):
        return tensor_valued(item.operand)
    if isinstance(item, n.BinOp):
        return tensor_valued(item.left) or tensor_valued(item.right)
    return False


def index_value(index: n.Expr) -> n.Expr:
    """The subscript `index` as a value: `a:b` becomes `slice(a, b)`, a tuple of items item by item."""
    if isinstance(index, n.Slice):
        bounds = [index.lower, index.upper, index.step]
        while len(bounds) > 1 and bounds[-1] is None:
            bounds.pop()
        return call("slice", *[n.Const(None) if b is None else b for b in bounds])
    if isinstance(index, n.TupleExpr):
        return n.TupleExpr([index_value(x) for x in index.elts])
    return index


def rebinding(target: n.Expr, current: n.Expr, index: n.Expr, value: n.Expr) -> n.Assign:
    """`target = set_items(current, index, value)`: `target[index] = value` without writing into the tensor
    (`current` is `target`, or `target` converted to the layout `index` means)."""
    return n.Assign([target], call(SUPPORT, current, index_value(index), value))
