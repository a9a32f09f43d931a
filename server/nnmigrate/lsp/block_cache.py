"""Results keyed by block text, shared by all documents: syntax check, engine analysis, symbols.

The key is the block's text (with the import header for the analysis), never its position, so a block that
moved keeps its results; results are stored relative to the block's first line.
"""

from __future__ import annotations

import ast
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic
from typing import TypeVar

from nnmigrate.diagnostics import Diagnostic
from nnmigrate.diagnostics import Severity
from nnmigrate.diagnostics import SourceRange
from nnmigrate.lsp import engine
from nnmigrate.migrate import SymbolInfo

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """A small least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> V:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)
        return value

    def __contains__(self, key: K) -> bool:
        return key in self._data


@dataclass(frozen=True, slots=True)
class BlockSyntax:
    """What a stdlib parse of one block tells us: the error, or the names it defines and uses."""

    error: Diagnostic | None
    defines: frozenset[str] = frozenset()
    uses: frozenset[str] = frozenset()
    stub: str = ""  # ``class X(Base): pass`` for classes, so other blocks can see the hierarchy


def _parse_block(text: str) -> BlockSyntax:
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        lines = text.splitlines()
        line = min(max(exc.lineno or 1, 1), max(len(lines), 1))
        width = len(lines[line - 1]) if lines else 0
        col = min(max((exc.offset or 1) - 1, 0), width)
        end_col = (exc.end_offset or 0) - 1 if (exc.end_lineno or line) == line else width
        end_col = min(max(end_col, col + 1), width) if width > col else col
        rng = SourceRange(line, col, line, end_col)
        return BlockSyntax(Diagnostic("NNM001", f"Syntax error: {exc.msg}", rng, Severity.ERROR))
    defines: set[str] = set()
    stub = ""
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            defines.add(node.name)
            if isinstance(node, ast.ClassDef):
                stub = f"class {node.name}({', '.join(ast.unparse(b) for b in node.bases)}): pass\n"
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defines.update(t.id for t in targets if isinstance(t, ast.Name))
    uses = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return BlockSyntax(None, frozenset(defines), frozenset(uses - defines), stub)


class BlockCache:
    """Results keyed by block text, shared by all documents (bounded)."""

    def __init__(self, size: int = 4096) -> None:
        self._syntax: LRU[str, BlockSyntax] = LRU(size)
        self._analysis: LRU[tuple[str, str], tuple[Diagnostic, ...]] = LRU(size)
        self._last_analysis: LRU[str, tuple[Diagnostic, ...]] = LRU(size)
        self._symbols: LRU[tuple[str, str], tuple[SymbolInfo, ...]] = LRU(size)

    def syntax(self, text: str) -> BlockSyntax:
        return self._syntax.get(text) or self._syntax.put(text, _parse_block(text))

    def cached_analysis(self, header: str, text: str) -> tuple[Diagnostic, ...] | None:
        """The fresh analysis of ``text`` under ``header``, else the last one under any header, else None."""
        return self._analysis.get((header, text)) or self._last_analysis.get(text)

    def is_fresh(self, header: str, text: str) -> bool:
        return (header, text) in self._analysis

    def analysis(self, header: str, text: str) -> tuple[Diagnostic, ...]:
        """Engine diagnostics for one block, ranges relative to the block (line 1 = its first line)."""
        found = self._analysis.get((header, text))
        if found is not None:
            return found
        syntax = self.syntax(text)
        if syntax.error is not None:
            result: tuple[Diagnostic, ...] = (syntax.error,)
        else:
            offset = header.count("\n")
            result = tuple(
                _shift(d, -offset)
                for d in engine.analyze(header + text)
                if d.range is not None and d.range.start_line > offset and d.code != "NNM001"
            )
            self._last_analysis.put(text, result)
        return self._analysis.put((header, text), result)

    def symbols(self, context: str, text: str) -> tuple[SymbolInfo, ...]:
        """Symbols defined in ``text`` (seen after ``context``), ranges relative to the block."""
        found = self._symbols.get((context, text))
        if found is None:
            offset = context.count("\n")
            found = tuple(
                SymbolInfo(s.name, s.kind, s.framework, s.range.shifted(-offset))
                for s in engine.list_symbols(context + text)
                if s.range.start_line > offset
            )
            self._symbols.put((context, text), found)
        return found


def _shift(diagnostic: Diagnostic, lines: int) -> Diagnostic:
    if diagnostic.range is None or lines == 0:
        return diagnostic
    return Diagnostic(diagnostic.code, diagnostic.message, diagnostic.range.shifted(lines),
                      diagnostic.severity, diagnostic.hint)
