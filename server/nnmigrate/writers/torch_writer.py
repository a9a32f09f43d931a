"""Pivot -> PyTorch source: `nn.Module` classes with `forward`; sizes Keras leaves implicit come from static
shape inference (`nnmigrate.shapes`), Lazy modules where they cannot be known.

Turns `call(self, x, training=None)` into `forward(self, x)` (training comes from the module's mode),
and writes channels-first code by default, with the contract in the class docstring.
"""

from __future__ import annotations

import re
from functools import cached_property

from nnmigrate.catalog.containers import torch_layer_args
from nnmigrate.catalog.entry import Emitter, LayoutRule, OpEntry
from nnmigrate.diagnostics import Severity
from nnmigrate.layout import UNKNOWN, AxisMove
from nnmigrate.pivot import nodes as n
from nnmigrate.shapes.propagate import infer_sizes
from nnmigrate.writers.builders import builder_inputs, names, placeholders, split_at_model
from nnmigrate.writers.emit import call, method, own_spelling, same_expr
from nnmigrate.writers.model_writer import ModelWriter
from nnmigrate.writers import printer
from nnmigrate.writers.module_plan import ModulePlan, names_used, walk
from nnmigrate.writers.translate import AttrInfo, Translator

#: Keras call() parameters that PyTorch modules do not take.
_KERAS_CALL_ONLY = {"training", "mask"}
#: pivot ops that make a raw weight (held in nn.ParameterList, not nn.ModuleList, when listed)
_WEIGHT_OPS = {"add_weight", "parameter"}
#: what a layer-building expression holds (`ModulePlan.attr_info`)
_LAYER_KINDS = ("op", "class", "sequence")
#: Keras layer properties naming its dtype (read-only in Keras)
_KERAS_DTYPE_ATTRS = {"dtype", "compute_dtype", "variable_dtype", "_compute_dtype"}


