"""Layer classes picked by name at run time: `getattr(nn, "Conv{}d".format(dims))(...)`, `eval(activation)`.

The name is computed, so the reader cannot resolve one class. It lists the framework's layer classes the
name can spell - from the literal parts of the name (a format string, an f-string, a concatenation, or the
value last assigned to the variable that holds it) and, when the result is called right away, from the
arguments it is called with - and reads `{name: factory, ...}[name]`: a factory per candidate (a class
reference, or with the call's arguments a constructor without parameters), so the writer turns each into
the target's layer and the run-time name still picks one. `eval(name)` picks among the framework layer
classes and functions the module imports under their own names (`from keras.layers import ReLU, add`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from nnmigrate.catalog.entry import REQUIRED, OpEntry, Spelling
from nnmigrate.diagnostics import Severity
from nnmigrate.pivot import nodes as n
from nnmigrate.readers.imports import dotted

if TYPE_CHECKING:
    from nnmigrate.readers.common import SourceReader

_FIELD = re.compile(r"\{[^{}]*\}|%[-#0 +]*\d*(?:\.\d+)?[sdrif]")


def name_pattern(node: cst.BaseExpression, values: dict[str, cst.BaseExpression], depth: int = 0) -> str:
    """A regular expression for the strings `node` can evaluate to (`.*` where it cannot tell)."""
    if depth > 8:
        return ".*"
    if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
        return _literal(node.evaluated_value)
    if isinstance(node, cst.Name) and node.value in values:
        return name_pattern(values[node.value], values, depth + 1)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format" \
            and isinstance(node.func.value, cst.SimpleString) and isinstance(node.func.value.evaluated_value, str):
        return _literal(node.func.value.evaluated_value)
    if isinstance(node, cst.FormattedString):
        return "".join(re.escape(p.value) if isinstance(p, cst.FormattedStringText) else ".*" for p in node.parts)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return name_pattern(node.left, values, depth + 1) + name_pattern(node.right, values, depth + 1)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo) \
            and isinstance(node.left, cst.SimpleString) and isinstance(node.left.evaluated_value, str):
        return _literal(node.left.evaluated_value)
    return ".*"


def _literal(text: str) -> str:
    """A format string's literal parts, its replacement fields matching anything."""
    return ".*".join(re.escape(part) for part in _FIELD.split(text))


def _accepts(entry: OpEntry, spelling: Spelling, args: list[cst.Arg]) -> bool:
    """Whether a layer class can be constructed with these call arguments."""
    positional = [a for a in args if a.keyword is None]
    if any(a.star for a in args) or len(positional) > len(spelling.params) and not spelling.varargs:
        return False
    given = set(spelling.params[:len(positional)])
    for a in args:
        if a.keyword is not None:
            name = spelling.rename.get(a.keyword.value, a.keyword.value)
            if name not in entry.attr_names:
                return False
            given.add(name)
    required = {a.name for a in entry.attrs if a.torch is REQUIRED and a.name not in entry.layout.tensor_inputs}
    return required <= given | set(spelling.fixed)


def framework_getattr(reader: SourceReader, node: cst.Call) -> n.Expr | None:
    """`getattr(<framework module>, name)` as a lookup among candidate layer factories, or with its call
    (`getattr(nn, name)(...)`) a call of the one picked; None when `node` is neither."""
    getter, called = (node.func, node) if isinstance(node.func, cst.Call) else (node, None)
    if dotted(getter.func) != "getattr" or len(getter.args) < 2 or reader.imports.aliases.get("getattr"):
        return None
    module = reader.qualname(getter.args[0].value)
    if module is None or not (module + ".").startswith(reader.framework_prefixes()):
        return None
    pattern = re.compile(name_pattern(getter.args[1].value, reader.assigned))
    candidates = {}
    for entry in reader.catalog.entries.values():
        for spelling in getattr(entry, reader.framework):
            owner, _, name = spelling.qualname.rpartition(".")
            if not spelling.layer or owner != module or not pattern.fullmatch(name) or name in candidates:
                continue
            if called is None:
                candidates[name] = reader.layer_reference(cst.parse_expression(spelling.qualname))
            elif _accepts(entry, spelling, list(called.args)):  # constructed with the call's own arguments
                candidates[name] = n.Lambda([], reader.bind(entry, spelling, list(called.args), called))
    if not candidates and called is None:
        candidates = _activation_functions(reader, module, pattern, node)
    if not candidates:
        return reader.unsupported(node, f"no {module} layer class in the op catalog matches `{reader.code(getter)}`",
                                  code="NNM101", hint="name the class directly")
    literal = len(candidates) == 1 and ".*" not in pattern.pattern
    factory: n.Expr = next(iter(candidates.values())) if literal else n.Subscript(
        n.DictExpr([n.Const(k) for k in candidates], list(candidates.values())), reader.expr(getter.args[1].value),
        span=reader.span(getter))
    return factory if called is None else n.Call(factory, [], span=reader.span(node))


