"""The first-call `build()` that nnmigrate writes into PyTorch modules migrated from Keras layers, read back as
Keras's own build step.

A Keras layer with `build(self, input_shape)` becomes a PyTorch module whose forward starts with
`if not self.built: self.build(<input>.shape); self.built = True; self.train(self.training)`, and whose `__init__`
sets `self.built = False`. Keras calls build() itself on the first call: read back, those statements go and the
method is the class's build step again.
"""

from __future__ import annotations

from dataclasses import replace

from nnmigrate.pivot import nodes as n

_CHANNEL_MOVES = frozenset({"permute", "movedim"})


def as_keras_build(cls: n.ClassDef) -> n.ClassDef:
    """`cls` with nnmigrate's first-call build prelude read as Keras's build step; other classes as they are."""
    methods = {s.name: s for s in cls.body if isinstance(s, n.FunctionDef)}
    forward, build, init = methods.get("forward"), methods.get("build"), methods.get("__init__")
    if forward is None or build is None or init is None or not forward.body or len(forward.params) < 2 \
            or not _is_prelude(forward.body[0], forward.params[1].name):
        return cls
    body: list[n.Stmt] = []
    for s in cls.body:
        if s is forward:
            s = replace(s, body=s.body[1:])
        elif s is build:
            s = replace(s, role="build")
        elif s is init:
            s = replace(s, body=[x for x in s.body if not _sets_built(x, False)])
        body.append(s)
    return replace(cls, body=body)


def _is_self_attr(e: n.Expr, name: str) -> bool:
    return isinstance(e, n.Attr) and e.attr == name and isinstance(e.value, n.Name) and e.value.id == "self"


def _is_self_call(s: n.Stmt, name: str) -> n.Call | None:
    value = s.value if isinstance(s, n.ExprStmt) else None
    return value if isinstance(value, n.Call) and _is_self_attr(value.func, name) and len(value.args) == 1 else None


def _sets_built(s: n.Stmt, value: bool) -> bool:
    return isinstance(s, n.Assign) and len(s.targets) == 1 and _is_self_attr(s.targets[0], "built") \
        and isinstance(s.value, n.Const) and s.value.value is value


def _is_prelude(s: n.Stmt, param: str) -> bool:
    """`if not self.built: self.build(<param>.shape); self.built = True; self.train(self.training)`, the shape
    taken of the input or of the input moved to channels-last."""
    if not (isinstance(s, n.If) and not s.orelse and isinstance(s.test, n.UnaryOp) and s.test.op == "not"
            and _is_self_attr(s.test.operand, "built") and len(s.body) in (2, 3)):
        return False
    build = _is_self_call(s.body[0], "build")
    train = _is_self_call(s.body[2], "train") if len(s.body) == 3 else None
    if build is None or not _sets_built(s.body[1], True) or len(s.body) == 3 and (
            train is None or not _is_self_attr(train.args[0].value, "training")):
        return False
    shape = build.args[0].value
    if not (isinstance(shape, n.Op) and shape.key == "shape"):
        return False
    x = shape.attrs.get("input")
    while isinstance(x, n.Op) and x.key in _CHANNEL_MOVES:
        x = x.attrs.get("input")
    return isinstance(x, n.Name) and x.id == param
