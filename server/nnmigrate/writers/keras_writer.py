"""Pivot -> Keras 3 source: subclassed `keras.Model` / `keras.layers.Layer` classes with `keras.ops`.

Turns `forward` into `call(..., training=None)` and writes channels-last code by default, with the
contract in the class docstring, or keeps the source layout at the boundary with `layout="preserve"`.
"""

from __future__ import annotations

from nnmigrate.catalog.containers import keras_layer_list, listed
from nnmigrate.catalog.entry import Emitter, OpEntry
from nnmigrate.layout import AxisMove
from nnmigrate.pivot import nodes as n
from nnmigrate.writers import printer
from nnmigrate.writers.emit import call, own_spelling
from nnmigrate.writers.model_writer import ModelWriter

#: Attributes Keras layers and models own: a torch attribute of that name gets a trailing underscore.
RESERVED_ATTRS = frozenset({
    "layers", "weights", "name", "trainable", "input", "output", "inputs", "outputs", "losses", "metrics",
    "variables", "dtype", "built", "training", "submodules", "trainable_weights", "non_trainable_weights",
    "trainable_variables", "non_trainable_variables", "dtype_policy", "input_spec", "supports_masking", "path",
    "optimizer", "loss", "compiled", "call", "build",
})


class KerasWriter(ModelWriter):
    target_name = "Keras"
    forward_name = "call"
    reserved_attrs = RESERVED_ATTRS
    framework_imports = {"keras": "import keras", "layers": "from keras import layers", "ops": "from keras import ops"}
    axes = AxisMove(to_last=True)
    container_methods = {"sequential": {"append": "add"}}

    def to_target(self, e: n.Expr, rank: int | None) -> n.Expr:
        """Channels-first source tensor -> channels-last."""
        if rank is not None and rank <= 2:
            return e
        if rank is None:
            return call("ops.moveaxis", e, 1, -1)
        return call("ops.transpose", e, self.axes.perm_to_target(rank))

    def to_source(self, e: n.Expr, rank: int | None) -> n.Expr:
        if rank is not None and rank <= 2:
            return e
        if rank is None:
            return call("ops.moveaxis", e, -1, 1)
        return call("ops.transpose", e, self.axes.perm_to_source(rank))

    def emitter(self, entry: OpEntry) -> Emitter | None:
        return entry.to_keras or own_spelling(entry, "keras")

    def translate_self_attr(self, attr: str) -> n.Expr | None:
        """torch `self.training` is Keras's call-time `training` argument."""
        return n.Name("training") if attr == "training" else None

    def support_names(self) -> list[str]:
        return sorted({name for entry in self.catalog.entries.values() for name in entry.support})

    def forward_params(self, params: list[n.Param], body: list[n.Stmt]) -> list[n.Param]:
        if not any(p.name == "training" for p in params):
            kw = [i for i, p in enumerate(params) if p.star == "**"]
            params.insert(kw[0] if kw else len(params), n.Param("training", n.Const(None)))
        return params

    def adjust_init(self, cls: n.ClassDef, body: list[n.Stmt]) -> list[n.Stmt]:
        if cls.kind != "sequential":
            return body
        dicts = {t.id for st in body if isinstance(st, n.Assign) and isinstance(st.value, n.Call)
                 and printer.expr(st.value.func) == "OrderedDict" for t in st.targets if isinstance(t, n.Name)}
        return [self._sequential_super(st, dicts) for st in body]

    def _sequential_super(self, s: n.Stmt, dicts: set[str]) -> n.Stmt:
        """`super().__init__(a, b)` of an nn.Sequential subclass -> `super().__init__([a, b])`; an OrderedDict
        (literal or a local built in the constructor) gives its values."""
        if isinstance(s, n.ExprStmt) and isinstance(s.value, n.Call) and isinstance(s.value.func, n.Attr) \
                and s.value.func.attr == "__init__" and s.value.args:
            args = s.value.args
            if len(args) == 1 and (isinstance(args[0].value, n.Name) and args[0].value.id in dicts):
                items = listed(n.Call(n.Attr(args[0].value, "values"), []))
            elif len(args) == 1 and not args[0].star == "**":
                items = keras_layer_list(n.Starred(args[0].value) if args[0].star == "*" else args[0].value)
            else:
                items = n.ListExpr([a.value for a in args])
            return n.ExprStmt(n.Call(s.value.func, [n.Arg(items)]), span=s.span, comments=s.comments)
        return s

    def base_names(self, cls: n.ClassDef) -> list[str]:
        out = []
        for b in cls.bases:
            if b == "Module":
                out.append("keras.Model" if self.plan.is_model_class(cls.name) else "keras.layers.Layer")
            elif b == "Sequential":
                out.append("keras.Sequential")
            else:
                out.append(b)
        return out

    def layout_note(self, params: list[str]) -> str:
        return (f"Layout: {', '.join(f'`{k}`' for k in params)} channels-last (N, ..., C), as Keras convolutions "
                "expect; the PyTorch original took channels-first (N, C, ...).")
