"""Keras 3 / tf.keras source -> pivot: which names are Keras or TensorFlow, which classes are layers, which method is call."""

from __future__ import annotations

import libcst as cst

from nnmigrate.catalog import Catalog
from nnmigrate.pivot import nodes as n
from nnmigrate.readers.common import SourceReader
from nnmigrate.readers.imports import dotted

_MODULE_BASES = {"keras.Model", "keras.models.Model", "keras.layers.Layer", "keras.Layer"}
_SEQUENTIAL_BASES = {"keras.Sequential", "keras.models.Sequential"}
_ROLES = {"__init__": "init", "call": "forward", "build": "build"}
#: Keras-only plumbing with no PyTorch counterpart: left out with a note.
_KERAS_ONLY_METHODS = {"get_config", "from_config", "compute_output_shape", "compute_output_spec", "compute_mask"}


def normalize(qualname: str) -> str:
    """`tensorflow.keras.layers.Dense` and `tf.keras.layers.Dense` -> `keras.layers.Dense`."""
    for prefix in ("tensorflow.keras.", "tensorflow.python.keras.", "keras.src."):
        if qualname.startswith(prefix):
            return "keras." + qualname[len(prefix):]
    return qualname


class KerasReader(SourceReader):
    framework = "keras"
    ignored_keywords = frozenset({
        "name", "dtype", "trainable", "input_shape", "input_dim", "batch_input_shape", "kernel_initializer",
        "bias_initializer", "depthwise_initializer", "pointwise_initializer", "gamma_initializer", "beta_initializer",
        "moving_mean_initializer", "moving_variance_initializer", "embeddings_initializer", "kernel_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint", "seed"})

    def __init__(self, source: str, catalog: Catalog) -> None:
        super().__init__(source, catalog)
        self.class_kinds: dict[str, str] = {}

    def qualname(self, node: cst.BaseExpression) -> str | None:
        qual = super().qualname(node)
        return normalize(qual) if qual else None

    def framework_prefixes(self) -> tuple[str, ...]:
        return ("keras.", "tensorflow.")

    def is_framework_import(self, stmt: cst.Import | cst.ImportFrom) -> bool:
        if isinstance(stmt, cst.Import):
            return all((dotted(a.name) or "").split(".")[0] in ("keras", "tensorflow") for a in stmt.names)
        module = dotted(stmt.module) if stmt.module is not None else ""
        return not stmt.relative and (module or "").split(".")[0] in ("keras", "tensorflow")

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
            bases.append("Sequential" if qual in _SEQUENTIAL_BASES else "Module" if qual in _MODULE_BASES
                         else self.code(b.value))
        doc, stmts = self.docstring_of(node.body)
        body: list[n.Stmt] = []
        for s in stmts:
            if isinstance(s, cst.FunctionDef) and kind != "plain" and s.name.value in _KERAS_ONLY_METHODS:
                body.append(n.Dropped(self.code(s).splitlines()[0], f"Keras-only method `{s.name.value}`",
                                      span=self.span(s)))
            elif isinstance(s, cst.FunctionDef) and kind != "plain":
                body.append(self.function(s, _ROLES.get(s.name.value, "helper")))
            else:
                body += self.stmt(s)
        return n.ClassDef(node.name.value, bases, body, doc, kind,  # type: ignore[arg-type]
                          span=self.span(node), comments=self.comments(node))
