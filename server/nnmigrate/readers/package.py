"""Package-local imports: the definitions a migrated file takes from other modules of its own package.

A migrated file is written outside its package, so `from .conv import Block` (or an absolute import of the
file's own package, `from mypkg.conv import Block`) cannot stay an import. The modules such imports name
are read with the same reader, and the definitions the file uses - with whatever those need in turn,
recursively - are placed in the migrated module ahead of the code that uses them. Imports of anything
else (the standard library, third-party packages) stay imports.

The file's own package is found by walking up `__init__.py` files from its folder; a folder without
one (a namespace package) is the package itself. Everything brought in is reported at the import that
brought it: its pivot nodes take that import's source range, and its reader diagnostics say which file
and line they come from.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from nnmigrate.diagnostics import Diagnostic, Severity, SourceRange
from nnmigrate.pivot import nodes as n
from nnmigrate.writers.module_plan import ModulePlan, names_used, walk

#: Reads one module's source to pivot, given the kinds of the classes its imports bring (local name ->
#: "module" | "sequential") and the framework names star imports bring (local name -> qualified name);
#: returns None when the module cannot be read.
Reader = Callable[[str, dict[str, str], dict[str, str]], "tuple[n.PivotModule, list[Diagnostic]] | None"]
#: top-level modules whose names a star import of a package module passes on to the importing module
_FRAMEWORKS = ("keras", "tensorflow", "torch")

_MAX_REEXPORTS = 16


@dataclass(frozen=True)
class Binding:
    """A top-level name bound by a package-local import: `name` defined in `module`, or (name None) the module."""

    module: Path
    name: str | None


def _module_file(stem: Path) -> Path | None:
    """`stem.py` or `stem/__init__.py`, whichever exists."""
    for candidate in (stem.with_name(stem.name + ".py"), stem / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


def package_root(path: Path) -> Path:
    """The folder holding the file's top-level package: above the outermost `__init__.py` folder, or above the
    file's own folder when that has none (a namespace package)."""
    folder = path.resolve().parent
    top = folder
    while (folder / "__init__.py").is_file():
        top = folder
        folder = folder.parent
    return top.parent


def _import_base(node: ast.ImportFrom, path: Path) -> Path | None:
    """Where `from X import ...` points inside the file's package (no suffix), or None when X is not in it."""
    parts = node.module.split(".") if node.module else []
    if node.level:
        base = path.resolve().parent
        for _ in range(node.level - 1):
            base = base.parent
        return base.joinpath(*parts)
    root = package_root(path)
    if not parts or parts[0] != path.resolve().relative_to(root).parts[0]:
        return None
    return root.joinpath(*parts)


def local_bindings(source: str, path: Path) -> dict[str, Binding]:
    """Names the module's top-level imports bind to definitions or modules of its own package."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    out: dict[str, Binding] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom):
            base = _import_base(stmt, path)
            if base is None:
                continue
            for alias in stmt.names:
                submodule = _module_file(base / alias.name)
                owner = _module_file(base)
                if alias.name == "*" and owner is not None:  # every public definition of the module
                    out.update({name: Binding(owner, name) for name in _public_definitions(owner) if name not in out})
                elif submodule is not None:
                    out[alias.asname or alias.name] = Binding(submodule, None)
                elif owner is not None:
                    out[alias.asname or alias.name] = Binding(owner, alias.name)
        elif isinstance(stmt, ast.Import):
            root = package_root(path)
            top = path.resolve().relative_to(root).parts[0]
            for alias in stmt.names:
                parts = alias.name.split(".")
                target = _module_file(root.joinpath(*parts)) if parts[0] == top else None
                if target is not None and alias.asname:
                    out[alias.asname] = Binding(target, None)
    return out


def star_framework_names(source: str, path: Path) -> dict[str, str]:
    """Framework names (`ReLU` -> `tensorflow.keras.layers.ReLU`) that `from <package module> import *` brings
    because that module imports them."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    out: dict[str, str] = {}
    for stmt in tree.body:
        if not (isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names)):
            continue
        base = _import_base(stmt, path)
        owner = _module_file(base) if base is not None else None
        try:
            owned = ast.parse(owner.read_text(encoding="utf-8-sig")) if owner is not None else None
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            owned = None
        for imp in owned.body if owned is not None else []:
            if isinstance(imp, ast.ImportFrom) and not imp.level and imp.module \
                    and imp.module.split(".")[0] in _FRAMEWORKS:
                out.update({a.asname or a.name: f"{imp.module}.{a.name}" for a in imp.names if a.name != "*"})
            elif isinstance(imp, ast.Import):
                out.update({a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0]
                            for a in imp.names if a.name.split(".")[0] in _FRAMEWORKS})
    return {name: qual for name, qual in out.items() if not name.startswith("_")}


