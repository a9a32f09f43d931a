"""Building blocks for catalog emitters: a view of one op's translated attributes and code builders."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from nnmigrate.catalog.entry import REQUIRED, Emitter, Framework, OpEntry
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST, const_value


MOVED = "moved"
PLAIN = "plain"


def lit(value: Any) -> n.Expr:
    """A pivot expression for a Python value (expressions pass through)."""
    if isinstance(value, n.Expr):
        return value
    if isinstance(value, tuple):
        return n.TupleExpr([lit(v) for v in value])
    if isinstance(value, list):
        return n.ListExpr([lit(v) for v in value])
    return n.Const(value)


def call(callee: str, *args: Any, **kwargs: Any) -> n.Call:
    """`callee(*args, **kwargs)` as a pivot call; keyword values of None are left out."""
    items = [n.Arg(lit(a)) for a in args]
    items += [n.Arg(lit(v), k) for k, v in kwargs.items() if v is not None]
    return n.Call(n.Name(callee), items)


def method(obj: n.Expr, name: str, *args: Any, **kwargs: Any) -> n.Call:
    items = [n.Arg(lit(a)) for a in args] + [n.Arg(lit(v), k) for k, v in kwargs.items() if v is not None]
    return n.Call(n.Attr(obj, name), items)


def substitute(e: Any, name: str, value: n.Expr) -> Any:
    """`e` with each use of the variable `name` replaced by `value` (inner lambdas rebinding `name` keep theirs)."""
    if isinstance(e, n.Name):
        return value if e.id == name else e
    if isinstance(e, n.Lambda) and name in e.params:
        return e
    if isinstance(e, list):
        return [substitute(x, name, value) for x in e]
    if isinstance(e, dict):
        return {k: substitute(x, name, value) for k, x in e.items()}
    if isinstance(e, n.Node):
        return replace(e, **{f.name: substitute(getattr(e, f.name), name, value) for f in fields(e)
                             if isinstance(getattr(e, f.name), (n.Node, list, dict))})
    return e


def uses(e: Any, name: str) -> int:
    """How many uses of the variable `name` `substitute` would replace."""
    if isinstance(e, n.Name):
        return int(e.id == name)
    if isinstance(e, n.Lambda) and name in e.params:
        return 0
    children = e if isinstance(e, list) else list(e.values()) if isinstance(e, dict) else \
        [getattr(e, f.name) for f in fields(e)] if isinstance(e, n.Node) else []
    return sum(uses(c, name) for c in children)


def same_expr(a: n.Expr, b: n.Expr) -> bool:
    from nnmigrate.writers.printer import expr

    try:
        return expr(a) == expr(b)
    except TypeError:
        return False


def as_tuple(value: Any, rank: int) -> Any:
    """An int (or 1-tuple) spread to `rank` entries; NOT_CONST stays."""
    if value is NOT_CONST:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (value,) * rank
    if isinstance(value, tuple) and len(value) == 1:
        return value * rank
    return value


@dataclass
class OpView:
    """What an emitter sees: the op's attributes already translated, the input layout, and the rank."""

    entry: OpEntry
    op: n.Op
    attrs: dict[str, n.Expr]
    layout: str = PLAIN
    rank: int | None = None
    notes: list[str] = field(default_factory=list)
    #: what the target cannot express: each becomes an error diagnostic, and the source code is kept as is
    errors: list[str] = field(default_factory=list)

    @property
    def is_layer(self) -> bool:
        return self.op.layer

    @property
    def moved(self) -> bool:
        return self.layout == MOVED

    def get(self, name: str) -> n.Expr:
        return self.attrs[name]

    def value(self, name: str) -> Any:
        return const_value(self.attrs.get(name))

    def is_(self, name: str, value: Any) -> bool:
        v = self.value(name)
        return v is not NOT_CONST and v == value

    def size(self, name: str) -> n.Expr | None:
        """An implicit size (`in_channels`...) when static shape inference found it, else None (a Lazy module)."""
        e = self.attrs.get(name)
        return None if e is None or isinstance(e, n.Const) and e.value is None else e

    def unless(self, name: str, default: Any) -> n.Expr | None:
        """The attribute, or None when it is the literal `default` (so the call leaves it out)."""
        return None if self.is_(name, default) else self.attrs[name]


#: how the writers import each framework's namespaces (`from torch import nn`, `from keras import layers`)
_SHORT = (("torch.nn.functional.", "F."), ("torch.nn.", "nn."), ("keras.layers.", "layers."), ("keras.ops.", "ops."))


def own_spelling(entry: OpEntry, framework: Framework) -> Emitter | None:
    """An emitter writing the op in `framework`'s own spelling of it, for an entry whose canonical semantics are that
    spelling's (`keras.layers.LSTM` read back from the PyTorch support module that keeps its contract): required
    attributes positional, the others as keywords where they differ from the framework's default."""
    spelling = next((s for s in (entry.torch if framework == "torch" else entry.keras) if not (
        s.is_support or s.is_method or s.deprecated or s.convert or s.when or s.varargs)), None)
    if spelling is None:
        return None
    callee = next((short + spelling.qualname[len(full):] for full, short in _SHORT if spelling.qualname.startswith(full)),
                  spelling.qualname)
    spelled_as = {canonical: own for own, canonical in spelling.rename.items()}
    inputs = entry.layout.tensor_inputs

    def emit(v: OpView) -> n.Expr:
        positional = []
        for name in spelling.params:  # leading required parameters
            if name not in v.attrs or getattr(entry.attr(name), framework) is not REQUIRED:
                break
            positional.append(name)
        keywords: dict[str, n.Expr | None] = {}
        for a in entry.attrs:
            if a.name in positional or a.name not in v.attrs or a.name in spelling.fixed or a.name in inputs:
                continue
            default = getattr(a, framework)
            keywords[spelled_as.get(a.name, a.name)] = v.get(a.name) if default is REQUIRED else v.unless(a.name, default)
        built = call(callee, *(v.get(name) for name in positional), **keywords)
        if spelling.layer and not v.is_layer:  # built and called at once
            return n.Call(built, [n.Arg(v.get(name)) for name in inputs if name in v.attrs])
        return built

    return emit
