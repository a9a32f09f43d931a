"""The smallest source that explains a constructor call: class line, ``__init__`` line, one statement.

The engine reads its whole input into a pivot before it can explain one call, which costs ~1 ms per line.
A layer built in ``__init__`` (or in a module-level function) does not depend on the statements around it,
so the hover asks about the header plus that statement under a two-line skeleton. Calls anywhere else
(``forward``, nested blocks), where the layout state of earlier statements matters, get the whole block.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Narrowed:
    """``text`` to explain, and the block-relative 1-based line of each of its lines after the header."""

    text: str
    lines: tuple[int, ...]

    def to_block(self, line: int) -> int | None:
        """Narrowed 1-based line -> block 1-based line (None for skeleton lines)."""
        return self.lines[line - 1] if 1 <= line <= len(self.lines) and self.lines[line - 1] > 0 else None

    def from_block(self, line: int) -> int:
        return self.lines.index(line) + 1


def narrow(block_text: str, line: int) -> Narrowed | None:
    """Skeleton + the statement holding block-relative 1-based ``line``, or None when it must be the whole block."""
    try:
        tree = ast.parse(block_text)
    except SyntaxError:
        return None
    lines = block_text.splitlines(keepends=True)
    for top in tree.body:
        if not (top.lineno <= line <= (top.end_lineno or top.lineno)):
            continue
        if isinstance(top, ast.ClassDef):
            init = next((f for f in top.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"
                         and f.lineno <= line <= (f.end_lineno or f.lineno)), None)
            if init is None:
                return None
            return _cut(lines, [top, init], init.body, line)
        if isinstance(top, ast.FunctionDef):
            return _cut(lines, [top], top.body, line)
    return None


def _header_lines(node: ast.ClassDef | ast.FunctionDef) -> range:
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return range(first, node.body[0].lineno)  # decorators and the (possibly multi-line) signature


def _cut(lines: list[str], parents: list, body: list[ast.stmt], line: int) -> Narrowed | None:
    stmt = next((s for s in body if s.lineno <= line <= (s.end_lineno or s.lineno)), None)
    if stmt is None or not isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.Expr, ast.Return, ast.AugAssign)):
        return None
    keep: list[int] = []
    for parent in parents:
        keep.extend(n for n in _header_lines(parent) if not lines[n - 1].lstrip().startswith("#"))
    if any(lines[n - 1].rstrip().endswith("\\") for n in keep):
        return None
    keep.extend(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    text = "".join(lines[n - 1] for n in keep)
    return Narrowed(text, tuple(keep))
