"""Input specs: `float32[2,3,32,32]` (standard normal) or `int64[2,16]<1000` (uniform ints in [0, 1000))."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_SPEC = re.compile(r"^\s*(?P<dtype>[a-z]+[0-9]*)\s*\[(?P<shape>[0-9,\s]*)\]\s*(<\s*(?P<high>[0-9]+))?\s*$")
_DTYPES = {"float16", "float32", "float64", "int32", "int64", "int8", "uint8", "bool"}


@dataclass(frozen=True, slots=True)
class InputSpec:
    dtype: str
    shape: tuple[int, ...]
    high: int | None = None

    @classmethod
    def parse(cls, text: str) -> InputSpec:
        m = _SPEC.match(text)
        if m is None or m["dtype"] not in _DTYPES:
            raise ValueError(f"Input spec must look like float32[2,3,32,32] or int64[2,16]<1000. Received: {text!r}")
        shape = tuple(int(d) for d in m["shape"].replace(" ", "").split(",") if d)
        high = int(m["high"]) if m["high"] else None
        if m["dtype"].startswith(("int", "uint")) and high is None:
            high = 2
        return cls(m["dtype"], shape, high)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        if self.dtype == "bool":
            return rng.integers(0, 2, self.shape).astype(bool)
        if self.high is not None:
            return rng.integers(0, self.high, self.shape).astype(self.dtype)
        return rng.standard_normal(self.shape).astype(self.dtype)

    def __str__(self) -> str:
        text = f"{self.dtype}[{','.join(map(str, self.shape))}]"
        return text + (f"<{self.high}" if self.high is not None and self.dtype != "bool" else "")