class TorchWriter(ModelWriter):
    target_name = "PyTorch"
    forward_name = "forward"
    framework_imports = {"torch": "import torch", "nn": "from torch import nn", "F": "import torch.nn.functional as F"}
    axes = AxisMove(to_last=False)
    dropped_call_keywords = frozenset(_KERAS_CALL_ONLY)
    source_layout_name = "channels-last"
    variable_value = None
    support_module = "torch_layers.py"
    container_methods = {"sequential": {"add": "append"}}

    def to_target(self, e: n.Expr, rank: int | None) -> n.Expr:
        """Channels-last source tensor -> channels-first."""
        if rank is not None and rank <= 2:
            return e
        if rank is None:
            return call("torch.movedim", e, -1, 1)
        return method(e, "permute", *self.axes.perm_to_target(rank))

    def to_source(self, e: n.Expr, rank: int | None) -> n.Expr:
        if rank is not None and rank <= 2:
            return e
        if rank is None:
            return call("torch.movedim", e, 1, -1)
        return method(e, "permute", *self.axes.perm_to_source(rank))

    def emitter(self, entry: OpEntry) -> Emitter | None:
        return entry.to_torch or own_spelling(entry, "torch")

    @cached_property
    def _sizes(self) -> dict[int, dict[str, n.Expr]]:
        return infer_sizes(self.module, self.catalog)

    def implicit_sizes(self, op: n.Op) -> dict[str, n.Expr]:
        """Sizes Keras infers from the input, found by static shape inference; the rest stay Lazy modules."""
        return self._sizes.get(id(op), {})

    def rule(self, entry: OpEntry) -> LayoutRule:
        return entry.torch_layout or entry.layout

    def support_names(self) -> list[str]:
        from nnmigrate.support import names

        return list(names(self.support_module))

    def translate_name(self, name: str) -> n.Expr | None:
        return n.Attr(n.Name("self"), "training") if name == "training" else None

    def forward_params(self, params: list[n.Param], body: list[n.Stmt]) -> list[n.Param]:
        """`training` comes from the module's mode; a Keras `mask` is kept where call() reads it (default None)."""
        used = {x.id for x in walk(body) if isinstance(x, n.Name)}
        return [p for p in params if p.name not in _KERAS_CALL_ONLY or p.name == "mask" and "mask" in used]

    def translate_self_attr(self, attr: str) -> n.Expr | None:
        """A Keras layer's dtype properties: PyTorch modules compute in the default dtype."""
        return call("torch.get_default_dtype") if attr in _KERAS_DTYPE_ATTRS else None

    def adjust_init(self, cls: n.ClassDef, body: list[n.Stmt]) -> list[n.Stmt]:
        """`super().__init__(**kwargs)`: Keras layer options such as `name=` mean nothing to nn.Module; a Sequential
        subclass passes its layers on as positional arguments. A subclass of an in-file class passes its arguments on."""
        filled = _layer_appends(cls) | self.layer_dicts(cls)  # attributes the class fills with layers
        out: list[n.Stmt] = []
        if self.plan.method(cls.name, "build") is not None:
            body = [*body, n.Assign([n.Attr(n.Name("self"), "built")], n.Const(False))]
        for s in body:
            if isinstance(s, n.ExprStmt) and isinstance(s.value, n.Call) and isinstance(s.value.func, n.Attr) \
                    and s.value.func.attr == "__init__" and isinstance(s.value.func.value, n.Call) \
                    and not any(b in self.plan.classes for b in cls.bases):
                positional = [a for a in s.value.args if a.keyword is None and a.star != "**"]
                layers = torch_layer_args(positional[0].value) if cls.kind == "sequential" and positional else []
                options = next((a.value for a in s.value.args if a.star == "**"), None)
                s = n.ExprStmt(n.Call(s.value.func, layers), span=s.span, comments=s.comments)
                if options is not None and _reads_own_name(cls):  # `self.name`: the `name=` Keras took, if given
                    out.append(s)
                    s = n.Assign([n.Attr(n.Name("self"), "name")], n.Call(n.Attr(options, "get"), [
                        n.Arg(n.Const("name")), n.Arg(n.Const(_snake(cls.name)))]))
            elif isinstance(s, n.Assign) and (held := _in_container(s, filled)) is not None:
                s = n.Assign(s.targets, held, span=s.span, comments=s.comments)
            elif cls.kind == "sequential" and _self_add(s) is not None:
                added = _self_add(s)
                if not s.comments and out and isinstance(out[-1], n.Assign) \
                        and any(same_expr(t, added) for t in out[-1].targets):
                    continue  # `self.norm = ...` then `self.add(self.norm)`: assigning registers it, in that order
                s = n.ExprStmt(n.Call(n.Attr(n.Name("self"), "append"), [n.Arg(added)]), span=s.span, comments=s.comments)
            out.append(s)
        return _super_init_first(out)

    def write_class(self, cls: n.ClassDef) -> n.ClassDef:
        """A Keras layer with build() but no __init__ still needs one: it starts unbuilt (and takes the Keras layer
        options, `name=` and the like, as Keras's own __init__ does)."""
        out = super().write_class(cls)
        if cls.kind != "plain" and self.plan.method(cls.name, "build") is not None \
                and self.plan.method(cls.name, "init") is None:
            init = n.FunctionDef("__init__", [n.Param("self"), n.Param("kwargs", star="**")], [
                n.ExprStmt(n.Call(n.Attr(n.Call(n.Name("super"), []), "__init__"), [])),
                n.Assign([n.Attr(n.Name("self"), "built")], n.Const(False))], role="init")
            out.body.insert(0, init)
        _buffers_over_attributes(out)
        _weight_lists(out)
        _layer_lists_rebuilt(out, _layer_appends(cls) | self.layer_dicts(cls))
        return out

    def layer_dicts(self, cls: n.ClassDef) -> set[str]:
        """`self.<name>` dicts the class stores layers in (`self.blocks[name] = Block(...)`), each a layer."""
        return {name for name, info in self.plan.attributes(cls.name).items() if info.kind == "dict" and info.elements
                and all(e.kind in _LAYER_KINDS for e in info.elements)}

    def forward_prelude(self, cls: n.ClassDef, tr: object, params: list[n.Param]) -> list[n.Stmt]:
        """Keras builds a layer's weights on its first call, from the input shape: so does the migrated module."""
        if self.plan.method(cls.name, "build") is None or not params:
            return []
        x = n.Name(params[0].name)
        info = tr.env.get(params[0].name)  # type: ignore[attr-defined]
        shape = n.Attr(self.to_source(x, info.rank) if info is not None and info.moved else x, "shape")
        built = n.Attr(n.Name("self"), "built")
        this = n.Name("self")
        follow_mode = n.ExprStmt(n.Call(n.Attr(this, "train"), [n.Arg(n.Attr(this, "training"))]),
                                 comments=["layers built just now follow this module's train/eval mode"])
        return [n.If(n.UnaryOp("not", built), [n.ExprStmt(n.Call(n.Attr(this, "build"), [n.Arg(shape)])),
                                               n.Assign([built], n.Const(True)), follow_mode], [],
                     comments=["Keras creates these weights on the first call, from the input shape"])]

    def inline_module(self, constructed: n.Expr) -> n.Expr:
        """A module built inside a Functional graph is created once, on the graph's first run."""
        if isinstance(constructed, n.Call) and isinstance(constructed.func, n.Name) and (
                constructed.func.id.startswith("nn.") or constructed.func.id in self.support_names()
                or constructed.func.id in self.classes or self.is_layer_factory(constructed.func.id)):
            return n.Call(n.Name("Functional.layer"), [n.Arg(n.Lambda([], constructed))])
        return constructed

    def is_layer_factory(self, name: str) -> bool:
        return name in self._layer_factories

    @cached_property
    def _layer_factories(self) -> set[str]:
        """Module-level functions that return a layer they build (`def upsample_conv(f): return
        layers.Conv2DTranspose(f, 2)`), and names bound only to such functions (`upsample = upsample_conv`) or to
        lambdas that build a layer (`drop = lambda p: layers.SpatialDropout2D(p)`)."""
        found = {name for name, f in self.plan.functions.items() if _returns_layers(f, self.plan)}

        def factory(e: n.Expr) -> bool:
            if isinstance(e, n.IfExp):  # `upsample_conv if deconv else upsample_simple`
                return factory(e.body) and factory(e.orelse)
            return isinstance(e, n.Name) and e.id in found \
                or isinstance(e, n.Lambda) and self.plan.attr_info(e.body, {}).kind in _LAYER_KINDS

        bound: dict[str, bool] = {}
        for s in walk(self.module.body):
            if isinstance(s, n.Assign):
                for t in s.targets:
                    if isinstance(t, n.Name):
                        bound[t.id] = bound.get(t.id, True) and factory(s.value)
        return found | {name for name, only in bound.items() if only}

    def _layer_objects(self, body: list[n.Stmt]) -> dict[str, AttrInfo]:
        """Names a builder binds only to layer objects (`block = TransformerBlock(...)`), with what they hold."""
        found: dict[str, AttrInfo] = {}
        rebound: set[str] = set()
        for s in walk(body):
            if isinstance(s, n.Assign):
                info = self.plan.attr_info(s.value, {})
                for t in s.targets:
                    if isinstance(t, n.Name) and info.kind in ("op", "class", "sequence"):
                        found[t.id] = info
                    elif isinstance(t, n.Name):
                        rebound.add(t.id)
        return {name: info for name, info in found.items() if name not in rebound}

    def _created_once(self, tr: Translator, s: n.Stmt, objects: set[str]) -> n.Stmt:
        """`block = TransformerBlock(...)` in a builder's dataflow: the layer object is created on the first run.
        `block.requires_grad_(False)` (Keras: `block.trainable = False`) is left out with a note: the object is
        made when first called."""
        if isinstance(s, n.Assign) and all(isinstance(t, n.Name) for t in s.targets):
            return n.Assign(s.targets, self.inline_module(s.value), span=s.span, comments=s.comments)
        v = s.value if isinstance(s, n.ExprStmt) else s.iter if isinstance(s, n.For) else None
        if isinstance(v, n.Call) and isinstance(v.func, n.Attr) and v.func.attr in ("requires_grad_", "parameters") \
                and isinstance(v.func.value, n.Name) and v.func.value.id in objects:
            code = self.source_code(s.span) or printer.stmt(s, 0)[0]
            tr.report("NNM103", f"`{code}` is left out: the layer is made on the model's first run; freeze it through "
                      "the module (`model.built_layers`) after that", s.span, Severity.WARNING)
            return n.Dropped(code, "a Keras trainable flag", span=s.span, comments=s.comments)
        return s

    def nested_function(self, tr: Translator, f: n.FunctionDef) -> n.FunctionDef:
        """A Keras Functional builder becomes a function returning `Functional(forward, input_shapes=[...])`, where
        `forward` is the builder's dataflow from its `keras.Input`s to the outputs given to `keras.Model`, and
        `input_shapes` the shapes those inputs declare, channels-first where the input is."""
        prelude, body, made, after = split_at_model(f.body)
        if not placeholders(f.body) or made is None:
            return super().nested_function(tr, f)
        model = made.value
        assert isinstance(model, n.Op)
        inputs = builder_inputs(f.body, model)
        order = [i.name for i in inputs]
        saved, saved_layers = dict(tr.env), dict(tr.loop_elements)
        for p in f.params:
            tr.env[p.name] = UNKNOWN
        tr.loop_elements.update(self._layer_objects(body))  # `block(x)` then follows the layer's own contract
        prelude = tr.body(prelude)
        self.enter_builder(tr, f.name, inputs)
        objects = set(self._layer_objects(body))
        graph_body = [self._created_once(tr, s, objects) for s in tr.body(body)]
        outputs, info = tr.expr(model.attrs["outputs"])
        graph_body.append(n.Return(outputs))
        self.builder_outputs[f.name] = [p.layout for p in info.parts] if info.parts is not None else [info.layout]
        tr.env, tr.loop_elements = saved, saved_layers
        # builder variables the dataflow reassigns (`filters *= 2`) start from the builder's values on every run
        outer = {p.name for p in f.params} | _assigned(prelude)
        carried = [n.Param(name, n.Name(name)) for name in sorted(_assigned(body) & outer - set(order))]
        inner = (_assigned(body) | set(order)) - outer
        forward = n.FunctionDef("forward", [*(n.Param(name) for name in order), *carried], graph_body,
                                comments=["the Keras model's dataflow, run as the module's forward"])
        args = [n.Arg(n.Name("forward"))]
        shapes = [self.builder_shape(i) for i in inputs]
        if any(s is not None for s in shapes):
            declared = n.ListExpr([s if s is not None else n.Const(None) for s in shapes])
            args.append(n.Arg(tr.expr(declared)[0], "input_shapes"))
        functional = n.Call(n.Name("Functional"), args)
        if isinstance(made, n.Assign) and not _returns_only(made, after):  # `model = keras.Model(...)`, then more
            tail = [n.Assign(made.targets, functional, span=made.span, comments=made.comments),
                    *tr.body([self._outside_graph(tr, s, inner) for s in after])]
        else:
            tail = [n.Return(functional, span=made.span, comments=made.comments)]
        return n.FunctionDef(f.name, self._params(tr, f.params), [*prelude, forward, *tail], f.docstring, f.decorators,
                             f.role, None, span=f.span, comments=f.comments)

    def _outside_graph(self, tr: Translator, s: n.Stmt, inner: set[str]) -> n.Stmt:
        """A statement after `keras.Model(...)`; left out with a note where it uses a name of the dataflow (`x`, a
        layer object): in PyTorch those live in `forward`, and its layers are made on the first run."""
        if isinstance(s, (n.If, n.While)) and not names_used(s.test) & inner:
            s.body = [self._outside_graph(tr, x, inner) for x in s.body]
            if isinstance(s, n.If):
                s.orelse = [self._outside_graph(tr, x, inner) for x in s.orelse]
            return s
        used = sorted(names_used(s) & inner)
        if not used:
            return s
        code = self.source_code(s.span) or printer.stmt(s, 0)[0]
        tr.report("NNM103", f"`{code.splitlines()[0]}` is left out: it uses {', '.join(f'`{u}`' for u in used)} of the "
                  "model's dataflow, which PyTorch builds in `forward` on the first run; reach the layer through "
                  "the module (`model.built_layers`) after that", s.span, Severity.WARNING)
        return n.Dropped(code, "a statement on the model's dataflow", span=s.span, comments=s.comments)

    def base_names(self, cls: n.ClassDef) -> list[str]:
        return [{"Module": "nn.Module", "Sequential": "nn.Sequential"}.get(b, b) for b in cls.bases]

    def layout_note(self, params: list[str]) -> str:
        return (f"Layout: {', '.join(f'`{k}`' for k in params)} channels-first (N, C, ...), as PyTorch convolutions "
                "expect; the Keras original took channels-last (N, ..., C).")


