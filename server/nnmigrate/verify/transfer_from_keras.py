"""Weight transfer Keras -> torch: pairs layers by attribute name and applies the catalog rules' inverses.

Runs inside the worker only (imports torch and keras).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import keras
import numpy as np
import torch

from nnmigrate.readers.keras_reader import configured_attr
from nnmigrate.verify.transfer_walk import WeightTransfer, main_module


class KerasToTorchTransfer(WeightTransfer):
    """Keras -> torch (see WeightTransfer for what it records)."""

    source_framework = "keras"

    def source_tensors(self, source: Any) -> Iterable[tuple[str, Any]]:
        return [(var.path, var) for var in source.weights]

    def module(self, km: Any, tm: Any, path: str) -> None:
        if tm is None:
            return
        if _is_variable(km):  # a raw weight: the attribute (or list entry) of the same name holds it
            if isinstance(tm, torch.Tensor) and tuple(tm.shape) == tuple(km.shape):
                with torch.no_grad():
                    tm.copy_(torch.from_numpy(np.asarray(km)))
                self.copied.add(id(km))
            return
        if hasattr(tm, "built_layers") and type(km).__name__ == "Functional":
            self.functional(tm, path)
            return
        if isinstance(km, keras.Sequential):
            self.members(km, tm, list(km.layers), _members(tm), path)
            if type(km).__name__ not in self.source_classes:
                return
        if isinstance(km, (list, tuple)):
            self.members(km, tm, list(km), _members(tm), path)
            return
        if isinstance(km, dict):
            for name, child in km.items():
                self.module(child, tm[name] if name in tm else None, f"{path}{name}.")
            return
        builtin = self.builtin_class(km) if not type(km).__module__.startswith("keras.") else None
        if builtin is not None and isinstance(getattr(tm, configured_attr(builtin), None), torch.nn.Module):
            # a class of the source that only configures a built-in layer: the migrated module holds that layer
            self.leaf(km, getattr(tm, configured_attr(builtin)), path.rstrip("."))
            return
        if type(km).__name__ in self.source_classes:
            renames = self.renames.get(type(km).__name__, {})
            for name, value in vars(km).items():
                if name.startswith("_"):
                    continue
                target = getattr(tm, renames.get(name, name), None)
                if _is_variable(value) or isinstance(value, (keras.layers.Layer, list, tuple, dict)):
                    self.module(value, target, f"{path}{name}.")
            return
        if isinstance(km, keras.layers.Layer):
            self.leaf(km, tm, path.rstrip("."))

    def leaf(self, km: keras.layers.Layer, tm: Any, path: str) -> None:
        module = main_module(tm)
        if module is None:
            return
        self.pairs.append((path or km.name, km, tm))  # compared whole: a composite includes the activation
        if not km.weights:
            return
        source = km.layer if isinstance(km, keras.layers.Wrapper) else km  # TimeDistributed: the wrapped layer's
        found = self.catalog.lookup_class("keras", self.builtin_class(source) or type(source).__name__)
        rule = found[0].weights if found else None
        if rule is None or rule.to_torch is None:
            return
        config = {k: v for k, v in source.get_config().items() if isinstance(v, (int, float, str, bool, tuple, list))}
        config["keras_class"] = self.builtin_class(source) or type(source).__name__
        config["torch_class"] = type(module).__name__  # a Lazy support module may hold the weights one level down
        tensors = rule.to_torch([np.asarray(w) for w in source.get_weights()], config)
        state = dict(module.named_parameters()) | dict(module.named_buffers())
        with torch.no_grad():
            for name, value in tensors.items():
                if name in state:
                    state[name].copy_(torch.from_numpy(np.ascontiguousarray(value)).to(state[name].dtype))
        for var in km.weights:
            self.copied.add(id(var))

    def builtin_class(self, layer: Any) -> str | None:
        """The name of the nearest built-in Keras layer class in the catalog the layer is an instance of."""
        for cls in type(layer).__mro__:
            if cls.__module__.startswith("keras.") and self.catalog.lookup_class("keras", cls.__name__):
                return cls.__name__
        return None


def _is_variable(value: Any) -> bool:
    """A Keras variable (`add_weight`, `keras.Variable`) or a raw `tf.Variable` held by a layer."""
    return isinstance(value, keras.Variable) or type(value).__name__.endswith("Variable") and hasattr(value, "assign") \
        and hasattr(value, "numpy")


def _members(tm: Any) -> list[Any]:
    """The members of a PyTorch container (or list) that pair with a Keras list's by position; none for another."""
    if isinstance(tm, (torch.nn.Sequential, torch.nn.ModuleList, torch.nn.ParameterList, list, tuple)):
        return list(tm)
    return []
