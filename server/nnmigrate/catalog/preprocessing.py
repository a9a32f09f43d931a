"""Catalog entries for Keras preprocessing and noise layers inside models: Normalization, and the random
augmentation and noise layers that only act in training.

PyTorch models carry no augmentation: a layer that is the identity at inference becomes `nn.Identity()`, with a
note that its training-time effect belongs in the data pipeline (torchvision transforms) or is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry, WeightRule
from nnmigrate.catalog.spell import keras, torch_support
from nnmigrate.pivot import nodes as n
from nnmigrate.writers.emit import OpView, call

INPUT = Attr("input")


def _normalization(v: OpView) -> n.Expr:
    if not (v.is_("axis", -1) or v.is_("axis", (-1,))):
        v.notes.append("Normalization over an axis other than the last (channel) axis is written over the channel axis")
    return call("Normalization", mean=None if v.is_("mean", None) else v.get("mean"),
                variance=None if v.is_("variance", None) else v.get("variance"), invert=v.unless("invert", False))


def _normalization_weights(keras: list[Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """The adapted state (mean, variance, count): count only mattered while adapting."""
    return {"mean": keras[0], "variance": keras[1]}


def _normalization_state(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    """The support module's statistics -> the Keras layer's adapted state (mean, variance, count: adapting is over)."""
    return [torch["mean"], torch["variance"], np.zeros((), np.int64)]


def _inactive(name: str, what: str):
    def to_torch(v: OpView) -> n.Expr:
        v.notes.append(f"{name} {what} only in training and is the identity at inference: written as nn.Identity()")
        return call("nn.Identity")
    return to_torch


#: Keras layers that are the identity at inference, with their constructor parameters (every one optional here:
#: their values change only training).
_TRAINING_ONLY: dict[str, tuple[str, tuple[str, ...]]] = {
    "RandomFlip": ("augments images", ("mode",)),
    "RandomRotation": ("augments images", ("factor", "fill_mode", "interpolation", "fill_value", "data_format")),
    "RandomZoom": ("augments images",
                   ("height_factor", "width_factor", "fill_mode", "interpolation", "fill_value", "data_format")),
    "RandomTranslation": ("augments images",
                          ("height_factor", "width_factor", "fill_mode", "interpolation", "fill_value", "data_format")),
    "RandomContrast": ("augments images", ("factor", "value_range")),
    "RandomBrightness": ("augments images", ("factor", "value_range")),
    "GaussianNoise": ("adds noise", ("stddev",)),
    "GaussianDropout": ("drops units", ("rate",)),
    "ActivityRegularization": ("adds a loss", ("l1", "l2")),
}

ENTRIES = (
    OpEntry("normalization", "preprocessing",
            (INPUT, Attr("axis", keras=-1), Attr("mean", keras=None), Attr("variance", keras=None),
             Attr("invert", keras=False)), (torch_support("Normalization", "mean", "variance", "invert"),),
            (keras("Normalization", "axis", "mean", "variance"),),
            layout=LayoutRule("channels", spatial_input=True), to_torch=_normalization,
            weights=WeightRule(_normalization_state, "adapted mean, variance (count dropped) -> buffers",
                               to_torch=_normalization_weights),
            notes="(x - mean) / max(sqrt(variance), 1e-7) over the channel axis: the Normalization support module, "
                  "with the given statistics or the Keras layer's adapted ones."),
    *(OpEntry(f"training_only_{name.lower()}", "preprocessing", (INPUT, *(Attr(p, keras=None) for p in params)), (),
              (keras(name, *params),), layout=LayoutRule("elementwise"), to_torch=_inactive(name, what),
              notes="Training-time only: in PyTorch this belongs in the data pipeline (torchvision transforms) or "
                    "the training loop.")
      for name, (what, params) in _TRAINING_ONLY.items()),
    OpEntry("alpha_dropout", "preprocessing", (INPUT, Attr("p"), Attr("noise_shape", keras=None)), (),
            (keras("AlphaDropout", "p", "noise_shape", rename={"rate": "p"}),), layout=LayoutRule("elementwise"),
            to_torch=lambda v: call("nn.AlphaDropout", v.get("p")),
            notes="Dropout that keeps SELU's mean and variance: nn.AlphaDropout; the identity at inference."),
)
