"""Catalog entries for containers and parameters: Sequential, ModuleList, ModuleDict, Parameter, buffers."""

from __future__ import annotations

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.shape_rules import ShapeRule, input_placeholder, with_shapes
from nnmigrate.catalog.spell import NN, KerasForm, fn, keras, layer, method, with_keras
from nnmigrate.pivot import nodes as n
from nnmigrate.writers.emit import OpView, call


def _sequential(v: OpView) -> n.Expr:
    items = v.get("layers")
    if isinstance(items, n.Const):
        return call("keras.Sequential")
    if isinstance(items, n.TupleExpr):
        return call("keras.Sequential", n.ListExpr(items.elts))
    if isinstance(items, n.Starred):
        return call("keras.Sequential", n.Call(n.Name("list"), [n.Arg(items.value)]))
    if isinstance(items, n.Call) and isinstance(items.func, n.Name) and items.func.id == "OrderedDict":
        return call("keras.Sequential", n.Call(n.Name("list"), [n.Arg(n.Call(n.Attr(items, "values"), []))]))
    return call("keras.Sequential", n.ListExpr([items]) if not isinstance(items, n.ListExpr) else items)


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
    items = v.get("layers")
    if isinstance(items, n.ListExpr):  # a leading keras.Input placeholder is not a layer in PyTorch
        return call("nn.Sequential", *[e for e in items.elts if not (isinstance(e, n.Const) and e.value is None)])
    if isinstance(items, n.Const) and items.value in ((), None):
        return call("nn.Sequential")
    return n.Call(n.Name("nn.Sequential"), [n.Arg(items, star="*")])


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
