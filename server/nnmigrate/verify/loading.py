"""Imports a model file by path, inside its package when it has one, and builds the named symbol."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any


def import_file(path: str, alias: str) -> ModuleType:
    """Imports `path`; a file inside a package (``__init__.py`` beside it) is imported by its dotted name."""
    file = Path(path).resolve()
    parts = [file.stem]
    folder = file.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    if len(parts) > 1:
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
        dotted = ".".join(parts if parts[-1] != "__init__" else parts[:-1])
        return importlib.import_module(dotted)
    if str(file.parent) not in sys.path:
        sys.path.append(str(file.parent))
    spec = importlib.util.spec_from_file_location(alias, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return module


def build(module: ModuleType, symbol: str, kwargs: dict[str, Any]) -> Any:
    target: Any = module
    for part in symbol.split("."):
        if not hasattr(target, part):
            raise LookupError(f"`{symbol}` is not defined in {module.__name__}")
        target = getattr(target, part)
    return target(**kwargs)
