"""The PyTorch form of a Keras Functional builder, read back as a builder.

Migrated to PyTorch, a builder (`keras.Input` -> layer calls -> `keras.Model`) returns
`Functional(forward, input_shapes=[...])`, nnmigrate's support module, where `forward` is the builder's dataflow
and each `Functional.layer(lambda: nn.Conv2d(...))` creates a layer on the first run. Read back, the layers are
built and called in one expression again, `forward`'s parameters become `keras.Input`s of the declared shapes,
and its result the outputs of `keras.Model(inputs, outputs)`.
"""

from __future__ import annotations

import libcst as cst

from nnmigrate import support
from nnmigrate.catalog.entry import REQUIRED, OpEntry
from nnmigrate.pivot import nodes as n

#: the support module's qualified name, as the reader qualifies a copy of it
FUNCTIONAL = support.prefix("torch_layers.py") + "Functional"


def returned_model(node: cst.FunctionDef, qualname: object) -> cst.Call | None:
    """The `Functional(forward, ...)` call a function returns last, where `forward` is defined in its body with
    a result; else None. `qualname` qualifies a name as the reader's imports do."""
    stmts = list(node.body.body) if isinstance(node.body, cst.IndentedBlock) else []
    last = stmts[-1].body[0] if stmts and isinstance(stmts[-1], cst.SimpleStatementLine) else None
    call = last.value if isinstance(last, cst.Return) else None
    if not (isinstance(call, cst.Call) and qualname(call.func) == FUNCTIONAL and call.args  # type: ignore[operator]
            and call.args[0].keyword is None and isinstance(call.args[0].value, cst.Name)
            and all(a.keyword is not None and a.keyword.value == "input_shapes" for a in call.args[1:])):
        return None
    name = call.args[0].value.value
    forward = next((s for s in stmts if isinstance(s, cst.FunctionDef) and s.name.value == name), None)
    if forward is None or not isinstance(forward.body, cst.IndentedBlock):
        return None
    end = forward.body.body[-1]
    returns = isinstance(end, cst.SimpleStatementLine) and isinstance(end.body[0], cst.Return) \
        and end.body[0].value is not None
    stars = isinstance(forward.params.star_arg, cst.Param) or forward.params.star_kwarg is not None
    return call if returns and not stars else None


def layer_made(node: cst.Call, qualname: object) -> cst.BaseExpression | None:
    """`nn.Conv2d(...)` for `Functional.layer(lambda: nn.Conv2d(...))`, else None."""
    if qualname(node.func) != FUNCTIONAL + ".layer" or len(node.args) != 1:  # type: ignore[operator]
        return None
    make = node.args[0].value
    if isinstance(make, cst.Lambda) and not make.params.params and not isinstance(make.params.star_arg, cst.Param) \
            and not make.params.kwonly_params and make.params.star_kwarg is None:
        return make.body
    return None


def keras_builder(f: n.FunctionDef, entries: dict[str, OpEntry]) -> tuple[n.FunctionDef, list[str]]:
    """The builder whose PyTorch form is `f` (read from a function `returned_model` accepts): its set-up,
    a `keras.Input` per input of `forward`, `forward`'s dataflow, and `keras.Model(inputs, outputs)`; and the
    inputs whose shape the PyTorch code does not give (`keras.Input` needs one)."""
    ret = f.body[-1]
    assert isinstance(ret, n.Return) and isinstance(ret.value, n.Call)
    graph_name = ret.value.args[0].value
    at = next(i for i, s in enumerate(f.body) if isinstance(s, n.FunctionDef) and isinstance(graph_name, n.Name)
              and s.name == graph_name.id)
    forward = f.body[at]
    assert isinstance(forward, n.FunctionDef)
    inputs = [p.name for p in forward.params if p.default is None]  # the others carry builder variables
    declared = next((a.value for a in ret.value.args if a.keyword == "input_shapes"), None)
    shapes = [None if isinstance(e, n.Const) and e.value is None else e for e in declared.elts] \
        if isinstance(declared, (n.ListExpr, n.TupleExpr)) and len(declared.elts) == len(inputs) else [None] * len(inputs)
    placeholders: list[n.Stmt] = [
        n.Assign([n.Name(name)], _op(entries["input_placeholder"], {"shape": shape} if shape is not None else {}),
                 span=forward.span) for name, shape in zip(inputs, shapes)]
    *graph, result = forward.body
    assert isinstance(result, n.Return) and result.value is not None
    model_inputs = n.Name(inputs[0]) if len(inputs) == 1 else n.ListExpr([n.Name(name) for name in inputs])
    model = _op(entries["functional_model"], {"inputs": model_inputs, "outputs": result.value})
    returned = n.Return(model, span=ret.span, comments=ret.comments)
    body = [*f.body[:at], *f.body[at + 1:-1], *placeholders, *graph, returned]
    built = n.FunctionDef(f.name, f.params, body, f.docstring, f.decorators, f.role, f.returns, span=f.span,
                          comments=f.comments)
    return built, [name for name, shape in zip(inputs, shapes) if shape is None]


def _op(entry: OpEntry, given: dict[str, n.Expr]) -> n.Op:
    """The op with the given attributes and Keras's defaults for the others (these ops have no PyTorch spelling)."""
    attrs = {a.name: given.get(a.name, n.Const(None if a.keras is REQUIRED else a.keras)) for a in entry.attrs}
    return n.Op(entry.key, attrs, spelled=list(given))
