"""Static facts about function bodies: which names keep one value, where a Functional builder's dataflow
starts, which `self.x` attributes are set once, which loops surely run."""

from __future__ import annotations

from dataclasses import dataclass

from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import const_value


@dataclass(eq=False)
class Scope:
    """A function body (or the module): which names keep one value throughout it."""

    func: n.FunctionDef | None
    cls: str | None
    params: frozenset[str]  # parameters the body never rebinds
    once: dict[str, int]  # locals bound exactly once, by a top-level statement: name -> its index
    bound: frozenset[str]  # every name the body binds
    #: a Functional builder: the index of its first `keras.Input` statement. PyTorch runs the dataflow from
    #: there as a nested forward, where the names that part binds (`graph_locals`) are local variables
    split: int | None = None
    graph_locals: frozenset[str] = frozenset()

    @property
    def is_init(self) -> bool:
        return self.func is not None and self.func.role == "init"



def scope_of(f: n.FunctionDef | None, cls: str | None, body: list[n.Stmt]) -> Scope:
    counts: dict[str, int] = {}
    top: dict[str, int] = {}
    for i, s in enumerate(body):
        for name in _binds(s, deep=False):
            top.setdefault(name, i)
        for name in _binds(s, deep=True):
            counts[name] = counts.get(name, 0) + 1
    params = {p.name for p in f.params} if f is not None else set()
    once = {name: i for name, i in top.items() if counts.get(name) == 1 and name not in params}
    split = _split(body) if f is not None else None  # module-level dataflow stays module code
    graph: set[str] = set()
    if split is not None:
        for s in body[split:]:
            if not _is_op(s, "input_placeholder"):  # the inputs become the forward's parameters
                graph.update(_binds(s, deep=True))
    return Scope(f, cls, frozenset(p for p in params if p not in counts), once, frozenset(counts) | frozenset(params),
                 split, frozenset(graph))


def _split(body: list[n.Stmt]) -> int | None:
    """The index of a Functional builder's first `keras.Input` statement (it must build a `keras.Model`)."""
    if not any(_is_op(s, "functional_model") for s in body):
        return None
    return next((i for i, s in enumerate(body) if _is_op(s, "input_placeholder")), None)


def _is_op(s: n.Stmt, key: str) -> bool:
    value = s.value if isinstance(s, (n.Assign, n.Return)) else None
    return isinstance(value, n.Op) and value.key == key


def _binds(s: n.Stmt, deep: bool) -> list[str]:
    """Names a statement binds (with `deep`, also inside its nested blocks; never inside nested functions)."""
    out: list[str] = []
    if isinstance(s, n.Assign):
        for t in s.targets:
            out += _target_names(t)
    elif isinstance(s, (n.AugAssign, n.AnnAssign)):
        out += _target_names(s.target) * 2  # an augmented assignment rebinds
    elif isinstance(s, (n.FunctionDef, n.ClassDef)):
        out.append(s.name)
    elif isinstance(s, n.Scope):
        out += s.names * 2
    elif isinstance(s, n.Delete):
        for t in s.targets:
            out += _target_names(t) * 2
    elif isinstance(s, n.For):
        out += _target_names(s.target) * 2
    if deep:
        for block in (getattr(s, "body", None), getattr(s, "orelse", None)):
            if isinstance(block, list) and not isinstance(s, (n.FunctionDef, n.ClassDef)):
                for inner in block:
                    out += _binds(inner, deep=True)
    return out


def _target_names(t: n.Expr) -> list[str]:
    if isinstance(t, n.Name):
        return [t.id]
    if isinstance(t, (n.TupleExpr, n.ListExpr)):
        return [name for x in t.elts for name in _target_names(x)]
    if isinstance(t, n.Starred):
        return _target_names(t.value)
    return []


def stable_attrs(cls: n.ClassDef) -> dict[str, int]:
    """`self.x` attributes assigned once in the whole class, by a top-level statement of `__init__`: x -> index."""
    counts: dict[str, int] = {}
    at: dict[str, int] = {}
    for f in cls.body:
        if not isinstance(f, n.FunctionDef):
            continue
        for i, s in enumerate(f.body):
            for inner in [s, *_nested(s)]:
                for t in _self_targets(inner):
                    counts[t] = counts.get(t, 0) + 1
                    if f.role == "init" and inner is s:
                        at.setdefault(t, i)
    return {name: i for name, i in at.items() if counts[name] == 1}


def _nested(s: n.Stmt) -> list[n.Stmt]:
    out: list[n.Stmt] = []
    for block in (getattr(s, "body", None), getattr(s, "orelse", None)):
        if isinstance(block, list) and not isinstance(s, (n.FunctionDef, n.ClassDef)):
            for inner in block:
                out += [inner, *_nested(inner)]
    return out


def _self_targets(s: n.Stmt) -> list[str]:
    targets = s.targets if isinstance(s, n.Assign) else [s.target] if isinstance(s, (n.AugAssign, n.AnnAssign)) else []
    out = []
    for t in targets:
        for x in t.elts if isinstance(t, (n.TupleExpr, n.ListExpr)) else [t]:
            if isinstance(x, n.Attr) and isinstance(x.value, n.Name) and x.value.id == "self":
                out.append(x.attr)
    return out


def runs(it: n.Expr) -> bool:
    """Whether a loop over `it` runs at least once: `range(2)`, a literal non-empty list."""
    if isinstance(it, (n.TupleExpr, n.ListExpr)):
        return bool(it.elts) and not any(isinstance(x, n.Starred) for x in it.elts)
    if isinstance(it, n.Call) and isinstance(it.func, n.Name) and it.func.id == "range" and it.args \
            and not any(a.keyword or a.star for a in it.args):
        bounds = [const_value(a.value) for a in it.args]
        if all(isinstance(b, int) for b in bounds):
            return len(range(*bounds)) > 0  # type: ignore[arg-type]
    return False
