"""Hover content: the other framework's form of the op call under the cursor, with its actual arguments."""

from __future__ import annotations

from dataclasses import dataclass

from nnmigrate.diagnostics import SourceRange
from nnmigrate.frameworks import Framework, detect_framework
from nnmigrate.pivot import nodes as n


@dataclass(frozen=True, slots=True)
class Explanation:
    markdown: str
    range: SourceRange
    target: str


def _contains(span: SourceRange, line: int, col: int) -> bool:
    start, end = (span.start_line, span.start_col), (span.end_line, span.end_col)
    return start <= (line, col) < end


def _size(span: SourceRange) -> tuple[int, int]:
    return span.end_line - span.start_line, span.end_col - span.start_col


def explain_at(source: str, line: int, col: int) -> Explanation | None:
    """Hover for the innermost catalog op at (line 1-based, col 0-based); None when there is none or the code is broken."""
    from nnmigrate.catalog import default_catalog
    from nnmigrate.migrate import MigrationError, read_pivot
    from nnmigrate.writers import printer
    from nnmigrate.writers.keras_writer import KerasWriter
    from nnmigrate.writers.module_plan import walk
    from nnmigrate.writers.torch_writer import TorchWriter
    from nnmigrate.writers.translate import Translator

    framework = detect_framework(source)
    if framework is None:
        return None
    try:
        module, _ = read_pivot(source, framework)
    except MigrationError:
        return None
    hits = [x for x in walk(module.body) if isinstance(x, n.Op) and x.span is not None and _contains(x.span, line, col)]
    if not hits:
        return None
    op = min(hits, key=lambda x: _size(x.span))  # type: ignore[arg-type]
    entry = default_catalog().get(op.key)
    writer = (KerasWriter if framework is Framework.PYTORCH else TorchWriter)(module, default_catalog(), source)
    translator = Translator(writer, default_catalog())
    target, _ = translator.expr(op)
    missing = f"(no {writer.target_name} form yet)"
    try:
        code = missing if isinstance(target, n.Unsupported) else printer.expr(target)
    except TypeError:
        code = missing
    notes = [entry.notes] if entry.notes else []
    notes += [d.message for d in translator.diagnostics if d.message not in notes]
    target_name = "Keras 3" if framework is Framework.PYTORCH else "PyTorch"
    body = f"```python\n{code}\n```\n---\n**{target_name} equivalent** of `{entry.key}` ({framework.display} source)"
    if notes:
        body += "\n\n" + "\n".join(f"- {note}" for note in notes)
    return Explanation(body, op.span, code)  # type: ignore[arg-type]
