"""Catalog entries for containers and parameters: Sequential, ModuleList, ModuleDict, Parameter, buffers."""

from __future__ import annotations

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.shape_rules import ShapeRule, input_placeholder, with_shapes
from nnmigrate.catalog.spell import NN, TF, KerasForm, fn, keras, keras_fns, layer, method, with_keras
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST, const_value
from nnmigrate.writers.emit import OpView, call


def listed(e: n.Expr) -> n.Expr:
    """`list(e)`, unless `e` is already a list."""
    if isinstance(e, n.ListExpr) or isinstance(e, n.Call) and isinstance(e.func, n.Name) and e.func.id == "list":
        return e
    return n.Call(n.Name("list"), [n.Arg(e)])


def _unlisted(e: n.Expr) -> n.Expr:
    """`x` for `list(x)`: unpacking with `*` takes any iterable."""
    if isinstance(e, n.Call) and isinstance(e.func, n.Name) and e.func.id == "list" and len(e.args) == 1 \
            and not e.args[0].star and e.args[0].keyword is None:
        return e.args[0].value
    return e


def keras_layer_list(items: n.Expr) -> n.Expr:
    """The list argument of `keras.Sequential` for nn.Sequential's layers (varargs)."""
    if isinstance(items, n.TupleExpr):
        return n.ListExpr(items.elts)
    if isinstance(items, n.Starred):
        return listed(items.value)
    if isinstance(items, n.Call) and isinstance(items.func, n.Name) and items.func.id == "OrderedDict":
        return listed(n.Call(n.Attr(items, "values"), []))
    return items if isinstance(items, n.ListExpr) else n.ListExpr([items])


def torch_layer_args(items: n.Expr) -> list[n.Arg]:
    """nn.Sequential's positional arguments for the list of layers given to keras.Sequential."""
    if isinstance(items, n.ListExpr):  # a leading keras.Input placeholder is not a layer in PyTorch
        return [n.Arg(e) for e in items.elts if not (isinstance(e, n.Const) and e.value is None)]
    if isinstance(items, n.Const) and items.value in ((), None):
        return []
    return [n.Arg(_unlisted(items), star="*")]


def _sequential(v: OpView) -> n.Expr:
    items = v.get("layers")
    if isinstance(items, n.Const):
        return call("keras.Sequential")
    layers = keras_layer_list(items)
    one = _one_layer(*layers.elts) if isinstance(layers, n.ListExpr) and len(layers.elts) == 2 else None
    return one or call("keras.Sequential", layers)


#: Keras layers that take an `activation=` of their own
_ACTIVATED = frozenset(f"layers.{name}" for name in (
    "Dense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "DepthwiseConv2D",
    "SeparableConv1D", "SeparableConv2D"))


def _one_layer(first: n.Expr, second: n.Expr) -> n.Expr | None:
    """Two Keras layers, as PyTorch's nn.Sequential of two modules gives them, that Keras writes as one: a layer then
    its activation (`layers.Conv2D(8, 3, activation='relu')`), or a global pooling that keeps its axes then a
    flatten (channels-last, so through a Permute to PyTorch's order, which axes of size 1 do not change): the
    global pooling that drops them. None for other layers."""
    if not isinstance(first, n.Call) or not isinstance(first.func, n.Name):
        return None
    activation = _activation_name(second)
    if first.func.id in _ACTIVATED and activation is not None and all(a.keyword != "activation" for a in first.args):
        return n.Call(first.func, [*first.args, n.Arg(activation, "activation")])
    if first.func.id.startswith("layers.Global") and _flattens(second) and len(first.args) == 1 \
            and first.args[0].keyword == "keepdims" and const_value(first.args[0].value) is True:
        return n.Call(first.func, [])
    return None


def _activation_name(e: n.Expr) -> n.Expr | None:
    """The `activation=` value of an activation layer: `layers.ReLU()` -> 'relu', `layers.Activation(a)` -> a."""
    if _is_call(e, "layers.ReLU") and not e.args:  # type: ignore[attr-defined]
        return n.Const("relu")
    if _is_call(e, "layers.Activation") and len(e.args) == 1 and e.args[0].keyword in (None, "activation"):  # type: ignore[attr-defined]
        return e.args[0].value  # type: ignore[attr-defined]
    return None


