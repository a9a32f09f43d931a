"""The two frameworks nnmigrate moves code between, and how to tell which one a file uses."""

from __future__ import annotations

import re
from enum import Enum


class Framework(str, Enum):
    PYTORCH = "pytorch"
    TENSORFLOW = "tensorflow"

    @property
    def other(self) -> Framework:
        return Framework.TENSORFLOW if self is Framework.PYTORCH else Framework.PYTORCH

    @property
    def display(self) -> str:
        return "PyTorch" if self is Framework.PYTORCH else "TensorFlow"

    @classmethod
    def parse(cls, text: str) -> Framework:
        aliases = {"pytorch": cls.PYTORCH, "torch": cls.PYTORCH, "tensorflow": cls.TENSORFLOW,
                   "tf": cls.TENSORFLOW, "keras": cls.TENSORFLOW}
        try:
            return aliases[text.strip().lower()]
        except KeyError:
            raise ValueError(f"Unknown framework; expected pytorch or tensorflow. Received: {text!r}") from None


_TORCH_IMPORT = re.compile(r"^\s*(import torch\b|from torch\b)", re.MULTILINE)
_KERAS_IMPORT = re.compile(r"^\s*(import (tensorflow|keras)\b|from (tensorflow|keras)\b)", re.MULTILINE)


def detect_framework(source: str) -> Framework | None:
    """The framework a file is written for, judged by its imports (torch wins ties: tf code rarely imports torch)."""
    torch_hits = len(_TORCH_IMPORT.findall(source))
    keras_hits = len(_KERAS_IMPORT.findall(source))
    if torch_hits == keras_hits == 0:
        return None
    return Framework.PYTORCH if torch_hits >= keras_hits else Framework.TENSORFLOW
