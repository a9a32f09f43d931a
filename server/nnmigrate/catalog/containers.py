"""Catalog entries for containers and parameters: Sequential, ModuleList, ModuleDict, Parameter, buffers."""

from __future__ import annotations

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.shape_rules import ShapeRule, input_placeholder, with_shapes
from nnmigrate.catalog.spell import NN, KerasForm, fn, keras, layer, method, with_keras
from nnmigrate.pivot import nodes as n
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
    return call("keras.Sequential", keras_layer_list(items))


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


def _sequential_torch(v: OpView) -> n.Expr:
    return n.Call(n.Name("nn.Sequential"), torch_layer_args(v.get("layers")))


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
