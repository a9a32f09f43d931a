"""torch module methods that set a module's mode, placement, precision or initial weights (`.eval()`,
`.to(device)`, `.half()`, `.apply(init_fn)`), called on a layer or model. A Keras layer has none of them: the
call is left out, with a diagnostic that says what the migrated model does instead."""

from __future__ import annotations

from dataclasses import dataclass

from nnmigrate.diagnostics import Severity
from nnmigrate.pivot import nodes as n


@dataclass(frozen=True)
class Setting:
    """What leaving out a module method means for the migrated model."""

    code: str
    severity: Severity
    reason: str


_MODE = Setting("NNM206", Severity.INFORMATION,
                "the module's mode: Keras layers take `training` at call time (verify compares inference)")
_PLACEMENT = Setting("NNM206", Severity.INFORMATION, "the module's device: Keras places variables itself")
_FLOAT = Setting("NNM206", Severity.INFORMATION, "a cast of the module to float32, Keras's default precision")
_PRECISION = Setting("NNM206", Severity.WARNING,
                     "the module's precision: the migrated layers compute in Keras's dtype policy (float32 unless "
                     "set with keras.config.set_dtype_policy)")
_INIT = Setting("NNM205", Severity.WARNING,
                "weight initialisation over submodules: the target framework's initializers apply (verify copies "
                "the weights, so inference is unaffected)")

#: method name -> what leaving it out means
METHODS: dict[str, Setting] = {
    "eval": _MODE, "train": _MODE, "to": _PLACEMENT, "cuda": _PLACEMENT, "cpu": _PLACEMENT, "float": _FLOAT,
    "half": _PRECISION, "double": _PRECISION, "bfloat16": _PRECISION, "apply": _INIT,
}
#: catalog ops a module method reads as when the reader took it for a tensor method
OPS: dict[str, Setting] = {"to_device": _PLACEMENT, "float": _FLOAT, "cast_double": _PRECISION,
                           "cast_half": _PRECISION}


def setting_call(e: n.Expr) -> tuple[n.Expr, Setting] | None:
    """The receiver of a module-setting method call `e` and what the method sets; None for other expressions
    (whether the receiver is a module is for the caller to tell)."""
    if isinstance(e, n.Call) and isinstance(e.func, n.Attr) and e.func.attr in METHODS:
        return e.func.value, METHODS[e.func.attr]
    if isinstance(e, n.Op) and not e.layer and e.key in OPS and "input" in e.attrs:
        return e.attrs["input"], OPS[e.key]
    return None