def _flattens(e: n.Expr) -> bool:
    """`layers.Flatten()`, or `keras.Sequential([layers.Permute(...), layers.Flatten()])`."""
    if _is_call(e, "layers.Flatten") and not e.args:  # type: ignore[attr-defined]
        return True
    inner = e.args[0].value if _is_call(e, "keras.Sequential") and len(e.args) == 1 else None  # type: ignore[attr-defined]
    return isinstance(inner, n.ListExpr) and len(inner.elts) == 2 and _is_call(inner.elts[0], "layers.Permute") \
        and _flattens(inner.elts[1])


def _module_list(v: OpView) -> n.Expr:
    modules = v.get("modules")
    if isinstance(modules, n.Const) and modules.value is None:
        return n.ListExpr([])
    if isinstance(modules, (n.ListExpr, n.Comprehension)) and getattr(modules, "kind", "list") == "list":
        return modules
    if isinstance(modules, n.Comprehension):
        return n.Comprehension("list", modules.elt, modules.generators)
    return n.Call(n.Name("list"), [n.Arg(modules)])


def _module_dict(v: OpView) -> n.Expr:
    modules = v.get("modules")
    if isinstance(modules, n.Const) and modules.value is None:
        return n.DictExpr([], [])
    return modules if isinstance(modules, (n.DictExpr, n.Comprehension)) else n.Call(n.Name("dict"), [n.Arg(modules)])


def _parameter(v: OpView) -> n.Expr:
    return call("keras.Variable", v.get("data"), trainable=v.unless("requires_grad", True))


def _buffer(v: OpView) -> n.Expr:
    return call("keras.Variable", v.get("tensor"), trainable=False)


NONE = LayoutRule("none", tensor_inputs=())

ENTRIES = (
    OpEntry("sequential", "containers", (Attr("layers", torch=()),), (layer(NN + "Sequential", varargs="layers"),),
            layout=NONE, to_keras=_sequential, notes="keras.Sequential; an OrderedDict's names are not kept by Keras."),
    OpEntry("module_list", "containers", (Attr("modules", torch=None),), (layer(NN + "ModuleList", "modules"),),
            layout=NONE, to_keras=_module_list, notes="A plain Python list: Keras tracks layers in list attributes."),
    OpEntry("module_dict", "containers", (Attr("modules", torch=None),), (layer(NN + "ModuleDict", "modules"),),
            layout=NONE, to_keras=_module_dict, notes="A plain dict: Keras tracks layers in dict attributes."),
    OpEntry("parameter", "containers", (Attr("data"), Attr("requires_grad", torch=True)),
            (fn(NN + "Parameter", "data", "requires_grad"), fn(NN + "parameter.Parameter", "data", "requires_grad")),
            layout=NONE, to_keras=_parameter, notes="A `keras.Variable` attribute; weight transfer copies it by name."),
    OpEntry("register_buffer", "containers", (Attr("input"), Attr("name"), Attr("tensor"), Attr("persistent", torch=True)),
            (method("register_buffer", "name", "tensor", "persistent"),),
            layout=NONE, to_keras=_buffer, notes="A non-trainable `keras.Variable` attribute of the same name."),
)


def _is_call(e: n.Expr, name: str) -> bool:
    return isinstance(e, n.Call) and isinstance(e.func, n.Name) and e.func.id == name


def _weightless(e: n.Expr) -> bool:
    """A PyTorch layer construction that the catalog knows holds no weights (`nn.Flatten()`), containers excepted."""
    from nnmigrate.catalog import default_catalog

    if not isinstance(e, n.Call) or not isinstance(e.func, n.Name):
        return False
    found = default_catalog().lookup_class("torch", e.func.id.removeprefix("nn."))
    return found is not None and found[0].weights is None and found[0].family != "containers"


def _sequential_torch(v: OpView) -> n.Expr:
    """nn.Sequential of the layers; where all but one of them are identities in PyTorch and none holds weights, that
    one layer (`keras.Sequential([layers.Permute((3, 1, 2)), layers.Flatten()])` on channels-first is `nn.Flatten()`)."""
    args = torch_layer_args(v.get("layers"))
    kept = [a.value for a in args if not _is_call(a.value, "nn.Identity")]
    if len(args) > 1 and len(kept) == 1 and not any(a.star for a in args) and _weightless(kept[0]):
        return kept[0]
    return n.Call(n.Name("nn.Sequential"), args)


