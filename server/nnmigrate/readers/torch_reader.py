"""PyTorch source -> pivot: which names are torch, which classes are nn.Modules, which method is forward."""

from __future__ import annotations

import libcst as cst

from nnmigrate.catalog import Catalog
from nnmigrate.pivot import nodes as n
from nnmigrate.readers.common import SourceReader
from nnmigrate.readers.imports import dotted

_MODULE_BASES = {"torch.nn.Module", "torch.nn.modules.module.Module"}
_SEQUENTIAL_BASES = {"torch.nn.Sequential", "torch.nn.modules.container.Sequential"}
_ROLES = {"__init__": "init", "forward": "forward"}


class TorchReader(SourceReader):
    framework = "torch"
    ignored_keywords = frozenset({"device", "pin_memory", "non_blocking"})

    def __init__(self, source: str, catalog: Catalog) -> None:
        super().__init__(source, catalog)
        self.class_kinds: dict[str, str] = {}

    def framework_prefixes(self) -> tuple[str, ...]:
        return ("torch.",)

    def is_framework_import(self, stmt: cst.Import | cst.ImportFrom) -> bool:
        if isinstance(stmt, cst.Import):
            return all((dotted(a.name) or "").split(".")[0] == "torch" for a in stmt.names)
        module = dotted(stmt.module) if stmt.module is not None else ""
        return not stmt.relative and (module or "").split(".")[0] == "torch"

    def base_kind(self, base: cst.BaseExpression) -> str:
        qual = self.qualname(base) or ""
        if qual in _SEQUENTIAL_BASES:
            return "sequential"
        if qual in _MODULE_BASES:
            return "module"
        return self.class_kinds.get(dotted(base) or "", "plain")

    def class_def(self, node: cst.ClassDef) -> n.ClassDef:
        kinds = [self.base_kind(b.value) for b in node.bases]
        kind = "sequential" if "sequential" in kinds else "module" if "module" in kinds else "plain"
        self.class_kinds[node.name.value] = kind
        bases = []
        for b in node.bases:
            qual = self.qualname(b.value) or ""
            if qual in _SEQUENTIAL_BASES:
                bases.append("Sequential")
            elif qual in _MODULE_BASES:
                bases.append("Module")
            else:
                bases.append(self.code(b.value))
        doc, stmts = self.docstring_of(node.body)
        body: list[n.Stmt] = []
        for s in stmts:
            if isinstance(s, cst.FunctionDef) and kind != "plain":
                body.append(self.function(s, _ROLES.get(s.name.value, "helper")))
            else:
                body += self.stmt(s)
        return n.ClassDef(node.name.value, bases, body, doc, kind,  # type: ignore[arg-type]
                          span=self.span(node), comments=self.comments(node))
