"""Pivot -> Keras 3 source: subclassed `keras.Model` / `keras.layers.Layer` classes with `keras.ops`.

Turns `forward` into `call(..., training=None)` and writes channels-last code by default, with the
contract in the class docstring, or keeps the source layout at the boundary with `layout="preserve"`.
"""

from __future__ import annotations

from dataclasses import replace

from nnmigrate.catalog.containers import keras_layer_list, listed
from nnmigrate.catalog.entry import Emitter, OpEntry
from nnmigrate.layout import UNKNOWN, AxisMove
from nnmigrate.pivot import nodes as n
from nnmigrate.writers import printer
from nnmigrate.writers.builders import builder_inputs, placeholders, split_at_model
from nnmigrate.writers.container_classes import with_sublayers
from nnmigrate.writers.emit import MOVED, OpView, call, own_spelling
from nnmigrate.writers import item_assignment
from nnmigrate.writers.layer_settings import SUPPORT, keras_setting, keras_variable
from nnmigrate.writers.model_writer import ModelWriter
from nnmigrate.writers.module_plan import walk
from nnmigrate.writers.translate import AttrInfo, Translator

#: Attributes Keras layers and models own: a torch attribute of that name gets a trailing underscore.
RESERVED_ATTRS = frozenset({
    "layers", "weights", "name", "trainable", "input", "output", "inputs", "outputs", "losses", "metrics",
    "variables", "dtype", "built", "training", "submodules", "trainable_weights", "non_trainable_weights",
    "trainable_variables", "non_trainable_variables", "dtype_policy", "input_spec", "supports_masking", "path",
    "optimizer", "loss", "compiled", "call", "build",
})


class KerasWriter(ModelWriter):
    target_name = "Keras"
    immutable_tensors = True
    forward_name = "call"
    reserved_attrs = RESERVED_ATTRS
    framework_imports = {"keras": "import keras", "layers": "from keras import layers", "ops": "from keras import ops",
                         "Rearrange": "from einops.layers.keras import Rearrange"}
    axes = AxisMove(to_last=True)
    container_methods = {"sequential": {"append": "add", "add_module": "add"}}

    @staticmethod
    def float_cast(e: n.Expr) -> n.Expr:
        return call("ops.cast", e, "float32")

    def __post_init__(self) -> None:
        classes = [with_sublayers(s) if isinstance(s, n.ClassDef) else s for s in self.module.body]
        self.module = n.PivotModule(self.module.source_framework, classes, self.module.docstring, span=self.module.span)
        _rename_private_layers(self.module, self.symbol)
        super().__post_init__()

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
        return sorted({name for entry in self.catalog.entries.values() for name in entry.support}
                      | {SUPPORT, item_assignment.SUPPORT})

    def layer_setting(self, held: AttrInfo, name: str, receiver: n.Expr) -> n.Expr | None:
        return keras_setting(self.catalog, self.emitter, held, name, receiver)

    def layer_variable(self, held: AttrInfo, name: str, receiver: n.Expr) -> n.Expr | None:
        return keras_variable(self.catalog, self.emitter, held, name, receiver)

    def forward_params(self, params: list[n.Param], body: list[n.Stmt]) -> list[n.Param]:
        if not any(p.name == "training" for p in params):
            kw = [i for i, p in enumerate(params) if p.star == "**"]
            params.insert(kw[0] if kw else len(params), n.Param("training", n.Const(None)))
        return params

    def finish_forward(self, cls: n.ClassDef, forward: n.FunctionDef) -> n.FunctionDef:
        """`call(self, x, **kwargs)` called with keywords: Keras binds `kwargs` as one nested argument and rejects
        one that mixes tensors with other values (`context=t, flag=False`). The keywords the file's callers pass
        become parameters (None when not passed), gathered back into `kwargs` for the body."""
        star = next((p for p in forward.params if p.star == "**"), None)
        passed = self.call_keywords.get(cls.name)
        names = sorted(passed - {p.name for p in forward.params}) if star is not None and passed else []
        if not names:
            return forward
        params = [p for p in forward.params if p is not star]
        at = next((i for i, p in enumerate(params) if p.name == "training"), len(params))
        params[at:at] = [n.Param(name, n.Const(None)) for name in names]
        kwargs = n.Name(star.name)
        given = n.Assign([kwargs], n.Call(n.Name("dict"), [n.Arg(n.Name(name), name) for name in names]),
                         comments=["the keywords a caller passed (Keras takes no mixed **kwargs in call())"])
        passed_only = n.Assign([kwargs], n.Comprehension(
            "dict", n.Name("key"), [n.CompFor(n.TupleExpr([n.Name("key"), n.Name("value")]),
                                              n.Call(n.Attr(kwargs, "items"), []),
                                              [n.Compare(n.Name("value"), ["is not"], [n.Const(None)])])],
            value=n.Name("value")))
        return n.FunctionDef(forward.name, params, [given, passed_only, *forward.body], forward.docstring,
                             forward.decorators, forward.role, forward.returns, span=forward.span,
                             comments=forward.comments)

    def nested_function(self, tr: Translator, f: n.FunctionDef) -> n.FunctionDef:
        """A Functional builder (read back from its PyTorch form): each `keras.Input` declares its shape in the
        layout the builder's layers take, channels-last for an image in a spatial model."""
        _, _, made, _ = split_at_model(f.body)
        found = placeholders(f.body)
        if not found or made is None:
            return super().nested_function(tr, f)
        inputs = builder_inputs(f.body, made.value)
        shapes = {i.name: self.builder_shape(i) for i in inputs}
        declared = {id(op) for op in found.values()}
        last = max(at for at, s in enumerate(f.body) if isinstance(s, n.Assign) and id(s.value) in declared)
        saved = dict(tr.env)
        for p in f.params:
            tr.env[p.name] = UNKNOWN
        body: list[n.Stmt] = []
        for at, s in enumerate(f.body):
            body += tr.stmt(_declaring(s, shapes))
            if at == last:
                self.enter_builder(tr, f.name, inputs)
        tr.env = saved
        return n.FunctionDef(f.name, self._params(tr, f.params), body, f.docstring, f.decorators, f.role, f.returns,
                             span=f.span, comments=f.comments)

    def adjust_init(self, cls: n.ClassDef, body: list[n.Stmt]) -> list[n.Stmt]:
        body = self._built_for_reads(cls.name, body)
        if cls.kind != "sequential":
            return body
        dicts = {t.id for st in body if isinstance(st, n.Assign) and isinstance(st.value, n.Call)
                 and printer.expr(st.value.func) == "OrderedDict" for t in st.targets if isinstance(t, n.Name)}
        body = [self._sequential_super(st, dicts) for st in body]
        return self._sequence_members(body, self.plan.attributes(cls.name))

    def _built_for_reads(self, name: str, body: list[n.Stmt]) -> list[n.Stmt]:
        """A layer whose variables the forward reads (`self.pos.weight`) may be read before it is called, or never
        called: Keras creates them when the layer is built, so the constructor builds it for the input its
        construction implies (declared per catalog entry)."""
        result = self.translate_class_forward(name)
        read = result.forward_translator.variables_read if result and result.forward_translator else set()
        attrs = self.plan.attributes(name)
        out: list[n.Stmt] = []
        for s in body:
            out.append(s)
            target = s.targets[0] if isinstance(s, n.Assign) and len(s.targets) == 1 else None
            if not (isinstance(target, n.Attr) and printer.expr(target.value) == "self"):
                continue
            info = attrs.get(target.attr)
            entry = self.catalog.entries.get(info.key) if info and info.kind == "op" and info.key else None
            rule = entry.weights if entry else None
            if target.attr not in read or rule is None or rule.build_shape is None or info.op is None:  # type: ignore[union-attr]
                continue
            shape = rule.build_shape(OpView(entry, info.op, dict(info.op.attrs), MOVED, entry.rank))  # type: ignore[arg-type, union-attr]
            if shape is not None:
                sizes = n.TupleExpr([n.Const(None) if d is None else d for d in shape])
                out.append(n.ExprStmt(n.Call(n.Attr(target, "build"), [n.Arg(sizes)]), span=s.span))
        return out

    def _sequence_members(self, body: list[n.Stmt], attrs: dict[str, AttrInfo]) -> list[n.Stmt]:
        """A layer an nn.Sequential subclass assigns to itself (`self.norm = nn.BatchNorm2d(c)`) or adds
        (`self.add_module("norm", ...)`) joins the sequence in torch: in Keras it is also `add`ed."""
        out: list[n.Stmt] = []
        for s in body:
            if isinstance(s, n.ExprStmt) and isinstance(s.value, n.Call) and isinstance(s.value.func, n.Attr) \
                    and printer.expr(s.value.func) == "self.add_module" and len(s.value.args) == 2:
                out.append(n.ExprStmt(call("self.add", s.value.args[1].value), span=s.span, comments=s.comments))
                continue
            out.append(s)
            if isinstance(s, n.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], n.Attr) \
                    and printer.expr(s.targets[0].value) == "self":
                info = attrs.get(s.targets[0].attr) or attrs.get(s.targets[0].attr.rstrip("_"))
                if info is not None and info.kind in ("op", "class", "sequence"):
                    out.append(n.ExprStmt(call("self.add", s.targets[0]), span=s.span))
            for block in ("body", "orelse"):
                if isinstance(getattr(s, block, None), list):
                    setattr(s, block, self._sequence_members(getattr(s, block), attrs))
        return out

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


