"""Public API: migrate a file or one symbol, returning target text, diagnostics and the weight mapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from nnmigrate.diagnostics import Diagnostic, Severity, SourceRange
from nnmigrate.frameworks import Framework, detect_framework
from nnmigrate.pivot import nodes as n

Layout = Literal["native", "preserve"]


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    """A model class or builder function found in a file."""

    name: str
    kind: Literal["class", "builder"]
    framework: Framework
    range: SourceRange


@dataclass
class MigrationResult:
    text: str
    diagnostics: list[Diagnostic]
    source_framework: Framework
    target_framework: Framework
    symbols: list[str]
    #: JSON-able description the verifier needs: per class, source attribute path -> target path and op key;
    #: per migrated symbol, the layout of inputs and outputs.
    mapping: dict = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 3 if any(d.severity is Severity.ERROR for d in self.diagnostics) else 0


class MigrationError(Exception):
    """Bad input: the source cannot be migrated at all (syntax error, unknown framework, missing symbol)."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _parse_error(source: str, exc: Exception) -> Diagnostic:
    """The syntax error in `source`, as Python words it and where Python finds it (libcst's messages are terser);
    libcst's own when Python parses the source."""
    import ast

    import libcst as cst

    try:
        ast.parse(source)
    except SyntaxError as error:
        line = error.lineno or 1
        col = max((error.offset or 1) - 1, 0)
        end_line = error.end_lineno or line
        end_col = max((error.end_offset or 0) - 1, col + 1) if end_line == line else max((error.end_offset or 1) - 1, 0)
        return Diagnostic("NNM001", f"syntax error: {error.msg}", SourceRange(line, col, end_line, end_col))
    except (ValueError, RecursionError, MemoryError):
        pass
    if isinstance(exc, cst.ParserSyntaxError):
        line, col = exc.raw_line, exc.raw_column
        message = str(exc).splitlines()[0]
        return Diagnostic("NNM001", f"syntax error: {message}", SourceRange(line, col, line, col + 1))
    return Diagnostic("NNM001", f"cannot parse the source: {exc}", None)


def read_pivot(source: str, framework: Framework | None = None, known_classes: dict[str, str] | None = None,
               imported: dict[str, str] | None = None):
    """Source text -> (pivot module, reader diagnostics). Raises MigrationError for bad input.

    `known_classes` gives the kind ("module" / "sequential") of model classes the file imports, by local name;
    `imported` the framework names a star import brings, by local name (`ReLU` -> `keras.layers.ReLU`).
    """
    import libcst as cst

    from nnmigrate.catalog import default_catalog
    from nnmigrate.readers.keras_reader import KerasReader
    from nnmigrate.readers.torch_reader import TorchReader

    framework = framework or detect_framework(source)
    if framework is None:
        raise MigrationError(Diagnostic("NNM003", "no `import torch`, `import keras` or `import tensorflow` found", None))
    try:
        reader = (TorchReader if framework is Framework.PYTORCH else KerasReader)(source, default_catalog())
    except (cst.ParserSyntaxError, SyntaxError, ValueError) as exc:
        raise MigrationError(_parse_error(source, exc)) from exc
    except RecursionError as exc:
        raise MigrationError(Diagnostic("NNM001", "the source nests too deeply to parse", None)) from exc
    reader.class_kinds.update(known_classes or {})
    reader.imports.aliases.update(imported or {})
    try:
        module = reader.read()
    except RecursionError as exc:
        raise MigrationError(Diagnostic("NNM001", "the source nests too deeply to read", None)) from exc
    return module, reader.diagnostics


