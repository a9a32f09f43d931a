"""Weight transfer torch -> Keras: pairs modules by attribute name and applies the catalog's weight rules.

Runs inside the worker only (imports torch and keras).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import torch

from nnmigrate.catalog import Catalog
from nnmigrate.writers.container_classes import SUBLAYERS


@dataclass
class Transfer:
    """Pairs found while copying weights; `missing` lists source tensors that found no home."""

    catalog: Catalog
    source_classes: set[str]
    renames: dict[str, dict[str, str]]
    #: layers a Functional target model's builder called, in the order it created them (recorded while building)
    builder_layers: list[Any] = field(default_factory=list)
    pairs: list[tuple[str, torch.nn.Module, Any]] = field(default_factory=list)
    #: containers walked member by member (nn.Sequential and keras.Sequential): a later hop's layers pair with them
    containers: list[tuple[str, torch.nn.Module, Any]] = field(default_factory=list)
    copied: set[int] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)

    def run(self, tm: torch.nn.Module, km: Any) -> None:
        self.module(tm, km, "")
        for name, p in list(tm.named_parameters()) + list(tm.named_buffers()):
            if id(p) not in self.copied and p.numel() and not name.endswith("num_batches_tracked"):
                self.missing.append(name)

    def module(self, tm: torch.nn.Module, km: Any, path: str) -> None:
        if km is None:
            return
        cls = type(tm).__name__
        if hasattr(tm, "built_layers") and type(km).__name__ == "Functional":
            # the support Functional created its modules in the builder's order, as the Keras builder its layers
            sources = [(i, m) for i, m in enumerate(tm.built_layers)
                       if any(True for _ in m.parameters()) or any(True for _ in m.buffers())]
            targets = [layer for layer in self.builder_layers if layer.weights]
            for (i, child), layer in zip(sources, targets):
                self.module(child, layer, f"{path}built_layers.{i}.")
            return
        if isinstance(tm, torch.nn.Sequential) or isinstance(tm, torch.nn.ModuleList):
            target = _layer_list(km)
            if target is None and isinstance(tm, torch.nn.Sequential) and isinstance(km, keras.layers.Layer) \
                    and cls not in self.source_classes:  # a padding step and its layer, one Keras layer
                self.leaf(tm, km, path.rstrip("."))
                return
            members = list(enumerate(tm))
            if target is not None:
                self.containers.append((path.rstrip("."), tm, km))
                if len(members) > len(target):  # a padding step the Keras layer after it took on (padding='same')
                    members = [(i, child) for i, child in members if not self.is_padding_step(child)]
            for (i, child), layer in zip(members, target or []):
                self.module(child, layer, f"{path}{i}.")
            if cls not in self.source_classes:
                return
        elif isinstance(tm, torch.nn.ModuleDict):
            members = km if isinstance(km, dict) else getattr(km, SUBLAYERS, None)  # a subclass keeps them there
            for name, child in tm.items():
                if isinstance(members, dict):
                    self.module(child, members.get(name), f"{path}{name}.")
            if cls not in self.source_classes:
                return
        if cls in self.source_classes:
            renames = self.renames.get(cls, {})
            for name, child in tm._modules.items():
                if child is None or isinstance(tm, (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ModuleDict)):
                    continue
                self.module(child, getattr(km, renames.get(name, name), None), f"{path}{name}.")
            for name, tensor in list(tm._parameters.items()) + list(tm._buffers.items()):
                if tensor is None:
                    continue
                var = getattr(km, renames.get(name, name), None)
                if isinstance(var, keras.Variable) and tuple(var.shape) == tuple(tensor.shape):
                    var.assign(tensor.detach().cpu().numpy())
                    self.copied.add(id(tensor))
            return
        self.leaf(tm, km, path.rstrip("."))

    def is_padding_step(self, tm: torch.nn.Module) -> bool:
        """A support module whose catalog entry pads the layer after it (`OpEntry.pads_next`)."""
        found = self.catalog.lookup_class("torch", type(tm).__name__)
        return found is not None and found[0].pads_next is not None

    def leaf(self, tm: torch.nn.Module, km: Any, path: str) -> None:
        module = _main_module(tm)
        found = self.catalog.lookup_class("torch", type(module).__name__)
        layer = _main_layer(km)
        if layer is not None:
            self.pairs.append((path or type(tm).__name__, tm, layer))  # compared whole: padding step and layer
        if found is None or found[0].weights is None:
            return
        if layer is None:
            return
        # a catalog op's own children belong to it (MultiheadAttention's out_proj): their tensors come as "out_proj.weight"
        tensors = {name: t.detach().cpu().numpy() for name, t in
                   list(module.named_parameters()) + list(module.named_buffers()) if t is not None}
        config = {k: v for k, v in vars(module).items()
                  if not k.startswith("_") and isinstance(v, (int, float, str, bool, tuple))}
        config["keras_class"] = type(layer).__name__
        # never built: never called, so its weights cannot matter; none: given as arguments (Normalization)
        if layer.built and layer.weights:
            layer.set_weights([np.asarray(w, dtype=np.float32) for w in found[0].weights.convert(tensors, config)])
        for t in list(tm.parameters()) + list(tm.buffers()):
            self.copied.add(id(t))


def _layer_list(km: Any) -> list[Any] | None:
    if isinstance(km, keras.Sequential):
        return list(km.layers)
    if isinstance(km, (list, tuple)):
        return list(km)
    members = getattr(km, SUBLAYERS, None)  # a subclass of nn.ModuleList keeps its members there
    return list(members) if isinstance(members, (list, tuple)) else None


def _main_layer(km: Any) -> Any:
    """The layer that holds the weights: itself, or inside a composite keras.Sequential (padding + conv)."""
    if isinstance(km, keras.Sequential):
        with_weights = [layer for layer in km.layers if layer.weights]
        return with_weights[0] if len(with_weights) == 1 else km
    return km if isinstance(km, keras.layers.Layer) else None


def _main_module(tm: torch.nn.Module) -> torch.nn.Module:
    """The module that holds the weights: itself, or the one weighted module of an nn.Sequential (padding + conv)."""
    if isinstance(tm, torch.nn.Sequential):
        weighted = [m for m in tm if any(True for _ in m.parameters())]
        return weighted[0] if len(weighted) == 1 else tm
    return tm
