"""Support layers written into migrated modules; their source is read as text so the writer never imports a framework.

`keras_layers.py` serves Keras targets, `torch_layers.py` PyTorch targets.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from importlib import resources

#: The import every support class needs (they spell `keras.layers.X` and `keras.ops.X` in full).
IMPORT = "import keras"


@lru_cache(maxsize=2)
def _classes(module: str = "keras_layers.py") -> dict[str, str]:
    """Class (or function) name -> its source text, from one support module."""
    text = resources.files(__package__).joinpath(module).read_text(encoding="utf-8")
    lines = text.splitlines()
    out: dict[str, str] = {}
    for node in ast.parse(text).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            out[node.name] = "\n".join(lines[start - 1:node.end_lineno])
    return out


def names(module: str = "keras_layers.py") -> tuple[str, ...]:
    return tuple(_classes(module))


def source(wanted: set[str] | list[str] | tuple[str, ...], module: str = "keras_layers.py") -> str:
    """The source of the wanted support classes, in their order in `module`, separated by two blank lines."""
    classes = _classes(module)
    unknown = set(wanted) - set(classes)
    if unknown:
        raise KeyError(f"Unknown support classes. Received: {sorted(unknown)}")
    return "\n\n\n".join(code for name, code in classes.items() if name in wanted)