def _super_init_first(body: list[n.Stmt]) -> list[n.Stmt]:
    """Keras layers often set attributes before `super().__init__(**kwargs)`; an nn.Module cannot hold a module or
    parameter before its own __init__ ran, so an argument-free `super().__init__()` comes first."""
    for i, s in enumerate(body):
        if isinstance(s, n.ExprStmt) and isinstance(s.value, n.Call) and not s.value.args \
                and isinstance(s.value.func, n.Attr) and s.value.func.attr == "__init__" \
                and isinstance(s.value.func.value, n.Call) and isinstance(s.value.func.value.func, n.Name) \
                and s.value.func.value.func.id == "super":
            return [s, *body[:i], *body[i + 1:]]
    return body


def _layer_appends(cls: n.ClassDef) -> set[str]:
    """`self.<name>` lists that methods other than call() append layers to (call() appends tensors)."""
    methods = [s for s in cls.body if isinstance(s, n.FunctionDef) and s.role != "forward"]
    return {x.func.value.attr for x in walk(methods) if isinstance(x, n.Call) and isinstance(x.func, n.Attr)
            and x.func.attr == "append" and isinstance(x.func.value, n.Attr)
            and not (x.args and isinstance(x.args[0].value, n.Op) and x.args[0].value.key in _WEIGHT_OPS)}


