"""JSON round-trip of pivot nodes: every node becomes an object tagged with its class name."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from nnmigrate.diagnostics import SourceRange
from nnmigrate.pivot import nodes

_NODE_TYPES: dict[str, type] = {
    name: cls
    for name, cls in vars(nodes).items()
    if isinstance(cls, type) and issubclass(cls, nodes.Node) and dataclasses.is_dataclass(cls)
}


def to_data(value: Any) -> Any:
    """Plain JSON-able data for a node tree."""
    if isinstance(value, nodes.Node):
        data: dict[str, Any] = {"_t": type(value).__name__}
        for f in dataclasses.fields(value):
            data[f.name] = to_data(getattr(value, f.name))
        return data
    if isinstance(value, SourceRange):
        return [value.start_line, value.start_col, value.end_line, value.end_col]
    if isinstance(value, list):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    if value is Ellipsis:
        return {"_t": "Ellipsis"}
    if isinstance(value, complex):
        return {"_t": "complex", "re": value.real, "im": value.imag}
    if isinstance(value, bytes):
        return {"_t": "bytes", "hex": value.hex()}
    return value


def from_data(data: Any) -> Any:
    """The node tree `to_data` produced."""
    if isinstance(data, list):
        return [from_data(v) for v in data]
    if not isinstance(data, dict):
        return data
    tag = data.get("_t")
    if tag is None:
        return {k: from_data(v) for k, v in data.items()}
    if tag == "Ellipsis":
        return Ellipsis
    if tag == "complex":
        return complex(data["re"], data["im"])
    if tag == "bytes":
        return bytes.fromhex(data["hex"])
    cls = _NODE_TYPES[tag]
    kwargs = {}
    for f in dataclasses.fields(cls):
        raw = data.get(f.name)
        kwargs[f.name] = SourceRange(*raw) if f.name == "span" and raw is not None else from_data(raw)
    return cls(**kwargs)


def dumps(module: nodes.PivotModule, indent: int | None = 2) -> str:
    return json.dumps(to_data(module), indent=indent)


def loads(text: str) -> nodes.PivotModule:
    return from_data(json.loads(text))