def _rename_private_layers(module: n.PivotModule, symbol: str | None) -> None:
    """Layer classes named with a leading underscore (torchvision's `_DenseLayer`) lose it: Keras names each
    layer after its class, and TensorFlow rejects a scope name that starts with one. Done in place; the
    migrated symbol and names already taken keep theirs."""
    taken = {s.name for s in module.body if isinstance(s, (n.ClassDef, n.FunctionDef))}
    renames = {s.name: s.name.lstrip("_") for s in module.body if isinstance(s, n.ClassDef) and s.kind != "plain"
               and s.name.startswith("_") and s.name != symbol and s.name.lstrip("_")[:1].isalpha()
               and s.name.lstrip("_") not in taken}
    if not renames:
        return
    for x in walk(module.body):
        if isinstance(x, n.Name) and x.id.split(".")[0] in renames:
            head, dot, rest = x.id.partition(".")
            x.id = renames[head] + dot + rest
        elif isinstance(x, n.ClassDef):
            x.name = renames.get(x.name, x.name)
            x.bases = [renames.get(b, b) for b in x.bases]


def _declaring(s: n.Stmt, shapes: dict[str, n.Expr | None]) -> n.Stmt:
    """`s`, or the `keras.Input` placeholder it assigns with `shapes`' shape for its name."""
    if not (isinstance(s, n.Assign) and isinstance(s.value, n.Op) and s.value.key == "input_placeholder"
            and isinstance(s.targets[0], n.Name) and shapes.get(s.targets[0].id) is not None):
        return s
    op = replace(s.value, attrs={**s.value.attrs, "shape": shapes[s.targets[0].id]})
    return n.Assign(s.targets, op, span=s.span, comments=s.comments)
