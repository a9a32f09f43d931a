"""Translates pivot statements and expressions into target code, tracking tensor layouts as it goes.

The translator walks a function body in order with an environment of `TensorInfo`s, asks the
catalog entry of every op for its target form, and inserts explicit transposes where a tensor in
the wrong layout meets an op that cannot be remapped. Framework specifics come from the catalog
(emitters) and from the `ClassContext` the writer hands in.
"""

from __future__ import annotations

import ast
import builtins

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from nnmigrate.catalog import Catalog
from nnmigrate.catalog.entry import OpEntry
from nnmigrate.diagnostics import Diagnostic, Severity, SourceRange
from nnmigrate.layout import UNKNOWN, TensorInfo, collapse
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import const_value
from nnmigrate.writers import item_assignment, module_state, printer
from nnmigrate.writers.fallback import guarded, kept
from nnmigrate.writers.dtypes import FLOAT, INT, INT_TENSOR, needs_float, number_kind, sizes
from nnmigrate.writers.emit import MOVED, PLAIN, OpView, substitute, uses

if TYPE_CHECKING:
    from nnmigrate.writers.model_writer import ModelWriter


#: Builtins that walk their argument's elements in some order: the elements stay what they are.
_ORDER_ONLY = frozenset({"reversed", "list", "tuple", "iter", "sorted"})
#: Builtins that fold their argument's elements elementwise (`sum([x, y])`): the result has their common layout.
_ELEMENTWISE_FOLDS = frozenset({"sum"})
#: Methods of Python's lists and dicts: called on a variable that holds tensors, it holds a list of them.
_SEQUENCE_METHODS = frozenset(name for name in (*dir(list), *dir(dict)) if not name.startswith("_")) - {"sort"}


@dataclass
class CallSite:
    """Layout seen where a layer attribute is called: decides constructor arguments such as BN's axis."""

    layout: str
    rank: int | None


@dataclass
class AttrInfo:
    """What a `self.<name>` attribute holds, learned from the constructor."""

    kind: str  # op | class | sequence | list | dict | param | argument (what a caller passed in) | other
    key: str | None = None  # catalog key (op) or class name (class)
    elements: list[AttrInfo] = field(default_factory=list)
    op: n.Op | None = None  # the constructor call, for ops


@dataclass
class Signature:
    """A class's forward contract: the layout each parameter expects and what it returns."""

    params: dict[str, TensorInfo]
    returns: TensorInfo


#: comparisons that compare tensors element by element
_ORDERING = frozenset(("<", "<=", ">", ">=", "==", "!="))


def _is_tensor(info: TensorInfo) -> bool:
    """Whether a value is known to be one tensor (not a list or tuple of them, not another value)."""
    return info.parts is None and not info.listed and bool(info.layout or info.origin)


def _literal_default(param: str) -> n.Const | None:
    """The default of the lambda parameter `param` (`eps=1e-05`) when it is a literal, else None."""
    try:
        return n.Const(ast.literal_eval(param.split("=", 1)[1]))
    except (ValueError, SyntaxError):
        return None


_FORWARD_NAMES = frozenset({"forward", "call"})  # a model's forward method in either framework


