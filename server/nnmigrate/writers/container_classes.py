"""Model classes deriving from a container (`class _DenseBlock(nn.ModuleDict)`), for a target without one.

Keras has no layer that is itself a dict or a list of layers. Such a class becomes a plain model class
that keeps its members in one tracked attribute, `self.sublayers` (a dict or a list, which Keras tracks
like the container), and whatever the class did to itself as a container it does to that attribute:
`self.add_module(name, layer)` stores `self.sublayers[name] = layer` (a list appends), `self.items()`,
`self.append(...)`, `self[i]`, `len(self)` and `for layer in self` read it. Verify pairs the source
container's members with the attribute's (see verify/transfer.py).
"""

from __future__ import annotations

import copy
from dataclasses import fields

from nnmigrate.pivot import nodes as n

#: The attribute holding the members of a container-derived class in the target.
SUBLAYERS = "sublayers"
CONTAINERS = {"ModuleDict": "dict", "ModuleList": "list"}

_METHODS = frozenset({"items", "keys", "values", "get", "pop", "update", "append", "extend", "insert", "clear",
                      "index", "count", "setdefault", "popitem"})
_ITERATING = frozenset({"len", "enumerate", "list", "tuple", "reversed", "zip", "iter", "sorted", "dict", "next"})


def container_kind(cls: n.ClassDef) -> str | None:
    """'dict' or 'list' for a class deriving from a container, else None."""
    return next((CONTAINERS[b] for b in cls.bases if b in CONTAINERS), None)


def with_sublayers(cls: n.ClassDef) -> n.ClassDef:
    """The class as a plain model class holding its members in `self.sublayers` (a copy; others unchanged)."""
    kind = container_kind(cls)
    if kind is None:
        return cls
    out = copy.deepcopy(cls)
    out.bases = ["Module" if b in CONTAINERS else b for b in cls.bases]
    for s in out.body:
        if isinstance(s, n.FunctionDef):
            s.body = _statements(s.body, kind, s.role == "init")
    return out


def _self() -> n.Attr:
    return n.Attr(n.Name("self"), SUBLAYERS)


def _is_self(e: object) -> bool:
    return isinstance(e, n.Name) and e.id == "self"


def _statements(body: list[n.Stmt], kind: str, init: bool) -> list[n.Stmt]:
    out: list[n.Stmt] = []
    for s in body:
        call = s.value if isinstance(s, n.ExprStmt) and isinstance(s.value, n.Call) else None
        if call is not None and isinstance(call.func, n.Attr) and _is_self(call.func.value) \
                and call.func.attr == "add_module" and len(call.args) == 2:
            name, layer = (a.value for a in call.args)
            out.append(n.Assign([n.Subscript(_self(), _retarget(name))], _retarget(layer), span=s.span,
                                comments=s.comments) if kind == "dict" else
                       n.ExprStmt(n.Call(n.Attr(_self(), "append"), [n.Arg(_retarget(layer))]), span=s.span,
                                  comments=s.comments))
            continue
        if init and call is not None and isinstance(call.func, n.Attr) and call.func.attr == "__init__" \
                and isinstance(call.func.value, n.Call) and isinstance(call.func.value.func, n.Name) \
                and call.func.value.func.id == "super":
            members: n.Expr = n.Call(n.Name(kind), [n.Arg(_retarget(call.args[0].value))]) if call.args \
                else n.DictExpr([], []) if kind == "dict" else n.ListExpr([])
            out.append(n.ExprStmt(n.Call(call.func, []), span=s.span, comments=s.comments))
            out.append(n.Assign([_self()], members, span=s.span))
            continue
        for block in ("body", "orelse"):
            if isinstance(getattr(s, block, None), list):
                setattr(s, block, _statements(getattr(s, block), kind, init))
        out.append(_retarget(s))
    return out


def _retarget(node: n.Node) -> n.Node:
    """`self` used as the container, in expressions under `node`, becomes `self.sublayers` (in place)."""
    if isinstance(node, n.Call) and isinstance(node.func, n.Attr) and _is_self(node.func.value) \
            and node.func.attr in _METHODS:
        node.func = n.Attr(_self(), node.func.attr, span=node.func.span)
    elif isinstance(node, n.Call) and isinstance(node.func, n.Name) and node.func.id in _ITERATING:
        for a in node.args:
            if _is_self(a.value):
                a.value = _self()
    elif isinstance(node, n.Subscript) and _is_self(node.value):
        node.value = _self()
    elif isinstance(node, (n.For, n.CompFor)) and _is_self(node.iter):
        node.iter = _self()
    elif isinstance(node, n.Compare):
        node.comparators = [_self() if _is_self(c) and op in ("in", "not in") else c
                            for op, c in zip(node.ops, node.comparators)]
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, n.Node) and not isinstance(value, (n.FunctionDef, n.ClassDef)):
            _retarget(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, n.Node) and not isinstance(item, (n.FunctionDef, n.ClassDef)):
                    _retarget(item)
        elif isinstance(value, dict):
            for item in value.values():
                if isinstance(item, n.Node):
                    _retarget(item)
    return node
