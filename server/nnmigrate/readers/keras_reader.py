"""Keras 3 / tf.keras source -> pivot: which names are Keras or TensorFlow, which classes are layers, which method is call.

Also the Keras-only plumbing PyTorch has no use for: explicit `build()` calls on layers and models (PyTorch Lazy
modules size themselves on the first call), `super().build(...)`, and training-time extras such as
`self.add_loss(...)`, each left out with a note.
"""

from __future__ import annotations

import re

import libcst as cst

from nnmigrate.catalog import Catalog
from nnmigrate.catalog.entry import OpEntry, Spelling
from nnmigrate.catalog.activation import TORCH_ACTIVATIONS
from nnmigrate.catalog.containers import INITIALIZER_CLASSES
from nnmigrate.diagnostics import Severity
from nnmigrate.pivot import nodes as n
from nnmigrate.readers.common import SourceReader
from nnmigrate.readers.imports import dotted

_MODULE_BASES = {"keras.Model", "keras.models.Model", "keras.layers.Layer", "keras.Layer"}
_SEQUENTIAL_BASES = {"keras.Sequential", "keras.models.Sequential"}
_ROLES = {"__init__": "init", "call": "forward", "build": "build"}
#: Keras-only plumbing with no PyTorch counterpart: left out with a note.
_KERAS_ONLY_METHODS = {"get_config", "from_config", "compute_output_shape", "compute_output_spec", "compute_mask"}
#: Layer methods that add training-time terms (losses, metrics, updates): inference does not run them.
_TRAINING_ONLY_CALLS = {"add_loss": "a training loss term", "add_metric": "a training metric",
                        "add_update": "a training-time update"}
#: Model methods a builder calls after making the model (`model.compile(...)`), what each does, and where its
#: PyTorch counterpart belongs: left out with a note, since a PyTorch module has no such method.
_MODEL_ONLY_CALLS = {
    "compile": ("the training set-up (optimizer, loss, metrics)", "set up the optimizer and loss in the PyTorch training loop"),
    "fit": ("a training run", "train in a PyTorch training loop"),
    "evaluate": ("an evaluation run", "evaluate in a PyTorch loop under `torch.no_grad()`"),
    "summary": ("a printed summary of the layers", "`print(model)` lists a PyTorch module's layers"),
    "load_weights": ("loading a Keras weight file", "a Keras weight file does not load into a PyTorch module: convert "
                     "the weights (as `nnmigrate verify` does) and load them with `model.load_state_dict(...)`"),
    "save_weights": ("saving a Keras weight file", "save with `torch.save(model.state_dict(), path)`"),
    "save": ("saving a Keras model file", "save with `torch.save(model.state_dict(), path)`"),
}
_ACTIVATIONS = frozenset(TORCH_ACTIVATIONS) | {"linear", "softmax", "log_softmax"}
#: initializer classes and functions by name -> the name Keras resolves them by
_INITIALIZERS = {**{kind: kind for kind in INITIALIZER_CLASSES}, **{cls: kind for kind, cls in INITIALIZER_CLASSES.items()}}


def normalize(qualname: str) -> str:
    """`tensorflow.keras.layers.Dense` and `tf.keras.layers.Dense` -> `keras.layers.Dense`."""
    for prefix in ("tensorflow.keras.", "tensorflow.python.keras.", "keras.src."):
        if qualname.startswith(prefix):
            return "keras." + qualname[len(prefix):]
    return qualname