class Translator:
    """Translates one function body. `demand` collects, per parameter, the layout its first use needs."""

    def __init__(self, writer: ModelWriter, catalog: Catalog, attrs: dict[str, AttrInfo] | None = None,
                 class_name: str | None = None) -> None:
        self.writer = writer
        self.catalog = catalog
        self.attrs = attrs or {}
        self.class_name = class_name
        self.env: dict[str, TensorInfo] = {}
        self.loop_elements: dict[str, AttrInfo] = {}
        self.demand: dict[str, str] = {}
        self.returns: list[TensorInfo] = []
        self.markers: list[str] = []
        #: the layouts the forward's parameters arrive in (set for a class's forward)
        self.param_infos: dict[str, TensorInfo] = {}
        self.number_kinds: dict[str, str] = {}  # local names known to hold integer tensors, ints or floats
        self.diagnostics: list[Diagnostic] = []
        self.call_sites: dict[str, CallSite] = {}
        self.sites: dict[str, CallSite] = {}  # call sites seen in forward, used when constructing layers
        self.containers: dict[str, str] = {}  # local names bound to layer objects: catalog key
        self.values: dict[str, n.Expr] = {}  # local names bound once to an iterable built from calls (`zip(...)`)
        self.site: str | None = None
        self.constructing = False  # translating a constructor: the layers it builds hold no variables yet
        self.variables_read: set[str] = set()  # `self` layers whose variables the body reads (`self.fc.weight`)

    # ---- diagnostics --------------------------------------------------------------------

    def report(self, code: str, message: str, span: SourceRange | None, severity: Severity = Severity.ERROR,
               hint: str = "") -> None:
        self.diagnostics.append(Diagnostic(code, message, span, severity, hint))
        if severity is Severity.ERROR:
            self.markers.append(f"TODO(nnmigrate): {code} {message}")

    # ---- layout conversions -------------------------------------------------------------

    def need(self, e: n.Expr, info: TensorInfo, layout: str, rank: int | None = None) -> n.Expr:
        """`e` converted to `layout`; records the demand when `e` comes straight from a parameter (or is a
        list of such values, `[x]`)."""
        for p in info.origin.union(*(part.origin for part in info.parts or ())):
            self.demand.setdefault(p, layout)
        if info.parts is not None and isinstance(e, (n.ListExpr, n.TupleExpr)) and len(e.elts) == len(info.parts):
            return type(e)([self.need(x, p, layout, p.rank) for x, p in zip(e.elts, info.parts)])  # item by item
        if info.parts is not None:  # a variable holding tensors: one layout for all, else converted item by item
            info = collapse(info)
            if info.parts is not None:
                return self._parts_to(e, info.parts, layout)
        if info.layout == layout or info.layout is None and layout == PLAIN:
            return e
        if info.listed:  # a list of tensors: each converted
            return self._list_to_source(e, info) if layout == PLAIN else n.Comprehension(
                "list", self.writer.to_target(n.Name("t"), info.rank or rank), [n.CompFor(n.Name("t"), e)])
        rank = info.rank or rank
        if layout == MOVED:
            if info.layout is None and not info.origin:
                return e  # unknown values are assumed to already be in the target layout
            return self.writer.to_target(e, rank)
        return self.writer.to_source(e, rank)

    def moved_rank(self, rank: int | None) -> int | None:
        """The rank of a moved tensor for axis remapping. Moving channels to axis 1 needs it to tell the channel
        axis (last) from a spatial one; unknown, it is taken to be the rank of the model's convolutions."""
        return rank or (None if self.writer.axes.to_last else self.writer.default_rank())

    # ---- expressions --------------------------------------------------------------------

    def expr(self, e: n.Expr) -> tuple[n.Expr, TensorInfo]:  # noqa: C901
        if isinstance(e, n.Name):
            if e.id not in self.env or e.id in self.writer.dropped_call_keywords:  # Keras's `training` argument
                special = self.writer.translate_name(e.id)
                if special is not None:
                    return special, UNKNOWN
            return e, self.env.get(e.id, UNKNOWN)
        left_out = self._module_setting(e)
        if left_out is not None:
            return self.expr(left_out)
        if isinstance(e, n.Op):
            return self.op(e)
        if isinstance(e, n.Attr):
            if isinstance(e.value, n.Name) and e.value.id == "self":
                special = self.writer.translate_self_attr(e.attr)
                if special is not None:
                    return special, UNKNOWN
                info = self.attrs.get(e.attr)
                name = self.writer.attr_name(self.class_name, e.attr)
                out = n.Attr(e.value, name, span=e.span)
                return out, TensorInfo(PLAIN) if info is not None and info.kind == "param" else UNKNOWN
            value, _ = self.expr(e.value)
            held = self._held(e.value)
            variable = self.writer.layer_variable(held, e.attr, value) \
                if held is not None and not self.constructing else None  # a layer's variables exist once it is built
            if variable is not None:
                if isinstance(e.value, n.Attr) and isinstance(e.value.value, n.Name) and e.value.value.id == "self":
                    self.variables_read.add(e.value.attr)
                return variable, TensorInfo(PLAIN)
            setting = self.writer.layer_setting(held, e.attr, value) if held is not None else None
            return setting or n.Attr(value, e.attr, span=e.span), UNKNOWN
        if isinstance(e, n.Call):
            return self.call(e)
        if isinstance(e, n.BinOp):
            return self.binop(e)
        if isinstance(e, n.UnaryOp):
            operand, info = self.expr(e.operand)
            return n.UnaryOp(e.op, operand), info if e.op == "-" else UNKNOWN
        if isinstance(e, n.Subscript):
            return self.subscript(e)
        if isinstance(e, (n.TupleExpr, n.ListExpr)):
            items = [self.expr(x) for x in e.elts]
            return type(e)([x for x, _ in items]), _display_info(e.elts, items)
        if isinstance(e, n.SetExpr):
            return n.SetExpr([self.expr(x)[0] for x in e.elts]), UNKNOWN
        if isinstance(e, n.DictExpr):
            return n.DictExpr([self.expr(k)[0] if k is not None else None for k in e.keys],
                              [self.expr(v)[0] for v in e.values]), UNKNOWN
        if isinstance(e, n.Compare) and len(e.ops) == 1 and e.ops[0] in _ORDERING:  # elementwise: keeps the layout
            pair, info = self.binop(n.BinOp(e.ops[0], e.left, e.comparators[0]))
            if isinstance(pair, n.BinOp):
                return n.Compare(pair.left, e.ops, [pair.right]), replace(info, origin=frozenset())
        if isinstance(e, n.Compare):
            return n.Compare(self.expr(e.left)[0], e.ops, [self.expr(c)[0] for c in e.comparators]), UNKNOWN
        if isinstance(e, n.BoolOp):
            return n.BoolOp(e.op, [self.expr(v)[0] for v in e.values]), UNKNOWN
        if isinstance(e, n.IfExp):
            body, bi = self.expr(e.body)
            orelse, oi = self.expr(e.orelse)
            body, orelse, info = self.joined(body, bi, orelse, oi)
            return n.IfExp(self.expr(e.test)[0], body, orelse), info
        if isinstance(e, n.Lambda):
            return self.lambda_expr(e), UNKNOWN
        if isinstance(e, n.Comprehension):
            return self.comprehension(e)
        if isinstance(e, n.Starred):
            value, info = self.expr(e.value)
            return n.Starred(value), info
        if isinstance(e, n.Slice):
            return n.Slice(*(self.expr(x)[0] if x is not None else None for x in (e.lower, e.upper, e.step))), UNKNOWN
        if isinstance(e, n.Unsupported):
            self.markers.append(f"TODO(nnmigrate): not migrated: {e.reason}")
            return e, UNKNOWN
        return e, UNKNOWN

    def joined(self, a: n.Expr, ai: TensorInfo, b: n.Expr, bi: TensorInfo) -> tuple[n.Expr, n.Expr, TensorInfo]:
        """Two values that one name or expression may take (`x if flag else outputs`): they meet in the layout they
        share (a tensor and a list of tensors in one layout count as sharing it), else both in the source layout."""
        if (ai.parts is None) != (bi.parts is None):
            ai, bi = collapse(ai), collapse(bi)
        origin = ai.origin | bi.origin
        if ai.parts is None and bi.parts is None and ai.layout == bi.layout:  # a list on one side: read as one
            return a, b, replace(ai, listed=ai.listed or bi.listed, origin=origin)
        if ai.parts is not None and bi.parts is not None and len(ai.parts) == len(bi.parts) and all(
                p.layout == q.layout for p, q in zip(ai.parts, bi.parts)):
            return a, b, replace(ai, origin=origin)
        if not _holds_moved(ai) and not _holds_moved(bi):
            return a, b, ai if ai.layout or ai.parts is not None else bi
        rank = ai.rank if ai.rank == bi.rank else None
        return self.need(a, ai, PLAIN), self.need(b, bi, PLAIN), TensorInfo(PLAIN, rank, listed=ai.listed or bi.listed)

    def comprehension(self, e: n.Comprehension) -> tuple[n.Comprehension, TensorInfo]:
        """A comprehension, and what it holds: a list (or generator) of tensors all in its element's layout."""
        saved = dict(self.env)
        gens = []
        for g in e.generators:
            it, _ = self.expr(g.iter)
            self.bind(g.target, self.element_of(g.iter))
            gens.append(n.CompFor(self.expr(g.target)[0], it, [self.expr(c)[0] for c in g.ifs]))
        elt, info = self.expr(e.elt)
        value = self.expr(e.value)[0] if e.value is not None else None
        self.env = saved
        held = TensorInfo(info.layout, info.rank) if e.kind in ("list", "generator") and info.layout \
            and info.parts is None else UNKNOWN
        return n.Comprehension(e.kind, elt, gens, value), held

    def element_of(self, it: n.Expr) -> TensorInfo:
        """What iterating over `it` yields: a variable holding tensors (a split's pieces) gives their layout;
        `zip(a, b)` gives tuples of its arguments' elements, `enumerate(a)` pairs of an index and one."""
        it = self._iterated(it)
        if isinstance(it, n.Call) and isinstance(it.func, n.Name) and it.func.id == "zip" and it.args:
            return TensorInfo(parts=tuple(self.element_of(a.value) for a in it.args))
        if isinstance(it, n.Call) and isinstance(it.func, n.Name) and it.func.id == "enumerate" and it.args:
            return TensorInfo(parts=(UNKNOWN, self.element_of(it.args[0].value)))
        info = collapse(self.env.get(it.id, UNKNOWN)) if isinstance(it, n.Name) else UNKNOWN
        return replace(info, parts=None, origin=frozenset(), listed=False) if info.layout and info.parts is None \
            else UNKNOWN

    def _iterated(self, it: n.Expr) -> n.Expr:
        """What a loop really walks: through `reversed(x)` / `list(x)` and a local bound to `zip(...)` once."""
        for _ in range(8):
            if isinstance(it, n.Call) and isinstance(it.func, n.Name) and it.func.id in _ORDER_ONLY \
                    and len(it.args) == 1 and it.func.id not in self.env:
                it = it.args[0].value
            elif isinstance(it, n.Name) and it.id in self.values:
                it = self.values[it.id]
            else:
                break
        return it

    def binop(self, e: n.BinOp) -> tuple[n.Expr, TensorInfo]:
        left, li = self.expr(e.left)
        right, ri = self.expr(e.right)
        if self.writer.float_cast:
            lk, rk = number_kind(e.left, self.number_kinds), number_kind(e.right, self.number_kinds)
            left = self.writer.float_cast(left) if needs_float(e.op, lk, rk) else left
            right = self.writer.float_cast(right) if needs_float(e.op, rk, lk) else right
        if e.op == "@":
            return n.BinOp("@", self.need(left, li, PLAIN), self.need(right, ri, PLAIN)), TensorInfo(PLAIN)
        layouts = {i.layout for i in (li, ri) if i.layout is not None}
        if len(layouts) > 1:  # mixed layouts: meet in the source layout
            left, right = self.need(left, li, PLAIN), self.need(right, ri, PLAIN)
            return n.BinOp(e.op, left, right), TensorInfo(PLAIN)
        info = li if li.layout is not None else ri
        origin = li.origin | ri.origin
        return n.BinOp(e.op, left, right), replace(info, origin=origin) if info.layout is not None or origin else info

    def subscript(self, e: n.Subscript) -> tuple[n.Expr, TensorInfo]:
        if isinstance(e.value, n.Op) and e.value.key in ("shape", "size") and isinstance(const_value(e.index), int):
            x, xi = self.expr(e.value.attrs["input"])
            index = e.index
            if xi.moved:
                mapped = self.writer.axes.remap_expr(e.index, self.moved_rank(xi.rank))
                index = mapped if mapped is not None else index
            return n.Subscript(self.op_target(e.value, x, xi, with_dim=False), index), UNKNOWN
        value, info = self.expr(e.value)
        index, index_info = self.expr(e.index)
        taken = self.taken(e, value, info, index, index_info)
        if taken is not None:
            return taken
        if info.parts is not None and isinstance(const_value(e.index), int):
            i = const_value(e.index)
            return n.Subscript(value, index), info.parts[i] if -len(info.parts) <= i < len(info.parts) else UNKNOWN
        if info.listed:  # a slice of a list of tensors is one too; an item is one of them
            return n.Subscript(value, index), info if isinstance(e.index, n.Slice) else replace(info, listed=False)
        if info.moved:
            remapped = self.writer.axes.remap_index(index, info.rank)
            if remapped is not None:
                return n.Subscript(value, remapped), info
            value = self.need(value, info, PLAIN)
            return n.Subscript(value, index), TensorInfo(PLAIN)
        if info.layout is None and info.origin:  # probing: slicing alone does not demand a layout
            return n.Subscript(value, index), info
        if info.layout == PLAIN or info.origin:
            for p in info.origin:
                self.demand.setdefault(p, PLAIN)
            return n.Subscript(value, index), TensorInfo(PLAIN)
        return n.Subscript(value, index), UNKNOWN

    def taken(self, e: n.Subscript, value: n.Expr, info: TensorInfo, index: n.Expr,
              index_info: TensorInfo) -> tuple[n.Expr, TensorInfo] | None:
        """`x[:, idx]`: a tensor indexed along one axis by a tensor of indices (or a list of ints), whole slices
        elsewhere, as the catalog's `take` along that axis (TensorFlow's tensors take no such index). None for
        any other subscript."""
        if info.parts is not None or info.listed or not (info.layout or info.origin):
            return None
        whole = isinstance(e.index, n.TupleExpr)
        sources, items = (e.index.elts, index.elts) if whole else ([e.index], [index])  # type: ignore[union-attr]
        infos = index_info.parts if whole else (index_info,)
        if infos is None or len(infos) != len(sources) or len(items) != len(sources):
            return None
        picks = [i for i, item in enumerate(sources) if not isinstance(item, n.Slice) and not _is_ellipsis(item)]
        if len(picks) != 1:
            return None
        k = picks[0]
        source, item_info = sources[k], infos[k]
        if not all(_is_whole_slice(x) for x in sources[k + 1:]) or not all(
                _is_whole_slice(x) or _is_ellipsis(x) for x in sources[:k]) or sum(map(_is_ellipsis, sources)) > 1:
            return None
        int_list = isinstance(source, n.ListExpr) and source.elts and all(
            isinstance(const_value(x), int) and not isinstance(const_value(x), bool) for x in source.elts)
        tensor = (item_info.layout is not None or item_info.origin) and item_info.parts is None \
            and not _maybe_mask(source) and number_kind(source, self.number_kinds) not in (FLOAT, INT)
        if not (int_list or tensor):
            return None
        dim = -(len(sources) - k) if any(map(_is_ellipsis, sources[:k])) else k
        entry = self.catalog.get("take")
        op = n.Op("take", {"input": e.value, "indices": source, "dim": n.Const(dim)}, span=e.span)
        attrs = {"input": self.need(value, info, PLAIN), "indices": self.need(items[k], item_info, PLAIN),
                 "dim": n.Const(dim)}
        return self.emit(entry, OpView(entry, op, attrs, PLAIN, None), e.span), TensorInfo(PLAIN)

    def op_target(self, op: n.Op, x: n.Expr, xi: TensorInfo, with_dim: bool = True) -> n.Expr:
        """`ops.shape(x)`-style shape access that always reads source-order dims."""
        entry = self.catalog.get(op.key)
        view = OpView(entry, op, {**{k: v for k, v in op.attrs.items()}, "input": x, "dim": n.Const(None)},
                      xi.layout or PLAIN, xi.rank)
        return self.emit(entry, view, op.span)

    def emit(self, entry: OpEntry, view: OpView, span: SourceRange | None) -> n.Expr:
        emitter = self.writer.emitter(entry)
        if emitter is None:
            self.report("NNM101", f"{entry.key}: no {self.writer.target_name} form yet", span,
                        hint=entry.notes)
            return n.Unsupported(self.writer.expression_code(span), f"{entry.key} has no target form")
        out = emitter(view)
        for note in view.notes:
            self.report("NNM102", f"{entry.key}: {note}", span, Severity.WARNING)
        for error in view.errors:
            self.report("NNM102", f"{entry.key}: {error}", span, hint=entry.notes)
        return n.Unsupported(self.writer.expression_code(span), "; ".join(view.errors)) if view.errors else out

    def op(self, op: n.Op) -> tuple[n.Expr, TensorInfo]:  # noqa: C901
        entry = self.catalog.get(op.key)
        rule = self.writer.rule(entry)
        if op.layer:
            return self.construct(entry, op), UNKNOWN
        attrs: dict[str, n.Expr] = {}
        infos: dict[str, TensorInfo] = {}
        for k, v in op.attrs.items():
            attrs[k], infos[k] = self.expr(v)
        tensor_names = [t for t in rule.tensor_inputs if t in attrs]
        first = infos[tensor_names[0]] if tensor_names else UNKNOWN
        rank = first.rank or entry.rank
        layout = PLAIN
        out_info = TensorInfo(PLAIN)
        if rule.kind == "channels" and self.writer.native_channels_last:
            for t in tensor_names:
                attrs[t] = self.need(attrs[t], infos[t], MOVED, rank)
            layout, out_info = MOVED, TensorInfo(MOVED, rank)
        elif rule.kind == "channels":
            layout, out_info = first.layout or PLAIN, TensorInfo(first.layout or PLAIN, rank)
        elif rule.kind == "elementwise":
            tensors = [infos[t] for t in tensor_names]
            if len(tensors) == 1 and tensors[0].parts and isinstance(attrs[tensor_names[0]], (n.ListExpr, n.TupleExpr)):
                return self.elementwise_list(entry, op, attrs, tensor_names[0], tensors[0].parts, rank)
            layouts = {i.layout for i in tensors if i.layout is not None}
            if len(layouts) > 1:
                for t in tensor_names:
                    attrs[t] = self.need(attrs[t], infos[t], PLAIN)
                out_info = TensorInfo(PLAIN)
            else:
                layout = layouts.pop() if layouts else PLAIN
                origin = frozenset().union(*(i.origin for i in tensors)) if tensors else frozenset()
                out_info = TensorInfo(layout if layouts or origin or tensors and tensors[0].layout else None, rank, origin) \
                    if tensors else TensorInfo(PLAIN)
                if not tensors:
                    out_info = UNKNOWN
        elif rule.kind == "axis":
            for a in rule.axes:  # `dim=CHANNELS_DIMENSION`: a module-level constant is remapped like a literal
                constant = self.writer.plan.constants.get(attrs[a].id) if isinstance(attrs.get(a), n.Name) else None
                if constant is not None and attrs[a].id not in self.env:  # type: ignore[union-attr]
                    attrs[a] = n.Const(constant.value, span=attrs[a].span)
            out_info = self.axis_op(entry, op, attrs, infos, tensor_names)
            layout = first.layout if first.moved and out_info.layout is not None else PLAIN
        elif rule.kind == "opaque":
            for t in tensor_names:
                attrs[t] = self.need(attrs[t], infos[t], PLAIN)
        elif rule.kind == "permute":
            return self.permuted_op(entry, op, attrs, first)
        else:  # none: creation ops
            out_info = TensorInfo(PLAIN)
        view = OpView(entry, op, attrs, layout, rank)
        out = self.emit(entry, view, op.span)
        return out, out_info

    def elementwise_list(self, entry: OpEntry, op: n.Op, attrs: dict[str, n.Expr], name: str,
                         parts: tuple[TensorInfo, ...], rank: int | None) -> tuple[n.Expr, TensorInfo]:
        """An elementwise op over a list of tensors (`keras.layers.add([a, b])`)."""
        items, out = self.merged(attrs[name], parts, rank)  # type: ignore[arg-type]
        view = OpView(entry, op, {**attrs, name: items}, out.layout or PLAIN, out.rank)
        return self.emit(entry, view, op.span), out

    def merged(self, items: n.ListExpr | n.TupleExpr, parts: tuple[TensorInfo, ...],
               rank: int | None) -> tuple[n.Expr, TensorInfo]:
        """A list of tensors merged elementwise: its items meet in one layout, the source layout when they come in
        different ones; returns the list as written and what the merge gives."""
        known = {p.layout for p in parts if p.layout is not None}
        layout = known.pop() if len(known) == 1 else PLAIN if known else None
        elts = [self.need(x, p, layout, p.rank) for x, p in zip(items.elts, parts)] if layout else items.elts
        rank = next((p.rank for p in parts if p.rank), rank)
        return type(items)(elts), TensorInfo(layout, rank, frozenset().union(*(p.origin for p in parts)))

    def axis_op(self, entry: OpEntry, op: n.Op, attrs: dict[str, n.Expr], infos: dict[str, TensorInfo],
                tensor_names: list[str]) -> TensorInfo:
        """Remaps axis attributes for channels-last inputs, or transposes them back when it cannot."""
        rule = self.writer.rule(entry)
        first_name = tensor_names[0] if tensor_names else None
        first = infos.get(first_name, UNKNOWN) if first_name else UNKNOWN
        if first_name == "tensors":  # cat: a list of tensors
            if first.parts is None and first.layout is not None:  # a variable holding tensors of one layout
                first = TensorInfo(parts=(first,))
            parts = first.parts or ()
            cl = any(p.moved for p in parts)
            if cl:  # parameters joined with channels-last tensors are wanted channels-last too
                for p in parts:
                    if p.layout is None:
                        for o in p.origin:
                            self.demand.setdefault(o, MOVED)
            if cl and all(p.layout in (MOVED, None) for p in parts) and (
                    isinstance(attrs["tensors"], (n.ListExpr, n.TupleExpr)) or all(p.moved for p in parts)):
                rank = next((p.rank for p in parts if p.moved and p.rank), None)
                mapped = self.writer.axes.remap_expr(attrs["dim"], self.moved_rank(rank))
                if mapped is not None:
                    attrs["dim"] = mapped
                    return TensorInfo(MOVED, rank)
                self.axis_unknown(entry, op)
            origin = first.origin.union(*(p.origin for p in parts))
            if origin and all(p.layout is None for p in parts):  # probing: the joined layout follows the inputs'
                return TensorInfo(None, next((p.rank for p in parts if p.rank), None), origin)
            if isinstance(attrs["tensors"], (n.ListExpr, n.TupleExpr)) and parts:
                attrs["tensors"] = type(attrs["tensors"])([self.need(x, p, PLAIN)
                                                           for x, p in zip(attrs["tensors"].elts, parts)])
            for p in parts:
                for o in p.origin:
                    self.demand.setdefault(o, PLAIN)
            return TensorInfo(PLAIN)
        if first_name is None:
            return UNKNOWN
        for p in first.origin:
            self.demand.setdefault(p, PLAIN)
        if not first.moved:
            if op.key in ("size", "shape"):
                return UNKNOWN
            return TensorInfo(PLAIN if first.layout or first.origin else None)
        mapped_all = True
        for a in rule.axes:
            if a in attrs and const_value(attrs[a]) is not None:
                mapped = self.writer.axes.remap_expr(attrs[a], self.moved_rank(first.rank))
                if mapped is None:
                    mapped_all = False
                else:
                    attrs[a] = mapped
        if op.key in ("size", "shape") and (op.key == "shape" or const_value(attrs.get("dim")) is None):
            attrs[first_name] = self.need(attrs[first_name], first, PLAIN)
            return UNKNOWN
        if not mapped_all or any(a in attrs and const_value(attrs[a]) is None and a != "dim" for a in rule.axes):
            if not mapped_all:
                self.axis_unknown(entry, op)
            attrs[first_name] = self.need(attrs[first_name], first, PLAIN)
            return TensorInfo(PLAIN)
        if op.key in ("size",):
            return UNKNOWN
        if rule.keepdim:
            dims = const_value(op.attrs.get("dim"))
            if dims is None:
                return TensorInfo(PLAIN)
            if const_value(attrs.get(rule.keepdim)) is True:
                return first
            dims = (dims,) if isinstance(dims, int) else dims
            rank = first.rank
            if rank is None:
                return TensorInfo(PLAIN)
            norm = {d % rank for d in dims}
            channel = 1 if self.writer.axes.to_last else rank - 1  # the source's channel axis
            if channel in norm or rank - len(norm) <= 2:
                return TensorInfo(PLAIN, rank - len(norm))
            return TensorInfo(MOVED, rank - len(norm))
        return first

    def axis_unknown(self, entry: OpEntry, op: n.Op) -> None:
        """An axis known only at run time cannot be remapped: the op runs on the tensor moved back to the
        source layout (correct, with two extra transposes)."""
        self.report("NNM204", f"{entry.key}: the axis is computed at run time, so the tensor is moved back to the "
                    f"{self.writer.source_layout_name} layout around this op", op.span, Severity.WARNING,
                    hint="give the axis a literal value (or a local assigned one) to keep the native layout")

    # ---- calls --------------------------------------------------------------------------

    def inline_layer_call(self, e: n.Call, op: n.Op) -> tuple[n.Expr, TensorInfo]:
        """`layers.Conv2D(8, 3)(x)`: a layer built and called in one expression (Keras Functional style)."""
        entry = self.catalog.get(op.key)
        args = [a for a in e.args if a.keyword not in self.writer.dropped_call_keywords]
        if not args or args[0].keyword or args[0].star:
            return self.unsupported_call(e)
        if entry.stateless:  # the same as the functional form
            first = self.writer.rule(entry).tensor_inputs[0] if self.writer.rule(entry).tensor_inputs else "input"
            return self.op(n.Op(op.key, {**op.attrs, first: args[0].value}, op.extra, op.spelled, False, span=op.span))
        x, xi = self.expr(args[0].value)
        rest = [n.Arg(self.expr(a.value)[0], a.keyword, a.star) for a in args[1:]]
        rule = self.writer.rule(entry).kind
        rank = xi.rank or entry.rank
        found = self.permutation(entry, op, xi) if rule == "permute" else None
        permuted = found[0] if found else None
        if rule == "channels" and self.writer.native_channels_last:
            x = self.need(x, xi, MOVED, rank)
            out, site = self.channels_output(entry, op, rank), CallSite(MOVED, rank)
        elif permuted is not None:
            out, site = permuted, CallSite(xi.layout or PLAIN, permuted.rank)
        elif rule in ("opaque", "permute"):
            x = self.need(x, xi, PLAIN)
            out, site = (TensorInfo(PLAIN) if xi.layout or xi.origin else UNKNOWN), CallSite(PLAIN, rank)
        elif (chain := self.writer.plan.attr_info(op, {})).kind == "sequence" and chain.elements:
            wanted = self._wanted(chain, xi)  # `nn.Sequential(conv, relu)(x)`: the tensor follows each element
            x = self.need(x, xi, wanted, rank)
            out, module = self._followed(entry, op, chain, TensorInfo(wanted, rank))
            return n.Call(self.writer.inline_module(module), [n.Arg(x), *rest], span=e.span), out
        else:
            out, site = xi, CallSite(xi.layout or self.writer.default_layout(entry), rank)
        module = self.writer.inline_module(self.construct(entry, op, site))
        return n.Call(module, [n.Arg(x), *rest], span=e.span), out

    def unsupported_call(self, e: n.Call) -> tuple[n.Expr, TensorInfo]:
        code = self.writer.expression_code(e.span)
        self.report("NNM103", "this layer call cannot be migrated", e.span)
        return n.Unsupported(code, "this layer call cannot be migrated"), UNKNOWN

    def lambda_expr(self, e: n.Lambda) -> n.Lambda:
        """A lambda translated. A layer class used as a value (`norm = nn.LayerNorm`) reads as a factory lambda
        with the class's parameters; a parameter the target's form decides on only as a constant (LayerNorm's
        `elementwise_affine` picks Keras's `center` and `scale`) is fixed to its default and left out of the
        signature, so a call that passes another value fails loudly instead of building another layer."""
        params, body = list(e.params), e.body
        if isinstance(body, n.Op) and body.layer:
            out = self._lambda_body(params, body, trial=True)
            fixed = {p: _literal_default(p) for p in params if "=" in p and not uses(out, p.split("=")[0])
                     and uses(body, p.split("=")[0])}
            for p, value in fixed.items():
                if value is None:
                    continue
                constant = substitute(body, p.split("=")[0], value)
                if printer.expr(self._lambda_body(params, constant, trial=True)) != printer.expr(out):
                    body, params = constant, [q for q in params if q != p]
        return n.Lambda(params, self._lambda_body(params, body))

    def _lambda_body(self, params: list[str], body: n.Expr, trial: bool = False) -> n.Expr:
        """`body` translated with the lambda's `params` bound; a `trial` leaves no diagnostics or markers."""
        saved, reported, marked = dict(self.env), len(self.diagnostics), len(self.markers)
        for p in params:
            self.env[p.split("=")[0].lstrip("*")] = UNKNOWN
        out, _ = self.expr(body)
        self.env = saved
        if trial:
            del self.diagnostics[reported:], self.markers[marked:]
        return out

    def _inherited_method(self, func: n.Attr) -> str:
        """The target's name of the method `func` names: `super().forward` is the parent's forward, which the
        target spells `super().call` (and the other way round)."""
        inherited = isinstance(func.value, n.Call) and isinstance(func.value.func, n.Name) \
            and func.value.func.id == "super"
        return self.writer.forward_name if inherited and func.attr in _FORWARD_NAMES else func.attr

    def call(self, e: n.Call) -> tuple[n.Expr, TensorInfo]:
        if isinstance(e.func, n.Op) and e.func.layer:
            return self.inline_layer_call(e, e.func)
        mapped = self.mapped_lambda(e)
        if mapped is not None:
            return mapped
        target = self._callee_info(e.func)
        receiver = UNKNOWN
        if isinstance(e.func, n.Attr) and not (isinstance(e.func.value, n.Name) and e.func.value.id == "self"):
            value, receiver = self.expr(e.func.value)
            func: n.Expr = n.Attr(value, self._inherited_method(e.func), span=e.func.span)
        else:
            func, _ = self.expr(e.func)
            if isinstance(e.func, n.Call) and (target is not None or isinstance(e.func.func, n.Name)
                                               and self.writer.is_layer_factory(e.func.func.id)):
                func = self.writer.inline_module(func)  # a layer built and called at once
        container = self._container_key(e.func.value) if isinstance(e.func, n.Attr) else None
        renamed = self.writer.container_methods.get(container, {}).get(func.attr) \
            if container and isinstance(func, n.Attr) else None
        if renamed:
            func = n.Attr(func.value, renamed)
        args: list[n.Arg] = []
        infos: list[TensorInfo] = []
        source_args = e.args[1:] if renamed and e.func.attr == "add_module" else e.args  # the name has no use
        for a in source_args:
            if a.keyword in self.writer.dropped_call_keywords:
                continue
            value, info = self.expr(a.value)
            if self.writer.variable_value and self._is_param(a.value) and self._is_library_function(e.func):
                value = n.Attr(value, self.writer.variable_value)  # e.g. einops takes no keras.Variable
            args.append(n.Arg(value, a.keyword, a.star))
            infos.append(info)
        if target is None:
            if isinstance(e.func, n.Name) and self.writer.is_local_function(e.func.id):
                return self.call_function(e.func.id, func, args, infos, e.span)
            if isinstance(e.func, n.Attr) and isinstance(e.func.value, n.Name) and e.func.value.id == "self":
                if self.class_name is not None and self.writer.plan.helper(self.class_name, e.func.attr):
                    return self.call_function((self.class_name, e.func.attr), func, args, infos, e.span)
                return self.call_unknown(func, args, infos, e.span)
            if isinstance(e.func, n.Attr) and (receiver.layout is not None or receiver.origin) \
                    and e.func.attr not in _SEQUENCE_METHODS:  # `outputs.append(x)`: a list of tensors
                # a method of a tensor the catalog lacks: the target's tensors do not have it
                self.report("NNM101", f"tensor method `.{e.func.attr}()` is not in the op catalog", e.span,
                            hint=f"the {self.writer.target_name} tensor has no such method")
            if self._is_imported_callable(e.func) and any(i.layout or i.origin for i in infos):
                # a library function or layer (einops) knows nothing of the layout change: it gets the source layout
                args = [n.Arg(self.need(a.value, i, PLAIN), a.keyword, a.star) for a, i in zip(args, infos)]
                return n.Call(func, args, span=e.span), TensorInfo(PLAIN, _pattern_rank(args))
            first = infos[0] if infos else UNKNOWN
            if isinstance(e.func, n.Name) and e.func.id in _ELEMENTWISE_FOLDS and len(infos) == 1 and first.parts:
                return n.Call(func, args, span=e.span), _common(first.parts)
            return n.Call(func, args, span=e.span), first if first.layout else UNKNOWN
        attr_name, info = target
        return self.call_attr(attr_name, info, func, args, infos, e.span)

    def mapped_lambda(self, e: n.Call) -> tuple[n.Expr, TensorInfo] | None:
        """`map(lambda t: rearrange(t, ...), (q, k, v))`: the lambda's parameter takes what the sequence's
        elements are, so its body meets them in their layout; the result's elements are what the body gives."""
        if not (isinstance(e.func, n.Name) and e.func.id == "map" and "map" not in self.env and len(e.args) == 2
                and not any(a.keyword or a.star for a in e.args) and isinstance(e.args[0].value, n.Lambda)
                and len(e.args[0].value.params) == 1):
            return None
        fn: n.Lambda = e.args[0].value  # type: ignore[assignment]
        seq, info = self.expr(e.args[1].value)
        element = collapse(info)
        saved = dict(self.env)
        self.env[fn.params[0]] = replace(element, parts=None, origin=frozenset(), listed=False) \
            if element.layout and element.parts is None else self.element_of(e.args[1].value)
        body, out = self.expr(fn.body)
        self.env = saved
        return n.Call(e.func, [n.Arg(n.Lambda(fn.params, body)), n.Arg(seq)], span=e.span), \
            replace(out, parts=None, origin=frozenset()) if out.layout else UNKNOWN

    def call_function(self, name: str | tuple[str, str], func: n.Expr, args: list[n.Arg], infos: list[TensorInfo],
                      span: SourceRange | None) -> tuple[n.Expr, TensorInfo]:
        """A call of a module-level helper, or (class, name) of a helper method: arguments meet the layouts
        its body needs (like a block's forward)."""
        hints = [i for a, i in zip(args, infos) if not a.keyword and not a.star]
        sig = self.writer.method_signature(*name, hints) if isinstance(name, tuple) \
            else self.writer.function_signature(name, hints)
        params = list(sig.params.items())
        fixed = []
        for i, (a, info) in enumerate(zip(args, infos)):
            want = sig.params.get(a.keyword) if a.keyword else (params[i][1] if i < len(params) and not a.star else None)
            value = self.need(a.value, info, want.layout, info.rank) if want is not None and want.layout else a.value
            fixed.append(n.Arg(value, a.keyword, a.star))
        return n.Call(func, fixed, span=span), sig.returns

    def _container_key(self, e: n.Expr) -> str | None:
        """The catalog key of the container a local name or `self` attribute holds (`sequential`), if any."""
        if isinstance(e, n.Name):
            return self.containers.get(e.id)
        if isinstance(e, n.Attr) and isinstance(e.value, n.Name) and e.value.id == "self":
            return "sequential" if self.attrs.get(e.attr, AttrInfo("other")).kind == "sequence" else None
        return None

    def _is_param(self, e: n.Expr) -> bool:
        """`self.<name>` holding a raw parameter or buffer (a keras.Variable in the target)."""
        return isinstance(e, n.Attr) and isinstance(e.value, n.Name) and e.value.id == "self" \
            and self.attrs.get(e.attr, AttrInfo("other")).kind == "param"

    def _is_library_function(self, func: n.Expr) -> bool:
        """A function from an imported library: not a builtin, nor defined in the migrated module."""
        head = func.id.split(".")[0] if isinstance(func, n.Name) else None
        return head is not None and not hasattr(builtins, head) and head not in self.writer.plan.definitions

    def _is_imported_callable(self, func: n.Expr) -> bool:
        """A function, class or object from a library the user imports (`rearrange`, `Rearrange(...)`), or
        something made by calling one: code written for the source layout."""
        while isinstance(func, (n.Attr, n.Call)):
            func = func.value if isinstance(func, n.Attr) else func.func
        return isinstance(func, n.Name) and func.id.split(".")[0] in self.writer.plan.imported

    def _held(self, e: n.Expr) -> AttrInfo | None:
        """What a layer-holding expression holds, as far as the constructors tell: `self.<name>`, a loop
        variable over a container, an element of a container, or an attribute of a migrated class's instance
        (`self.block.conv`)."""
        if isinstance(e, n.Attr) and isinstance(e.value, n.Name) and e.value.id == "self":
            return self.attrs.get(e.attr)
        if isinstance(e, n.Name):
            return self.loop_elements.get(e.id)
        owner = self._held(e.value) if isinstance(e, (n.Attr, n.Subscript)) else None
        if owner is None:
            return None
        if isinstance(e, n.Attr):
            return self.writer.plan.attributes(owner.key).get(e.attr) if owner.kind == "class" and owner.key else None
        return _merge_elements(owner.elements) if owner.elements else None

    def _callee_info(self, func: n.Expr) -> tuple[str, AttrInfo] | None:
        if isinstance(func, n.Attr) and isinstance(func.value, n.Name) and func.value.id == "self" and func.attr in self.attrs:
            return func.attr, self.attrs[func.attr]
        if isinstance(func, n.Name) and func.id in self.loop_elements:
            return func.id, self.loop_elements[func.id]
        if isinstance(func, n.Call) and isinstance(func.func, n.Name) and func.func.id in self.writer.classes:
            return func.func.id, AttrInfo("class", func.func.id)  # `Block(64)(x)`: a layer class built and called
        if isinstance(func, n.Subscript) and isinstance(func.value, n.Attr) and isinstance(func.value.value, n.Name) \
                and func.value.value.id == "self" and func.value.attr in self.attrs:
            info = self.attrs[func.value.attr]
            if info.elements:
                return func.value.attr, _merge_elements(info.elements)
        return None

    def call_attr(self, name: str, info: AttrInfo, func: n.Expr, args: list[n.Arg], infos: list[TensorInfo],
                  span: SourceRange | None) -> tuple[n.Expr, TensorInfo]:
        for cls in [info] if info.kind == "class" else info.elements if info.kind in ("argument", "choice") else []:
            if cls.kind == "class" and cls.key:
                self.writer.called_with(cls.key, args)
        if info.kind == "class" and info.key:
            sig = self.writer.signature(info.key, [i for a, i in zip(args, infos) if not a.keyword])
            params = list(sig.params.values())
            fixed = []
            for i, (a, ai) in enumerate(zip(args, infos)):
                want = params[i].layout if i < len(params) and not a.keyword else None
                if want is None and a.keyword and a.keyword in sig.params:
                    want = sig.params[a.keyword].layout
                fixed.append(n.Arg(self.need(a.value, ai, want) if want else a.value, a.keyword, a.star))
            return n.Call(func, fixed, span=span), sig.returns
        if info.kind == "op" and info.key and args:
            return self.call_layer_op(name, self.catalog.get(info.key), func, args, infos, span)
        if info.kind in ("argument", "choice") and info.elements and all(e.kind == "class" for e in info.elements):
            # a block the constructions pass in (`PreNorm(dim, Attention(...))`) or one of the classes a local
            # names (`block = Basic if small else Bottleneck`): each takes the layouts this call gives (the
            # first call of a class fixes them), and the call reads like the first one's
            hints = [i for a, i in zip(args, infos) if not a.keyword]
            for other in info.elements[1:]:
                self.writer.signature(other.key, hints)  # type: ignore[arg-type]
            return self.call_attr(name, info.elements[0], func, args, infos, span)
        if info.kind == "sequence" and info.elements and args:
            wanted = self._wanted(info.elements[0], infos[0], info.elements[1:])
            arg = self.need(args[0].value, infos[0], wanted, infos[0].rank)
            x, xi = arg, TensorInfo(wanted, infos[0].rank)
            for i, element in enumerate(info.elements):
                _, xi, x = self._chain(f"{name}.{i}", element, x, xi, info.elements[i + 1:])
            return n.Call(func, [n.Arg(arg, args[0].keyword), *args[1:]], span=span), xi
        return self.call_unknown(func, args, infos, span)

    def call_unknown(self, func: n.Expr, args: list[n.Arg], infos: list[TensorInfo],
                     span: SourceRange | None) -> tuple[n.Expr, TensorInfo]:
        """A sub-layer whose contents are built at run time (`self.features = make_layers(cfg)`): in a model that
        builds convolutions it is taken to work channels-last, else in whatever layout it is given."""
        first = infos[0] if infos else UNKNOWN
        if self.writer.plan.spatial and self.writer.native_channels_last and args and (first.origin or first.layout):
            x = self.need(args[0].value, first, MOVED)
            return n.Call(func, [n.Arg(x, args[0].keyword), *args[1:]], span=span), TensorInfo(MOVED, first.rank)
        return n.Call(func, args, span=span), first if first.layout else UNKNOWN

    def _wanted(self, element: AttrInfo, xi: TensorInfo, rest: list[AttrInfo] | tuple = ()) -> str:
        """The layout the first element of a Sequential needs from its input (`rest`: the elements after it)."""
        if element.kind == "op" and element.key:
            kind = self.catalog.get(element.key).layout.kind
            if kind == "channels" and self.writer.native_channels_last:
                return MOVED
            if self._moved_through(element, xi, rest):
                return MOVED
            if kind in ("opaque", "axis"):
                return PLAIN
        elif element.kind == "class" and element.key:
            first = next(iter(self.writer.signature(element.key, [xi]).params.values()), UNKNOWN)
            return first.layout or PLAIN
        elif element.kind == "sequence" and element.elements:
            return self._wanted(element.elements[0], xi)
        return xi.layout or PLAIN

    def _moved_through(self, element: AttrInfo, xi: TensorInfo, rest: list[AttrInfo] | tuple) -> bool:
        """An opaque layer that can work on the moved tensor itself (`Lambda`, `Flatten`: `spatial_input`), fed a
        moved tensor and followed in its Sequential by a channels layer: it keeps the tensor moved, since nothing
        can move it back between two layers of a Sequential."""
        rule = self.writer.rule(self.catalog.get(element.key)) if element.key else None
        if rule is None or rule.kind != "opaque" or not rule.spatial_input or xi.layout not in (MOVED, None) \
                or not self.writer.native_channels_last or not self.writer.plan.spatial:
            return False
        for later in rest:
            kind = self.writer.rule(self.catalog.get(later.key)).kind if later.kind == "op" and later.key else None
            if kind != "elementwise":
                return kind == "channels"
        return False

    def _chain(self, site: str, element: AttrInfo, x: n.Expr, xi: TensorInfo,
               rest: list[AttrInfo] | tuple = ()) -> tuple[n.Expr, TensorInfo, n.Expr]:
        """Follows a tensor through one Sequential element (`rest`: the elements after it), recording its call site."""
        if element.kind == "op" and element.key:
            entry = self.catalog.get(element.key)
            rule = self.writer.rule(entry).kind
            if rule == "channels" and self.writer.native_channels_last:
                self.call_sites[site] = CallSite(MOVED, xi.rank or entry.rank)
                return x, self.channels_output(entry, element.op, xi.rank or entry.rank), x
            if self._moved_through(element, xi, rest):
                self.call_sites[site] = CallSite(MOVED, xi.rank or entry.rank)
                return x, TensorInfo(MOVED, xi.rank or entry.rank), x
            self.call_sites[site] = CallSite(xi.layout or PLAIN, xi.rank)
            found = self.permutation(entry, element.op, xi) if rule == "permute" else None
            if found is not None:
                return x, found[0], x
            if rule in ("opaque", "permute"):
                return x, TensorInfo(PLAIN), x
            return x, xi, x
        if element.kind == "class" and element.key:
            sig = self.writer.signature(element.key, [xi])
            first = next(iter(sig.params.values()), UNKNOWN)
            self.call_sites[site] = CallSite(first.layout or PLAIN, xi.rank)
            return x, sig.returns, x
        if element.kind == "sequence":
            for i, sub in enumerate(element.elements):
                _, xi, x = self._chain(f"{site}.{i}", sub, x, xi, element.elements[i + 1:])
            return x, xi, x
        return x, xi, x

    def _followed(self, entry: OpEntry, op: n.Op, chain: AttrInfo, xi: TensorInfo) -> tuple[TensorInfo, n.Expr]:
        """What a Sequential built where it is called returns for `xi`, and its construction: each element is
        built for the layout and rank it sees there."""
        saved_calls, saved_sites, saved_site = dict(self.call_sites), self.sites, self.site
        key = f"<inline {id(op)}>"
        _, out, _ = self._chain(key, chain, n.Const(None), xi)
        self.sites = {**self.sites, **{k: v for k, v in self.call_sites.items() if k.startswith(key)}}
        self.call_sites, self.site = saved_calls, key
        try:
            return out, self.construct(entry, op, CallSite(xi.layout or PLAIN, xi.rank))
        finally:
            self.sites, self.site = saved_sites, saved_site

    def permutation(self, entry: OpEntry, op: n.Op | None, xi: TensorInfo) -> tuple[TensorInfo, tuple[int, ...]] | None:
        """What a pure axis permutation (`b n c -> b c n`) of `xi` returns, and the permutation it takes of the
        stored data (the identity where it only relabels the layout or undoes the layout move). None when `op` is
        no pure permutation, or when the input's rank is unknown and ranks 3 to 5 do not all keep the stored data."""
        rule = self.writer.rule(entry)
        if rule.permutation is None or op is None:
            return None
        perms = [rule.permutation(op, rank) for rank in ((xi.rank,) if xi.rank else (3, 4, 5))]
        if not perms or any(p is None for p in perms):
            return None
        if xi.layout is None:  # probing: a parameter is wanted in the layout that makes the permutation a relabel
            relabels = [layout for layout in (PLAIN, MOVED)
                        if self.writer.axes.permuted(perms[0], layout)[1] == tuple(range(len(perms[0])))]
            for p in xi.origin:
                self.demand.setdefault(p, relabels[0] if relabels else PLAIN)
        outcomes = {self.writer.axes.permuted(p, xi.layout or PLAIN) for p in perms}
        if len(outcomes) > 1 and (len({layout for layout, _ in outcomes}) > 1
                                  or any(on_stored != tuple(range(len(on_stored))) for _, on_stored in outcomes)):
            return None  # the order depends on the unknown rank, and so does what it does to the stored data
        ranks = {len(p) for p in perms}
        layout, on_stored = outcomes.pop()
        return TensorInfo(layout, ranks.pop() if len(ranks) == 1 else None), on_stored

    def permuted_op(self, entry: OpEntry, op: n.Op, attrs: dict[str, n.Expr],
                    first: TensorInfo) -> tuple[n.Expr, TensorInfo]:
        """A functional axis permutation (`x.permute(0, 2, 1)`, `torch.movedim(x, 1, -1)`) applied to the stored
        data: nothing where it relabels the layout or undoes the layout move, else the catalog's permute (once,
        not after a transpose back to the source layout)."""
        found = self.permutation(entry, op, first)
        if found is None or not first.moved and found[1] != tuple(range(len(found[1]))):  # as written
            attrs["input"] = self.need(attrs["input"], first, PLAIN)
            out = found[0] if found else TensorInfo(PLAIN)
            return self.emit(entry, OpView(entry, op, attrs, PLAIN, first.rank), op.span), out
        out, on_stored = found
        if on_stored == tuple(range(len(on_stored))):
            return attrs["input"], out
        permute, dims = self.catalog.get("permute"), n.TupleExpr([n.Const(a) for a in on_stored])
        view = OpView(permute, n.Op("permute", {"input": op.attrs["input"], "dims": dims}, span=op.span),
                      {"input": attrs["input"], "dims": dims}, PLAIN, out.rank)
        return self.emit(permute, view, op.span), out

    def channels_output(self, entry: OpEntry, op: n.Op | None, rank: int | None) -> TensorInfo:
        """What a channels op returns: MOVED, or (N, C) when it drops its spatial axes (`keepdims=False`)."""
        keep = self.writer.rule(entry).keepdim
        if keep and op is not None and const_value(op.attrs.get(keep)) is False:
            return TensorInfo(PLAIN, 2)
        return TensorInfo(MOVED, rank)

    def call_layer_op(self, name: str, entry: OpEntry, func: n.Expr, args: list[n.Arg], infos: list[TensorInfo],
                      span: SourceRange | None) -> tuple[n.Expr, TensorInfo]:
        x, xi = args[0].value, infos[0]
        rule = self.writer.rule(entry).kind
        rank = xi.rank or entry.rank
        found = self.permutation(entry, self.attrs[name].op if name in self.attrs else None, xi) \
            if rule == "permute" else None
        permuted = found[0] if found else None
        if rule == "channels" and self.writer.native_channels_last:
            x = self.need(x, xi, MOVED, rank)
            out = self.channels_output(entry, self.attrs[name].op if name in self.attrs else None, rank)
        elif permuted is not None:
            self.call_sites[name] = CallSite(xi.layout or PLAIN, permuted.rank)
            return n.Call(func, [n.Arg(x, args[0].keyword), *args[1:]], span=span), permuted
        elif rule in ("opaque", "permute"):
            x = self.need(x, xi, PLAIN)
            out = TensorInfo(PLAIN) if xi.layout or xi.origin or any(p.layout for p in xi.parts or ()) else UNKNOWN
        elif rule == "elementwise" and xi.parts and isinstance(x, (n.ListExpr, n.TupleExpr)):  # `self.add([a, b])`
            x, out = self.merged(x, xi.parts, rank)
        else:
            if rule == "axis":
                for p in xi.origin:
                    self.demand.setdefault(p, PLAIN)
            out = xi
        self.call_sites.setdefault(name, CallSite(out.layout if rule not in ("opaque", "permute") else PLAIN, rank))
        if rule in ("channels", "elementwise", "axis"):
            self.call_sites[name] = CallSite((xi.layout if rule != "channels" else out.layout) or PLAIN, rank)
        return n.Call(func, [n.Arg(x, args[0].keyword), *args[1:]], span=span), out

    # ---- statements ---------------------------------------------------------------------

    def bind(self, target: n.Expr, info: TensorInfo) -> None:
        if isinstance(target, n.Name):
            self.env[target.id] = info
        elif isinstance(target, (n.TupleExpr, n.ListExpr)):
            parts = info.parts
            for i, t in enumerate(target.elts):
                if parts is not None and i < len(parts):
                    self.bind(t, parts[i])
                else:
                    self.bind(t, replace(info, parts=None) if info.layout else UNKNOWN)
        elif isinstance(target, n.Starred):
            self.bind(target.value, UNKNOWN)

    def _note_kinds(self, target: n.Expr, value: n.Expr) -> None:
        """Notes what kind of number each name `target` binds holds (see `dtypes`); meshgrid's pieces are
        integer tensors when its inputs are."""
        if isinstance(target, n.Name):
            self._note_kind(target.id, number_kind(value, self.number_kinds))
        elif isinstance(target, (n.TupleExpr, n.ListExpr)):
            if isinstance(value, (n.TupleExpr, n.ListExpr)) and len(value.elts) == len(target.elts):
                for t, v in zip(target.elts, value.elts):
                    self._note_kinds(t, v)
                return
            grids = value.attrs.get("tensors") if isinstance(value, n.Op) and value.key == "meshgrid" else None
            inputs = grids.elts if isinstance(grids, (n.TupleExpr, n.ListExpr)) else []
            whole = INT if sizes(value) else INT_TENSOR if inputs and all(
                number_kind(x, self.number_kinds) == INT_TENSOR for x in inputs) else None
            for t in target.elts:
                if isinstance(t, n.Name):
                    self._note_kind(t.id, whole)

    def _note_kind(self, name: str, kind: str | None) -> None:
        if kind is None:
            self.number_kinds.pop(name, None)
        else:
            self.number_kinds[name] = kind

    def _weight_values(self, target: n.Expr, source: n.Expr, value: n.Expr) -> n.Expr:
        """`value` with each raw weight of `self` that `target` binds to a local name read as a plain tensor
        (`weight, bias = self.weight.value, self.bias.value`): a local may go anywhere a tensor goes, such as
        to einops, which takes no keras.Variable."""
        if isinstance(target, (n.TupleExpr, n.ListExpr)) and isinstance(source, (n.TupleExpr, n.ListExpr)) \
                and isinstance(value, type(source)) and len(target.elts) == len(source.elts) == len(value.elts):
            return type(value)([self._weight_values(t, s, v) for t, s, v in zip(target.elts, source.elts, value.elts)])
        if isinstance(target, n.Name) and self.writer.variable_value and self._is_param(source):
            return n.Attr(value, self.writer.variable_value)
        return value

    def body(self, stmts: list[n.Stmt]) -> list[n.Stmt]:
        out: list[n.Stmt] = []
        for s in stmts:
            out += self.stmt(s)
        return out

    def construct(self, entry: OpEntry, op: n.Op, site: CallSite | None = None) -> n.Expr:
        """A layer constructor, with the layout seen where the layer is called (`site`, else `self.site`)."""
        site = site or (self.sites.get(self.site) if self.site else None)
        layout = site.layout if site else self.writer.default_layout(entry)
        rank = site.rank if site else entry.rank or (self.writer.default_rank() if layout == MOVED else None)
        attrs: dict[str, n.Expr] = {}
        outer = self.site
        for k, v in op.attrs.items():
            if op.key == "sequential" and isinstance(v, (n.TupleExpr, n.ListExpr)):  # nn.Sequential(*) / keras's list
                prefix = outer if outer and f"{outer}.0" in self.sites else self._unseen_sequence(op, v)
                items = []
                for i, item in enumerate(v.elts):
                    self.site = f"{prefix}.{i}" if prefix else None
                    items.append(self.expr(item)[0])
                self.site = outer
                attrs[k] = type(v)(items)
            else:
                self.site = None
                attrs[k] = self.expr(v)[0]
                self.site = outer
        for name, size in self.writer.implicit_sizes(op).items():  # in_channels etc. known from the input shape
            attrs[name] = self.expr(size)[0]
        if self.writer.rule(entry).kind == "axis" and layout == MOVED:
            for a in self.writer.rule(entry).axes:
                mapped = self.writer.axes.remap_expr(attrs[a], rank) if a in attrs else None
                if mapped is not None:
                    attrs[a] = mapped
        return self.emit(entry, OpView(entry, op, attrs, layout, rank), op.span)

    def _unseen_sequence(self, op: n.Op, items: n.TupleExpr | n.ListExpr) -> str | None:
        """A Sequential built where no call site says (in a dict, a helper, a loop): its first layer takes the layout
        it would by default, the others what the layers before them return. Returns the key prefix of the call sites
        recorded for it (None when its first layer is no op)."""
        info = self.writer.plan.attr_info(op, {})
        first = info.elements[0] if info.elements else None
        if first is None or first.kind != "op" or not first.key or any(i is None for i in items.elts):
            return None
        entry = self.catalog.get(first.key)
        layout = self.writer.default_layout(entry)
        rank = entry.rank or (self.writer.default_rank() if layout == MOVED else None)
        prefix = f"<unseen {id(items)}>"
        recorded, self.call_sites = self.call_sites, {}
        xi: TensorInfo = TensorInfo(layout, rank)
        for i, element in enumerate(info.elements):
            _, xi, _ = self._chain(f"{prefix}.{i}", element, n.Name("_"), xi, info.elements[i + 1:])
        for i, element in enumerate(info.elements):  # a rank the chain does not know: as for a layer with no site
            site = self.call_sites.get(f"{prefix}.{i}")
            if site is not None and site.rank is None and element.kind == "op" and element.key:
                fallback = self.catalog.get(element.key).rank
                if site.layout == MOVED:
                    fallback = fallback or self.writer.default_rank()
                self.call_sites[f"{prefix}.{i}"] = CallSite(site.layout, fallback)
        self.sites = {**self.sites, **self.call_sites}
        self.call_sites = recorded
        return prefix

    def _with_markers(self, s: n.Stmt, produced: list[n.Stmt]) -> list[n.Stmt]:
        if self.markers and produced:
            produced[0].comments = [*produced[0].comments, *dict.fromkeys(self.markers)]
        self.markers = []
        return produced

    def stmt(self, s: n.Stmt) -> list[n.Stmt]:
        self.markers = []
        out, failures = guarded(lambda: self._stmt(s), s, self.writer.source)
        if failures:
            self.markers = []
            self.diagnostics += failures
            return out
        return self._with_markers(s, out)

    def _stmt(self, s: n.Stmt) -> list[n.Stmt]:  # noqa: C901
        c = s.comments
        if isinstance(s, (n.Assign, n.AugAssign)) and self.writer.immutable_tensors:
            assigned = self.item_assignment(s)
            if assigned is not None:
                return assigned
        if isinstance(s, n.Assign):
            first = s.targets[0]
            if isinstance(first, n.Name) and isinstance(s.value, n.Op) and s.value.layer:
                self.containers[first.id] = s.value.key
            if isinstance(first, n.Name):
                if isinstance(s.value, n.Call) and isinstance(s.value.func, n.Name) and s.value.func.id == "zip":
                    self.values[first.id] = s.value
                else:
                    self.values.pop(first.id, None)
            if isinstance(first, n.Attr) and isinstance(first.value, n.Name) and first.value.id == "self":
                self.site = first.attr
            value, info = self.expr(s.value)
            self.site = None
            targets = [self.target(t) for t in s.targets]
            for t in s.targets:
                self.bind(t, info)
            if _relabels(targets, value, s.value):  # `x = x.permute(0, 2, 3, 1)` where the target layout has it
                return [n.Dropped(self.writer.source_code(s.span) or printer.expr(s.value),
                                  "a reordering the target layout already has", span=s.span, comments=c)]
            if len(s.targets) == 1:
                value = self._weight_values(s.targets[0], s.value, value)
                self._note_kinds(s.targets[0], s.value)
            return [n.Assign(targets, value, span=s.span, comments=c)]
        if isinstance(s, n.AugAssign):
            value, vi = self.expr(s.value)
            target, ti = self.expr(s.target)
            if ti.layout != vi.layout and MOVED in (ti.layout, vi.layout) and vi.layout is not None:
                value = self.need(value, vi, ti.layout or PLAIN, ti.rank)
            return [n.AugAssign(self.target(s.target), s.op, value, span=s.span, comments=c)]
        if isinstance(s, n.AnnAssign):
            value, info = self.expr(s.value) if s.value is not None else (None, UNKNOWN)
            self.bind(s.target, info)
            return [n.AnnAssign(self.target(s.target), s.annotation, value, span=s.span, comments=c)]
        if isinstance(s, n.ExprStmt):
            return [self.expr_stmt(s)]
        if isinstance(s, n.Return):
            if s.value is None:
                return [n.Return(None, span=s.span, comments=c)]
            value, info = self.expr(s.value)
            value, info = self.writer.returned(self, value, info)
            self.returns.append(info)
            return [n.Return(value, span=s.span, comments=c)]
        if isinstance(s, n.If):
            return [self.if_stmt(s)]
        if isinstance(s, n.For):
            return self.for_stmt(s)
        if isinstance(s, n.While):
            test, _ = self.expr(s.test)
            return [n.While(test, self.body(s.body), span=s.span, comments=c)]
        if isinstance(s, n.Try):
            handlers = [n.ExceptHandler(self.expr(h.type)[0] if h.type is not None else None, h.name, self.body(h.body))
                        for h in s.handlers]
            return [n.Try(self.body(s.body), handlers, self.body(s.orelse), self.body(s.finalbody), span=s.span, comments=c)]
        if isinstance(s, n.Raise):
            return [n.Raise(self.expr(s.exc)[0] if s.exc is not None else None, span=s.span, comments=c)]
        if isinstance(s, n.Assert):
            msg = self.expr(s.msg)[0] if s.msg is not None else None
            return [n.Assert(self.expr(s.test)[0], msg, span=s.span, comments=c)]
        if isinstance(s, n.Delete):
            return [n.Delete([self.expr(t)[0] for t in s.targets], span=s.span, comments=c)]
        if isinstance(s, n.UnsupportedStmt):
            s.comments = [*c, f"TODO(nnmigrate): not migrated: {s.reason}"]
            return [s]
        if isinstance(s, n.FunctionDef):
            return [self.writer.nested_function(self, s)]
        if isinstance(s, n.ClassDef):
            return [self.nested_class(s)]
        return [s]

    def nested_class(self, cls: n.ClassDef) -> n.Stmt:
        """A class defined inside a function or block: a plain class is translated in place; a model class is
        kept as written, with a marker (only top-level model classes are migrated)."""
        if cls.kind == "plain":
            return n.ClassDef(cls.name, cls.bases, self.body(cls.body), cls.docstring, cls.kind, span=cls.span,
                              comments=cls.comments)
        stmt, diagnostic = kept(cls, f"model class `{cls.name}` is defined inside a function or block: only "
                                     f"top-level model classes are migrated (move it to the top level)",
                                self.writer.source)
        self.diagnostics.append(diagnostic)
        return stmt

    def item_assignment(self, s: n.Assign | n.AugAssign) -> list[n.Stmt] | None:
        """`x[index] = v` (or `x[index] += v`) on a tensor, for a target whose tensors are immutable: `x` rebound
        to a new tensor with those elements replaced. Kept behind a marker, with a diagnostic, where no such form
        is faithful (a tensor index, another layout for the value, a target other than a name or attribute).
        None for a statement that assigns no tensor item (a list or dict item, a plain name)."""
        targets = s.targets if isinstance(s, n.Assign) else [s.target]
        tensors = [t for t in targets if isinstance(t, n.Subscript) and _is_tensor(self.expr(t.value)[1])]
        if not tensors:
            return None
        if len(targets) != 1:
            return self._kept_item_assignment(s, "an item assignment to several targets at once")
        t = tensors[0]
        base, info = self.expr(t.value)
        if not isinstance(t.value, (n.Name, n.Attr)):
            return self._kept_item_assignment(s, "item assignment into a part of a tensor")
        index, index_info = self.expr(t.index)
        items = t.index.elts if isinstance(t.index, n.TupleExpr) else [t.index]
        infos = index_info.parts if index_info.parts is not None else (index_info,)
        if any(map(item_assignment.tensor_valued, items)) or any(i.layout is not None or i.origin for i in infos) \
                or any(isinstance(x, n.Name) and self.number_kinds.get(x.id) == INT_TENSOR for x in items):
            return self._kept_item_assignment(s, "item assignment at tensor-valued indices")
        value, value_info = self.expr(s.value)
        current = base
        if info.moved:  # indexed as in the source layout: remapped, else written in that layout
            remapped = self.writer.axes.remap_index(index, self.moved_rank(info.rank))
            if remapped is not None:
                index = remapped
            else:
                current, info = self.need(base, info, PLAIN), replace(info, layout=PLAIN)
                value = self.need(value, value_info, PLAIN)
                value_info = replace(value_info, layout=PLAIN if value_info.layout else None)
                self.bind(t.value, info)
        if value_info.layout is not None and value_info.layout != info.layout:
            return self._kept_item_assignment(s, "item assignment of a value in another layout than the tensor")
        if isinstance(s, n.AugAssign):
            value = n.BinOp(s.op, n.Subscript(current, index), value)
        assigned = item_assignment.rebinding(self.target(t.value), current, index, value)
        assigned.span, assigned.comments = s.span, s.comments
        return [assigned]

    def _kept_item_assignment(self, s: n.Stmt, what: str) -> list[n.Stmt]:
        stmt, diagnostic = kept(s, f"{what} has no {self.writer.target_name} form (its tensors are immutable)",
                                self.writer.source)
        self.diagnostics.append(diagnostic)
        return [stmt]

    def target(self, t: n.Expr) -> n.Expr:
        if isinstance(t, n.Attr) and isinstance(t.value, n.Name) and t.value.id == "self":
            return n.Attr(t.value, self.writer.attr_name(self.class_name, t.attr))
        if isinstance(t, (n.TupleExpr, n.ListExpr)):
            return type(t)([self.target(x) for x in t.elts])
        return self.expr(t)[0]

    def _is_module(self, e: n.Expr) -> bool:
        """Whether `e` is a layer or model: built here, `self`, a name or attribute bound to one, or a module
        method's result (`nn.Linear(4, 2).eval()`)."""
        if isinstance(e, n.Op) and e.layer or isinstance(e, n.Call) and isinstance(e.func, n.Name) and (
                e.func.id in self.writer.classes or self.writer.is_layer_factory(e.func.id)):
            return True
        if isinstance(e, n.Name) and (e.id == "self" and self.class_name is not None or e.id in self.containers):
            return True
        held = self._held(e)
        if held is not None:
            return held.kind not in ("param", "argument", "other")
        found = module_state.setting_call(e)
        return found is not None and self._is_module(found[0])

    def _module_setting(self, e: n.Expr) -> n.Expr | None:
        """The module of a module-setting call (`layer.eval()`, `model.to(device)`), reported as left out; None
        for any other expression."""
        found = module_state.setting_call(e)
        if found is None or not self._is_module(found[0]):
            return None
        receiver, setting = found
        code = self.writer.source_code(e.span) if e.span is not None else None
        self.report(setting.code, f"`{code or printer.expr(e)}` left out: {setting.reason}", e.span, setting.severity)
        return receiver

    def expr_stmt(self, s: n.ExprStmt) -> n.Stmt:
        v = s.value
        found = module_state.setting_call(v)
        if found is not None and self._is_module(found[0]):
            receiver = self._module_setting(v)
            while module_state.setting_call(receiver) is not None and self._is_module(receiver):
                receiver = self._module_setting(receiver)  # `model.float().eval()`: each call reported
            self.expr(receiver)
            return n.Dropped(self.writer.source_code(s.span) or printer.expr(v), found[1].reason.split(":")[0],
                             span=s.span, comments=s.comments)
        if isinstance(v, n.Call) and len(v.args) == 1 and isinstance(v.args[0].value, n.Op) \
                and v.args[0].value.key == "input_placeholder":  # `model.add(keras.Input(...))`
            return n.Dropped(self.writer.source_code(s.span) or "keras.Input(...)",
                             "the input placeholder (the container takes any input)",
                             span=s.span, comments=s.comments)
        if isinstance(v, n.Op) and v.key == "register_buffer":
            name = const_value(v.attrs["name"])
            value, _ = self.expr(n.Op("parameter", {"data": v.attrs["tensor"], "requires_grad": n.Const(False)}, span=v.span))
            if isinstance(name, str):
                return n.Assign([n.Attr(n.Name("self"), self.writer.attr_name(self.class_name, name))], value,
                                span=s.span, comments=s.comments)
            return n.ExprStmt(n.Call(n.Name("setattr"), [n.Arg(n.Name("self")), n.Arg(self.expr(v.attrs["name"])[0]),
                                                          n.Arg(value)]), span=s.span, comments=s.comments)
        held = self.env.get(v.func.value.id, UNKNOWN) if isinstance(v, n.Call) and isinstance(v.func, n.Attr) \
            and isinstance(v.func.value, n.Name) and v.func.attr == "append" and len(v.args) == 1 \
            and not v.args[0].keyword and not v.args[0].star else UNKNOWN
        if held.parts is not None or held.layout is not None:  # a list of tensors grows: `outputs.append(x)`
            name = v.func.value.id  # type: ignore[union-attr]
            added_value, added = self.expr(v.args[0].value)  # type: ignore[union-attr]
            if held.parts is None and held.layout != added.layout:  # the list's layout is known: the item joins it
                added_value = self.need(added_value, added, held.layout, added.rank or held.rank)
            self.env[name] = TensorInfo(parts=(*held.parts, added)) if held.parts is not None else held
            return n.ExprStmt(n.Call(v.func, [n.Arg(added_value)], span=v.span), span=s.span, comments=s.comments)
        value, _ = self.expr(v)
        return n.ExprStmt(value, span=s.span, comments=s.comments)

    def if_stmt(self, s: n.If) -> n.If:
        test, _ = self.expr(s.test)
        before = dict(self.env)
        body = self.body(s.body)
        after_body = self.env
        self.env = dict(before)
        orelse = self.body(s.orelse)
        after_else = self.env
        if _leaves(body) or _leaves(orelse):  # a branch that returns or raises does not reach what follows
            self.env = after_else if _leaves(body) else after_body
            return n.If(test, body, orelse, span=s.span, comments=s.comments)
        merged = dict(after_else)
        for name in set(after_body) | set(after_else):
            a, b = after_body.get(name, UNKNOWN), after_else.get(name, UNKNOWN)
            if name not in before and (name not in after_body or name not in after_else):
                merged[name] = a if name in after_body else b  # bound in one branch only: nothing to reconcile
                continue
            in_body, in_else, merged[name] = self.joined(n.Name(name), a, n.Name(name), b)
            for branch, value in ((body, in_body), (orelse, in_else)):
                if not (isinstance(value, n.Name) and value.id == name):
                    branch.append(n.Assign([n.Name(name)], value))
        self.env = merged
        return n.If(test, body, orelse, span=s.span, comments=s.comments)

    def _parts_to(self, e: n.Expr, parts: tuple[TensorInfo, ...], layout: str) -> n.Expr:
        """A variable holding tensors in different layouts (`(x, feats)`), its items each converted to `layout`."""
        items = [self.need(n.Subscript(e, n.Const(i)), p, layout, p.rank) for i, p in enumerate(parts)]
        if all(isinstance(x, n.Subscript) for x in items):
            return e
        return n.TupleExpr(items)

    def _list_to_source(self, e: n.Expr, info: TensorInfo) -> n.Expr:
        """A list of moved tensors in the source layout, element by element."""
        return n.Comprehension("list", self.writer.to_source(n.Name("t"), info.rank), [n.CompFor(n.Name("t"), e)])

    def for_stmt(self, s: n.For) -> list[n.Stmt]:
        iter_expr, _ = self.expr(s.iter)
        looped = self._loop_layers(s.target, s.iter)
        self.loop_elements.update(looped)
        element = self.element_of(s.iter)
        before = dict(self.env)
        self.bind(s.target, element)
        saved_demand = dict(self.demand)
        body = self.body(s.body)
        changed = {k: v for k, v in self.env.items() if k in before and v.layout != before[k].layout and v.layout is not None}
        prelude: list[n.Stmt] = []
        if changed:  # make the loop body layout-stable: enter in the layout one iteration leaves
            self.env = dict(before)
            self.demand = saved_demand
            for name, info in changed.items():
                expr_ = n.Name(name)
                converted = self.need(expr_, before[name], info.layout or PLAIN, info.rank)
                if converted is not expr_:
                    prelude.append(n.Assign([n.Name(name)], converted))
                self.env[name] = info
            self.bind(s.target, element)
            body = self.body(s.body)
            for name, info in changed.items():
                now = self.env.get(name, UNKNOWN)
                if now.layout != info.layout:
                    body.append(n.Assign([n.Name(name)], self.need(n.Name(name), now, info.layout or PLAIN, info.rank)))
                    self.env[name] = info
        for name, info in before.items():  # a list grown in the loop holds some number of tensors
            now = self.env.get(name, UNKNOWN)
            if info.parts is not None and now.parts is not None and now.parts != info.parts:
                self.env[name] = collapse(now)
        orelse = self.body(s.orelse)
        for name in looped:
            self.loop_elements.pop(name, None)
        return [*prelude, n.For(self.target(s.target), iter_expr, body, orelse, span=s.span, comments=s.comments)]

    def _loop_layers(self, target: n.Expr, it: n.Expr) -> dict[str, AttrInfo]:
        """The loop variables that take the layers of a `self` container, and what they hold: `layer` in
        `for layer in self.blocks`, `for name, layer in self.blocks.items()`, `for skip, block in
        zip(skips, self.blocks)`, `for i, block in enumerate(self.blocks)`, `for attn, ff in self.pairs`."""
        it = self._iterated(it)
        call = it.func.id if isinstance(it, n.Call) and isinstance(it.func, n.Name) else None
        method = it.func.attr if isinstance(it, n.Call) and isinstance(it.func, n.Attr) else None
        pairs: list[tuple[n.Expr, n.Expr]] = []
        args = it.args if isinstance(it, n.Call) else []
        if call == "zip" and isinstance(target, n.TupleExpr) and len(target.elts) == len(args):
            pairs = [(t, a.value) for t, a in zip(target.elts, args)]
        elif call == "enumerate" and isinstance(target, n.TupleExpr) and len(target.elts) == 2 and args:
            pairs = [(target.elts[1], args[0].value)]
        elif method == "items" and isinstance(target, n.TupleExpr) and len(target.elts) == 2:
            pairs = [(target.elts[1], it.func.value)]  # type: ignore[union-attr]
        if pairs:  # only layers known to be something: an unknown one stays a plain call, taking what it is given
            out: dict[str, AttrInfo] = {}
            for t, a in pairs:
                out.update({k: v for k, v in self._loop_layers(t, a).items() if v.kind != "other"})
            return out
        element = self._iter_element(it)
        if element is None:
            return {}
        if isinstance(target, n.Name):
            return {target.id: element}
        if isinstance(target, n.TupleExpr) and len(element.elements) == len(target.elts):  # a list of layer lists
            return {t.id: e for t, e in zip(target.elts, element.elements)
                    if isinstance(t, n.Name) and e.kind != "other"}
        return {}

    def _iter_element(self, it: n.Expr) -> AttrInfo | None:
        if isinstance(it, n.Attr) and isinstance(it.value, n.Name) and it.value.id == "self" or isinstance(it, n.Name):
            # a container attribute, or a container an outer loop took from one (`for attn, ff in layers`)
            info = self.attrs.get(it.attr) if isinstance(it, n.Attr) else self.loop_elements.get(it.id)
            if info is not None and info.elements:
                return _merge_elements(info.elements)
        if isinstance(it, n.Call) and isinstance(it.func, n.Attr) and it.func.attr == "values":
            return self._iter_element(it.func.value)
        return None




