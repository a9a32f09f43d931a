"""Server settings: defaults, and parsing of initializationOptions / workspace/configuration "nnmigrate".

Every default is stated once, here. Unknown keys are ignored; a bad value keeps the previous one and
:func:`merge_settings` returns a message naming the key and the value it received.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from types import MappingProxyType
from typing import Any
from typing import Mapping


@dataclass(frozen=True)
class Settings:
    """Settings of one server (camelCase names are the wire names).

    Attributes:
        verify_interpreter: ``verifyInterpreter``, the command that runs the verify worker. Defaults to
            the server's own Python.
        layout: ``layout``, ``"native"`` (target's idiomatic layout) or ``"preserve"``. Defaults to ``"native"``.
        placement: ``placement``, ``"sibling"`` (``model.py`` -> ``model_tf.py``) or ``"inPlace"``.
            Defaults to ``"sibling"``.
        device: ``device`` for verify, ``"auto"``, ``"cpu"`` or ``"cuda"``. Defaults to ``"auto"``.
        verify_timeout_seconds: ``verifyTimeoutSeconds``. Defaults to 300.
        verify_memory_limit_mb: ``verifyMemoryLimitMb``, address-space cap of the worker (0 = none).
            Defaults to 16384.
        inputs: ``inputs``, per-symbol default input specs, e.g. ``{"CifarCNN": ["float32[1,3,32,32]"]}``.
        debounce_ms: ``diagnosticsDebounceMs``, wait after a change before diagnostics. Defaults to 10.
    """

    verify_interpreter: tuple[str, ...] = (sys.executable,)
    layout: str = "native"
    placement: str = "sibling"
    device: str = "auto"
    verify_timeout_seconds: float = 300.0
    verify_memory_limit_mb: int = 16384
    inputs: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    debounce_ms: int = 10


_CHOICES = {"layout": ("native", "preserve"), "placement": ("sibling", "inPlace"), "device": ("auto", "cpu", "cuda")}


def _interpreter(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) and value.strip():
        return (value,)
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    raise ValueError("must be a non-empty list of strings")


def _inputs(value: Any) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ValueError("must be an object of symbol -> [spec, ...]")
    out = {}
    for name, specs in value.items():
        specs = [specs] if isinstance(specs, str) else specs
        if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
            raise ValueError(f"entry {name!r} must be a list of spec strings")
        out[str(name)] = tuple(specs)
    return MappingProxyType(out)


def _positive(kind: type) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError("must be a non-negative number")
        return kind(value)

    return check


def _choice(name: str) -> Any:
    def check(value: Any) -> str:
        if value not in _CHOICES[name]:
            raise ValueError(f"must be one of {', '.join(_CHOICES[name])}")
        return value

    return check


_FIELDS = {
    "verifyInterpreter": ("verify_interpreter", _interpreter),
    "layout": ("layout", _choice("layout")),
    "placement": ("placement", _choice("placement")),
    "device": ("device", _choice("device")),
    "verifyTimeoutSeconds": ("verify_timeout_seconds", _positive(float)),
    "verifyMemoryLimitMb": ("verify_memory_limit_mb", _positive(int)),
    "inputs": ("inputs", _inputs),
    "diagnosticsDebounceMs": ("debounce_ms", _positive(int)),
}


def merge_settings(base: Settings, raw: Any) -> tuple[Settings, list[str]]:
    """Apply the known keys of ``raw`` over ``base``.

    Returns:
        The new settings and one message per rejected value (naming the key and the value received).
    """
    if not isinstance(raw, dict):
        return base, []
    changes: dict[str, Any] = {}
    problems = []
    for key, (attr, check) in _FIELDS.items():
        if key not in raw or raw[key] is None:
            continue
        try:
            changes[attr] = check(raw[key])
        except ValueError as exc:
            problems.append(f"Setting nnmigrate.{key} {exc}. Received: {key}={raw[key]!r}")
    return replace(base, **changes), problems