class KerasReader(SourceReader):
    framework = "keras"
    framework_modules = frozenset({"keras", "tensorflow"})
    ignored_keywords = frozenset({
        "name", "dtype", "trainable", "input_shape", "input_dim", "batch_input_shape", "kernel_initializer",
        "bias_initializer", "depthwise_initializer", "pointwise_initializer", "gamma_initializer", "beta_initializer",
        "moving_mean_initializer", "moving_variance_initializer", "embeddings_initializer", "kernel_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint", "seed"})
    module_bases = frozenset(_MODULE_BASES)
    sequential_bases = frozenset(_SEQUENTIAL_BASES)
    method_roles = _ROLES
    support_module = "keras_layers.py"
    framework_only_methods = {name: "Keras-only method" for name in _KERAS_ONLY_METHODS}

    def __init__(self, source: str, catalog: Catalog) -> None:
        super().__init__(source, catalog)
        self.layer_attrs: set[str] = set()  # `self.<name>` attributes holding catalog layers
        self.layer_names: set[str] = set()  # local names bound to layers or models (`model = keras.Sequential(...)`)
        self.layer_methods: set[str] = set()  # the current class's methods that return a layer they construct
        self.model_names: set[str] = set()  # local names bound to Functional models (`model = keras.Model(...)`)
        self.initializer_classes: dict[str, str | None] = {}  # the file's initializer classes -> their base's name

    def qualname(self, node: cst.BaseExpression) -> str | None:
        qual = super().qualname(node)
        return normalize(qual) if qual else None

    def framework_prefixes(self) -> tuple[str, ...]:
        return ("keras.", "tensorflow.")

    def bind(self, entry: OpEntry, spelling: Spelling, args: list[cst.Arg], node: cst.CSTNode) -> n.Expr:
        """Also keeps the input shape a layer declares (`input_shape=`): it sizes a Sequential's first layer."""
        out = super().bind(entry, spelling, args, node)
        if isinstance(out, n.Op) and spelling.layer:
            out.input_shape = self.declared_input(args)
        return out

    def default_setting(self, keyword: str, arg: cst.Arg) -> bool:
        """`data_format=None` / `"channels_last"` is Keras's default layout, which the catalog's layers assume; a
        value chosen at run time is assumed to be that default too, with a warning. `"channels_first"` is not."""
        if keyword != "data_format":
            return False
        value = arg.value.evaluated_value if isinstance(arg.value, cst.SimpleString) else \
            None if isinstance(arg.value, cst.Name) and arg.value.value == "None" else ...
        if value is ...:
            self.report("NNM102", f"`data_format={self.code(arg.value)}` is taken to be Keras's default, channels_last", arg,
                        severity=Severity.WARNING, hint="pass channels-last tensors, as Keras's default layout has them")
        return value in (None, "channels_last", ...)

    def declared_input(self, args: list[cst.Arg]) -> n.Expr | None:
        for a in args:
            keyword = a.keyword.value if a.keyword else None
            if keyword == "input_shape":
                return self.expr(a.value)
            if keyword == "input_dim":
                return n.TupleExpr([self.expr(a.value)])
            if keyword == "batch_input_shape" and isinstance(a.value, (cst.Tuple, cst.List)):
                return n.TupleExpr([self.expr(el.value) for el in a.value.elements[1:]])
        return None

    def attribute(self, node: cst.Attribute) -> n.Expr:
        """`activation=keras.activations.gelu` means the same as `activation="gelu"`."""
        qual = self.qualname(node) or ""
        module, _, name = qual.rpartition(".")
        if module == "keras.activations" and name in _ACTIVATIONS:
            return n.Const(name, span=self.span(node))
        if module == "keras.initializers" and _INITIALIZERS.get(name):  # `initializer=initializers.random_normal`
            return n.Const(_INITIALIZERS[name], span=self.span(node))
        return super().attribute(node)

    def class_def(self, node: cst.ClassDef) -> n.ClassDef:
        """Deriving from a built-in Keras class other than Layer / Model (`keras.layers.Dense`) inherits behaviour
        that has no PyTorch counterpart to derive from: reported, unless the class only configures a catalog layer
        (see `configured_layer`)."""
        configured = self.configured_layer(node)
        if configured is not None:
            return super().class_def(configured)
        initializer = self.initializer_class(node)
        if initializer is not None:
            return initializer
        for base in node.bases:
            qual = self.qualname(base.value) or ""
            if qual.startswith(self.framework_prefixes()) and qual not in self.module_bases | self.sequential_bases:
                self.report("NNM103", f"`{node.name.value}` derives from `{qual}`, a built-in class with no PyTorch "
                            "form to derive from", base, hint="derive it from keras.layers.Layer and build its weights "
                            "in build(), or rewrite it by hand")
        outer, self.layer_methods = self.layer_methods, self._layer_methods(node)
        try:
            return super().class_def(node)
        finally:
            self.layer_methods = outer

    def _layer_methods(self, node: cst.ClassDef) -> set[str]:
        """The class's methods that only return a layer they construct (`def _init_conv(self, filters): return
        layers.Conv2D(filters, ...)`): what they return is a sub-layer, as a layer written in place would be."""
        found = set()
        for s in node.body.body if isinstance(node.body, cst.IndentedBlock) else []:
            body = s.body.body if isinstance(s, cst.FunctionDef) and isinstance(s.body, cst.IndentedBlock) else []
            returns = [r for line in body if isinstance(line, cst.SimpleStatementLine) for r in line.body
                       if isinstance(r, cst.Return)]
            made = returns[0].value if len(returns) == 1 and body[-1].body[0] is returns[0] else None  # type: ignore[attr-defined]
            qual = self.qualname(made.func) if isinstance(made, cst.Call) else None
            resolved = self.resolve_function(qual) if qual else None
            if resolved is not None and resolved[1].layer:
                found.add(s.name.value)  # type: ignore[union-attr]
        return found

    def initializer_class(self, node: cst.ClassDef) -> n.Dropped | None:
        """A class deriving from a Keras initializer only sets how weights start: PyTorch modules start from their
        own initialization (trained weights are copied over), so the class is left out and each construction of
        it reads as its base initializer's name. None for any other class."""
        bases = [self.qualname(b.value) or "" for b in node.bases]
        if not any(q.startswith("keras.initializers.") for q in bases):
            return None
        base = next(q for q in bases if q.startswith("keras.initializers.")).rpartition(".")[2]
        self.initializer_classes[node.name.value] = _INITIALIZERS.get(base)
        self.report("NNM102", f"`{node.name.value}` is a Keras initializer: the PyTorch weights start from PyTorch's "
                    "own initialization", node, severity=Severity.WARNING, hint="copy trained weights over")
        return n.Dropped(f"class {node.name.value}(...)", "a Keras initializer class", span=self.span(node))

    def call(self, node: cst.Call) -> n.Expr:
        if isinstance(node.func, cst.Name) and node.func.value in self.initializer_classes:
            return n.Const(self.initializer_classes[node.func.value], span=self.span(node))
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in _KERAS_ONLY_METHODS \
                and not _is_super(node.func.value):  # `self.conv.compute_output_shape(shape)`
            return self.unsupported(node, f"`.{node.func.attr.value}()` is a Keras layer method PyTorch modules do "
                                    "not have", hint="compute the shape from the layer's arguments, or leave it to "
                                    "a Lazy module")
        return super().call(node)

    def configured_layer(self, node: cst.ClassDef) -> cst.ClassDef | None:
        """A class deriving from one catalog layer (`class SirenDense(keras.layers.Dense)`) whose only method of
        its own is an `__init__` that computes the arguments of `super().__init__(...)`: rewritten as a Layer
        holding that layer (`self.dense = keras.layers.Dense(...)`) and calling it, which PyTorch can express.
        None for any other class."""
        if len(node.bases) != 1:
            return None
        base = node.bases[0].value
        if (self.qualname(base) or "") in self.module_bases | self.sequential_bases:  # a container: its own class
            return None
        found = self.resolve_function(self.qualname(base) or "")
        methods = [s for s in node.body.body if isinstance(s, cst.FunctionDef)]
        init = next((m for m in methods if m.name.value == "__init__"), None)
        if found is None or not found[1].layer or init is None or any(
                m is not init and m.name.value not in self.framework_only_methods for m in methods):
            return None
        calls = [(i, s) for i, s in enumerate(init.body.body) if isinstance(s, cst.SimpleStatementLine)
                 and len(s.body) == 1 and isinstance(s.body[0], cst.Expr) and _is_super_init(s.body[0].value)]
        if len(calls) != 1:
            return None
        index, line = calls[0]
        attr = configured_attr(found[1].qualname.rpartition(".")[2])
        made = line.body[0].value.with_changes(func=base)  # type: ignore[attr-defined]
        own = [line.with_changes(body=[cst.Expr(cst.parse_expression("super().__init__()"))]),
               cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.parse_expression(f"self.{attr}"))], made)])]
        stmts = list(init.body.body)
        init = init.with_changes(body=init.body.with_changes(body=[*stmts[:index], *own, *stmts[index + 1:]]))
        call = cst.parse_statement(f"def call(self, inputs):\n    return self.{attr}(inputs)\n")
        body = [init if s is next(m for m in methods if m.name.value == "__init__") else s for s in node.body.body]
        self.imports.aliases.setdefault("_ConfiguredLayer", "keras.layers.Layer")
        return node.with_changes(bases=[cst.Arg(cst.Name("_ConfiguredLayer"))],
                                 body=node.body.with_changes(body=[*body, call]))

    def function(self, node: cst.FunctionDef, role: str) -> n.FunctionDef | n.Dropped:  # type: ignore[override]
        """A `build()` that only builds sub-layers has nothing left to do in PyTorch: it is left out whole."""
        out = super().function(node, role)
        if role == "build" and all(isinstance(s, n.Dropped) or isinstance(s, n.Simple) and s.keyword == "pass"
                                   for s in out.body):
            return n.Dropped(self.code(node).splitlines()[0], "a build() that only builds sub-layers "
                             "(PyTorch Lazy modules size themselves on the first call)", span=out.span,
                             comments=out.comments)
        return out

    def small_stmt(self, node: cst.BaseSmallStatement, comments: list[str]) -> list[n.Stmt]:
        left_out = self.keras_plumbing(node, comments)
        if left_out is not None:
            return [left_out]
        frozen = self.trainable_setting(node, comments)
        if frozen is not None:
            return [frozen]
        out = super().small_stmt(node, comments)
        if isinstance(node, cst.Assign) and out and isinstance(out[0], n.Assign) and self._makes_layer(out[0].value):
            self.layer_attrs.update(t.attr for t in out[0].targets
                                    if isinstance(t, n.Attr) and isinstance(t.value, n.Name) and t.value.id == "self")
            self.layer_names.update(t.id for t in out[0].targets if isinstance(t, n.Name))
            if isinstance(out[0].value, n.Op) and out[0].value.key == "functional_model":
                self.model_names.update(t.id for t in out[0].targets if isinstance(t, n.Name))
        return out

    def _makes_layer(self, value: n.Expr) -> bool:
        """A catalog layer or model, or an instance of a layer / model class of the file."""
        if isinstance(value, n.Op):
            return value.layer or value.key == "functional_model"
        if isinstance(value, n.Call) and isinstance(value.func, n.Attr) and isinstance(value.func.value, n.Name) \
                and value.func.value.id == "self" and value.func.attr in self.layer_methods:
            return True
        return isinstance(value, n.Call) and isinstance(value.func, n.Name) \
            and self.class_kinds.get(value.func.id, "plain") != "plain"

    def keras_plumbing(self, node: cst.BaseSmallStatement, comments: list[str]) -> n.Dropped | None:
        """A statement that only serves Keras's layer machinery, as the note that replaces it; else None."""
        if not (isinstance(node, cst.Expr) and isinstance(node.value, cst.Call) and isinstance(node.value.func, cst.Attribute)):
            return None
        func = node.value.func
        method, receiver = func.attr.value, func.value
        span = self.span(node)
        if method in _TRAINING_ONLY_CALLS and dotted(receiver) == "self":
            reason = _TRAINING_ONLY_CALLS[method]
            self.report("NNM103", f"`self.{method}(...)` ({reason}) is left out: add it to the PyTorch training loop",
                        node, severity=Severity.WARNING)
            return n.Dropped(self.code(node), reason, span=span, comments=comments)
        if method in _MODEL_ONLY_CALLS and isinstance(receiver, cst.Name) and receiver.value != "self" \
                and receiver.value not in self.imports.aliases:
            does, instead = _MODEL_ONLY_CALLS[method]
            self.report("NNM103", f"`{receiver.value}.{method}(...)` ({does}) is left out: {instead}", node,
                        severity=Severity.WARNING)
            return n.Dropped(self.code(node), does, span=span, comments=comments)
        if _tracks_by_name(node.value):
            self.report("NNM103", f"`{self.code(node)}` (Keras layer tracking) is left out: a PyTorch module registers "
                        "the layers its attributes and nn.ModuleList hold", node, severity=Severity.INFORMATION)
            return n.Dropped(self.code(node), "Keras layer tracking", span=span, comments=comments)
        if method == "build" and _is_super(receiver):
            return n.Dropped(self.code(node), "Keras's own build step", span=span, comments=comments)
        if method == "build" and (isinstance(receiver, cst.Attribute) and dotted(receiver.value) == "self"
                                  and receiver.attr.value in self.layer_attrs
                                  or isinstance(receiver, cst.Name) and receiver.value in self.layer_names
                                  or _self_list_item(receiver)):
            return n.Dropped(self.code(node), "building ahead of time (Lazy modules size themselves on the first call)",
                             self.expr(node.value), span=span, comments=comments)
        return None

    def trainable_setting(self, node: cst.BaseSmallStatement, comments: list[str]) -> n.Stmt | None:
        """`layer.trainable = False` on a layer the code holds by name: its parameters stop training (a loop setting
        each one's `requires_grad`, which works before a Lazy module has sized them); on a Functional model,
        `model.requires_grad_(False)` (it freezes the layers it makes later too); on any other object
        (`model.layers[0]`, a loop variable) left out with a note. None for other statements, and for
        `self.trainable` (a plain attribute in PyTorch)."""
        if not (isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Attribute)
                and node.targets[0].target.attr.value == "trainable"):
            return None
        receiver = node.targets[0].target.value
        if dotted(receiver) == "self":
            return None
        span = self.span(node)
        if isinstance(receiver, cst.Name) and receiver.value in self.model_names:
            freeze = n.Call(n.Attr(n.Name(receiver.value), "requires_grad_"), [n.Arg(self.expr(node.value))])
            return n.ExprStmt(freeze, span=span, comments=comments)
        if isinstance(receiver, cst.Name) and receiver.value in self.layer_names:
            each = n.Assign([n.Attr(n.Name("parameter"), "requires_grad")], self.expr(node.value))
            return n.For(n.Name("parameter"), n.Call(n.Attr(n.Name(receiver.value), "parameters"), []), [each],
                         span=span, comments=comments)
        self.report("NNM103", f"`{self.code(node)}` is left out: call `requires_grad_(...)` on the PyTorch module "
                    "it names to freeze or unfreeze its parameters", node, severity=Severity.WARNING)
        return n.Dropped(self.code(node), "a Keras trainable flag", span=span, comments=comments)


