"""Keras Functional builders (`keras.Input` -> layer calls -> `keras.Model`) as both writers see them: the
builder's set-up, its dataflow and model call, its inputs in the order the model takes them, and each input's
declared shape written in the other tensor layout.

In PyTorch a builder returns `Functional(forward, input_shapes=[...])` (see `support.torch_layers.Functional`);
read back, that is a builder again, so the two writers share what a builder's inputs are.
"""

from __future__ import annotations

from dataclasses import dataclass

from nnmigrate.pivot import nodes as n
from nnmigrate.writers import printer


@dataclass
class BuilderInput:
    """One `keras.Input` of a builder: its name, its declared shape without the batch axis (None where the
    builder declares none) and its rank with the batch axis (None where the shape's length is not known)."""

    name: str
    shape: n.Expr | None
    rank: int | None


def placeholders(body: list[n.Stmt]) -> dict[str, n.Op]:
    """The names the builder binds to `keras.Input` placeholders, with the placeholder op."""
    return {t.id: s.value for s in body if isinstance(s, n.Assign) and isinstance(s.value, n.Op)
            and s.value.key == "input_placeholder" for t in s.targets if isinstance(t, n.Name)}


def split_at_model(body: list[n.Stmt]) -> tuple[list[n.Stmt], list[n.Stmt], n.Assign | n.Return | None, list[n.Stmt]]:
    """The builder's set-up before its first `keras.Input`, its dataflow from there up to
    `keras.Model(inputs, outputs)` (input placeholders removed), the statement that makes the model
    (`model = keras.Model(...)` or `return keras.Model(...)`) and the statements after it."""
    prelude: list[n.Stmt] = []
    graph: list[n.Stmt] = []
    started = False
    for at, s in enumerate(body):
        if isinstance(s, n.Assign) and isinstance(s.value, n.Op) and s.value.key == "input_placeholder":
            started = True
            continue
        if isinstance(s, (n.Assign, n.Return)) and isinstance(s.value, n.Op) and s.value.key == "functional_model":
            return prelude, graph, s, body[at + 1:]
        (graph if started else prelude).append(s)
    return prelude, graph, None, []


def names(e: n.Expr) -> list[n.Name]:
    """The names in a name or a (nested) tuple or list of names."""
    if isinstance(e, n.Name):
        return [e]
    if isinstance(e, (n.ListExpr, n.TupleExpr)):
        return [x for item in e.elts for x in names(item)]
    return []


def builder_inputs(body: list[n.Stmt], model: n.Op) -> list[BuilderInput]:
    """The builder's inputs in the order `keras.Model` takes them (else the order of the placeholders)."""
    found = placeholders(body)
    order = [x.id for x in names(model.attrs["inputs"])] or list(found)
    out = []
    for name in order:
        shape = _declared_shape(found[name]) if name in found else None
        literal = isinstance(shape, (n.TupleExpr, n.ListExpr)) and not any(isinstance(e, n.Starred) for e in shape.elts)
        out.append(BuilderInput(name, shape, len(shape.elts) + 1 if literal else None))  # type: ignore[union-attr]
    return out


def _declared_shape(placeholder: n.Op) -> n.Expr | None:
    """`shape=`, else a literal `batch_shape=` without its batch axis, else None."""
    shape = placeholder.attrs.get("shape")
    if shape is not None and not (isinstance(shape, n.Const) and shape.value is None):
        return shape
    batch = placeholder.attrs.get("batch_shape")
    if isinstance(batch, (n.TupleExpr, n.ListExpr)) and batch.elts and not isinstance(batch.elts[0], n.Starred):
        return type(batch)(batch.elts[1:])
    return None


def moved_shape(shape: n.Expr, to_last: bool) -> n.Expr:
    """A declared input shape (batch axis excluded) with its channel axis moved: to the end (`to_last`) or to the
    front. A literal is reordered (`(32, 32, 3)` <-> `(3, 32, 32)`); any other shape `s` becomes
    `(*s[1:], s[0])` or `(s[-1], *s[:-1])`, and moving such a shape back gives `s` again."""
    if isinstance(shape, (n.TupleExpr, n.ListExpr)) and len(shape.elts) >= 2 \
            and not any(isinstance(e, n.Starred) for e in shape.elts):
        elts = shape.elts[1:] + shape.elts[:1] if to_last else shape.elts[-1:] + shape.elts[:-1]
        return type(shape)(elts)
    inner = _moved_from(shape, not to_last)
    if inner is not None:
        return inner
    return _moved(shape, to_last)


def _moved(s: n.Expr, to_last: bool) -> n.TupleExpr:
    if to_last:
        return n.TupleExpr([n.Starred(n.Subscript(s, n.Slice(n.Const(1), None, None))), n.Subscript(s, n.Const(0))])
    return n.TupleExpr([n.Subscript(s, n.Const(-1)), n.Starred(n.Subscript(s, n.Slice(None, n.Const(-1), None)))])


def _moved_from(shape: n.Expr, to_last: bool) -> n.Expr | None:
    """`s` where `shape` is `_moved(s, to_last)`, else None."""
    if not (isinstance(shape, n.TupleExpr) and len(shape.elts) == 2):
        return None
    first = shape.elts[-1 if to_last else 0]
    if not isinstance(first, n.Subscript):
        return None
    return first.value if printer.expr(_moved(first.value, to_last)) == printer.expr(shape) else None
