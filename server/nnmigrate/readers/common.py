"""Shared libcst -> pivot conversion: expressions, statements, functions and classes.

A framework reader subclasses `SourceReader` and says how names resolve to catalog ops; everything
that is plain Python lives here once, for both directions.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from nnmigrate import support
from nnmigrate.catalog import Catalog
from nnmigrate.catalog.entry import REQUIRED, OpEntry, Spelling
from nnmigrate.diagnostics import Diagnostic, Severity, SourceRange
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST
from nnmigrate.readers.constants import Bindings, Constants, target_names
from nnmigrate.readers.dynamic import framework_eval, framework_getattr
from nnmigrate.readers.forwarding import Expansion, Forwarding
from nnmigrate.readers.keyword_dicts import expanded, keyword_dicts
from nnmigrate.readers.imports import ImportTable, dotted
from nnmigrate.readers.padding_steps import with_padding_taken_on
from nnmigrate.readers.positions import Positions
from nnmigrate.readers.support_copies import copies_in, selecting_values

_BINOPS = {
    cst.Add: "+", cst.Subtract: "-", cst.Multiply: "*", cst.Divide: "/", cst.FloorDivide: "//",
    cst.Modulo: "%", cst.Power: "**", cst.MatrixMultiply: "@", cst.LeftShift: "<<",
    cst.RightShift: ">>", cst.BitAnd: "&", cst.BitOr: "|", cst.BitXor: "^",
}
_AUGOPS = {
    cst.AddAssign: "+", cst.SubtractAssign: "-", cst.MultiplyAssign: "*", cst.DivideAssign: "/",
    cst.FloorDivideAssign: "//", cst.ModuloAssign: "%", cst.PowerAssign: "**",
    cst.MatrixMultiplyAssign: "@", cst.LeftShiftAssign: "<<", cst.RightShiftAssign: ">>",
    cst.BitAndAssign: "&", cst.BitOrAssign: "|", cst.BitXorAssign: "^",
}
_UNARY = {cst.Minus: "-", cst.Plus: "+", cst.BitInvert: "~", cst.Not: "not"}
_COMPARE = {
    cst.Equal: "==", cst.NotEqual: "!=", cst.LessThan: "<", cst.LessThanEqual: "<=",
    cst.GreaterThan: ">", cst.GreaterThanEqual: ">=", cst.Is: "is", cst.IsNot: "is not",
    cst.In: "in", cst.NotIn: "not in",
}
#: Methods of lists and dicts that share names with nothing in the tensor catalog but must never be read as ops.
_CONTAINER_METHODS = frozenset({"append", "extend", "insert", "items", "keys", "values", "get", "pop", "update", "add_module"})


#: how writers start a note on code they left out (see writers/printer.py) or could not migrate (writers/translate.py)
_MIGRATION_NOTES = ("nnmigrate: left out ", "TODO(nnmigrate): ")

class SourceReader:
    """Converts one parsed module to pivot nodes. Subclasses set `framework` and the name rules."""

    framework: str = ""
    #: top-level packages of the framework (their imports are dropped)
    framework_modules: frozenset[str] = frozenset()
    #: keywords accepted on any op and left out of the migration (they do not change inference results)
    ignored_keywords: frozenset[str] = frozenset()
    #: qualified names of the framework's model base classes, and of its Sequential container
    module_bases: frozenset[str] = frozenset()
    sequential_bases: frozenset[str] = frozenset()
    #: qualified names of the framework's other containers a model class may derive from -> neutral base name
    container_bases: dict[str, str] = {}
    #: method name -> role in the pivot (init, forward, build); other methods are helpers
    method_roles: dict[str, str] = {}
    #: framework plumbing with no counterpart, left out with a note: method name -> what it is
    framework_only_methods: dict[str, str] = {}
    #: nnmigrate's support classes written in this framework (copies of them are read as the ops they implement)
    support_module: str = ""

    def __init__(self, source: str, catalog: Catalog) -> None:
        self.source = source
        self.catalog = catalog
        self.module = cst.parse_module(source)
        self.positions = Positions(self.module, source)
        self.bindings = Bindings(self.module, walrus=":=" in source)  # names each statement and block binds
        self.statement_span: SourceRange | None = None  # fallback range for nodes without their own
        self.imports = ImportTable()
        self.diagnostics: list[Diagnostic] = []
        self.local_classes: set[str] = set()
        self.class_kinds: dict[str, str] = {}  # model classes read so far: module | sequential | plain
        self.assigned: dict[str, cst.BaseExpression] = {}  # name -> value last assigned in the current function
        self.defaults: dict[str, cst.BaseExpression] = {}  # parameter -> its default value, in the current function
        self.keyword_dicts: dict[str, cst.Dict] = {}  # the current function's keyword dictionaries (`**conv_args`)
        self.constants = Constants(self.constant_op)  # names whose value is known before run time (`bn_axis = 3`)
        self.assignment_code: dict[int, str] = {}  # pivot assignment -> its source, for one left out once folded
        self.expansions: dict[int, Expansion] = {}  # id(function) -> its forwarded star parameters, made explicit
        self.forwarding: Expansion | None = None  # the current function's

    # ---- hooks for subclasses -----------------------------------------------------------

    def default_setting(self, keyword: str, arg: cst.Arg) -> bool:
        """Whether a keyword the catalog does not map only restates the framework's default (and may be left
        out); the reader reports where that is assumed."""
        return False

    def resolve_function(self, qualname: str) -> tuple[OpEntry, Spelling] | None:
        return self.catalog.lookup(self.framework, qualname)

    def constant_op(self, op: n.Op) -> object:
        """The value of a framework constant (`keras.backend.epsilon()`): a `constant` family entry's `value`."""
        entry = self.catalog.entries.get(op.key)
        if entry is None or entry.family != "constant":
            return NOT_CONST
        return self.constants.value(op.attrs.get("value"))

    def is_framework_import(self, stmt: cst.Import | cst.ImportFrom) -> bool:
        """Imports of the source framework are dropped: the writer adds the target's."""
        if isinstance(stmt, cst.Import):
            return all((dotted(a.name) or "").split(".")[0] in self.framework_modules for a in stmt.names)
        module = dotted(stmt.module) if stmt.module is not None else ""
        return not stmt.relative and (module or "").split(".")[0] in self.framework_modules

    # ---- helpers ------------------------------------------------------------------------

    def span(self, node: cst.CSTNode) -> SourceRange | None:
        return self.positions.get(node) or self.statement_span

    def code(self, node: cst.CSTNode) -> str:
        """The node's source text: cut from the source where its range is known (libcst's code generation
        of a large statement is slow), else generated."""
        span = self.positions.get(node)
        if span is None or getattr(node, "decorators", ()):  # a range starts after the decorators
            return self.module.code_for_node(node).strip()
        lines = list(self.positions.text(span))
        if len(lines) == 1:
            return lines[0][span.start_col:span.end_col].strip()
        lines[0], lines[-1] = lines[0][span.start_col:], lines[-1][:span.end_col]
        if isinstance(node, (cst.BaseStatement, cst.BaseSmallStatement)):  # a block's lines: relative to the node
            indent = " " * span.start_col
            lines[1:] = [line[span.start_col:] if line.startswith(indent) else line for line in lines[1:]]
        return "\n".join(lines).strip()

    def report(self, code: str, message: str, node: cst.CSTNode | None, *, hint: str = "",
               severity: Severity = Severity.ERROR) -> None:
        self.diagnostics.append(Diagnostic(code, message, self.span(node) if node is not None else None, severity, hint))

    def unsupported(self, node: cst.CSTNode, reason: str, code: str = "NNM103", hint: str = "") -> n.Unsupported:
        self.report(code, reason, node, hint=hint)
        return n.Unsupported(self.code(node), reason, span=self.span(node))

    def qualname(self, node: cst.BaseExpression) -> str | None:
        name = dotted(node)
        return self.imports.qualify(name) if name else None

    # ---- expressions --------------------------------------------------------------------

    def expr(self, node: cst.BaseExpression) -> n.Expr:  # noqa: C901
        kind = type(node)  # the commonest first, by identity: isinstance on libcst's ABCs is slow
        if kind is cst.Call:
            return self.call(node)  # type: ignore[arg-type]
        if kind is cst.Attribute:
            return self.attribute(node)  # type: ignore[arg-type]
        span = self.span(node)
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return n.Const({"True": True, "False": False, "None": None}[node.value], span=span)
            if node.value in self.imports.aliases:
                reference = self.layer_reference(node)
                if reference is not None:
                    return reference
            return n.Name(node.value, span=span)
        if isinstance(node, cst.Integer):
            return n.Const(node.evaluated_value, span=span)
        if isinstance(node, cst.Float):
            return n.Const(node.evaluated_value, span=span)
        if isinstance(node, cst.Imaginary):
            return n.Const(node.evaluated_value, span=span)
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            value = node.evaluated_value
            return n.Const(value, span=span)
        if isinstance(node, cst.FormattedString):
            return n.FormattedString(self.code(node), span=span)
        if isinstance(node, cst.Ellipsis):
            return n.Const("...", span=span)
        if isinstance(node, cst.Attribute):
            return self.attribute(node)
        if isinstance(node, cst.Subscript):
            value = self.expr(node.value)
            index = self.subscript_index(node.slice)
            if isinstance(value, n.Op) and value.key in ("shape", "size"):  # `x.shape[axis]`: the index is an axis
                index = self.constants.known(index)
            return n.Subscript(value, index, span=span)
        if isinstance(node, cst.Tuple):
            return n.TupleExpr([self.element(e) for e in node.elements], span=span)
        if isinstance(node, cst.List):
            return n.ListExpr([self.element(e) for e in node.elements], span=span)
        if isinstance(node, cst.Set):
            return n.SetExpr([self.element(e) for e in node.elements], span=span)
        if isinstance(node, cst.Dict):
            keys: list[n.Expr | None] = []
            values: list[n.Expr] = []
            for el in node.elements:
                if isinstance(el, cst.StarredDictElement):
                    keys.append(None)
                    values.append(self.expr(el.value))
                else:
                    keys.append(self.expr(el.key))
                    values.append(self.expr(el.value))
            return n.DictExpr(keys, values, span=span)
        if isinstance(node, cst.BinaryOperation):
            return n.BinOp(_BINOPS[type(node.operator)], self.expr(node.left), self.expr(node.right), span=span)
        if isinstance(node, cst.UnaryOperation):
            operand = self.expr(node.expression)
            op = _UNARY[type(node.operator)]
            if op == "-" and isinstance(operand, n.Const) and isinstance(operand.value, (int, float)) and not isinstance(operand.value, bool):
                return n.Const(-operand.value, span=span)
            return n.UnaryOp(op, operand, span=span)
        if isinstance(node, cst.BooleanOperation):
            op = "and" if isinstance(node.operator, cst.And) else "or"
            left, right = self.expr(node.left), self.expr(node.right)
            values = (left.values if isinstance(left, n.BoolOp) and left.op == op else [left]) + [right]
            return n.BoolOp(op, values, span=span)
        if isinstance(node, cst.Comparison):
            return n.Compare(self.expr(node.left), [_COMPARE[type(c.operator)] for c in node.comparisons],
                             [self.expr(c.comparator) for c in node.comparisons], span=span)
        if isinstance(node, cst.IfExp):
            test = self.expr(node.test)
            settled = self.settled(test)
            if settled is not None:  # `3 if backend.image_data_format() == "channels_last" else 1`
                return self.expr(node.body if settled else node.orelse)
            return n.IfExp(test, self.expr(node.body), self.expr(node.orelse), span=span)
        if isinstance(node, cst.Call):
            return self.call(node)
        if isinstance(node, cst.Lambda):
            params = [p.name.value for p in node.params.params]
            with self.constants.shadowed(params):  # defaults kept as written (`lambda c, eps=1e-5: ...`)
                return n.Lambda([p.name.value if p.default is None else f"{p.name.value}={self.code(p.default)}"
                                 for p in node.params.params], self.expr(node.body), span=span)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            kind = {cst.ListComp: "list", cst.GeneratorExp: "generator", cst.SetComp: "set"}[type(node)]
            with self.constants.shadowed(_comprehension_targets(node.for_in)):
                return n.Comprehension(kind, self.expr(node.elt), self.comp_for(node.for_in), span=span)
        if isinstance(node, cst.DictComp):
            with self.constants.shadowed(_comprehension_targets(node.for_in)):
                return n.Comprehension("dict", self.expr(node.key), self.comp_for(node.for_in), value=self.expr(node.value),
                                       span=span)
        if isinstance(node, cst.StarredElement):
            return n.Starred(self.expr(node.value), span=span)
        return self.unsupported(node, f"expression `{type(node).__name__}` is not supported")

    def element(self, el: cst.BaseElement) -> n.Expr:
        if isinstance(el, cst.StarredElement):
            return n.Starred(self.expr(el.value), span=self.span(el))
        return self.expr(el.value)

    def comp_for(self, node: cst.CompFor) -> list[n.CompFor]:
        gens: list[n.CompFor] = []
        cur: cst.CompFor | None = node
        while cur is not None:
            gens.append(n.CompFor(self.expr(cur.target), self.expr(cur.iter), [self.expr(c.test) for c in cur.ifs]))
            cur = cur.inner_for_in
        return gens

    def subscript_index(self, elements: tuple[cst.SubscriptElement, ...] | list[cst.SubscriptElement]) -> n.Expr:
        parts: list[n.Expr] = []
        for el in elements:
            sl = el.slice
            if isinstance(sl, cst.Index):
                value = self.expr(sl.value)
                parts.append(n.Starred(value) if sl.star else value)
            else:
                parts.append(n.Slice(self.expr(sl.lower) if sl.lower else None,
                                     self.expr(sl.upper) if sl.upper else None,
                                     self.expr(sl.step) if sl.step else None))
        return parts[0] if len(parts) == 1 else n.TupleExpr(parts)

    def layer_reference(self, node: cst.BaseExpression) -> n.Expr | None:
        """A layer class used as a value (`norm_layer = nn.BatchNorm2d`) becomes a factory lambda with the
        class's parameters, so later calls like `norm_layer(planes)` build the target layer."""
        qual = self.qualname(node)
        found = self.resolve_function(qual) if qual else None
        if found is None or not found[1].layer or found[1].when:
            return None
        entry, spelling = found
        side = "torch" if self.framework == "torch" else "keras"
        params: list[str] = []
        attrs: dict[str, n.Expr] = {}
        for name in spelling.params:
            default = getattr(entry.attr(name), side)
            params.append(name if default is REQUIRED else f"{name}={default!r}")
            attrs[name] = n.Name(name)
        for a in entry.attrs:
            if a.name not in attrs and a.name not in entry.layout.tensor_inputs:
                default = getattr(a, side)
                attrs[a.name] = n.Const(None if default is REQUIRED else default)
        attrs.update({k: n.Const(v) for k, v in spelling.fixed.items()})
        return n.Lambda(params, n.Op(entry.key, attrs, [], list(spelling.params), True, span=self.span(node)),
                        span=self.span(node))

    def attribute(self, node: cst.Attribute) -> n.Expr:
        reference = self.layer_reference(node)
        if reference is not None:
            return reference
        qual = self.qualname(node)
        if qual is not None:
            found = self.resolve_function(qual)
            if found is not None and not found[1].layer and found[1].params == () and found[1].fixed:
                return self.bind(found[0], found[1], [], node)
        found = self.catalog.lookup_method(self.framework, f"Tensor.{node.attr.value}", attribute=True)
        if found is not None and not self._is_module_path(node.value) and not _is_self(node.value):
            return self.bind(found[0], found[1], [cst.Arg(node.value)], node)
        return n.Attr(self.expr(node.value), node.attr.value, span=self.span(node))

    def _is_module_path(self, node: cst.BaseExpression) -> bool:
        """True for a dotted name rooted in an imported module (`np.pi`, `math.inf`)."""
        name = dotted(node)
        return bool(name) and name.split(".")[0] in self.imports.aliases

    def call(self, node: cst.Call) -> n.Expr:
        dynamic = framework_getattr(self, node) or framework_eval(self, node)  # getattr(nn, "Conv{}d".format(d))
        if dynamic is not None:
            return dynamic
        func = node.func
        args = self.expand_forwarded(node.args)
        qual = self.qualname(func)
        if qual is not None:
            found = self.resolve_function(qual)
            if found is not None and found[1].when:  # one callee for several ops: its arguments pick one
                found = self.catalog.select(self.framework, qual, selecting_values(found[1], node.args, self.qualname))
                if found is None:
                    return self.unsupported(node, f"no op in the catalog is `{self.code(node.func)}` with these "
                                            "arguments", code="NNM102")
            if found is not None:
                return self.bind(found[0], found[1], args, node)
            if qual.startswith((*self.framework_prefixes(), support.prefix(self.support_module))) \
                    and qual.split(".")[-1] not in self.local_classes:
                return self.unknown_framework_call(node, qual)
        if isinstance(func, cst.Attribute) and func.attr.value not in _CONTAINER_METHODS and not self._is_module_path(func.value) \
                and not _string_method(func, args):
            found = self.catalog.lookup_method(self.framework, f"Tensor.{func.attr.value}")
            on_self = isinstance(func.value, cst.Name) and func.value.value == "self"
            if found is not None and not (on_self and "input" in found[0].layout.tensor_inputs):  # self is no tensor
                return self.bind(found[0], found[1], [cst.Arg(func.value), *args], node)
        return n.Call(self.expr(func), [self.arg(a) for a in args], span=self.span(node))

    def expand_forwarded(self, args: tuple[cst.Arg, ...] | list[cst.Arg]) -> list[cst.Arg]:
        """Call arguments with the current function's forwarded `*args` / `**kwargs` written out (see forwarding)."""
        if self.forwarding is None:
            return list(args)
        out: list[cst.Arg] = []
        for a in args:
            out += self.forwarding.args_for(a) or [a]
        return out

    def framework_prefixes(self) -> tuple[str, ...]:
        raise NotImplementedError

    def unknown_framework_call(self, node: cst.Call, qual: str) -> n.Expr:
        self.report("NNM101", f"`{qual}` is not in the op catalog", node,
                    hint="rewrite it with supported ops, or file an issue with this call")
        return n.Unsupported(self.code(node), f"`{qual}` is not in the op catalog", span=self.span(node))

    def arg(self, a: cst.Arg) -> n.Arg:
        star = a.star if a.star in ("*", "**") else ""
        return n.Arg(self.expr(a.value), a.keyword.value if a.keyword else None, star, span=self.span(a))  # type: ignore[arg-type]

    def bind(self, entry: OpEntry, spelling: Spelling, args: list[cst.Arg], node: cst.CSTNode) -> n.Expr:
        """Binds call arguments to the entry's canonical attributes, filling the source defaults."""
        attrs: dict[str, n.Expr] = {}
        extra: list[n.Expr] = []
        spelled: list[str] = []
        args = expanded(args, self.keyword_dicts)
        forwarded = [a for a in args if a.star == "**" and isinstance(a.value, cst.Name)]
        if forwarded:  # `**kwargs` passed through a wrapper: usually empty, and torch keywords mean nothing to Keras
            names = ", ".join(f"**{a.value.value}" for a in forwarded)  # type: ignore[attr-defined]
            self.report("NNM102", f"`{names}` forwarded to {spelling.qualname} is left out: only the arguments "
                        "written here are migrated", node, severity=Severity.WARNING)
            args = [a for a in args if a not in forwarded]
        positional = [a for a in args if a.keyword is None and a.star != "**"]
        starred_at = next((i for i, a in enumerate(positional) if a.star == "*"), None)
        if any(a.star == "**" for a in args) or starred_at is not None and (
                not spelling.varargs or starred_at < len(spelling.params)):
            return self.unsupported(node, f"`*args` / `**kwargs` in a call to {spelling.qualname} cannot be mapped",
                                    code="NNM102", hint="pass the arguments explicitly")
        for i, a in enumerate(positional):
            if a.star == "*":
                extra.append(n.Starred(self.expr(a.value)))
            elif i < len(spelling.params) and spelling.params[i] in spelling.when:
                continue  # it chose the entry
            elif i < len(spelling.params):
                attrs[spelling.params[i]] = self.expr(a.value)
                spelled.append(spelling.params[i])
            elif spelling.varargs:
                extra.append(self.expr(a.value))
            else:
                return self.unsupported(node, f"too many positional arguments for {spelling.qualname}", code="NNM102")
        for a in args:
            if a.keyword is None:
                continue
            name = spelling.rename.get(a.keyword.value, a.keyword.value)
            if name in spelling.when:
                continue
            if name in self.ignored_keywords and name not in entry.attr_names:
                continue  # placement, naming and training-only options do not change what inference computes
            if name not in entry.attr_names and self.default_setting(name, a):
                continue
            if name not in entry.attr_names and spelling.varkw:
                extra_keywords = attrs.setdefault(spelling.varkw, n.DictExpr([], []))
                extra_keywords.keys.append(n.Const(a.keyword.value))  # type: ignore[attr-defined]
                extra_keywords.values.append(self.expr(a.value))  # type: ignore[attr-defined]
                continue
            if name not in entry.attr_names:
                self.report("NNM102", f"argument `{a.keyword.value}` of {spelling.qualname} has no mapping", a,
                            hint=f"supported: {', '.join(entry.attr_names)}")
                continue
            attrs[name] = self.expr(a.value)
            spelled.append(name)
        if spelling.varargs and extra:
            if spelling.varargs in attrs:
                extra.insert(0, attrs.pop(spelling.varargs))
            value = extra[0] if len(extra) == 1 and not isinstance(extra[0], n.Const) else n.TupleExpr(extra)
            if len(extra) == 1 and isinstance(extra[0], n.Const):
                value = extra[0]
            attrs[spelling.varargs] = value
            extra = []
        for name, value in spelling.fixed.items():
            attrs.setdefault(name, n.Const(value))
        own, other = ("torch", "keras") if self.framework == "torch" else ("keras", "torch")
        for a in entry.attrs:
            if a.name in attrs:
                continue
            default = getattr(a, own)
            if default is REQUIRED:  # an attribute only the other framework has keeps that framework's default
                default = getattr(a, other)
            if default is REQUIRED and spelling.layer and a.name in entry.layout.tensor_inputs:
                continue
            if default is REQUIRED:
                return self.unsupported(node, f"{spelling.qualname} needs `{a.name}`", code="NNM102")
            attrs[a.name] = n.Const(default)
        for name, to_canonical in spelling.convert.items():
            if name in attrs:
                attrs[name] = to_canonical(attrs[name])
        for name in _axis_attrs(entry):  # a layout change remaps axes: they need their values
            if name in attrs:
                attrs[name] = self.constants.known(attrs[name])
        return with_padding_taken_on(n.Op(entry.key, attrs, extra, spelled, spelling.layer, span=self.span(node)),
                                     self.catalog)

    # ---- statements ---------------------------------------------------------------------

    def comments(self, node: cst.CSTNode) -> list[str]:
        """The comments above a statement; the notes an earlier migration wrote of what it left out or could not
        migrate describe that migration's source, not this one's, and go (this migration writes its own)."""
        lines = getattr(node, "leading_lines", ())
        return [line.comment.value[1:] for line in lines
                if line.comment is not None and not line.comment.value[1:].strip().startswith(_MIGRATION_NOTES)]

    def body(self, block: cst.BaseSuite) -> list[n.Stmt]:
        out: list[n.Stmt] = []
        if isinstance(block, cst.SimpleStatementSuite):
            for small in block.body:
                out += self.small_stmt(small, [])
            return out
        for stmt in block.body:  # type: ignore[attr-defined]
            out += self.stmt(stmt)
        return out

    def is_init_only(self, node: cst.CSTNode) -> bool:
        """True for weight-initialisation code: every call in it is `torch.nn.init.*`, isinstance or module walks."""
        first = node.body[0] if isinstance(node, cst.SimpleStatementLine) and node.body else node
        span = self.positions.get(first)
        if span is None or not any("init" in line or "_(" in line for line in self.positions.text(span)):
            return False
        calls = self.positions.calls(node)
        init_calls = [c for c in calls if self.is_init_call(c)]
        harmless = {"isinstance", "modules", "named_modules", "children", "parameters", "named_parameters", "math.sqrt"}
        return bool(init_calls) and all(
            c in init_calls or (dotted(c.func) or "") in harmless or (dotted(c.func) or "").split(".")[-1] in harmless
            for c in calls)

    def is_init_call(self, call: cst.Call) -> bool:
        """`torch.nn.init.*(...)`, or a tensor method the catalog files as initialisation (`w.uniform_(-a, a)`)."""
        if (self.qualname(call.func) or "").startswith("torch.nn.init."):
            return True
        found = self.catalog.lookup_method(self.framework, f"Tensor.{call.func.attr.value}") \
            if isinstance(call.func, cst.Attribute) else None
        return found is not None and found[0].family == "init"

    def stmt(self, node: cst.BaseStatement) -> list[n.Stmt]:  # noqa: C901
        comments = self.comments(node)
        if isinstance(node, cst.SimpleStatementLine) and node.body:
            self.statement_span = self.positions.get(node.body[0])
            span = self.statement_span
        else:
            span = self.statement_span = self.positions.get(node)
        if self.is_init_only(node):
            self.report("NNM205", "weight initialisation left out: the target framework's initializers apply "
                        "(verify copies the weights, so inference is unaffected)", node, severity=Severity.WARNING)
            return [n.Dropped(self.code(node), "torch weight initialisation", span=span, comments=comments)]
        if isinstance(node, cst.SimpleStatementLine):
            out: list[n.Stmt] = []
            for i, small in enumerate(node.body):
                out += self.small_stmt(small, comments if i == 0 else [])
            return out
        if isinstance(node, cst.If):
            return self.if_block(node, comments)
        if isinstance(node, cst.For):
            if node.asynchronous:
                return [self.unsupported_stmt(node, "async for is not supported")]
            iterated = self.expr(node.iter)
            rebound = self.bindings.of(node)  # on some iteration: unknown in the loop and after it
            self.constants.forget(rebound)
            loop = n.For(self.expr(node.target), iterated, self.body(node.body), [], span=span, comments=comments)
            self.constants.forget(rebound)
            loop.orelse = self.body(node.orelse.body) if node.orelse else []
            return [loop]
        if isinstance(node, cst.While):
            rebound = self.bindings.of(node)
            self.constants.forget(rebound)
            loop = n.While(self.expr(node.test), self.body(node.body), span=span, comments=comments)
            self.constants.forget(rebound)
            return [loop]
        if isinstance(node, cst.FunctionDef):
            self.constants.forget([node.name.value])
            return [self.function(node, "function")]
        if isinstance(node, cst.ClassDef):
            self.constants.forget([node.name.value])
            return [self.class_def(node)]
        if isinstance(node, cst.With):
            return self.with_stmt(node)
        if isinstance(node, cst.Try):
            return [self.try_stmt(node, comments)]
        return [self.unsupported_stmt(node, f"`{type(node).__name__}` statement is not supported")]

    def with_stmt(self, node: cst.With) -> list[n.Stmt]:
        """`with torch.no_grad():` style blocks: the body is kept, the context is dropped with a note."""
        items = [self.code(i.item) for i in node.items]
        self.report("NNM103", f"`with {', '.join(items)}` was removed; its body is kept", node,
                    severity=Severity.WARNING)
        self.constants.forget(self.bindings.of(node))
        return self.body(node.body)

    def try_stmt(self, node: cst.Try, comments: list[str]) -> n.Try:
        """try / except / else / finally: names bound anywhere in it are unknown after it."""
        self.constants.forget(self.bindings.of(node))
        handlers = [n.ExceptHandler(self.expr(h.type) if h.type is not None else None,
                                    h.name.name.value if h.name is not None and isinstance(h.name.name, cst.Name) else None,
                                    self.body(h.body)) for h in node.handlers]
        out = n.Try(self.body(node.body), handlers, self.body(node.orelse.body) if node.orelse else [],
                    self.body(node.finalbody.body) if node.finalbody else [], span=self.span(node), comments=comments)
        self.constants.forget(self.bindings.of(node))
        return out

    def unsupported_stmt(self, node: cst.CSTNode, reason: str, code: str = "NNM103") -> n.UnsupportedStmt:
        self.report(code, reason, node)
        return n.UnsupportedStmt(self.code(node), reason, span=self.span(node), comments=self.comments(node))

    def settled(self, test: n.Expr) -> bool | None:
        """The value of a test on the framework's settings (`backend.image_data_format() == "channels_last"`), which
        the source always runs with their defaults; None for any other test."""
        from nnmigrate.writers.module_plan import walk

        mentions = any(isinstance(x, n.Op) and self.constant_op(x) is not NOT_CONST for x in walk(test))
        value = self.constants.value(test) if mentions else NOT_CONST
        return None if value is NOT_CONST else bool(value)

    def if_block(self, node: cst.If, comments: list[str]) -> list[n.Stmt]:
        """An `if`; one that tests the framework's settings keeps only the branch the source takes."""
        test = self.expr(node.test)
        settled = self.settled(test)
        if settled is None:
            return [self.if_stmt(node, comments, test)]
        reason = ("a test of framework settings the source always passes" + (" (and its else branch)" if node.orelse else "")
                  if settled else "a branch for framework settings the source does not run with")
        note = n.Dropped(f"if {self.code(node.test)}:", reason, span=self.span(node), comments=comments)
        if settled:
            return [note, *self.body(node.body)]
        if isinstance(node.orelse, cst.If):
            return [note, *self.if_block(node.orelse, [])]
        return [note, *(self.body(node.orelse.body) if isinstance(node.orelse, cst.Else) else [])]

    def if_stmt(self, node: cst.If, comments: list[str], test: n.Expr | None = None) -> n.If:
        test = self.expr(node.test) if test is None else test
        known = self.constants.value(test)
        branches = self.constants.branches()
        body = self.body(node.body)
        branches.next()
        orelse: list[n.Stmt] = []
        if isinstance(node.orelse, cst.If):
            orelse = self.if_block(node.orelse, [])
        elif isinstance(node.orelse, cst.Else):
            orelse = self.body(node.orelse.body)
        branches.merge(None if known is NOT_CONST else 0 if known else 1)
        return n.If(test, body, orelse, span=self.span(node), comments=comments)

    def small_stmt(self, node: cst.BaseSmallStatement, comments: list[str]) -> list[n.Stmt]:  # noqa: C901
        span = self.span(node)
        if isinstance(node, cst.Assign):
            if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
                self.assigned[node.targets[0].target.value] = node.value
            stmt = n.Assign([self.expr(t.target) for t in node.targets], self.expr(node.value), span=span, comments=comments)
            self.constants.assign(stmt.targets, stmt.value, stmt)
            self.assignment_code[id(stmt)] = self.code(node)
            return [stmt]
        if isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.Del, cst.Global, cst.Nonlocal)):
            self.constants.forget(self.bindings.of(node))
        if isinstance(node, cst.AugAssign):
            return [n.AugAssign(self.expr(node.target), _AUGOPS[type(node.operator)], self.expr(node.value), span=span, comments=comments)]
        if isinstance(node, cst.AnnAssign):
            value = self.expr(node.value) if node.value is not None else None
            return [n.AnnAssign(self.expr(node.target), self.code(node.annotation.annotation), value, span=span, comments=comments)]
        if isinstance(node, cst.Expr):
            return [n.ExprStmt(self.expr(node.value), span=span, comments=comments)]
        if isinstance(node, cst.Return):
            return [n.Return(self.expr(node.value) if node.value is not None else None, span=span, comments=comments)]
        if isinstance(node, cst.Pass):
            return [n.Simple("pass", span=span, comments=comments)]
        if isinstance(node, cst.Break):
            return [n.Simple("break", span=span, comments=comments)]
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            keyword = "global" if isinstance(node, cst.Global) else "nonlocal"
            return [n.Scope(keyword, [item.name.value for item in node.names], span=span, comments=comments)]
        if isinstance(node, cst.Continue):
            return [n.Simple("continue", span=span, comments=comments)]
        if isinstance(node, cst.Raise):
            return [n.Raise(self.expr(node.exc) if node.exc is not None else None, span=span, comments=comments)]
        if isinstance(node, cst.Assert):
            return [n.Assert(self.expr(node.test), self.expr(node.msg) if node.msg is not None else None, span=span, comments=comments)]
        if isinstance(node, cst.Del):
            target = node.target
            targets = [self.element(e) for e in target.elements] if isinstance(target, cst.Tuple) else [self.expr(target)]
            return [n.Delete(targets, span=span, comments=comments)]
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            self.imports.add(node)
            if self.is_framework_import(node):
                return []
            return [n.Import(self.code(node), span=span, comments=comments)]
        return [self.unsupported_stmt(node, f"`{type(node).__name__}` statement is not supported")]

    # ---- definitions --------------------------------------------------------------------

    def docstring_of(self, body: cst.BaseSuite) -> tuple[str | None, list[cst.BaseStatement]]:
        stmts = list(body.body) if isinstance(body, (cst.IndentedBlock, cst.Module)) else []
        if stmts and isinstance(stmts[0], cst.SimpleStatementLine) and len(stmts[0].body) == 1:
            first = stmts[0].body[0]
            if isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString)):
                raw = first.value.evaluated_value
                if isinstance(raw, str):
                    return _clean_docstring(raw), stmts[1:]
        return None, stmts

    def params(self, node: cst.Parameters, expansion: Expansion | None = None) -> list[n.Param]:
        """The parameters; with an expansion, star parameters that only forward become the explicit ones."""
        out: list[n.Param] = []
        defaults = expansion.defaults if expansion is not None else {}

        def explicit(name: str, kw_only: bool) -> n.Param:
            return n.Param(name, self.expr(defaults[name]) if name in defaults else None, kw_only=kw_only)

        def one(p: cst.Param, star: str = "", kw_only: bool = False) -> n.Param:
            ann = self.code(p.annotation.annotation) if p.annotation is not None else None
            default = self.expr(p.default) if p.default is not None else None
            return n.Param(p.name.value, default, ann, star, kw_only)  # type: ignore[arg-type]

        out += [one(p) for p in node.posonly_params]
        out += [one(p) for p in node.params]
        if expansion is not None and expansion.star_args is not None:
            out += [explicit(p, False) for p in expansion.positional]
        elif isinstance(node.star_arg, cst.Param):
            out.append(one(node.star_arg, "*"))
        out += [one(p, kw_only=True) for p in node.kwonly_params]
        if expansion is not None and expansion.star_kwargs is not None:
            out += [explicit(k, True) for k in expansion.keywords]
        elif node.star_kwarg is not None:
            out.append(one(node.star_kwarg, "**"))
        return out

    def function(self, node: cst.FunctionDef, role: str) -> n.FunctionDef:
        doc, stmts = self.docstring_of(node.body)
        body: list[n.Stmt] = []
        expansion = self.expansions.get(id(node))
        outer, self.assigned = self.assigned, {}
        outer_dicts, self.keyword_dicts = self.keyword_dicts, keyword_dicts(node, self.positions.calls(node))
        outer_defaults, self.defaults = self.defaults, {p.name.value: p.default for p in (*node.params.params, *node.params.kwonly_params)
                                                        if p.default is not None}
        params = {p.name.value for p in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)}
        params |= {p.name.value for p in (node.params.star_arg, node.params.star_kwarg) if isinstance(p, cst.Param)}
        outer_forwarding, self.forwarding = self.forwarding, expansion
        with self.constants.scope(params, self.bindings.of(node.body)):
            for s in stmts:
                body += self.stmt(s)
            for folded in self.constants.unused_assignments(body):
                _replace_stmt(body, folded, n.Dropped(self.assignment_code.get(id(folded), ""),
                                                     "a constant substituted where it is used",
                                                     span=folded.span, comments=folded.comments))
        self.assigned, self.forwarding, self.defaults = outer, outer_forwarding, outer_defaults
        self.keyword_dicts = outer_dicts
        decorators, left_out = self.decorators(node)
        returns = self.code(node.returns.annotation) if node.returns is not None else None
        return n.FunctionDef(node.name.value, self.params(node.params, expansion), body, doc, decorators, role,  # type: ignore[arg-type]
                             returns, span=self.span(node), comments=[*self.comments(node), *left_out])

    def decorators(self, node: cst.FunctionDef) -> tuple[list[str], list[str]]:
        """The function's decorators, and a note for each one of the source framework's left out
        (`@torch.no_grad()`, `@tf.function`): the target has no such name, and they do not change what the
        function computes."""
        kept: list[str] = []
        notes: list[str] = []
        for d in node.decorators:
            code = self.code(d.decorator)
            called = d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
            if self.imports.qualify(dotted(called) or "").split(".")[0] in self.framework_modules:
                self.report("NNM103", f"decorator `@{code}` was left out; the function is kept", d.decorator,
                            severity=Severity.WARNING)
                notes.append(f"nnmigrate: left out the decorator `@{code}`")
            else:
                kept.append(code)
        return kept, notes

    def base_kind(self, base: cst.BaseExpression) -> str:
        qual = self.qualname(base) or ""
        if qual in self.sequential_bases:
            return "sequential"
        if qual in self.module_bases or qual in self.container_bases:
            return "module"
        return self.class_kinds.get(dotted(base) or "", "plain")

    def class_def(self, node: cst.ClassDef) -> n.ClassDef:
        """A class: model classes (framework bases, or in-file classes deriving from them) get method roles;
        framework-only plumbing methods are left out with a note."""
        kinds = [self.base_kind(b.value) for b in node.bases]
        kind = "sequential" if "sequential" in kinds else "module" if "module" in kinds else "plain"
        self.class_kinds[node.name.value] = kind
        bases = []
        for b in node.bases:
            qual = self.qualname(b.value) or ""
            bases.append("Sequential" if qual in self.sequential_bases else "Module" if qual in self.module_bases
                         else self.container_bases.get(qual) or self.code(b.value))
        doc, stmts = self.docstring_of(node.body)
        body: list[n.Stmt] = []
        for s in stmts:
            if isinstance(s, cst.FunctionDef) and kind != "plain" and s.name.value in self.framework_only_methods:
                body.append(n.Dropped(self.code(s).splitlines()[0], f"{self.framework_only_methods[s.name.value]} "
                                      f"`{s.name.value}`", span=self.span(s)))
            elif isinstance(s, cst.FunctionDef) and kind != "plain":
                body.append(self.function(s, self.method_roles.get(s.name.value, "helper")))
            else:
                body += self.stmt(s)
        return n.ClassDef(node.name.value, bases, body, doc, kind,  # type: ignore[arg-type]
                          span=self.span(node), comments=self.comments(node))

    def read(self) -> n.PivotModule:
        copies = copies_in(self.module, self.support_module) if self.support_module else {}
        for name in copies:  # nnmigrate's own support classes: their names read as the ops they implement
            self.imports.aliases[name] = support.prefix(self.support_module) + name
        rebound: dict[str, int] = {}
        for stmt in self.module.body:
            if isinstance(stmt, (cst.SimpleStatementLine, cst.If, cst.Try)):
                for small in _module_imports(stmt):
                    self.imports.add(small)
            elif isinstance(stmt, cst.ClassDef) and stmt.name.value not in copies:
                self.local_classes.add(stmt.name.value)
            for name in self.bindings.of(stmt):
                rebound[name] = rebound.get(name, 0) + 1
        declared_global = self.bindings.globals
        once = {name for name, count in rebound.items() if count == 1 and name not in declared_global}
        self.expansions = Forwarding(self).run()
        doc, stmts = self.docstring_of(self.module)  # type: ignore[arg-type]
        body: list[n.Stmt] = []
        for s in stmts:
            if any(s is c for c in copies.values()):
                continue
            body += self.top_level(s)
            for name in once & set(self.constants.env):  # module constants, seen by the functions after them
                self.constants.module[name] = self.constants.env[name][0]
        return n.PivotModule(self.framework, body, doc)

    def top_level(self, node: cst.BaseStatement) -> list[n.Stmt]:
        """One top-level statement; one the reader fails on is kept as written, with a marker and a diagnostic,
        so it never costs the rest of the file."""
        try:
            return self.stmt(node)
        except Exception as exc:  # noqa: BLE001 - any internal error becomes a diagnostic and a marker
            return [self.unsupported_stmt(node, f"internal error while reading this statement "
                                                f"({type(exc).__name__}: {exc}); its original code is kept unchanged")]


