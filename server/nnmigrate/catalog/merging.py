"""Catalog entries for Keras merge layers: Multiply, Subtract, Average, Maximum, Minimum, Dot and their functions.

Each merges a list of tensors. A literal list becomes the plain PyTorch expression (`a * b`, `torch.maximum(a, b)`);
a layer kept as an attribute, or a list known only at run time, becomes a function of the list.
"""

from __future__ import annotations

from collections.abc import Callable

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry, Spelling
from nnmigrate.catalog.spell import K, fn, keras, torch_support
from nnmigrate.pivot import nodes as n
from nnmigrate.writers.emit import OpView, call

INPUTS = Attr("inputs", doc="The list of tensors to merge.")
MERGE = LayoutRule("elementwise", tensor_inputs=("inputs",))
TENSORS = n.Name("tensors")


def _items(v: OpView) -> list[n.Expr] | None:
    """The merged tensors when the op is called on a literal list, else None."""
    inputs = v.attrs.get("inputs")
    return list(inputs.elts) if not v.is_layer and isinstance(inputs, (n.ListExpr, n.TupleExpr)) else None


def _merge(whole: Callable[[n.Expr], n.Expr],
           literal: Callable[[list[n.Expr]], n.Expr | None]) -> Callable[[OpView], n.Expr]:
    """`literal(items)` for a literal list; otherwise `whole`, the same as an expression of the list, written as a
    function of the list for a layer (`lambda tensors: ...`, or the function itself when that is all it does)."""
    def emit(v: OpView) -> n.Expr:
        items = _items(v)
        out = literal(items) if items is not None and len(items) >= 2 else None
        if out is not None:
            return out
        if not v.is_layer:
            inputs = v.get("inputs")
            if isinstance(inputs, (n.Name, n.Attr, n.ListExpr, n.TupleExpr)):
                return whole(inputs)
            return n.Call(n.Lambda(["tensors"], whole(TENSORS)), [n.Arg(inputs)])
        body = whole(TENSORS)
        if isinstance(body, n.Call) and len(body.args) == 1 and body.args[0].value is TENSORS:
            return body.func
        return n.Lambda(["tensors"], body)
    return emit


def _fold(binary: Callable[[n.Expr, n.Expr], n.Expr]) -> Callable[[list[n.Expr]], n.Expr]:
    def literal(items: list[n.Expr]) -> n.Expr:
        out = items[0]
        for item in items[1:]:
            out = binary(out, item)
        return out
    return literal


def _mean(items: list[n.Expr]) -> n.Expr:
    return n.BinOp("/", _fold(lambda a, b: n.BinOp("+", a, b))(items), n.Const(len(items)))


def _reduce(torch_fn: str) -> Callable[[n.Expr], n.Expr]:
    return lambda tensors: call("functools.reduce", n.Name(torch_fn), tensors)


def _dot(v: OpView) -> n.Expr:
    layer = call("Dot", v.get("axes"), normalize=v.unless("normalize", False))
    return layer if v.is_layer else n.Call(layer, [n.Arg(v.get("inputs"))])


def _entry(key: str, name: str, to_torch: Callable[[OpView], n.Expr], notes: str, *extra: Attr,
           layout: LayoutRule = MERGE, torch: tuple[Spelling, ...] = (), **fixed: object) -> OpEntry:
    """A merge op with its Keras layer `name` and the functional form `name.lower()` (and the PyTorch support
    module that implements it, read back as the op)."""
    params = tuple(a.name for a in extra)
    return OpEntry(key, "merging", (INPUTS, *extra), torch,
                   (keras(name, *params), fn(K + name.lower(), "inputs", *params, fixed=fixed)),
                   layout=layout, to_torch=to_torch, stateless=layout is MERGE, notes=notes)


ENTRIES = (
    _entry("merge_multiply", "Multiply", _merge(lambda t: call("math.prod", t), _fold(lambda a, b: n.BinOp("*", a, b))),
           "The product of the list, with broadcasting."),
    _entry("merge_subtract", "Subtract",
           _merge(lambda t: n.BinOp("-", n.Subscript(t, n.Const(0)), n.Subscript(t, n.Const(1))),
                  lambda items: n.BinOp("-", *items) if len(items) == 2 else None),
           "Exactly two inputs: the first minus the second."),
    _entry("merge_average", "Average", _merge(lambda t: n.BinOp("/", call("sum", t), call("len", t)), _mean),
           "The mean of the list: its sum divided by its length."),
    _entry("merge_maximum", "Maximum", _merge(_reduce("torch.maximum"), _fold(lambda a, b: call("torch.maximum", a, b))),
           "Elementwise maximum of the list."),
    _entry("merge_minimum", "Minimum", _merge(_reduce("torch.minimum"), _fold(lambda a, b: call("torch.minimum", a, b))),
           "Elementwise minimum of the list."),
    _entry("merge_dot", "Dot", _dot,
           "Per-sample dot product of two tensors along one axis each (the Dot support module); normalize=True "
           "divides each input by max(L2 norm, 1e-7) first, as Keras does (cosine similarity).",
           Attr("axes"), Attr("normalize", keras=False),
           layout=LayoutRule("opaque", tensor_inputs=("inputs",)), torch=(torch_support("Dot", "axes", "normalize"),),
           axes=-1),
)