def _activation_functions(reader: SourceReader, module: str, pattern: re.Pattern[str], node: cst.Call) -> dict[str, n.Expr]:
    """`getattr(ops, name)` picking a function: the module's activation functions the name can spell, each as a
    function of one tensor (`lambda x: torch.relu(x)`), with a warning that other functions are not among them."""
    candidates: dict[str, n.Expr] = {}
    for entry in reader.catalog.entries.values():
        rule = (entry.torch_layout if reader.framework == "keras" else None) or entry.layout
        if entry.family != "activation" or rule.kind != "elementwise":
            continue
        for spelling in getattr(entry, reader.framework):
            owner, _, name = spelling.qualname.rpartition(".")
            if spelling.layer or owner != module or not pattern.fullmatch(name) or name in candidates \
                    or not spelling.params or not _accepts(entry, spelling, [cst.Arg(cst.Name("x"))]):
                continue
            candidates[name] = n.Lambda(["x"], reader.bind(entry, spelling, [cst.Arg(cst.Name("x"))], node))
    if candidates and ".*" in pattern.pattern:
        reader.report("NNM102", f"`{reader.code(node)}` can pick {', '.join(candidates)} here, the activation "
                      f"functions of {module}; other functions cannot be picked by name", node,
                      severity=Severity.WARNING, hint="name the function directly where it is not an activation")
    return candidates


def framework_eval(reader: SourceReader, node: cst.Call) -> n.Expr | None:
    """`eval(name)` of a framework class or function the module imports (`eval(activation)` with
    `from keras.layers import ReLU, ELU`) as a lookup among their factories; None when `node` is no such call."""
    if dotted(node.func) != "eval" or len(node.args) != 1 or reader.imports.aliases.get("eval") \
            or isinstance(node.args[0].value, cst.SimpleString):
        return None
    pattern = re.compile(name_pattern(node.args[0].value, reader.assigned))
    candidates: dict[str, n.Expr] = {}
    left_out: list[str] = []
    for local in reader.imports.aliases:
        qual = reader.qualname(cst.Name(local)) if pattern.fullmatch(local) else None
        found = reader.resolve_function(qual) if qual and qual.startswith(reader.framework_prefixes()) else None
        if found is None or found[1].when:
            continue
        entry, spelling = found
        rule = (entry.torch_layout if reader.framework == "keras" else None) or entry.layout  # in the target
        elementwise = rule.kind == "elementwise"  # a layer that follows the layout it is given
        if elementwise and spelling.layer and _accepts(entry, spelling, []) \
                and all(entry.attr(p).keras is not REQUIRED for p in spelling.params):  # made with its defaults
            candidates[local] = n.Lambda(["name=None"], reader.bind(entry, spelling, [], node))
        elif elementwise and not spelling.layer and len(spelling.params) == 1:  # a function of one tensor list (`add`)
            param = spelling.params[0]
            candidates[local] = n.Lambda([param, "**kwargs"], reader.bind(entry, spelling, [cst.Arg(cst.Name(param))], node))
        else:
            left_out.append(local)
    if not candidates:
        return reader.unsupported(node, f"`{reader.code(node)}` picks a name this module does not import from the "
                                  "framework", code="NNM101", hint="name the class directly")
    chosen = [x for x in left_out if _named(node.args[0].value, reader, x)]
    if chosen:
        reader.report("NNM102", f"`{reader.code(node)}` picks {', '.join(chosen)} (the name the code gives it), which cannot be picked by "
                      "name (made without arguments, or acting on a chosen axis)", node,
                      hint="name the class directly (e.g. a layer argument instead of its name)")
    elif left_out:
        reader.report("NNM102", f"`{reader.code(node)}` can pick {', '.join(candidates)} here; {', '.join(left_out)} "
                      "cannot be picked by name (made without arguments, or acting on a chosen axis)", node,
                      severity=Severity.WARNING, hint="name the class directly where it is one of those")
    return n.Subscript(n.DictExpr([n.Const(k) for k in candidates], list(candidates.values())),
                       reader.expr(node.args[0].value), span=reader.span(node))


def _named(node: cst.BaseExpression, reader: SourceReader, name: str) -> bool:
    """Whether `node` is the string `name`, a variable last assigned it, or a parameter whose default it is."""
    value = reader.assigned.get(node.value, reader.defaults.get(node.value)) if isinstance(node, cst.Name) else node
    return isinstance(value, cst.SimpleString) and value.evaluated_value == name