INPUT_PLACEHOLDER = OpEntry(
    "input_placeholder", "containers",
    (Attr("shape", keras=None), Attr("batch_size", keras=None), Attr("dtype", keras=None), Attr("name", keras=None),
     Attr("sparse", keras=None), Attr("batch_shape", keras=None), Attr("tensor", keras=None)),
    (), (fn("keras.Input", "shape", "batch_size", "dtype"), fn("keras.layers.Input", "shape", "batch_size", "dtype"),
         fn("keras.layers.InputLayer", "shape", "batch_size", "dtype", rename={"input_shape": "shape"})),
    layout=NONE, to_torch=lambda v: n.Const(None),
    notes="A symbolic input: PyTorch modules take any input, so it has no PyTorch form of its own.")

FUNCTIONAL_MODEL = OpEntry(
    "functional_model", "containers", (Attr("inputs"), Attr("outputs"), Attr("name", keras=None), Attr("trainable", keras=True)),
    (), (fn("keras.Model", "inputs", "outputs", "name"), fn("keras.models.Model", "inputs", "outputs", "name")),
    layout=NONE, notes="A Functional model: in PyTorch the builder's dataflow becomes the forward of a module.")

ENTRIES = ENTRIES + (INPUT_PLACEHOLDER, FUNCTIONAL_MODEL)
ENTRIES = with_keras(ENTRIES, {
    "sequential": KerasForm((keras("keras.Sequential", "layers"), keras("keras.models.Sequential", "layers")),
                            _sequential_torch),
})

ENTRIES = with_shapes(ENTRIES, {"input_placeholder": ShapeRule(input_placeholder)})


# ---- Keras weights: add_weight, tf.Variable / keras.Variable, initializers ---------------------------------

#: Keras initializer -> the torch.nn.init function filling a tensor the same way, and its arguments
#: (canonical attribute -> torch keyword). Fan-based ones count fans for a Keras (in, out) kernel.
_INITS: dict[str, tuple[str, dict[str, str]]] = {
    "zeros": ("nn.init.zeros_", {}), "ones": ("nn.init.ones_", {}), "constant": ("nn.init.constant_", {"value": "val"}),
    "random_normal": ("nn.init.normal_", {"mean": "mean", "stddev": "std"}),
    "random_uniform": ("nn.init.uniform_", {"minval": "a", "maxval": "b"}),
    "truncated_normal": ("nn.init.trunc_normal_", {"mean": "mean", "stddev": "std"}),
    "glorot_uniform": ("nn.init.xavier_uniform_", {}), "glorot_normal": ("nn.init.xavier_normal_", {}),
    "he_normal": ("nn.init.kaiming_normal_", {}), "he_uniform": ("nn.init.kaiming_uniform_", {}),
    "orthogonal": ("nn.init.orthogonal_", {"gain": "gain"}), "identity": ("nn.init.eye_", {}),
}
INITIALIZER_CLASSES = {"zeros": "Zeros", "ones": "Ones", "constant": "Constant", "random_normal": "RandomNormal",
                 "random_uniform": "RandomUniform", "truncated_normal": "TruncatedNormal", "glorot_uniform": "GlorotUniform",
                 "glorot_normal": "GlorotNormal", "he_normal": "HeNormal", "he_uniform": "HeUniform",
                 "orthogonal": "Orthogonal", "identity": "Identity"}
_INIT_ATTRS = (Attr("kind"), Attr("mean", keras=0.0), Attr("stddev", keras=0.05), Attr("minval", keras=-0.05),
               Attr("maxval", keras=0.05), Attr("value", keras=0.0), Attr("gain", keras=1.0))
_DEFAULTS = {a.name: a.keras for a in _INIT_ATTRS[1:]}
_INIT_PARAMS = {"constant": ("value",), "random_normal": ("mean", "stddev"), "random_uniform": ("minval", "maxval"),
                "truncated_normal": ("mean", "stddev"), "orthogonal": ("gain",)}


