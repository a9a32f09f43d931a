"""What the two weight transfers share: the pairs they record, the walk's start and its list of source tensors left
without a home, a Functional model's modules paired with the layers its Keras builder created, members of two
containers paired by position, and the module of a composite that holds the weights.

The walks themselves (transfer.py torch -> Keras, transfer_from_keras.py Keras -> torch) follow each framework's
own containers. Runs inside the worker only (imports torch and keras).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import keras
import torch

from nnmigrate.catalog import Catalog


@dataclass
class WeightTransfer:
    """Pairs found while copying the source model's weights into the target; `missing` lists source tensors that
    found no home, `containers` the composites walked member by member (a later hop's layers pair with them whole)."""

    #: the framework of the model weights are copied from: "torch" or "keras"
    source_framework: ClassVar[str]

    catalog: Catalog
    source_classes: set[str]
    renames: dict[str, dict[str, str]]
    #: layers the Keras builder (of a Functional source or target) called, in the order it created them
    builder_layers: list[Any] = field(default_factory=list)
    pairs: list[tuple[str, Any, Any]] = field(default_factory=list)  # (source path, source layer, target layer)
    containers: list[tuple[str, Any, Any]] = field(default_factory=list)
    copied: set[int] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)

    def run(self, source: Any, target: Any) -> None:
        self.module(source, target, "")
        self.missing += [name for name, tensor in self.source_tensors(source) if id(tensor) not in self.copied]

    def module(self, source: Any, target: Any, path: str) -> None:
        """Copies what `source` holds into `target` (its counterpart, or None), recording the pairs found."""
        raise NotImplementedError

    def source_tensors(self, source: Any) -> Iterable[tuple[str, Any]]:
        """The source model's weights that must find a home, with their names."""
        raise NotImplementedError

    def functional(self, model: torch.nn.Module, path: str) -> None:
        """The Functional support module (`model`) created its modules in the order the Keras builder created its
        layers: those holding weights pair in that order."""
        modules = [(i, m) for i, m in enumerate(model.built_layers) if holds_tensors(m)]
        layers = [layer for layer in self.builder_layers if layer.weights]
        for (i, child), layer in zip(modules, layers):
            if self.source_framework == "torch":
                self.module(child, layer, f"{path}built_layers.{i}.")
            else:
                self.module(layer, child, f"{path}{layer.name}.")

    def members(self, source: Any, target: Any, sources: list[Any], targets: list[Any], path: str) -> None:
        """The members of two containers (`source` holds `sources`, `target` holds `targets`), paired by position.
        Where the source has more, its padding steps are passed over: the target's layer after each took it on."""
        if isinstance(target, (torch.nn.Module, keras.layers.Layer)):  # not a plain list: it runs, so it compares
            self.containers.append((path.rstrip("."), source, target))
        indexed = list(enumerate(sources))
        if len(indexed) > len(targets):
            indexed = [(i, m) for i, m in indexed if not self.is_padding_step(m)]
        for (i, child), target in zip(indexed, targets):
            self.module(child, target, f"{path}{i}.")

    def is_padding_step(self, layer: Any) -> bool:
        """A support layer whose catalog entry pads the layer after it (`OpEntry.pads_next`)."""
        found = self.catalog.lookup_class(self.source_framework, type(layer).__name__)
        return found is not None and found[0].pads_next is not None


def holds_tensors(module: torch.nn.Module) -> bool:
    return any(True for _ in module.parameters()) or any(True for _ in module.buffers())


def main_module(tm: Any) -> torch.nn.Module | None:
    """The module holding the weights: itself, or the one weighted child of a composite nn.Sequential (padding
    step and convolution)."""
    if isinstance(tm, torch.nn.Sequential):
        weighted = [m for m in tm if any(True for _ in m.parameters())]
        return weighted[0] if len(weighted) == 1 else tm
    return tm if isinstance(tm, torch.nn.Module) else None
