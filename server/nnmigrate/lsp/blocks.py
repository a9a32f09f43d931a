"""Split a Python source into top-level blocks with a cheap line scan (no parser).

A block is one top-level statement with the comment lines directly above it (so a
``# nnmigrate: input ...`` comment belongs to its class), decorators, its indented body and the blank
lines after it. The scan tracks triple-quoted strings and bracket depth roughly; where it guesses wrong
(a bracket inside a string) two statements end up in one block, which still parses, so only the cache
granularity suffers. A block that does not parse can be split again with ``lenient=True``, where
``class``/``def`` lines at column 0 start a block even inside an open string, so a half-typed
docstring cannot swallow the rest of the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["import", "class", "def", "other"]

_DEF = re.compile(r"(?:class\s+(\w+)\s*[(:]|(?:async\s+)?def\s+(\w+)\s*\()")
_KEYWORD = re.compile(r"(?:class|def|async|import|from|if|for|while|try|with|@)\b|@")
_CONTINUATION = re.compile(r"(?:except|else|elif|finally)\b")
_CLOSERS = ")]}"
_BLANK = " \t\r\n\f\v"


@dataclass(frozen=True, slots=True)
class Block:
    """One top-level block: 0-based line span ``[start, end)`` and its text."""

    start: int
    end: int
    text: str
    kind: BlockKind
    name: str | None

    def contains(self, line: int) -> bool:
        return self.start <= line < self.end


def _scan_quotes(line: str, in_str: str | None) -> str | None:
    pos = 0
    while True:
        if in_str is not None:
            j = line.find(in_str, pos)
            if j < 0:
                return in_str
            in_str, pos = None, j + 3
            continue
        j1, j2 = line.find('"""', pos), line.find("'''", pos)
        if j1 < 0 and j2 < 0:
            return None
        j, quote = (j1, '"""') if j2 < 0 or 0 <= j1 < j2 else (j2, "'''")
        if "#" in line[:j] and line[:j].count('"') % 2 == 0 and line[:j].count("'") % 2 == 0:
            return None  # the quotes sit in a comment
        in_str, pos = quote, j + 3


def block_starts(lines: Sequence[str], lenient: bool = False) -> list[int]:
    """0-based indices of the lines that start a top-level block (always includes 0 when non-empty).

    Args:
        lines: source lines with their line endings.
        lenient: let a ``class``/``def`` line at column 0 end an open triple-quoted string.
    """
    starts: list[int] = []
    in_str: str | None = None
    depth = 0
    comments_from: int | None = None
    after_decorator = False
    for i, line in enumerate(lines):
        first = line[:1]
        if first and first not in _BLANK:
            if lenient and in_str is not None and _DEF.match(line):
                in_str = None  # an unterminated string cannot reach a class/def at column 0
            if in_str is None:
                if first == "#":
                    if depth == 0 and comments_from is None:
                        comments_from = i
                elif first not in _CLOSERS and not _CONTINUATION.match(line):
                    if depth == 0 or _KEYWORD.match(line):
                        depth = 0
                        if not after_decorator:
                            starts.append(comments_from if comments_from is not None else i)
                        after_decorator = first == "@"
                    comments_from = None
        elif in_str is None:
            comments_from = None
        if '"""' in line or "'''" in line:
            in_str = _scan_quotes(line, in_str)
        if in_str is None and (depth or "(" in line or "[" in line or "{" in line):
            depth += (line.count("(") + line.count("[") + line.count("{")
                      - line.count(")") - line.count("]") - line.count("}"))
            if depth < 0:
                depth = 0
    if lines and (not starts or starts[0] != 0):
        starts.insert(0, 0)
    return starts


def _kind(text: str) -> tuple[BlockKind, str | None]:
    for line in text.splitlines():
        if not line or line[0] in "#@" or line[0].isspace():
            continue
        match = _DEF.match(line)
        if match:
            return ("class" if match.group(1) else "def"), match.group(1) or match.group(2)
        if line.startswith(("import ", "from ")):
            return "import", None
        return "other", None
    return "other", None


def split_blocks(lines: Sequence[str], offset: int = 0, lenient: bool = False) -> list[Block]:
    """Split ``lines`` (with line endings) into consecutive top-level blocks covering every line.

    Args:
        lines: source lines with their line endings.
        offset: document line index of ``lines[0]``, added to every block's span.
        lenient: see :func:`block_starts`.
    """
    starts = block_starts(lines, lenient)
    blocks = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        text = "".join(lines[start:end])
        kind, name = _kind(text)
        blocks.append(Block(start + offset, end + offset, text, kind, name))
    return blocks
