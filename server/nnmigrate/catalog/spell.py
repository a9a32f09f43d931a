"""Shorthands for writing catalog spellings compactly in the family modules."""

from __future__ import annotations

from typing import Any

from nnmigrate.catalog.entry import Spelling

NN = "torch.nn."
F = "torch.nn.functional."


def layer(qualname: str, *params: str, **options: Any) -> Spelling:
    """A layer class spelling: constructed with `params`, called later with its tensor inputs."""
    return Spelling(qualname, tuple(params), layer=True, **options)


def fn(qualname: str, *params: str, **options: Any) -> Spelling:
    return Spelling(qualname, tuple(params), **options)


def method(name: str, *params: str, **options: Any) -> Spelling:
    """A tensor method `x.name(...)`; the receiver binds to `input`."""
    return Spelling(f"Tensor.{name}", ("input", *params), **options)


def tensor_attr(name: str) -> Spelling:
    return Spelling(f"Tensor.{name}@attr", ("input",))
