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
def classes(module: str = "keras_layers.py") -> dict[str, str]:
    """Class (or function) name -> its source text, from one support module."""
    text = resources.files(__package__).joinpath(module).read_text(encoding="utf-8")
    lines = text.splitlines()
    out: dict[str, str] = {}
    for node in ast.parse(text).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            out[node.name] = "\n".join(lines[start - 1:node.end_lineno])
    return out


def prefix(module: str = "keras_layers.py") -> str:
    """The qualified-name prefix the catalog spells `module`'s classes with (`nnmigrate.support.keras_layers.`)."""
    return f"{__package__}.{module.removesuffix('.py')}."


def names(module: str = "keras_layers.py") -> tuple[str, ...]:
    return tuple(classes(module))


def source(wanted: set[str] | list[str] | tuple[str, ...], module: str = "keras_layers.py") -> str:
    """The source of the wanted support classes and of the support classes they build on, in their order in
    `module`, separated by two blank lines."""
    found = classes(module)
    unknown = set(wanted) - set(found)
    if unknown:
        raise KeyError(f"Unknown support classes. Received: {sorted(unknown)}")
    needed, todo = set(), list(wanted)
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo += list(_builds_on(module, name))
    return "\n\n\n".join(code for name, code in found.items() if name in needed)


@lru_cache(maxsize=None)
def _builds_on(module: str, name: str) -> tuple[str, ...]:
    """The other support definitions of `module` that `name`'s source uses."""
    found = classes(module)
    used = {node.id for node in ast.walk(ast.parse(found[name])) if isinstance(node, ast.Name)}
    return tuple(other for other in found if other in used and other != name)