def _fill(kind: str, tensor: n.Expr, args: dict[str, n.Expr]) -> n.Expr:
    """`tensor` filled the way Keras initializer `kind` fills a weight."""
    fn_name, params = _INITS[kind]
    keywords: dict[str, n.Expr] = {}
    for name, torch_name in params.items():
        value = args.get(name, n.Const(_DEFAULTS[name]))
        if not (name in ("mean", "gain") and const_value(value) == _DEFAULTS[name]):  # torch's default too
            keywords[torch_name] = value
    if kind == "truncated_normal":  # Keras cuts at two standard deviations from the mean
        mean, std = args.get("mean", n.Const(0.0)), args.get("stddev", n.Const(0.05))
        keywords |= {"a": n.BinOp("-", mean, n.BinOp("*", n.Const(2), std)), "b": n.BinOp("+", mean, n.BinOp("*", n.Const(2), std))}
    if kind in ("he_normal", "he_uniform"):
        keywords |= {"mode": n.Const("fan_out"), "nonlinearity": n.Const("relu")}  # fan-in of an (in, out) kernel
    return call(fn_name, tensor, **keywords)


def _initializer_torch(v: OpView) -> n.Expr:
    """An initializer object made on its own: a function that fills a tensor in place."""
    return n.Lambda(["t"], _fill(v.value("kind"), n.Name("t"), {name: v.get(name) for name in _DEFAULTS}))


def _shape_args(shape: n.Expr) -> list[n.Expr]:
    if isinstance(shape, n.TupleExpr) and shape.elts:
        return list(shape.elts)
    if isinstance(shape, n.Const) and shape.value is None:
        return [n.TupleExpr([])]
    return [shape]


def _rank(shape: n.Expr) -> int | None:
    if isinstance(shape, (n.TupleExpr, n.ListExpr)) and not any(isinstance(e, n.Starred) for e in shape.elts):
        return len(shape.elts)
    return 0 if isinstance(shape, n.Const) and shape.value is None else None


