"""The last line of defence against writer bugs: a statement the writer fails on is kept as its original source
behind a TODO marker, with an NNM103 diagnostic at its range, so one statement never costs the rest of the file
(nor crashes the command)."""

from __future__ import annotations

import ast
import textwrap

from nnmigrate.diagnostics import Diagnostic
from nnmigrate.pivot import nodes as n
from nnmigrate.writers import printer

#: statements with a body: their headers are checked by printing, their bodies statement by statement
_COMPOUND = (n.If, n.For, n.While, n.Try, n.FunctionDef, n.ClassDef, n.UnsupportedStmt)


def guarded(write, s: n.Stmt, source: str) -> tuple[list[n.Stmt], list[Diagnostic]]:
    """`write()`'s statements when they print as valid Python; else `s` kept as it was written in `source` (see
    `kept`)."""
    try:
        out = write()
        for x in out:
            lines = printer.stmt(x)
            if not isinstance(x, _COMPOUND):  # a compound statement's parts are checked where they are written
                ast.parse("\n".join(lines))
        return out, []
    except Exception as exc:  # noqa: BLE001 - any internal error becomes a diagnostic and a marker
        reason = f"internal error while migrating this {_kind(s)} ({type(exc).__name__}: {exc})"
        stmt, diagnostic = kept(s, reason, source)
        return [stmt], [diagnostic]


def kept(s: n.Stmt, reason: str, source: str) -> tuple[n.UnsupportedStmt, Diagnostic]:
    """`s` as its original source text behind a marker, and the diagnostic saying why (`reason`)."""
    reason = f"{reason}; its original code is kept unchanged"
    code = _original(s, source)
    if code is None:  # no source range: nothing to keep but a statement that fails loudly
        code = f"raise NotImplementedError({f'nnmigrate could not migrate a {_kind(s)}'!r})"
    comments = [*s.comments, f"TODO(nnmigrate): not migrated: {reason}"]
    return n.UnsupportedStmt(code, reason, span=s.span, comments=comments), Diagnostic("NNM103", reason, s.span)


def _original(s: n.Stmt, source: str) -> str | None:
    """The full source lines of `s`, decorators included, dedented to the statement's own indentation."""
    span = s.span
    if span is None:
        return None
    lines = source.splitlines()
    start = span.start_line - 1
    if isinstance(s, (n.FunctionDef, n.ClassDef)):  # a definition's range starts after its decorators
        while start > 0 and lines[start - 1].lstrip().startswith("@"):
            start -= 1
    chunk = lines[start:span.end_line]
    return textwrap.dedent("\n".join(chunk)).strip("\n") or None


def _kind(s: n.Stmt) -> str:
    if isinstance(s, n.ClassDef):
        return f"class `{s.name}`"
    if isinstance(s, n.FunctionDef):
        return f"function `{s.name}`"
    return "statement"