def _public_definitions(path: Path) -> list[str]:
    """The names `from module import *` takes from the module's own definitions: its `__all__` when that is a
    literal list, else its top-level functions, classes and assigned names not starting with `_`."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return []
    names: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(stmt.name)
        elif isinstance(stmt, ast.Assign):
            targets = [t for t in stmt.targets if isinstance(t, ast.Name)]
            if any(t.id == "__all__" for t in targets) and isinstance(stmt.value, (ast.List, ast.Tuple)):
                listed = [e.value for e in stmt.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                if len(listed) == len(stmt.value.elts):
                    return listed
            names += [t.id for t in targets]
    return [name for name in names if not name.startswith("_")]


def _bound_names(import_code: str) -> list[str]:
    try:
        stmt = ast.parse(import_code.strip()).body[0]
    except (SyntaxError, ValueError, IndexError):
        return []
    if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return []
    return [a.asname or a.name.split(".")[0] for a in stmt.names]


@dataclass
class Module:
    """One module of the package, read to pivot."""

    path: Path
    source: str
    pivot: n.PivotModule
    diagnostics: list[Diagnostic]
    bindings: dict[str, Binding]

    def __post_init__(self) -> None:
        self.definitions = ModulePlan(self.pivot, None).definitions

    def text(self, stmt: n.Stmt) -> str:
        span = stmt.span
        if span is None:
            return ""
        return "\n".join(self.source.splitlines()[span.start_line - 1:span.end_line])


class Package:
    """The modules of one package, each read once on demand."""

    def __init__(self, read: Reader) -> None:
        self.read = read
        self.modules: dict[Path, Module | None] = {}

    def module(self, path: Path, source: str) -> Module | None:
        """Reads a module whose text is known; the classes it imports from the package are read first."""
        bindings = local_bindings(source, path)
        kinds = {local: kind for local, b in bindings.items() if b.name and (kind := self.kind(b))}
        for local, b in bindings.items():
            target = self.load(b.module) if b.name is None else None
            kinds.update({f"{local}.{name}": s.kind for name, s in target.definitions.items()
                          if isinstance(s, n.ClassDef) and s.kind != "plain"} if target else {})
        read = self.read(source, kinds, star_framework_names(source, path))
        return Module(path, source, read[0], read[1], bindings) if read is not None else None

    def load(self, path: Path) -> Module | None:
        if path in self.modules:  # also None while it is being read: an import cycle
            return self.modules[path]
        self.modules[path] = None
        try:
            source = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
        self.modules[path] = self.module(path, source)
        return self.modules[path]

    def find(self, module: Module, name: str) -> tuple[Module, str, n.Stmt] | None:
        """Where `name` in `module` is defined, following re-exports (`from .x import y as name`)."""
        for _ in range(_MAX_REEXPORTS):
            stmt = module.definitions.get(name)
            if stmt is not None:
                return module, name, stmt
            binding = module.bindings.get(name)
            target = self.load(binding.module) if binding is not None and binding.name else None
            if target is None:
                return None
            module, name = target, binding.name  # type: ignore[assignment]
        return None

    def kind(self, binding: Binding) -> str | None:
        target = self.load(binding.module)
        found = self.find(target, binding.name) if target is not None and binding.name else None
        stmt = found[2] if found else None
        return stmt.kind if isinstance(stmt, n.ClassDef) and stmt.kind != "plain" else None


class Merge:
    """Brings the definitions the main module uses from its package into it, in dependency order."""

    def __init__(self, package: Package, main: Module) -> None:
        self.package = package
        self.main = main
        self.taken: dict[str, str] = {name: main.text(stmt) for name, stmt in main.definitions.items()}
        self.placed: dict[tuple[Path, str], str] = {}
        self.added: list[n.Stmt] = []
        self.imports: dict[str, n.Import] = {}
        self.owners: set[Path] = set()
        self.diagnostics: list[Diagnostic] = []
        self.local_imports = [s for s in main.pivot.body if isinstance(s, n.Import)
                              and any(b in main.bindings for b in _bound_names(s.code))]
        self.import_spans = {b: s.span for s in self.local_imports for b in _bound_names(s.code)}
        self.origin: SourceRange | None = None
        self.resolved: set[str] = set()  # main-module names whose import was replaced by definitions

    def _star_import_span(self, binding: Binding) -> SourceRange | None:
        """The range of the `from <module> import *` that bound a name (star imports name nothing themselves)."""
        stem = binding.module.parent.name if binding.module.name == "__init__.py" else binding.module.stem
        stars = [s for s in self.main.pivot.body if isinstance(s, n.Import) and s.code.rstrip().endswith("*")]
        return next((s.span for s in stars if s.code.split()[1].split(".")[-1] == stem),
                    stars[0].span if stars else None)

    def bring(self, module: Module, name: str) -> str | None:
        """Places the definition of `name` in `module` (and what it needs); returns its name in the output."""
        found = self.package.find(module, name)
        if found is None:
            return None
        owner, name, stmt = found
        key = (owner.path, name)
        if key not in self.placed:
            text = owner.text(stmt)
            out_name = self.placed[key] = self._free_name(name, text, owner.path)
            if out_name not in self.taken and not any(s is stmt for s in self.added):
                self.taken[out_name] = text
                self.link(owner, [stmt], {name: out_name} if out_name != name else {})
                self._relocate(owner, stmt)
                self.added.append(stmt)
        return self.placed[key]

    def _free_name(self, name: str, text: str, path: Path) -> str:
        """`name`, unless the output already defines it differently: then `name_<module>`."""
        candidate, i = name, 1
        while self.taken.get(candidate, text) != text:
            candidate, i = f"{name}_{path.stem}" + (str(i) if i > 1 else ""), i + 1
        return candidate

    def link(self, owner: Module, stmts: list[n.Stmt], renames: dict[str, str]) -> None:
        """Brings what `stmts` use from the package and points their references at the brought names."""
        aliases: dict[str, dict[str, str]] = {}
        for used in sorted(names_used(stmts)):
            binding = owner.bindings.get(used)
            if owner is self.main:
                if binding is None:
                    continue
                self.origin = self.import_spans.get(used) or self._star_import_span(binding)
            elif binding is None and used not in owner.definitions:
                continue
            if binding is not None and binding.name is None:
                aliases[used] = self._module_alias(used, binding, stmts)
                got: str | None = used
            else:
                got = self.bring(owner, used)
            if got is not None and owner is self.main:
                self.resolved.add(used)
            if got is not None and got != used:
                renames[used] = got
        for stmt in stmts:
            _rewrite(stmt, renames, aliases)

    def _module_alias(self, alias: str, binding: Binding, stmts: list[n.Stmt]) -> dict[str, str]:
        """`alias.X` uses of a package module bound to a name: each X is brought and named directly."""
        target = self.package.load(binding.module)
        out: dict[str, str] = {}
        attrs: list[str] = []
        for x in walk(stmts) if target is not None else ():
            if isinstance(x, n.Attr) and isinstance(x.value, n.Name) and x.value.id == alias:
                attrs.append(x.attr)
            elif isinstance(x, n.ClassDef):
                attrs += [b.partition(".")[2] for b in x.bases if b.startswith(alias + ".")]
        for attr in dict.fromkeys(attrs):
            got = self.bring(target, attr)  # type: ignore[arg-type]
            if got is not None:
                out[attr] = got
        return out

    def _relocate(self, owner: Module, stmt: n.Stmt) -> None:
        """Reports the statement at the main import that brought it; keeps its module's other imports."""
        span = stmt.span
        if span is not None:
            where = os.path.relpath(owner.path, self.main.path.parent)
            for d in owner.diagnostics:
                if d.range is not None and span.start_line <= d.range.start_line <= span.end_line:
                    self.diagnostics.append(Diagnostic(d.code, f"{d.message} (in {where}:{d.range.start_line})",
                                                       self.origin, d.severity, d.hint))
        for x in walk(stmt):
            x.span = self.origin
        if owner.path not in self.owners:
            self.owners.add(owner.path)
            for s in owner.pivot.body:
                if isinstance(s, n.Import) and not any(b in owner.bindings for b in _bound_names(s.code)):
                    self.imports.setdefault(s.code, n.Import(s.code, span=self.origin))

    def run(self, symbol: str | None = None) -> tuple[n.PivotModule, list[Diagnostic]]:
        """The main module with the package imports it resolved replaced by the definitions they name: those the
        main module's code uses, or with `symbol` those its definition needs (what else the file defines brings
        nothing, nor its diagnostics)."""
        body = [s for s in self.main.pivot.body if not any(s is imp for imp in self.local_imports)]
        uses = [s for s in body if not isinstance(s, n.Import)]
        if symbol is not None and symbol in self.main.definitions:
            needed = {id(s) for s in ModulePlan(self.main.pivot, symbol).statements()}
            uses = [s for s in uses if id(s) in needed]
        self.link(self.main, uses, {})
        missing = set(self.main.bindings) & names_used(uses) - self.resolved
        body = self._absolute_imports(missing) + body
        first = next((i for i, s in enumerate(body) if not isinstance(s, n.Import)), len(body))
        merged = body[:first] + list(self.imports.values()) + self.added + body[first:]
        module = n.PivotModule(self.main.pivot.source_framework, merged, self.main.pivot.docstring)
        return module, self.main.diagnostics + self.diagnostics


    def _absolute_imports(self, missing: set[str]) -> list[n.Stmt]:
        """Imports of the package names whose definitions could not be brought (bound inside an `if` or a
        `try`): the migrated module sits outside the package, so each becomes an absolute import of just
        those names, reported where the main module imports them."""
        root = package_root(self.main.path)
        modules: dict[str, list[str]] = {}
        out: list[n.Stmt] = []
        for name in sorted(missing):
            binding = self.main.bindings[name]
            parts = binding.module.relative_to(root).with_suffix("").parts
            dotted = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            if binding.name is None:
                out.append(n.Import(f"import {dotted} as {name}", span=self.import_spans.get(name)))
                continue
            modules.setdefault(dotted, []).append(name if binding.name == name else f"{binding.name} as {name}")
            self.diagnostics.append(Diagnostic(
                "NNM103", f"`{name}` is not defined at the top level of {dotted}: it stays an import of the source "
                          "package", self.import_spans.get(name), Severity.WARNING,
                "define it at the top level of its module to have it migrated"))
        return out + [n.Import(f"from {module} import {', '.join(names)}", span=self.import_spans.get(names[0]))
                      for module, names in modules.items()]