def _display_info(elts: list[n.Expr], items: list[tuple[n.Expr, TensorInfo]]) -> TensorInfo:
    """What a tuple or list display holds, element by element; a starred element of known pieces
    (`(q, *kv.chunk(2, dim=1))`) stands for those pieces. With a starred element of unknown length the elements
    cannot be told apart: the display is known by the layout they all share, if any."""
    parts: list[TensorInfo] = []
    for e, (_, info) in zip(elts, items):
        if isinstance(e, n.Starred) and info.parts is None and info.layout is not None:
            whole = collapse(TensorInfo(parts=tuple(i for _, i in items)))
            return TensorInfo(whole.layout, whole.rank) if whole.parts is None else TensorInfo(parts=whole.parts)
        parts += info.parts if isinstance(e, n.Starred) and info.parts is not None else [info]
    return TensorInfo(parts=tuple(parts))


def _pattern_rank(args: list[n.Arg]) -> int | None:
    """The rank an einops-style pattern argument gives (`'b (h d) x y'` after `->`: 4), None when unknown."""
    for a in args[1:2]:
        pattern = const_value(a.value)
        if isinstance(pattern, str) and pattern.count("->") == 1:
            right = pattern.split("->")[1]
            if "..." not in right:
                depth, groups = 0, 0
                for token in right.replace("(", " ( ").replace(")", " ) ").split():
                    groups += depth == 0 and token != ")"
                    depth += (token == "(") - (token == ")")
                return groups
    return None