def migrate_source(source: str, to: Framework, *, symbol: str | None = None, layout: Layout = "native",
                   path: str | None = None) -> MigrationResult:
    """Migrates a whole file, or with `symbol` one class or builder function and everything it needs.

    With the file's `path`, definitions it imports from its own package are read and migrated into the result.
    """
    from nnmigrate.catalog import default_catalog
    from nnmigrate.writers.keras_writer import KerasWriter
    from nnmigrate.writers.torch_writer import TorchWriter

    source_framework = detect_framework(source)
    if source_framework is to:
        raise MigrationError(Diagnostic("NNM003", f"the source already uses {to.display}", None))
    module, diagnostics = _read(source, source_framework, path, symbol)
    names = {s.name for s in module.body if hasattr(s, "name")}
    requested = symbol
    if symbol is not None and symbol not in names:
        symbol = _method_owner(module, symbol) or symbol
    if symbol is not None and symbol not in names:
        raise MigrationError(Diagnostic("NNM002", f"`{symbol}` is not defined at the top level of the file", None,
                                        hint=", ".join(sorted(s.name for s in list_symbols(source))) or ""))
    writer_class = KerasWriter if to is Framework.TENSORFLOW else TorchWriter
    writer = writer_class(module, default_catalog(), source, symbol, layout)
    text = writer.write()
    if symbol is not None:
        diagnostics = _within(diagnostics, writer.plan.statements())
    all_diagnostics = _dedupe(diagnostics + writer.diagnostics + _syntax_check(text))
    mapping = writer.contract()
    return MigrationResult(text, all_diagnostics, source_framework or Framework.PYTORCH, to,
                           [requested] if requested else sorted(writer.plan.classes), mapping)


def _method_owner(module: n.PivotModule, symbol: str) -> str | None:
    """The class of a `Class.method` symbol (a classmethod or staticmethod builder such as
    `EfficientNet.from_name`): migrating the class migrates the method with it. None when there is none."""
    owner, _, method = symbol.partition(".")
    for s in module.body:
        if isinstance(s, n.ClassDef) and s.name == owner and any(
                isinstance(m, n.FunctionDef) and m.name == method for m in s.body):
            return owner
    return None


def _read(source: str, framework: Framework | None, path: str | None, symbol: str | None = None):
    """The pivot of `source`, with its package-local imports resolved when its path is known (those `symbol`
    needs, when given)."""
    if path is None:
        return read_pivot(source, framework)
    from pathlib import Path

    from nnmigrate.readers.package import read_in_package

    def read_module(text: str, kinds: dict[str, str], imported: dict[str, str]):
        try:
            return read_pivot(text, framework or Framework.PYTORCH, kinds, imported)
        except MigrationError:
            return None

    return read_in_package(source, Path(path), read_module, symbol) or read_pivot(source, framework)


def _within(diagnostics: list[Diagnostic], stmts: list) -> list[Diagnostic]:
    """The diagnostics about code in `stmts` (what a symbol's migration writes), and those about no code."""
    spans = [s.span for s in stmts if s.span is not None]
    return [d for d in diagnostics if d.range is None or any(
        span.start_line <= d.range.start_line <= span.end_line for span in spans)]


def _syntax_check(text: str) -> list[Diagnostic]:
    """A diagnostic when the written code does not parse (a writer bug must never pass unnoticed)."""
    import ast

    try:
        ast.parse(text)
    except SyntaxError as exc:
        return [Diagnostic("NNM103", f"the migrated code does not parse at its line {exc.lineno}: {exc.msg}", None)]
    return []


def _dedupe(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen: set[tuple] = set()
    out = []
    for d in diagnostics:
        key = (d.code, d.message, d.range)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return sorted(out, key=lambda d: (d.range.start_line, d.range.start_col) if d.range else (0, 0))


def analyze(source: str) -> list[Diagnostic]:
    """The diagnostics a migration of `source` would report, without keeping the written code; never raises."""
    framework = detect_framework(source)
    if framework is None:
        return []
    try:
        return migrate_source(source, framework.other).diagnostics
    except MigrationError as exc:
        return [exc.diagnostic] if exc.diagnostic.code == "NNM001" else []


def list_symbols(source: str) -> list[SymbolInfo]:
    """Model classes and builder functions at the top level of a file (stdlib ast; cheap)."""
    import ast

    framework = detect_framework(source)
    if framework is None:
        return []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    model_bases = {"Module", "Sequential", "Model", "Layer"}
    models: set[str] = set()
    out: list[SymbolInfo] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            bases = {ast.unparse(b).split(".")[-1] for b in node.bases}
            if bases & (model_bases | models):
                models.add(node.name)
                out.append(SymbolInfo(node.name, "class", framework, _range(node)))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            returns_model = any(isinstance(x, ast.Return) and isinstance(x.value, ast.Call) and (
                ast.unparse(x.value.func).split(".")[-1] in models | {"Model", "Sequential"}) for x in ast.walk(node))
            if returns_model:
                out.append(SymbolInfo(node.name, "builder", framework, _range(node)))
    return sorted(out, key=lambda s: s.range.start_line)


def _range(node) -> SourceRange:
    return SourceRange(node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)