def _is_self_attr(e: n.Expr) -> bool:
    return isinstance(e, n.Attr) and isinstance(e.value, n.Name) and e.value.id == "self"


def _layer_lists_rebuilt(cls: n.ClassDef, filled: set[str]) -> None:
    """`self.blocks = []` (or `{}`) again in build() (or another method but forward), to be filled with layers: an
    nn.ModuleList (nn.ModuleDict) there too."""
    for f in cls.body:
        if isinstance(f, n.FunctionDef) and f.role not in ("forward", "init"):
            for x in walk(f.body):
                held = _in_container(x, filled) if isinstance(x, n.Assign) else None
                if held is not None:
                    x.value = held


def _buffers_over_attributes(cls: n.ClassDef) -> None:
    """`self.x = nn.Buffer(t)` cannot replace an attribute set before (`self.x = None` in __init__, a plain tensor):
    there the fixed weight is a parameter that is not trained."""
    seen: set[str] = set()
    for x in walk(cls.body):
        if not isinstance(x, n.Assign):
            continue
        names = {t.attr for t in x.targets if isinstance(t, n.Attr) and isinstance(t.value, n.Name) and t.value.id == "self"}
        value = x.value
        if names & seen and isinstance(value, n.Call) and isinstance(value.func, n.Name) and value.func.id == "nn.Buffer":
            x.value = call("nn.Parameter", value.args[0].value, requires_grad=False)
        seen |= names


