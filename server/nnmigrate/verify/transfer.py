"""Weight transfer torch -> Keras: pairs modules by attribute name and applies the catalog's weight rules.

Runs inside the worker only (imports torch and keras).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import keras
import numpy as np
import torch

from nnmigrate.verify.transfer_walk import WeightTransfer, main_module
from nnmigrate.writers.container_classes import SUBLAYERS


class Transfer(WeightTransfer):
    """torch -> Keras (see WeightTransfer for what it records)."""

    source_framework = "torch"

    def source_tensors(self, source: torch.nn.Module) -> Iterable[tuple[str, torch.Tensor]]:
        return [(name, t) for name, t in list(source.named_parameters()) + list(source.named_buffers())
                if t.numel() and not name.endswith("num_batches_tracked")]

    def module(self, tm: torch.nn.Module, km: Any, path: str) -> None:
        if km is None:
            return
        cls = type(tm).__name__
        if hasattr(tm, "built_layers") and type(km).__name__ == "Functional":
            self.functional(tm, path)
            return
        if isinstance(tm, torch.nn.Sequential) or isinstance(tm, torch.nn.ModuleList):
            target = _layer_list(km)
            if target is None and isinstance(tm, torch.nn.Sequential) and isinstance(km, keras.layers.Layer) \
                    and cls not in self.source_classes:  # a padding step and its layer, one Keras layer
                self.leaf(tm, km, path.rstrip("."))
                return
            if target is not None:
                self.members(tm, km, list(tm), target, path)
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

    def leaf(self, tm: torch.nn.Module, km: Any, path: str) -> None:
        module = main_module(tm)
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
