"""Recognises nnmigrate's own support classes copied into migrated code, so a second migration reads them as ops.

A migrated module carries verbatim copies of the support classes its code uses (`nnmigrate.support`). Read back,
a top-level class that is such a copy, modulo formatting and comments, is not migrated: its name stands for the
support class, which the catalog spells next to the op it implements (`nnmigrate.support.torch_layers.Reshape`).
A user class that merely shares the name is read like any other class.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import libcst as cst

from nnmigrate import support
from nnmigrate.catalog.entry import Spelling

@lru_cache(maxsize=4)
def _shapes(module: str) -> dict[str, str]:
    """Support class name -> the layout-free form of its definition."""
    return {name: _shape(code) for name, code in support.classes(module).items()}


def _shape(code: str) -> str:
    """The definition's syntax tree without positions: equal for copies that differ only in formatting."""
    tree = ast.parse(code)
    return ast.dump(tree.body[0]) if len(tree.body) == 1 else ""


def copied_class(code: str, name: str, module: str) -> str | None:
    """The support class of `module` that the class definition `code` named `name` is a copy of, else None."""
    expected = _shapes(module).get(name)
    if expected is None:
        return None
    try:
        return name if _shape(code) == expected else None
    except SyntaxError:
        return None


def is_copy(cls: type, module: str) -> bool:
    """True for a loaded class whose source is a copy of `module`'s support class of that name (verify pairs it
    through the catalog, like a framework layer)."""
    try:
        code = inspect.getsource(cls)
    except (OSError, TypeError):
        return False
    return copied_class(textwrap.dedent(code), cls.__name__, module) is not None


def copies_in(module: cst.Module, support_module: str) -> dict[str, cst.ClassDef]:
    """The top-level classes of `module` that are copies of `support_module`'s classes, by name."""
    names = _shapes(support_module)
    return {stmt.name.value: stmt for stmt in module.body if isinstance(stmt, cst.ClassDef)
            and stmt.name.value in names  # only a namesake's code is generated and compared
            and copied_class(module.code_for_node(stmt), stmt.name.value, support_module)}


def selecting_values(spelling: Spelling, args: Sequence[cst.Arg], qualify: Callable[[cst.BaseExpression], str | None]
                     ) -> dict[str, Any]:
    """The values of the call's arguments that `spelling.when` names: literals as values, names qualified."""
    positional = [a for a in args if a.keyword is None and not a.star]
    values: dict[str, Any] = {}
    for name in spelling.when:
        index = spelling.params.index(name) if name in spelling.params else len(positional)
        arg = next((a for a in args if a.keyword is not None and a.keyword.value == name),
                   positional[index] if index < len(positional) else None)
        if arg is None:
            continue
        try:
            values[name] = ast.literal_eval(cst.Module([]).code_for_node(arg.value))
        except (ValueError, SyntaxError):
            values[name] = qualify(arg.value)
    return values