def _is_weight(e: n.Expr) -> bool:
    return isinstance(e, n.Call) and isinstance(e.func, n.Name) and e.func.id == "nn.Parameter"


def _weight_lists(cls: n.ClassDef) -> None:
    """`self.ws = [nn.Parameter(...), ...]` (or filled by `self.ws.append(nn.Parameter(...))`): an nn.ParameterList,
    so the module owns the weights as Keras tracks those of a list attribute."""
    appended = {x.func.value.attr for x in walk(cls.body) if isinstance(x, n.Call) and isinstance(x.func, n.Attr)
                and x.func.attr == "append" and isinstance(x.func.value, n.Attr) and x.args and _is_weight(x.args[0].value)}
    for x in walk(cls.body):
        if not (isinstance(x, n.Assign) and len(x.targets) == 1 and isinstance(x.targets[0], n.Attr)
                and isinstance(x.targets[0].value, n.Name) and x.targets[0].value.id == "self"):
            continue
        value = x.value
        items = value.elts if isinstance(value, n.ListExpr) else [value.elt] if isinstance(value, n.Comprehension) \
            and value.kind == "list" else None
        if items is not None and (x.targets[0].attr in appended and not items or items and all(_is_weight(e) for e in items)):
            x.value = call("nn.ParameterList", *([value] if items else []))


