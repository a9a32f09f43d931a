"""PyTorch source -> pivot: which names are torch, which classes are nn.Modules, which method is forward."""

from __future__ import annotations

import libcst as cst

from nnmigrate.catalog import Catalog
from nnmigrate.diagnostics import Severity
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import const_value
from nnmigrate.readers.common import SourceReader
from nnmigrate.readers.first_call_build import as_keras_build
from nnmigrate.readers.functional import keras_builder, layer_made, returned_model
from nnmigrate.readers.imports import dotted

_MODULE_BASES = {"torch.nn.Module", "torch.nn.modules.module.Module"}
_SEQUENTIAL_BASES = {"torch.nn.Sequential", "torch.nn.modules.container.Sequential"}
_CONTAINER_BASES = {"torch.nn.ModuleDict": "ModuleDict", "torch.nn.modules.container.ModuleDict": "ModuleDict",
                    "torch.nn.ModuleList": "ModuleList", "torch.nn.modules.container.ModuleList": "ModuleList"}
_TENSOR_TYPES = {"torch.Tensor"}
_ROLES = {"__init__": "init", "forward": "forward"}
_AUTOGRAD_BASES = {"torch.autograd.Function", "torch.autograd.function.Function"}


def _ctx() -> n.Expr:
    """What a custom autograd Function's forward gets for `ctx`: attributes can be set, saving is a no-op."""
    no_op = n.Lambda(["*tensors"], n.Const(None))
    return n.Call(n.Name("types.SimpleNamespace"), [n.Arg(no_op, "save_for_backward"),
                                                    n.Arg(no_op, "mark_non_differentiable")])


