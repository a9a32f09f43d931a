"""Where migrated code goes: sibling file names and merging one migrated symbol into an existing file.

Two jobs, both pure text functions with no editor knowledge:

- :func:`sibling_path` / :func:`sibling_uri` name the file that receives migrated code
  (``model.py`` -> ``model_tf.py`` for TensorFlow, ``model_torch.py`` for PyTorch).
- :func:`merge_symbol` merges a migrated module (the symbol plus the helpers it needs) into the text of an
  existing target file: each top-level definition it carries replaces the one with the same name or is
  appended, and import lines the target lacks are added after its last import.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from nnmigrate.frameworks import Framework

#: File-name suffix that marks a migrated file, per target framework.
SUFFIX: dict[Framework, str] = {Framework.TENSORFLOW: "_tf", Framework.PYTORCH: "_torch"}
#: Suffixes stripped before adding the target's, so ``model_torch.py`` -> ``model_tf.py``.
_KNOWN_SUFFIXES = ("_tf", "_torch", "_keras", "_pt")


class PlacementError(ValueError):
    """The target text cannot take the migrated code (for example it does not parse)."""


def sibling_name(filename: str, target: Framework) -> str:
    """The sibling file name for ``filename`` when migrating to ``target``.

    Args:
        filename: a base name such as ``model.py`` (no directory).
        target: the framework the code is migrated to.

    Returns:
        ``model_tf.py`` for TensorFlow, ``model_torch.py`` for PyTorch. A known framework suffix on the
        stem is replaced rather than stacked (``net_torch.py`` -> ``net_tf.py``).
    """
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    for suffix in _KNOWN_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
            break
    return f"{stem}{SUFFIX[target]}" + (f".{ext}" if dot else "")


def sibling_path(path: str, target: Framework) -> str:
    """``sibling_name`` applied to the last component of a path or URI path (separator ``/`` or ``\\``)."""
    cut = max(path.rfind("/"), path.rfind("\\"))
    return path[: cut + 1] + sibling_name(path[cut + 1 :], target)


def sibling_uri(uri: str, target: Framework) -> str:
    """The sibling of a ``file:`` (or any hierarchical) URI; query and fragment are dropped."""
    base = uri.split("#", 1)[0].split("?", 1)[0]
    return sibling_path(base, target)


@dataclass(frozen=True, slots=True)
class _Stmt:
    """One top-level statement: its 0-based line span [start, end) and what it defines."""

    start: int
    end: int
    names: tuple[str, ...]
    is_import: bool
    is_future: bool
    is_docstring: bool
    key: str


def _top_level(text: str) -> tuple[list[str], list[_Stmt]]:
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise PlacementError(f"The target text does not parse: {exc.msg} (line {exc.lineno}).") from None
    lines = text.splitlines(keepends=True)
    stmts = []
    for index, node in enumerate(tree.body):
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        names: tuple[str, ...] = ()
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names = (node.name,)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = tuple(t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("__"))
        is_import = isinstance(node, (ast.Import, ast.ImportFrom))
        is_future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        is_doc = index == 0 and isinstance(node, ast.Expr) and isinstance(getattr(node.value, "value", None), str)
        end = node.end_lineno or node.lineno
        stmts.append(_Stmt(first - 1, end, names, is_import, is_future, is_doc, ast.dump(node)))
    return lines, stmts


def _leading_comments(lines: list[str], start: int) -> int:
    """Extend a statement start upwards over directly adjacent comment lines."""
    while start > 0 and lines[start - 1].lstrip().startswith("#") and not lines[start - 1][:1].isspace():
        start -= 1
    return start


def _ensure_newline(chunk: list[str]) -> list[str]:
    if chunk and not chunk[-1].endswith("\n"):
        chunk = chunk[:-1] + [chunk[-1] + "\n"]
    return chunk


def merge_symbol(existing: str, migrated: str, symbol: str) -> str:
    """Merge the migrated module ``migrated`` (which defines ``symbol``) into ``existing``.

    Every top-level class, function and plain assignment in ``migrated`` replaces the same-named
    top-level definition in ``existing`` (decorators included). New ones go just before the next
    replaced definition (helpers stay above their users), or at the end.
    Import statements of ``migrated`` that ``existing`` lacks are inserted after its last top-level
    import (``from __future__`` ones at the top, after the docstring).

    Args:
        existing: the full text of the target file.
        migrated: a complete module produced for ``symbol``.
        symbol: the class or builder function being placed.

    Returns:
        The new full text of the target file.

    Raises:
        PlacementError: a text does not parse, or ``migrated`` does not define ``symbol``.
    """
    if not existing.strip():
        return migrated
    new_lines, new_stmts = _top_level(migrated)
    old_lines, old_stmts = _top_level(existing)
    if not any(symbol in s.names for s in new_stmts):
        raise PlacementError(f"The migrated code does not define `{symbol}`. Received: symbol={symbol!r}")

    old_by_name = {name: s for s in old_stmts for name in s.names}
    old_import_keys = {s.key for s in old_stmts if s.is_import}
    replacements: dict[int, tuple[int, list[str]]] = {}  # old start -> (old end, new lines)
    pending: list[str] = []  # new definitions not yet placed: they go before the next replaced one
    imports: list[list[str]] = []
    futures: list[list[str]] = []
    for stmt in new_stmts:
        chunk = _ensure_newline(new_lines[_leading_comments(new_lines, stmt.start) : stmt.end])
        if stmt.is_import:
            if stmt.key not in old_import_keys:
                (futures if stmt.is_future else imports).append(chunk)
            continue
        if not stmt.names:
            continue
        target = next((old_by_name[n] for n in stmt.names if n in old_by_name), None)
        if target is None or target.start in replacements:
            pending += chunk + ["\n", "\n"]
            continue
        replacements[target.start] = (target.end, pending + chunk)
        pending = []

    out = _ensure_newline(list(old_lines))
    for start in sorted(replacements, reverse=True):
        end, chunk = replacements[start]
        out[start:end] = chunk
    if pending:
        while out and not out[-1].strip():
            out.pop()
        out += ["\n", "\n"] + pending[:-2]
    if imports:
        last_import = max((s.end for s in old_stmts if s.is_import), default=None)
        at = last_import if last_import is not None else _after_docstring(old_stmts)
        out[at:at] = [line for chunk in imports for line in chunk]
    if futures:
        at = _after_docstring(old_stmts)
        out[at:at] = [line for chunk in futures for line in chunk]
    return "".join(out)


def _after_docstring(stmts: list[_Stmt]) -> int:
    """The line index just after the module docstring (0 when there is none)."""
    return stmts[0].end if stmts and stmts[0].is_docstring else 0