def _in_container(s: n.Assign, filled: set[str]) -> n.Expr | None:
    """The assigned layers in `nn.ModuleList(...)` / `nn.ModuleDict(...)` (an empty one takes no argument), where
    the assignment holds layers; else None."""
    container = _layer_container(s, filled)
    if container is None:
        return None
    empty = isinstance(s.value, n.ListExpr) and not s.value.elts or isinstance(s.value, n.DictExpr) and not s.value.keys
    return call(container, *([] if empty else [s.value]))


def _layer_container(s: n.Assign, filled: set[str]) -> str | None:
    """The PyTorch container for `self.blocks = []` / `self.blocks = {}` holding layers (Keras tracks plain lists
    and dicts; PyTorch needs nn.ModuleList / nn.ModuleDict), else None."""
    target = s.targets[0]
    if not _is_self_attr(target):
        return None
    value = s.value
    if isinstance(value, (n.ListExpr, n.DictExpr)):
        items = value.elts if isinstance(value, n.ListExpr) else value.values
        holds = target.attr in filled if not items else any(isinstance(e, n.Call) and not _is_weight(e) for e in items)
        return ("nn.ModuleList" if isinstance(value, n.ListExpr) else "nn.ModuleDict") if holds else None
    if isinstance(value, n.Comprehension) and value.kind in ("list", "dict"):
        item = value.elt if value.kind == "list" else value.value
        if isinstance(item, n.Call) and not _is_weight(item):
            return "nn.ModuleList" if value.kind == "list" else "nn.ModuleDict"
    return None


def _returns_layers(f: n.FunctionDef, plan: ModulePlan) -> bool:
    """True for a function whose every `return` gives a layer it builds."""
    returns = [s.value for s in walk(f.body) if isinstance(s, n.Return)]
    return bool(returns) and all(r is not None and plan.attr_info(r, {}).kind in _LAYER_KINDS for r in returns)


def _assigned(stmts: list[n.Stmt]) -> set[str]:
    """Names the statements bind (assignments and loop variables, in nested blocks too)."""
    targets = [t for s in walk(stmts) if isinstance(s, n.Assign) for t in s.targets]
    targets += [s.target for s in walk(stmts) if isinstance(s, (n.AugAssign, n.AnnAssign, n.For))]
    return {x.id for t in targets for x in names(t)}


def _reads_own_name(cls: n.ClassDef) -> bool:
    """Whether the class reads `self.name` (Keras's layer name) without setting it."""
    sets = {id(t) for s in walk(cls.body) if isinstance(s, n.Assign) for t in s.targets}
    named = [x for x in walk(cls.body) if isinstance(x, n.Attr) and x.attr == "name" and isinstance(x.value, n.Name)
             and x.value.id == "self"]
    return bool(named) and not any(id(x) in sets for x in named)


def _snake(class_name: str) -> str:
    """Keras's default layer name for a class: `ResidualBlock` -> `residual_block`, `OctaveConv2D` -> `octave_conv2d`."""
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)).lower()


def _self_add(s: n.Stmt) -> n.Expr | None:
    """The layer of a Keras Sequential subclass's `self.add(layer)` statement, else None."""
    value = s.value if isinstance(s, n.ExprStmt) else None
    if isinstance(value, n.Call) and isinstance(value.func, n.Attr) and value.func.attr == "add" \
            and isinstance(value.func.value, n.Name) and value.func.value.id == "self" and len(value.args) == 1 \
            and value.args[0].keyword is None and not value.args[0].star:
        return value.args[0].value
    return None


def _returns_only(made: n.Assign, after: list[n.Stmt]) -> bool:
    """True when nothing follows `model = keras.Model(...)` but `return model` (or nothing at all)."""
    if not after:
        return True
    end = after[0]
    return len(after) == 1 and isinstance(end, n.Return) and isinstance(end.value, n.Name) \
        and len(made.targets) == 1 and isinstance(made.targets[0], n.Name) and made.targets[0].id == end.value.id