def _is_self(node: cst.BaseExpression) -> bool:
    """`self`: a module's or layer's own attribute (`self.ndim`) is never a tensor property."""
    return isinstance(node, cst.Name) and node.value == "self"


def _module_imports(stmt: cst.BaseStatement) -> list[cst.Import | cst.ImportFrom]:
    """The imports of a module-level statement, in its `if` / `try` blocks too (`if TF: from tensorflow.keras
    import ...`)."""
    if isinstance(stmt, cst.SimpleStatementLine):
        return [s for s in stmt.body if isinstance(s, (cst.Import, cst.ImportFrom))]
    blocks: list[cst.BaseSuite] = []
    if isinstance(stmt, cst.If):
        blocks.append(stmt.body)
        if stmt.orelse is not None:
            blocks.append(stmt.orelse.body if isinstance(stmt.orelse, cst.Else) else cst.IndentedBlock([stmt.orelse]))
    elif isinstance(stmt, cst.Try):
        blocks += [stmt.body, *(h.body for h in stmt.handlers)]
    return [i for b in blocks if isinstance(b, cst.IndentedBlock) for s in b.body for i in _module_imports(s)]


def _axis_attrs(entry: OpEntry) -> set[str]:
    """The attributes a layout change remaps (axes, keepdim) under either framework's rule."""
    out: set[str] = set()
    for rule in (entry.layout, entry.torch_layout):
        if rule is not None:
            out.update(rule.axes)
            if rule.keepdim:
                out.add(rule.keepdim)
    return out