class TorchReader(SourceReader):
    framework = "torch"
    framework_modules = frozenset({"torch"})
    ignored_keywords = frozenset({"device", "pin_memory", "non_blocking"})
    module_bases = frozenset(_MODULE_BASES)
    sequential_bases = frozenset(_SEQUENTIAL_BASES)
    container_bases = _CONTAINER_BASES
    method_roles = _ROLES
    support_module = "torch_layers.py"

    def __init__(self, source: str, catalog: Catalog) -> None:
        super().__init__(source, catalog)
        self.autograd_functions: set[str] = set()
        self.builder_models: set[int] = set()  # the `Functional(forward, ...)` calls that builders return

    def framework_prefixes(self) -> tuple[str, ...]:
        return ("torch.",)

    def applied_function(self, node: cst.BaseExpression) -> str | None:
        """`Fn` for `Fn.apply`, where Fn is a custom torch.autograd.Function of this file."""
        if isinstance(node, cst.Attribute) and node.attr.value == "apply" and dotted(node.value) in self.autograd_functions:
            return dotted(node.value)
        return None

    def attribute(self, node: cst.Attribute) -> n.Expr:
        name = self.applied_function(node)
        if name is None:
            return super().attribute(node)
        forward = n.Call(n.Attr(n.Name(name), "forward"), [n.Arg(_ctx()), n.Arg(n.Name("args"), star="*")])
        return n.Lambda(["*args"], forward, span=self.span(node))

    def call(self, node: cst.Call) -> n.Expr:
        made = layer_made(node, self.qualname)
        if made is not None:  # a layer a Functional builder creates on the first run: built and called at once
            return self.expr(made)
        if id(node) in self.builder_models:  # left for `keras_builder` to take apart
            return n.Call(n.Name("Functional"), [self.arg(a) for a in node.args], span=self.span(node))
        is_tensor = self.tensor_type_check(node)
        if is_tensor is not None:
            return is_tensor
        fresh = self.in_place_on_temporary(node)
        if fresh is not None:
            return fresh
        picked = self.picked_by_rank(node)
        if picked is not None:
            return picked
        name = self.applied_function(node.func)
        if name is None:
            return super().call(node)
        args = [n.Arg(_ctx()), *(self.arg(a) for a in node.args)]
        return n.Call(n.Attr(n.Name(name), "forward"), args, span=self.span(node))

    def function(self, node: cst.FunctionDef, role: str) -> n.FunctionDef:
        """A function returning the Functional support module is the Keras Functional builder it was migrated from."""
        model = returned_model(node, self.qualname)
        if model is None:
            return super().function(node, role)
        self.builder_models.add(id(model))
        builder, unknown = keras_builder(super().function(node, role), self.catalog.entries)
        for name in unknown:
            self.report("NNM102", f"keras.Input needs the shape of `{name}`, which the PyTorch code does not give", model,
                        hint="list it in `Functional(forward, input_shapes=[...])`, without the batch axis")
        return builder

    def small_stmt(self, node: cst.BaseSmallStatement, comments: list[str]) -> list[n.Stmt]:
        """`x.masked_fill_(mask, v)` updates `x` in place: it becomes `x = <x.masked_fill(mask, v)>`, as
        the target's tensors cannot change (for a tensor method `name_` whose `name` is in the catalog)."""
        call = node.value if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call) else None
        func = call.func if call is not None else None
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value.endswith("_")
                and not func.attr.value.endswith("__") and func.value.value not in self.imports.aliases):
            return super().small_stmt(node, comments)
        found = self.catalog.lookup_method(self.framework, f"Tensor.{func.attr.value[:-1]}")
        if found is None or found[0].family == "init" or func.value.value == "self":
            return super().small_stmt(node, comments)
        value = self.bind(found[0], found[1], [cst.Arg(func.value), *self.expand_forwarded(call.args)], call)
        return [n.Assign([self.expr(func.value)], value, span=self.span(node), comments=comments)]

    def in_place_on_temporary(self, node: cst.Call) -> n.Expr | None:
        """`torch.ones(n, n).triu_(1)`: an in-place method on a tensor nothing else holds returns what the
        out-of-place one does (for a tensor method `name_` whose `name` is in the catalog)."""
        func = node.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call)
                and func.attr.value.endswith("_") and not func.attr.value.endswith("__")):
            return None
        found = self.catalog.lookup_method(self.framework, f"Tensor.{func.attr.value[:-1]}")
        if found is None or found[0].family == "init":
            return None
        return self.bind(found[0], found[1], [cst.Arg(func.value), *self.expand_forwarded(node.args)], node)

    def picked_by_rank(self, node: cst.Call) -> n.Expr | None:
        """`(F.max_pool1d, F.max_pool2d, F.max_pool3d)[x.ndim - 3](x, k)`, the input's rank picking the function:
        the catalog's op of any rank (`max_pool`) where it has one, its arguments bound as the 1d function's."""
        func = node.func
        if not (isinstance(func, cst.Subscript) and isinstance(func.value, cst.Tuple) and len(func.slice) == 1
                and isinstance(func.slice[0].slice, cst.Index) and node.args and node.args[0].keyword is None):
            return None
        index = func.slice[0].slice.value
        if not (isinstance(index, cst.BinaryOperation) and isinstance(index.operator, cst.Subtract)
                and isinstance(index.left, cst.Attribute) and index.left.attr.value == "ndim"
                and isinstance(index.right, cst.Integer) and index.left.value.deep_equals(node.args[0].value)):
            return None
        found = [self.resolve_function(q) if (q := self.qualname(e.value)) else None for e in func.value.elements]
        if not found or None in found:
            return None
        first = int(index.right.value) - 2
        any_rank = found[0][0].key.removesuffix(f"{first}d")  # type: ignore[index]
        entry = self.catalog.entries.get(any_rank)
        if entry is None or [f[0].key for f in found] != [f"{any_rank}{first + i}d" for i in range(len(found))] \
                or {a.name for a in entry.attrs} != {a.name for a in found[0][0].attrs}:  # type: ignore[index]
            return None
        op = self.bind(*found[0], self.expand_forwarded(node.args), node)  # type: ignore[misc]
        if not isinstance(op, n.Op):
            return op
        # the any-rank op keeps Keras's values where the defaults differ (padding 'valid' for 0): only defaults map
        torch_defaults = {a.name: a.torch for a in found[0][0].attrs}  # type: ignore[index]
        for attr in entry.attrs:
            if attr.keras != torch_defaults[attr.name]:
                if const_value(op.attrs[attr.name]) != torch_defaults[attr.name]:
                    return None
                op.attrs[attr.name] = n.Const(attr.keras)
        op.key = any_rank
        return op

    def tensor_type_check(self, node: cst.Call) -> n.Expr | None:
        """`isinstance(x, torch.Tensor)` is the catalog's `torch.is_tensor(x)`; `isinstance(x, (list, torch.Tensor))`
        is `isinstance(x, (list,)) or torch.is_tensor(x)`."""
        if dotted(node.func) != "isinstance" or "isinstance" in self.imports.aliases or len(node.args) != 2:
            return None
        types = node.args[1].value
        found = self.resolve_function("torch.is_tensor")
        if found is None:
            return None
        if self.qualname(types) in _TENSOR_TYPES:
            return self.bind(found[0], found[1], [node.args[0]], node)
        if not isinstance(types, cst.Tuple) or not any(self.qualname(e.value) in _TENSOR_TYPES for e in types.elements):
            return None
        others = [e.value for e in types.elements if self.qualname(e.value) not in _TENSOR_TYPES]
        rest = self.expr(node.with_changes(args=[node.args[0], cst.Arg(cst.Tuple(
            [cst.Element(e) for e in others] if len(others) != 1 else [cst.Element(others[0], comma=cst.Comma())]))]))
        return n.BoolOp("or", [rest, self.bind(found[0], found[1], [node.args[0]], node)], span=self.span(node))

    def autograd_function(self, node: cst.ClassDef) -> n.ClassDef:
        """A custom torch.autograd.Function: a plain class whose static forward is called with a stand-in for
        ctx. Its backward is left out: Keras differentiates forward itself."""
        self.autograd_functions.add(node.name.value)
        doc, stmts = self.docstring_of(node.body)
        body: list[n.Stmt] = []
        for s in stmts:
            if isinstance(s, cst.FunctionDef) and s.name.value == "backward":
                self.report("NNM103", "custom backward left out: Keras differentiates forward itself", s,
                            severity=Severity.WARNING)
                body.append(n.Dropped(self.code(s), "custom backward", span=self.span(s)))
            else:
                body += self.stmt(s)
        return n.ClassDef(node.name.value, [], body, doc, "plain", span=self.span(node), comments=self.comments(node))

    def class_def(self, node: cst.ClassDef) -> n.ClassDef:
        if any(self.qualname(b.value) in _AUTOGRAD_BASES for b in node.bases):
            return self.autograd_function(node)
        markers = []
        for b in node.bases:
            qual = self.qualname(b.value) or ""
            if qual.startswith("torch.nn.") and qual not in self.module_bases | self.sequential_bases \
                    and qual not in self.container_bases:
                message = f"`{node.name.value}` derives from the layer class `{qual}`: its weights and call come " \
                          "from torch, so it has no Keras form"
                self.report("NNM103", message, b, hint="build the layer as an attribute of an nn.Module subclass instead")
                markers.append(f"TODO(nnmigrate): not migrated: {message}")
        out = as_keras_build(super().class_def(node))
        out.comments = [*out.comments, *markers]
        return out
