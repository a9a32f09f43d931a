"""Support layers written into migrated modules; their source is read as text so the writer never imports keras."""

from __future__ import annotations

import ast
from functools import lru_cache
from importlib import resources

#: The import every support class needs (they spell `keras.layers.X` and `keras.ops.X` in full).
IMPORT = "import keras"


@lru_cache(maxsize=1)
def _classes() -> dict[str, str]:
    """Class name -> its source text, from `keras_layers.py`."""
    text = resources.files(__package__).joinpath("keras_layers.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    out: dict[str, str] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            out[node.name] = "\n".join(lines[start - 1:node.end_lineno])
    return out


def names() -> tuple[str, ...]:
    return tuple(_classes())


def source(wanted: set[str] | list[str] | tuple[str, ...]) -> str:
    """The source of the wanted support classes, in their order in `keras_layers.py`, separated by two blank lines."""
    classes = _classes()
    unknown = set(wanted) - set(classes)
    if unknown:
        raise KeyError(f"Unknown support classes. Received: {sorted(unknown)}")
    return "\n\n\n".join(code for name, code in classes.items() if name in wanted)
