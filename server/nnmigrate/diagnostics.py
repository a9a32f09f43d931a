"""Diagnostics the engine reports: stable codes, severities and source ranges."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


@dataclass(frozen=True, slots=True)
class SourceRange:
    """A span of source text. Lines are 1-based, columns 0-based (code points), end exclusive."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def shifted(self, lines: int) -> SourceRange:
        return SourceRange(self.start_line + lines, self.start_col, self.end_line + lines, self.end_col)


#: Stable diagnostic codes and what they mean. Tests and the language server rely on these names.
CODES: dict[str, str] = {
    "NNM001": "syntax error in the source file",
    "NNM002": "the requested symbol was not found",
    "NNM003": "the source framework could not be recognised",
    "NNM101": "call to an operation the catalog does not know",
    "NNM102": "argument value the target framework cannot express",
    "NNM103": "Python construct the migrator does not support",
    "NNM104": "unknown layer attribute",
    "NNM201": "semantic difference: padding needs explicit ZeroPadding",
    "NNM202": "semantic difference: Embedding padding_idx has no Keras equivalent",
    "NNM203": "data-dependent control flow in forward/call",
    "NNM204": "semantic difference: layout-sensitive reshape got an explicit transpose",
    "NNM205": "semantic difference: initialisation differs between frameworks",
    "NNM206": "module mode, placement or precision left to the target framework",
    "NNM301": "result of an equivalence check (verify) on this class",
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    range: SourceRange | None
    severity: Severity = Severity.ERROR
    hint: str = ""

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"Unknown diagnostic code. Received: code={self.code!r}")

    @property
    def blocks_migration(self) -> bool:
        """Errors mean the output carries a marker and needs a person; warnings are notes."""
        return self.severity is Severity.ERROR

    def format(self, path: str) -> str:
        line, col = (self.range.start_line, self.range.start_col + 1) if self.range else (1, 1)
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{path}:{line}:{col}: {self.code} {self.message}{hint}"

    def to_json(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data