def _comprehension_targets(node: cst.CompFor) -> list[str]:
    out: list[str] = []
    cur: cst.CompFor | None = node
    while cur is not None:
        out += target_names(cur.target)
        cur = cur.inner_for_in
    return out


def _replace_stmt(body: list[n.Stmt], old: n.Stmt, new: n.Stmt) -> bool:
    """Replaces `old` wherever it sits in `body` (nested blocks included)."""
    for i, s in enumerate(body):
        if s is old:
            body[i] = new
            return True
        blocks = [getattr(s, "body", None), getattr(s, "orelse", None), getattr(s, "finalbody", None)]
        blocks += [h.body for h in getattr(s, "handlers", [])]
        for block in blocks:
            if isinstance(block, list) and _replace_stmt(block, old, new):
                return True
    return False


def _clean_docstring(raw: str) -> str:
    import inspect

    return inspect.cleandoc(raw)


def _string_method(func: cst.Attribute, args: Sequence[cst.Arg]) -> bool:
    """`name.split("-")`, `"a-b".split(sep)`: a method of Python's str (on a string, or with a string first
    argument), never the tensor method of the same name."""
    first = args[0].value if args and args[0].keyword is None else None
    return hasattr(str, func.attr.value) and any(
        isinstance(x, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)) for x in (func.value, first))
