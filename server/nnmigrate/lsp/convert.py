"""Engine values <-> lsprotocol types; the only place that knows about UTF-16 positions.

The engine counts columns in code points with 1-based lines; LSP (as VS Code negotiates it) counts
UTF-16 code units with 0-based lines. ASCII lines, the common case, need no conversion.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from nnmigrate.diagnostics import Diagnostic
from nnmigrate.diagnostics import Severity
from nnmigrate.diagnostics import SourceRange

SOURCE = "nnmigrate"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def utf16_col(line: str, col: int) -> int:
    """Code-point column -> UTF-16 column on ``line``."""
    if line.isascii():
        return col
    prefix = line[:col]
    return col + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def codepoint_col(line: str, col16: int) -> int:
    """UTF-16 column -> code-point column on ``line`` (clamped to the line)."""
    if line.isascii():
        return min(col16, len(line))
    units = 0
    for index, ch in enumerate(line):
        if units >= col16:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def _line(lines: Sequence[str], index: int) -> str:
    return lines[index].rstrip("\r\n") if 0 <= index < len(lines) else ""


def to_position(lines: Sequence[str], line: int, col: int) -> types.Position:
    """0-based ``line`` and code-point ``col`` -> LSP position (clamped to the document)."""
    if line >= len(lines):
        last = max(len(lines) - 1, 0)
        return types.Position(last, len(_line(lines, last).encode("utf-16-le")) // 2)
    line = max(line, 0)
    text = _line(lines, line)
    return types.Position(line, utf16_col(text, min(max(col, 0), len(text))))


def to_range(lines: Sequence[str], rng: SourceRange | None) -> types.Range:
    """Engine range (1-based lines) -> LSP range; None becomes the start of the file."""
    if rng is None:
        return types.Range(types.Position(0, 0), types.Position(0, 0))
    start = to_position(lines, rng.start_line - 1, rng.start_col)
    end = to_position(lines, rng.end_line - 1, rng.end_col)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    return types.Range(start, end)


def from_position(lines: Sequence[str], position: types.Position) -> tuple[int, int]:
    """LSP position -> (1-based line, code-point column) for the engine."""
    return position.line + 1, codepoint_col(_line(lines, position.line), position.character)


def to_diagnostic(lines: Sequence[str], diagnostic: Diagnostic) -> types.Diagnostic:
    message = diagnostic.message + (f"\nHint: {diagnostic.hint}" if diagnostic.hint else "")
    return types.Diagnostic(
        range=to_range(lines, diagnostic.range),
        message=message,
        severity=_SEVERITY.get(diagnostic.severity, types.DiagnosticSeverity.Warning),
        code=diagnostic.code,
        source=SOURCE,
    )


def diagnostic_json(lines: Sequence[str], diagnostic: Diagnostic) -> dict[str, Any]:
    """The engine diagnostic as plain JSON (LSP shape) for command results."""
    rng = to_range(lines, diagnostic.range)
    return {
        "range": {"start": {"line": rng.start.line, "character": rng.start.character},
                  "end": {"line": rng.end.line, "character": rng.end.character}},
        "message": diagnostic.message,
        "severity": int(_SEVERITY.get(diagnostic.severity, types.DiagnosticSeverity.Warning)),
        "code": diagnostic.code,
        "source": SOURCE,
        "hint": diagnostic.hint,
    }


def whole_document(lines: Sequence[str]) -> types.Range:
    """The range covering all of ``lines``."""
    if lines and lines[-1].endswith(("\n", "\r")):
        return types.Range(types.Position(0, 0), types.Position(len(lines), 0))
    return types.Range(types.Position(0, 0), to_position(lines, len(lines), 0))
