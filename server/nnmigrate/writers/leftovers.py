"""Source-framework names left in written code. The framework's imports are not written, so a reference the writer
passed through unchanged (`forward = nn.Module.__call__`, `isinstance(x, tf.Tensor)`) would fail at run time with a
NameError; each such statement gets a marker and an NNM101 at its range instead of passing silently."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from nnmigrate.diagnostics import Diagnostic, SourceRange
from nnmigrate.pivot import nodes as n
from nnmigrate.writers.module_plan import bound_names, walk

#: top-level packages of each source framework (by the pivot's `source_framework`), and its name in messages
_ROOTS = {"torch": ("torch",), "keras": ("tensorflow", "keras", "tf_keras")}
_DISPLAY = {"torch": "PyTorch", "keras": "Keras"}


def framework_names(source: str, framework: str) -> dict[str, str]:
    """Names the source's imports of its own framework bind, with the module each comes from (`nn` -> `torch.nn`)."""
    roots = _ROOTS.get(framework, ())
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in roots:
                    out[a.asname or a.name.split(".")[0]] = a.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in roots:
            out.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names if a.name != "*"})
    return out


def report(body: list[n.Stmt], names: dict[str, str], target_names: Iterable[str], framework: str) -> list[Diagnostic]:
    """Marks each statement of `body` (at any depth) that uses one of the source framework's `names` (see
    `framework_names`; `framework` is the pivot's `source_framework`) which nothing in the written module binds;
    returns the diagnostics."""
    left = set(names) - _bound(body) - set(target_names)
    if not left:
        return []
    out: list[Diagnostic] = []
    for s, parent_span in _statements(body, None):
        found = dict.fromkeys(x.id.split(".")[0] for x in _own_nodes(s)
                              if isinstance(x, n.Name) and x.id.split(".")[0] in left)
        for name in found:
            message = (f"`{name}` (the {_DISPLAY.get(framework, framework)} import of `{names[name]}`) is left in the migrated code, where "
                       f"nothing defines it")
            out.append(Diagnostic("NNM101", message, s.span or parent_span,
                                  hint="rewrite this statement with the target framework's API"))
            s.comments = [*s.comments, f"TODO(nnmigrate): NNM101 {message}"]
    return out


def _statements(stmts: list[n.Stmt], span: SourceRange | None) -> Iterator[tuple[n.Stmt, SourceRange | None]]:
    """Every statement under `stmts`, with the nearest range above it (for statements the writer made)."""
    for s in stmts:
        yield s, span
        for child in _child_bodies(s):
            yield from _statements(child, s.span or span)


def _child_bodies(s: n.Stmt) -> list[list[n.Stmt]]:
    if isinstance(s, n.Try):
        return [s.body, *[h.body for h in s.handlers], s.orelse, s.finalbody]
    return [b for b in (getattr(s, "body", None), getattr(s, "orelse", None)) if isinstance(b, list)]


def _own_nodes(s: n.Stmt) -> Iterator[n.Node]:
    """The nodes of `s` itself: its expressions, not the statements of its bodies."""
    nested = {id(x) for body in _child_bodies(s) for x in body}
    stack: list[object] = [s]
    while stack:
        x = stack.pop()
        if isinstance(x, n.Node):
            if id(x) in nested:
                continue
            yield x
            stack.extend(getattr(x, f.name) for f in x.__dataclass_fields__.values() if f.name not in ("span", "comments"))
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())


def _bound(body: list[n.Stmt]) -> set[str]:
    """Every name the written module binds anywhere (an over-approximation: a local of that name hides a leftover)."""
    out: set[str] = set()
    targets: list[n.Expr] = []
    for x in walk(body):
        if isinstance(x, (n.FunctionDef, n.ClassDef)):
            out.add(x.name)
        elif isinstance(x, n.Param):
            out.add(x.name)
        elif isinstance(x, n.Lambda):
            out.update(p.split("=")[0].strip("* ") for p in x.params)
        elif isinstance(x, n.Import):
            out.update(bound_names(x.code))
        elif isinstance(x, n.Scope):
            out.update(x.names)
        elif isinstance(x, n.ExceptHandler) and x.name:
            out.add(x.name)
        elif isinstance(x, (n.Assign, n.AugAssign, n.AnnAssign)):
            targets += getattr(x, "targets", None) or [x.target]
        elif isinstance(x, (n.For, n.CompFor)):
            targets.append(x.target)
    out.update(t.id for t in walk(targets) if isinstance(t, n.Name))
    return out