def read_in_package(source: str, path: Path, read: Reader,
                    symbol: str | None = None) -> tuple[n.PivotModule, list[Diagnostic]] | None:
    """Reads `source` (the file at `path`) with the definitions it (or its `symbol`) imports from its own package
    merged in."""
    package = Package(read)
    path = path.resolve()
    main = package.modules[path] = package.module(path, source)
    if main is None:
        return None
    if not main.bindings:
        return main.pivot, main.diagnostics
    return Merge(package, main).run(symbol)


def _replace(e: n.Node, aliases: dict[str, dict[str, str]]) -> n.Node:
    if isinstance(e, n.Attr) and isinstance(e.value, n.Name) and e.attr in aliases.get(e.value.id, {}):
        return n.Name(aliases[e.value.id][e.attr], span=e.span)
    return e


def _children(node: n.Node) -> Iterator[tuple[str, object]]:
    for f in fields(node):
        yield f.name, getattr(node, f.name)


def _rewrite(node: n.Node, renames: dict[str, str], aliases: dict[str, dict[str, str]]) -> None:
    """Renames references (names, class bases, definition names) and turns `alias.X` into the brought name."""
    if not renames and not any(aliases.values()):
        return
    if isinstance(node, n.Name):
        head, dot, rest = node.id.partition(".")
        node.id = renames.get(head, head) + dot + rest
    elif isinstance(node, (n.ClassDef, n.FunctionDef)):
        node.name = renames.get(node.name, node.name)
        if isinstance(node, n.ClassDef):
            node.bases = [_rename_dotted(b, renames, aliases) for b in node.bases]
    for name, value in _children(node):
        if isinstance(value, n.Node):
            new = _replace(value, aliases)
            setattr(node, name, new)
            _rewrite(new, renames, aliases)
        elif isinstance(value, list):
            value[:] = [_replace(v, aliases) if isinstance(v, n.Node) else v for v in value]
            for v in value:
                if isinstance(v, n.Node):
                    _rewrite(v, renames, aliases)
        elif isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, n.Node):
                    value[k] = _replace(v, aliases)
                    _rewrite(value[k], renames, aliases)


def _rename_dotted(name: str, renames: dict[str, str], aliases: dict[str, dict[str, str]]) -> str:
    head, _, rest = name.partition(".")
    if rest and rest in aliases.get(head, {}):
        return aliases[head][rest]
    return renames.get(name, name)
