"""Keras 3 / tf.keras source -> pivot: which names are Keras or TensorFlow, which classes are layers, which method is call."""

from __future__ import annotations

import libcst as cst

from nnmigrate.catalog.entry import OpEntry, Spelling
from nnmigrate.pivot import nodes as n
from nnmigrate.readers.common import SourceReader

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
    framework_modules = frozenset({"keras", "tensorflow"})
    ignored_keywords = frozenset({
        "name", "dtype", "trainable", "input_shape", "input_dim", "batch_input_shape", "kernel_initializer",
        "bias_initializer", "depthwise_initializer", "pointwise_initializer", "gamma_initializer", "beta_initializer",
        "moving_mean_initializer", "moving_variance_initializer", "embeddings_initializer", "kernel_regularizer",
        "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint", "seed"})
    module_bases = frozenset(_MODULE_BASES)
    sequential_bases = frozenset(_SEQUENTIAL_BASES)
    method_roles = _ROLES
    support_module = "keras_layers.py"
    framework_only_methods = {name: "Keras-only method" for name in _KERAS_ONLY_METHODS}

    def qualname(self, node: cst.BaseExpression) -> str | None:
        qual = super().qualname(node)
        return normalize(qual) if qual else None

    def framework_prefixes(self) -> tuple[str, ...]:
        return ("keras.", "tensorflow.")

    def bind(self, entry: OpEntry, spelling: Spelling, args: list[cst.Arg], node: cst.CSTNode) -> n.Expr:
        """Also keeps the input shape a layer declares (`input_shape=`): it sizes a Sequential's first layer."""
        out = super().bind(entry, spelling, args, node)
        if isinstance(out, n.Op) and spelling.layer:
            out.input_shape = self.declared_input(args)
        return out

    def declared_input(self, args: list[cst.Arg]) -> n.Expr | None:
        for a in args:
            keyword = a.keyword.value if a.keyword else None
            if keyword == "input_shape":
                return self.expr(a.value)
            if keyword == "input_dim":
                return n.TupleExpr([self.expr(a.value)])
            if keyword == "batch_input_shape" and isinstance(a.value, (cst.Tuple, cst.List)):
                return n.TupleExpr([self.expr(el.value) for el in a.value.elements[1:]])
        return None
