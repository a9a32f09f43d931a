"""Reads of a layer's constructor settings (`conv.out_channels`, `fc.out_features`) and of its parameters
(`embed.weight`, `fc.bias`) in a Keras target.

PyTorch code often sizes the next layer from one it built (`nn.BatchNorm2d(self.conv.out_channels)`). The
Keras layer keeps the same value under its own name (`filters`), declared per attribute in the catalog
(`Attr.keras_attr`). Code that reads a built layer's parameters (tied embeddings: `x @ self.embed.weight.t()`)
gets the Keras layer's variable, declared per catalog entry (`WeightRule.reads`), in torch's axis order. Where
the Keras form wraps the layer in a Sequential with the padding or cropping PyTorch does inside it, the support
function `layer_setting` finds the wrapped layer's attribute at run time.
"""

from __future__ import annotations

from collections.abc import Callable

from nnmigrate.catalog import Catalog
from nnmigrate.catalog.entry import Emitter, OpEntry
from nnmigrate.pivot import nodes as n
from nnmigrate.writers.emit import MOVED, OpView, call
from nnmigrate.writers.translate import AttrInfo

#: The support function reading a setting through a Sequential wrapper.
SUPPORT = "layer_setting"

#: What a candidate layer keeps a read under: the Keras attribute, and the axis order giving torch's tensor.
_Found = tuple[str, tuple[int, ...] | None]


def keras_setting(catalog: Catalog, emitter: Callable[[OpEntry], Emitter | None], held: AttrInfo, name: str,
                  receiver: n.Expr) -> n.Expr | None:
    """`receiver.<Keras name>` for the torch setting `name` of the catalog layer(s) `held` may be, or
    `layer_setting(receiver, "<Keras name>")` when a Keras form wraps the layer; None when `held` is no
    catalog layer, the layer has no such setting or the candidates disagree."""
    def setting(entry: OpEntry, view: OpView) -> _Found | None:
        attr = next((a for a in entry.attrs if a.name == name), None)
        return (attr.keras_attr, None) if attr is not None and attr.keras_attr is not None else None

    return _read(catalog, emitter, held, receiver, setting)


def keras_variable(catalog: Catalog, emitter: Callable[[OpEntry], Emitter | None], held: AttrInfo, name: str,
                   receiver: n.Expr) -> n.Expr | None:
    """The torch parameter or buffer `name` (`weight`) of the built catalog layer(s) `held` may be, read from the
    Keras layer's variable (`receiver.kernel`, transposed to torch's axis order); None when `held` is no catalog
    layer, its Keras form keeps no such variable or the candidates disagree."""
    def variable(entry: OpEntry, view: OpView) -> _Found | None:
        read = entry.weights.reads(view).get(name) if entry.weights and entry.weights.reads else None
        return (read.name, read.perm) if read is not None else None

    return _read(catalog, emitter, held, receiver, variable)


def _read(catalog: Catalog, emitter: Callable[[OpEntry], Emitter | None], held: AttrInfo, receiver: n.Expr,
          lookup: Callable[[OpEntry, OpView], _Found | None]) -> n.Expr | None:
    candidates = [held] if held.kind == "op" else held.elements if held.kind == "choice" else []
    found: set[_Found] = set()
    wrapped = False
    for c in candidates:
        entry = catalog.entries.get(c.key) if c.key else None
        emit = emitter(entry) if entry else None
        if entry is None or c.op is None or emit is None:
            return None
        view = OpView(entry, c.op, dict(c.op.attrs), MOVED, entry.rank)
        kept = lookup(entry, view)
        if kept is None:
            return None
        found.add(kept)
        form = emit(view)
        wrapped |= isinstance(form, n.Call) and isinstance(form.func, n.Name) and form.func.id == "keras.Sequential"
    if len(found) != 1:
        return None
    keras_name, perm = found.pop()
    value = call(SUPPORT, receiver, keras_name) if wrapped else n.Attr(receiver, keras_name)
    return value if perm is None else call("ops.transpose", value, perm)
