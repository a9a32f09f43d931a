"""The op catalog: an index over the family modules' entries, looked up by spelling or key."""

from __future__ import annotations

from functools import lru_cache

from nnmigrate import support
from nnmigrate.catalog import (activation, containers, convolution, linear, math_ops, merging, normalization, padding,
                               pooling, preprocessing, rearrange, recurrent, tensor_ops)
from nnmigrate.catalog.entry import OpEntry, Spelling

FAMILIES = (activation, containers, convolution, linear, math_ops, merging, normalization, padding, pooling, preprocessing,
            recurrent, tensor_ops, rearrange)


class Catalog:
    """Index of every `OpEntry`; building it fails fast on a duplicate key or spelling."""

    def __init__(self, entries: tuple[OpEntry, ...]) -> None:
        self.entries: dict[str, OpEntry] = {}
        self._spellings: dict[tuple[str, str], tuple[OpEntry, Spelling]] = {}
        self._variants: dict[tuple[str, str], list[tuple[OpEntry, Spelling]]] = {}  # callees told apart by `when`
        for entry in entries:
            if entry.key in self.entries:
                raise ValueError(f"Duplicate catalog key. Received: key={entry.key!r}")
            self.entries[entry.key] = entry
            for framework, spellings in (("torch", entry.torch), ("keras", entry.keras)):
                for s in spellings:
                    slot = (framework, s.qualname)
                    if s.when:
                        self._variants.setdefault(slot, []).append((entry, s))
                        if slot in self._spellings:
                            continue
                    elif slot in self._spellings:
                        raise ValueError(f"Duplicate spelling. Received: {s.qualname!r} in {entry.key!r} "
                                         f"and {self._spellings[slot][0].key!r}")
                    self._spellings[slot] = (entry, s)

    def get(self, key: str) -> OpEntry:
        return self.entries[key]

    def lookup(self, framework: str, qualname: str) -> tuple[OpEntry, Spelling] | None:
        return self._spellings.get((framework, qualname))

    def select(self, framework: str, qualname: str, values: dict[str, object]) -> tuple[OpEntry, Spelling] | None:
        """The spelling of a callee several entries share whose `when` matches the call's argument `values`."""
        for entry, spelling in self._variants.get((framework, qualname), []):
            if all(values.get(name) == value for name, value in spelling.when.items()):
                return entry, spelling
        return None

    def lookup_class(self, framework: str, name: str) -> tuple[OpEntry, Spelling] | None:
        """A layer class by its class name, as verify finds it in a built model: the framework's own
        (`torch.nn.Conv2d`, `keras.layers.Dense`), else a support class (its spellings share one weight rule)."""
        own, module = ("torch.nn.", "torch_layers.py") if framework == "torch" else ("keras.layers.", "keras_layers.py")
        return self.lookup(framework, own + name) or self.lookup(framework, support.prefix(module) + name)

    def lookup_method(self, framework: str, qualname: str, attribute: bool = False) -> tuple[OpEntry, Spelling] | None:
        """A tensor method (`Tensor.view`) or, with attribute=True, a tensor attribute (`Tensor.shape`)."""
        found = self._spellings.get((framework, qualname + ("@attr" if attribute else "")))
        return found


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    entries: list[OpEntry] = []
    for family in FAMILIES:
        entries += family.ENTRIES
    return Catalog(tuple(entries))