def _weight(v: OpView, init: n.Expr, shape: n.Expr, dtype: n.Expr | None) -> n.Expr:
    """The initial tensor of a Keras weight of `shape` made by initializer `init` (a name, a filling function or
    a value chosen at run time)."""
    from nnmigrate.catalog.math_ops import torch_dtype

    dtype = None if dtype is None or isinstance(dtype, n.Const) and dtype.value is None else torch_dtype(dtype)
    if isinstance(dtype, n.Call) and isinstance(dtype.func, n.Name) and dtype.func.id == "torch.get_default_dtype":
        dtype = None  # what torch uses anyway
    sizes = _shape_args(shape)
    if isinstance(init, n.Const) and init.value is None:
        is_int = isinstance(dtype, n.Name) and ("int" in dtype.id or "bool" in dtype.id)
        init = n.Const("zeros" if is_int else "glorot_uniform")  # Keras's defaults
    if isinstance(init, n.Const) and init.value in ("zeros", "ones"):
        return call(f"torch.{init.value}", *sizes, dtype=dtype)
    empty = call("torch.empty", *sizes, dtype=dtype)
    if isinstance(init, n.Const) and init.value in _INITS:
        kind = init.value
        if kind in ("glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "orthogonal") and (_rank(shape) or 2) < 2:
            v.notes.append(f"{kind} needs a weight of two or more dims: this one starts at zero")
            return call("torch.zeros", *sizes, dtype=dtype)
        return _fill(kind, empty, {})
    if isinstance(init, n.Lambda) and len(init.params) == 1 and isinstance(init.body, n.Call) and init.body.args \
            and isinstance(init.body.args[0].value, n.Name) and init.body.args[0].value.id == init.params[0]:
        body = init.body
        filled = {"nn.init.zeros_": "torch.zeros", "nn.init.ones_": "torch.ones"}
        if isinstance(body.func, n.Name) and body.func.id in filled and len(body.args) == 1:
            return call(filled[body.func.id], *sizes, dtype=dtype)
        return n.Call(body.func, [n.Arg(empty), *body.args[1:]])
    rank = _rank(shape)
    if rank is None:  # glorot_uniform needs two or more dims: a weight of any rank starts small and uniform
        v.notes.append("the initializer is chosen at run time or has no PyTorch form, and the weight's rank is "
                       "known only at run time: it starts uniform in [-0.05, 0.05]; copy trained weights in")
        return call("nn.init.uniform_", empty, -0.05, 0.05)
    v.notes.append("the initializer is chosen at run time or has no PyTorch form: the weight starts as "
                   "glorot_uniform (Keras's default); copy trained weights in")
    return call("nn.init.xavier_uniform_", empty) if rank >= 2 else call("torch.zeros", *sizes, dtype=dtype)


def _held(v: OpView, value: n.Expr, trainable: n.Expr) -> n.Expr:
    """A trainable weight is an nn.Parameter, a fixed one a buffer (saved with the module, not trained)."""
    if isinstance(trainable, n.Const) and trainable.value is False:
        return call("nn.Buffer", value)
    if isinstance(trainable, n.Const) and trainable.value in (True, None):
        return call("nn.Parameter", value)
    return call("nn.Parameter", value, requires_grad=trainable)


def _add_weight_torch(v: OpView) -> n.Expr:
    if any(isinstance(v.get(name), (n.Call, n.Const)) and not v.is_(name, None) for name in ("regularizer", "constraint")):
        v.notes.append("a weight regularizer or constraint is left out: add it to the PyTorch training loop")
    value = _weight(v, v.get("initializer"), v.get("shape"), v.get("dtype"))
    return _held(v, value, v.get("trainable"))


def _variable_torch(v: OpView) -> n.Expr:
    """tf.Variable(value) / keras.Variable(value or initializer, shape)."""
    data = v.get("data")
    if not v.is_("shape", None) and (isinstance(data, (n.Lambda, n.Const)) and not isinstance(const_value(data), (int, float))):
        value = _weight(v, data, v.get("shape"), v.get("dtype"))
    elif const_value(data) is not NOT_CONST:  # Python numbers or lists
        from nnmigrate.catalog.math_ops import torch_dtype

        value = call("torch.tensor", data, dtype=None if v.is_("dtype", None) else torch_dtype(v.get("dtype")))
    elif isinstance(v.op.attrs.get("data"), n.Op):
        value = data  # made by a tensor op
    else:
        value = call("torch.as_tensor", data)
    return _held(v, value, v.get("requires_grad"))


KERAS_WEIGHTS = (
    OpEntry("add_weight", "containers",
            (Attr("input"), Attr("shape", keras=None), Attr("initializer", keras=None), Attr("dtype", keras=None),
             Attr("trainable", keras=True), Attr("regularizer", keras=None), Attr("constraint", keras=None),
             Attr("name", keras=None), Attr("aggregation", keras="none"), Attr("autocast", keras=True),
             Attr("synchronization", keras="auto"), Attr("use_resource", keras=None),
             Attr("overwrite_with_gradient", keras=False)),
            (), (method("add_weight", "shape", "initializer", "dtype"),), layout=NONE, to_torch=_add_weight_torch,
            notes="An nn.Parameter (trainable) or buffer made from the shape and initializer; in `build()` it is made "
                  "on the first call, from the input's shape."),
    OpEntry("initializer", "containers", _INIT_ATTRS, (),
            tuple(spelling for kind, cls in INITIALIZER_CLASSES.items()
                  for spelling in (fn(f"keras.initializers.{cls}", *_INIT_PARAMS.get(kind, ()), fixed={"kind": kind}),
                                   fn(f"keras.initializers.{kind}", *_INIT_PARAMS.get(kind, ()), fixed={"kind": kind}))),
            layout=NONE, to_torch=_initializer_torch,
            notes="A function filling a tensor in place with torch.nn.init, as the Keras initializer would."),
    OpEntry("keras_lookup", "containers", (Attr("identifier"),), (),
            tuple(fn(f"keras.{kind}.get", "identifier") for kind in ("initializers", "regularizers", "constraints")),
            layout=NONE, to_torch=lambda v: v.get("identifier"),
            notes="Keras resolves a name to an object; the PyTorch code keeps the name and reads it where it is used."),
)


ENTRIES = with_keras(ENTRIES + KERAS_WEIGHTS, {
    "parameter": KerasForm(keras_fns((TF + "Variable",), "data", "requires_grad",
                                     rename={"initial_value": "data", "trainable": "requires_grad"})
                           + keras_fns(("keras.Variable",), "data", "shape", "dtype", "requires_grad",
                                       rename={"initializer": "data", "trainable": "requires_grad"}),
                           _variable_torch, (Attr("shape", torch=None, keras=None), Attr("dtype", torch=None, keras=None))),
})
