"""Keyword dictionaries: `conv_args = {"kernel_size": 3, "padding": padding}` then `Conv2D(f, **conv_args)`.

A function that builds such a dictionary once and unpacks it into calls passes those keywords as if it wrote them
at each call. Where the dictionary is a literal with string keys, bound once in the function, and the names its
values read are bound at most once there (so they hold the same value wherever it is unpacked), `**conv_args`
reads as the keywords it holds: a layer gets arguments the catalog can map, and a helper function that passes
`**kwargs` on learns the keywords its call sites give it (`readers/forwarding.py`).
"""

from __future__ import annotations

from collections import Counter

import libcst as cst


def keyword_dicts(func: cst.FunctionDef, calls: list[cst.Call]) -> dict[str, cst.Dict]:
    """The function's keyword dictionaries by name (see the module docstring); `calls` are the calls inside it,
    and without one that unpacks a plain name (`f(**conv_args)`) there is nothing to look for."""
    if not any(a.star == "**" and isinstance(a.value, cst.Name) for c in calls for a in c.args):
        return {}
    counter = _Bindings()
    func.body.visit(counter)
    params = {p.name.value for p in (*func.params.posonly_params, *func.params.params, *func.params.kwonly_params)}
    out = {}
    for name, value in counter.dicts.items():
        if counter.bound[name] != 1 or name in params or not _string_keys(value):
            continue
        read = _names(value)
        if all(counter.bound[r] + (r in params) <= 1 for r in read):
            out[name] = value
    return out


def expanded(args: list[cst.Arg], dicts: dict[str, cst.Dict]) -> list[cst.Arg]:
    """The arguments with each `**name` of a keyword dictionary replaced by the keywords it holds."""
    out: list[cst.Arg] = []
    for a in args:
        found = dicts.get(a.value.value) if a.star == "**" and isinstance(a.value, cst.Name) else None
        if found is None:
            out.append(a)
            continue
        out += [cst.Arg(e.value, keyword=cst.Name(e.key.evaluated_value))  # type: ignore[union-attr]
                for e in found.elements if isinstance(e, cst.DictElement)]
    return out


def _string_keys(d: cst.Dict) -> bool:
    return all(isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
               and isinstance(e.key.evaluated_value, str) and e.key.evaluated_value.isidentifier()
               for e in d.elements)


def _names(node: cst.CSTNode) -> set[str]:
    found: set[str] = set()

    class Reads(cst.CSTVisitor):
        def visit_Name(self, n: cst.Name) -> None:
            found.add(n.value)

    node.visit(Reads())
    return found


class _Bindings(cst.CSTVisitor):
    """How often each name is bound in a function body (nested functions and classes included: a conservative
    count), and the dictionary literals assigned to plain names."""

    def __init__(self) -> None:
        self.bound: Counter[str] = Counter()
        self.dicts: dict[str, cst.Dict] = {}

    def _targets(self, node: cst.BaseExpression | cst.BaseAssignTargetExpression) -> None:
        if isinstance(node, cst.Name):
            self.bound[node.value] += 1
        elif isinstance(node, (cst.Tuple, cst.List)):
            for e in node.elements:
                self._targets(e.value)
        elif isinstance(node, cst.StarredElement):
            self._targets(node.value)
        elif isinstance(node, (cst.Subscript, cst.Attribute)):
            self._mutated(node.value)

    def _mutated(self, node: cst.BaseExpression) -> None:
        """`d["k"] = v`, `d.x = v`: the dictionary is no longer the literal."""
        if isinstance(node, cst.Name):
            self.bound[node.value] += 1

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            self._targets(t.target)
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and isinstance(node.value, cst.Dict):
            self.dicts[node.targets[0].target.value] = node.value

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._targets(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._targets(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._targets(node.target)
        self._targets(node.target)  # bound on every pass: never one value

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._targets(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._targets(node.name)  # type: ignore[arg-type]

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._targets(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._targets(node.target)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.bound[item.name.value] += 2  # set elsewhere too

    visit_Nonlocal = visit_Global  # type: ignore[assignment]

    def visit_Call(self, node: cst.Call) -> None:
        """`d.update(...)`, `d.pop(...)`: a method call on the dictionary may change it."""
        if isinstance(node.func, cst.Attribute):
            self._mutated(node.func.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.bound[node.name.value] += 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.bound[node.name.value] += 1
