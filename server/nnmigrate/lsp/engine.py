"""The one door from the language server to the migration library: lazy, guarded calls that never raise.

Each engine function is looked up on first use. An engine failure is logged and turned into an empty
answer or an :class:`EngineError` with a readable message, so a bug in the library shows up as a
message in the editor and never takes the server down. ``list_symbols`` has a small stdlib-``ast``
fallback so the server stays useful while the library is incomplete.
"""

from __future__ import annotations

import ast
import importlib
import logging
from typing import Any
from typing import Callable

from nnmigrate.diagnostics import Diagnostic
from nnmigrate.diagnostics import SourceRange
from nnmigrate.frameworks import Framework
from nnmigrate.frameworks import detect_framework
from nnmigrate.migrate import SymbolInfo

log = logging.getLogger(__name__)

_MISSING = object()
_cache: dict[tuple[str, str], Any] = {}


class EngineError(Exception):
    """The library could not answer; the message is meant for the user."""


def _lookup(module: str, name: str) -> Callable[..., Any] | None:
    key = (module, name)
    found = _cache.get(key)
    if found is None:
        try:
            found = getattr(importlib.import_module(module), name, _MISSING)
        except ModuleNotFoundError as exc:
            log.info("engine module missing: %s", exc)
            found = _MISSING
        except Exception:  # an engine module that fails to import must not stop the server
            log.exception("cannot import %s", module)
            found = _MISSING
        if found is not _MISSING:
            _cache[key] = found
    return None if found is _MISSING else found


def available(name: str) -> bool:
    """Whether the engine provides ``name`` (``list_symbols``, ``analyze``, ``migrate_source``, ``explain_at``)."""
    module = "nnmigrate.explain" if name == "explain_at" else "nnmigrate.migrate"
    return _lookup(module, name) is not None


def list_symbols(source: str) -> list[SymbolInfo]:
    """Model classes and builder functions in ``source`` (engine, else the ast fallback)."""
    fn = _lookup("nnmigrate.migrate", "list_symbols")
    if fn is not None:
        try:
            return list(fn(source))
        except Exception:
            log.exception("engine list_symbols failed")
    return fallback_symbols(source)


def analyze(source: str) -> list[Diagnostic]:
    """Diagnostics a migration of ``source`` would report; empty when the engine cannot say."""
    fn = _lookup("nnmigrate.migrate", "analyze")
    if fn is None:
        return []
    try:
        return list(fn(source))
    except Exception:
        log.exception("engine analyze failed")
        return []


def migrate(source: str, to: Framework, symbol: str | None, layout: str) -> Any:
    """``migrate_source`` with the server's settings; raises :class:`EngineError` on failure."""
    fn = _lookup("nnmigrate.migrate", "migrate_source")
    if fn is None:
        raise EngineError("The migration engine is not available (nnmigrate.migrate.migrate_source is missing).")
    try:
        return fn(source, to, symbol=symbol, layout=layout)
    except Exception as exc:
        log.exception("engine migrate_source failed")
        raise EngineError(f"Migration failed: {type(exc).__name__}: {exc}") from exc


def explain(source: str, line: int, col: int) -> Any | None:
    """Hover explanation (``.markdown``, ``.range``) for the call at 1-based ``line``, 0-based ``col``."""
    fn = _lookup("nnmigrate.explain", "explain_at")
    if fn is None:
        return None
    try:
        return fn(source, line, col)
    except Exception:
        log.exception("engine explain_at failed")
        return None


def worker_session(python: list[str], memory_limit_mb: int | None) -> Any:
    """A new verify ``WorkerSession``; raises :class:`EngineError` when the verify package is missing."""
    cls = _lookup("nnmigrate.verify.session", "WorkerSession")
    if cls is None:
        raise EngineError("The verify worker is not available (nnmigrate.verify.session.WorkerSession is missing).")
    return cls(python, memory_limit_mb=memory_limit_mb)


# --- fallback symbol finder (used only while the engine lacks list_symbols) ---------------------------

_MODEL_BASES = ("Module", "Model", "Layer", "Sequential")
_BUILDER_CALLS = ("Model", "Sequential", "Input")


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ""


def fallback_symbols(source: str) -> list[SymbolInfo]:
    """Classes deriving (also through in-file classes) from Module/Model/Layer, and functions building one."""
    framework = detect_framework(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    if framework is None:
        return []
    models: set[str] = set()
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    changed = True
    while changed:
        changed = False
        for node in classes:
            if node.name in models:
                continue
            bases = [_dotted(b) for b in node.bases]
            if any(b.rsplit(".", 1)[-1] in _MODEL_BASES or b in models for b in bases):
                models.add(node.name)
                changed = True
    found = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in models:
            found.append(SymbolInfo(node.name, "class", framework, _range(node)))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
            calls = {_dotted(c.func).rsplit(".", 1)[-1] for c in ast.walk(node) if isinstance(c, ast.Call)}
            returns = [r for r in ast.walk(node) if isinstance(r, ast.Return) and isinstance(r.value, ast.Call)]
            if returns and (calls & set(_BUILDER_CALLS) or {_dotted(r.value).rsplit(".", 1)[-1] for r in returns} & models):
                found.append(SymbolInfo(node.name, "builder", framework, _range(node)))
    return found


def _range(node: ast.stmt) -> SourceRange:
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return SourceRange(first, 0, node.end_lineno or node.lineno, node.end_col_offset or 0)