def _tracks_by_name(node: cst.Call) -> bool:
    """`self.__setattr__(layer.name, layer)`: a layer set as an attribute named after it, so Keras tracks it."""
    args = [a.value for a in node.args]
    return isinstance(node.func, cst.Attribute) and node.func.attr.value == "__setattr__" \
        and dotted(node.func.value) == "self" and len(args) == 2 and isinstance(args[0], cst.Attribute) \
        and args[0].attr.value == "name" and dotted(args[0].value) is not None and dotted(args[0].value) == dotted(args[1])


def _is_super_init(node: cst.BaseExpression) -> bool:
    """`super().__init__(...)` or `super(Cls, self).__init__(...)`."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "__init__" \
        and _is_super(node.func.value)


def configured_attr(class_name: str) -> str:
    """The attribute holding the layer a class configures (see `KerasReader.configured_layer`): `Conv2DTranspose`
    -> `conv2d_transpose`, `Dense` -> `dense`."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z0-9])(?=[A-Z][a-z])", "_", class_name).lower()


def _self_list_item(node: cst.BaseExpression) -> bool:
    """`self.blocks[-1]`: an item of a layer's list attribute (a sub-layer, where it is built)."""
    return isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) and dotted(node.value.value) == "self"


def _is_super(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and dotted(node.func) == "super"
