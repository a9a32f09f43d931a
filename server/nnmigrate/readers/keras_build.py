"""A Keras layer's `build()` in the PyTorch form the torch writer gives it, read back.

PyTorch has no build step: a migrated layer with `build(input_shape)` starts with `self.built = False` and its
forward builds it on the first call (`if not self.built: self.build(x.shape); ...`). Keras calls `build` itself,
so read back those statements are the framework's own work and are left out, as the writer added them.
"""

from __future__ import annotations

from nnmigrate.pivot import nodes as n


def without_build_steps(cls: n.ClassDef) -> n.ClassDef:
    """`cls` without the build-on-first-call steps, when it defines `build`."""
    methods = {s.name: s for s in cls.body if isinstance(s, n.FunctionDef)}
    if "build" not in methods:
        return cls
    for method in methods.values():
        if method.role == "init":
            method.body = [s for s in method.body if not _sets_built(s, False)]
        elif method.role == "forward" and method.body and _builds_once(method.body[0]):
            method.body = method.body[1:]
    return cls


def _is_built(e: n.Expr) -> bool:
    return isinstance(e, n.Attr) and e.attr == "built" and isinstance(e.value, n.Name) and e.value.id == "self"


def _sets_built(s: n.Stmt, value: bool) -> bool:
    """`self.built = <value>`."""
    return isinstance(s, n.Assign) and len(s.targets) == 1 and _is_built(s.targets[0]) \
        and isinstance(s.value, n.Const) and s.value.value is value


def _self_call(s: n.Stmt, method: str) -> bool:
    """`self.<method>(...)` as a statement."""
    return isinstance(s, n.ExprStmt) and isinstance(s.value, n.Call) and isinstance(s.value.func, n.Attr) \
        and s.value.func.attr == method and isinstance(s.value.func.value, n.Name) and s.value.func.value.id == "self"


def _builds_once(s: n.Stmt) -> bool:
    """`if not self.built: self.build(x.shape); self.built = True; self.train(self.training)`."""
    if not (isinstance(s, n.If) and not s.orelse and isinstance(s.test, n.UnaryOp) and s.test.op == "not"
            and _is_built(s.test.operand) and len(s.body) == 3):
        return False
    build, built, mode = s.body
    return _self_call(build, "build") and _sets_built(built, True) and _self_call(mode, "train")
