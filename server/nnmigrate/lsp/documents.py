"""Per-document top-level block index: blocks, import header, symbols, slices, input-spec comments.

A :class:`DocumentIndex` is built once per document version by a line scan (``blocks.split_blocks``).
Everything expensive is keyed by block *text* in the shared ``block_cache.BlockCache``: the syntax check,
the engine's analysis (keyed by the module's import header plus the block), and the symbols. Typing in one
class therefore re-analyses only that class; blocks that merely moved keep their results and are shifted.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property

from nnmigrate.diagnostics import SourceRange
from nnmigrate.frameworks import Framework
from nnmigrate.frameworks import detect_framework
from nnmigrate.lsp.block_cache import BlockCache
from nnmigrate.lsp.blocks import Block
from nnmigrate.lsp.blocks import split_blocks
from nnmigrate.migrate import SymbolInfo
_INPUT_COMMENT = re.compile(r"#\s*nnmigrate:\s*inputs?\b(.*)")
_SPEC = re.compile(r"\w+\[[^\]]*\](?:<\d+)?")


@dataclass(frozen=True, slots=True)
class SourceSlice:
    """The import header plus the blocks a symbol needs, with the document line of each slice line."""

    text: str
    line_map: tuple[int, ...]  # slice line index (0-based) -> document line index (0-based)

    def to_document(self, rng: SourceRange) -> SourceRange | None:
        """Map a 1-based slice range back to the document (None when it falls outside the mapped lines)."""
        if not (1 <= rng.start_line <= len(self.line_map) and 1 <= rng.end_line <= len(self.line_map)):
            return None
        start, end = self.line_map[rng.start_line - 1], self.line_map[rng.end_line - 1]
        return SourceRange(start + 1, rng.start_col, end + 1, rng.end_col)


@dataclass
class DocumentIndex:
    """Blocks of one document version; cheap to build, everything else is lazy and cached."""

    text: str
    cache: BlockCache
    lines: list[str] = field(init=False)
    blocks: list[Block] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.text.splitlines(keepends=True)
        blocks: list[Block] = []
        for block in split_blocks(self.lines):
            if self.cache.syntax(block.text).error is not None and block.end - block.start > 1:
                again = split_blocks(self.lines[block.start : block.end], block.start, lenient=True)
                if len(again) > 1:
                    blocks.extend(again)
                    continue
            blocks.append(block)
        self.blocks = blocks
        self._starts = [b.start for b in blocks]

    @cached_property
    def _header_blocks(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "import" and self.cache.syntax(b.text).error is None]

    @cached_property
    def _docstring(self) -> list[Block]:
        """The module docstring block, when the module starts with one (kept in migrated files)."""
        first = self.blocks[0] if self.blocks else None
        if first is None or first.kind != "other" or self.cache.syntax(first.text).error is not None:
            return []
        body = ast.parse(first.text).body
        is_doc = len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0].value, "value", None), str)
        return [first] if is_doc else []

    @cached_property
    def header(self) -> str:
        """The module's import statements, one after another, ending with a newline."""
        text = "".join(b.text if b.text.endswith("\n") else b.text + "\n" for b in self._header_blocks)
        return text

    @cached_property
    def header_lines(self) -> tuple[int, ...]:
        """Header line index (0-based) -> document line index."""
        out: list[int] = []
        for block in self._header_blocks:
            out.extend(range(block.start, block.end))
        return tuple(out)

    @cached_property
    def framework(self) -> Framework | None:
        return detect_framework(self.header) or detect_framework(self.text)

    @cached_property
    def by_name(self) -> dict[str, Block]:
        return {b.name: b for b in self.blocks if b.name is not None}

    @cached_property
    def definers(self) -> dict[str, Block]:
        """Top-level name -> the (parsing, non-import) block that defines it; the last definition wins."""
        found: dict[str, Block] = {}
        for block in self.blocks:
            if block.kind != "import":
                found.update(dict.fromkeys(self.cache.syntax(block.text).defines, block))
        return found

    def block_at(self, line: int) -> Block | None:
        """The block holding 0-based document ``line``."""
        i = bisect_right(self._starts, line) - 1
        return self.blocks[i] if 0 <= i < len(self.blocks) and self.blocks[i].contains(line) else None

    def analysis_units(self) -> list[Block]:
        """Blocks that get an engine analysis (the header is analysed through each of them)."""
        return [b for b in self.blocks if b.kind != "import" or self.cache.syntax(b.text).error is not None]

    def _context_for(self, block: Block) -> str:
        """Header plus class stubs for the in-file classes ``block`` refers to (transitively)."""
        seen: set[str] = set()
        todo = list(self.cache.syntax(block.text).uses)
        stubs: list[tuple[int, str]] = []
        while todo:
            name = todo.pop()
            other = self.by_name.get(name)
            if name in seen or other is None or other is block or other.kind != "class":
                continue
            seen.add(name)
            syntax = self.cache.syntax(other.text)
            if syntax.stub:
                stubs.append((other.start, syntax.stub))
                todo.extend(syntax.uses)
        return self.header + "".join(stub for _, stub in sorted(stubs))

    def symbols_in(self, block: Block) -> list[SymbolInfo]:
        """Model classes and builders defined in ``block``, in document coordinates."""
        if block.kind not in ("class", "def") or self.cache.syntax(block.text).error is not None:
            return []
        found = self.cache.symbols(self._context_for(block), block.text)
        return [SymbolInfo(s.name, s.kind, s.framework, s.range.shifted(block.start)) for s in found]

    def symbol_at(self, line: int) -> SymbolInfo | None:
        """The model class or builder whose block holds 0-based ``line``."""
        block = self.block_at(line)
        if block is None:
            return None
        return next((s for s in self.symbols_in(block) if s.range.start_line - 1 <= line), None)

    def symbol(self, name: str) -> SymbolInfo | None:
        block = self.by_name.get(name)
        return next((s for s in self.symbols_in(block) if s.name == name), None) if block else None

    def slice_for(self, name: str) -> SourceSlice:
        """Docstring, header and the blocks ``name`` needs (names it uses, transitively), in document order."""
        needed: dict[int, Block] = {}
        todo = [name]
        while todo:
            block = self.definers.get(todo.pop())
            if block is None or block.start in needed:
                continue
            needed[block.start] = block
            todo.extend(self.cache.syntax(block.text).uses)
        parts = self._docstring + self._header_blocks + [needed[k] for k in sorted(needed)]
        text, line_map = [], []
        for block in parts:
            body = block.text if block.text.endswith("\n") else block.text + "\n"
            text.append(body)
            line_map.extend(range(block.start, block.start + body.count("\n")))
        return SourceSlice("".join(text), tuple(line_map))

    def input_specs(self, name: str) -> list[str]:
        """Input specs from ``# nnmigrate: input float32[1,3,224,224]`` comments right above ``name``."""
        block = self.by_name.get(name)
        if block is None:
            return []
        specs: list[str] = []
        for line in block.text.splitlines():
            if not line.startswith(("#", "@")):
                break
            match = _INPUT_COMMENT.match(line)
            if match:
                specs.extend(_SPEC.findall(match.group(1)))
        return specs
