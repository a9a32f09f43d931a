"""Shorthands for writing catalog spellings compactly in the family modules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from nnmigrate import support
from nnmigrate.catalog.entry import Attr, Emitter, LayoutRule, OpEntry, Spelling
from nnmigrate.pivot import nodes as n

if TYPE_CHECKING:
    from nnmigrate.writers.emit import OpView

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


def support_layer(module: str, name: str, *params: str, **options: Any) -> Spelling:
    """A support class of nnmigrate (`module`: `torch_layers.py` or `keras_layers.py`) as migrated code carries
    it: read back as the op it implements (see readers/support_copies.py)."""
    return Spelling(support.prefix(module) + name, tuple(params), layer=True, **options)


def torch_support(name: str, *params: str, **options: Any) -> Spelling:
    return support_layer("torch_layers.py", name, *params, **options)


def keras_support(name: str, *params: str, **options: Any) -> Spelling:
    return support_layer("keras_layers.py", name, *params, **options)


K = "keras.layers."
KO = "keras.ops."
KB = "keras.backend."
KA = "keras.activations."
TF = "tensorflow."
#: Keras and TensorFlow argument names that mean a canonical (torch) attribute
KERAS_ARGS = {"x": "input", "axis": "dim", "keepdims": "keepdim", "input_tensor": "input", "input": "input"}


def names(ops: str | None = None, tf: str | None = None, backend: str | None = None, *, math: bool = True,
          extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Qualified names of one function across Keras and TensorFlow: `keras.ops.<ops>`, `tensorflow.<tf>` and
    (with `math`) `tensorflow.math.<tf>`, legacy `keras.backend.<backend>`, and `extra` as given."""
    out = [KO + ops] if ops else []
    if tf:
        out += [TF + tf] + ([TF + "math." + tf] if math and "." not in tf else [])
    out += [KB + backend] if backend else []
    return tuple(out) + extra


def keras_fns(qualnames: tuple[str, ...], *params: str, rename: Mapping[str, str] | None = None,
              **options: Any) -> tuple[Spelling, ...]:
    """One function spelling per qualified name, all with the same positional `params`; the Keras names
    `x`, `axis` and `keepdims` mean the canonical `input`, `dim` and `keepdim`."""
    return tuple(Spelling(q, tuple(params), rename={**KERAS_ARGS, **(rename or {})}, **options) for q in qualnames)


def torch_form(fn_name: str, *positional: str, **keywords: Any) -> Emitter:
    """An emitter writing `fn_name(<positional attributes>, name=<attribute>, ...)`; each keyword attribute is
    left out where it holds the default given for it here."""
    from nnmigrate.writers.emit import call

    def to_torch(v: OpView) -> n.Expr:
        return call(fn_name, *[v.get(a) for a in positional], **{k: v.unless(k, d) for k, d in keywords.items()})
    return to_torch


def one_minus(e: n.Expr) -> n.Expr:
    """m -> 1 - m (Keras and torch count BatchNorm momentum from opposite ends)."""
    if isinstance(e, n.Const) and isinstance(e.value, (int, float)):
        return n.Const(round(1 - e.value, 10))
    if isinstance(e, n.BinOp) and e.op == "-" and isinstance(e.left, n.Const) and type(e.left.value) in (int, float) \
            and e.left.value == 1:
        return e.right  # 1 - (1 - m) is m: a momentum that goes there and back
    return n.BinOp("-", n.Const(1), e)


def keras(qualname: str, *params: str, **options: Any) -> Spelling:
    """A Keras layer class spelling (`keras.layers.X`)."""
    return Spelling(qualname if qualname.startswith("keras.") else K + qualname, tuple(params), layer=True, **options)


@dataclass(frozen=True)
class KerasForm:
    """The Keras side of an entry: how Keras spells it, how it is written in PyTorch, extra Keras-only
    attributes (e.g. `activation=` on Dense), and the weight rule's inverse."""

    spellings: tuple[Spelling, ...]
    to_torch: Emitter | None = None
    attrs: tuple[Attr, ...] = ()
    weights_to_torch: Callable[[list[Any], Mapping[str, Any]], dict[str, Any]] | None = None
    stateless: bool = False
    torch_layout: LayoutRule | None = None


def with_keras(entries: tuple[OpEntry, ...], forms: Mapping[str, KerasForm]) -> tuple[OpEntry, ...]:
    """`entries` with their Keras sides attached (each entry keeps one definition, in one family file). Several
    calls may add spellings to one entry; only one of them may give its PyTorch emitter."""
    unknown = set(forms) - {e.key for e in entries}
    if unknown:
        raise ValueError(f"Keras forms for unknown entries. Received: {sorted(unknown)}")
    out = []
    for entry in entries:
        form = forms.get(entry.key)
        if form is None:
            out.append(entry)
            continue
        weights = entry.weights
        if weights is not None and form.weights_to_torch is not None:
            weights = replace(weights, to_torch=form.weights_to_torch)
        if entry.to_torch is not None and form.to_torch is not None:
            raise ValueError(f"Two PyTorch forms for one entry: merge them into one emitter. Received: {entry.key!r}")
        out.append(replace(entry, keras=entry.keras + form.spellings, to_torch=form.to_torch or entry.to_torch,
                           attrs=entry.attrs + form.attrs, weights=weights, stateless=entry.stateless or form.stateless,
                           torch_layout=form.torch_layout or entry.torch_layout))
    return tuple(out)