def _merge_elements(elements: list[AttrInfo]) -> AttrInfo:
    kinds = {(e.kind, e.key) for e in elements}
    if len(kinds) == 1:
        return elements[0]
    return AttrInfo("other")



def _relabels(targets: list[n.Expr], value: n.Expr, source: n.Expr) -> bool:
    """True for `x = x` written for a source expression that computed something: a reordering only relabelled."""
    return len(targets) == 1 and isinstance(targets[0], n.Name) and isinstance(value, n.Name) \
        and targets[0].id == value.id and not isinstance(source, n.Name)


def _is_ellipsis(e: n.Expr) -> bool:
    return isinstance(e, n.Const) and e.value == "..."


def _is_whole_slice(e: n.Expr) -> bool:
    return isinstance(e, n.Slice) and e.lower is None and e.upper is None and e.step is None


def _maybe_mask(e: n.Expr) -> bool:
    """A comparison or logical expression: a boolean mask, not indices."""
    return isinstance(e, (n.Compare, n.BoolOp)) or isinstance(e, n.UnaryOp) and e.op in ("~", "not")


def _leaves(body: list[n.Stmt]) -> bool:
    """True for a block whose last statement returns or raises."""
    return bool(body) and isinstance(body[-1], (n.Return, n.Raise))


def _holds_moved(info: TensorInfo) -> bool:
    """True for a moved tensor, or tensors held together of which one is moved."""
    return info.moved or any(_holds_moved(p) for p in info.parts or ())


def _common(parts: tuple[TensorInfo, ...]) -> TensorInfo:
    """The layout every part has (and the rank, where known and the same), else unknown."""
    layouts = {p.layout for p in parts}
    ranks = {p.rank for p in parts} - {None}
    if len(layouts) != 1 or parts[0].layout is None:
        return UNKNOWN
    return TensorInfo(parts[0].layout, ranks.pop() if len(ranks) == 1 else None)
