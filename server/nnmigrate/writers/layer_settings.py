"""Reads of a layer's constructor settings (`conv.out_channels`, `fc.out_features`) in a Keras target.

PyTorch code often sizes the next layer from one it built (`nn.BatchNorm2d(self.conv.out_channels)`). The
Keras layer keeps the same value under its own name (`filters`), declared per attribute in the catalog
(`Attr.keras_attr`). Where the Keras form wraps the layer in a Sequential with the padding or cropping
PyTorch does inside it, the support function `layer_setting` finds the wrapped layer's setting at run time.
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


def keras_setting(catalog: Catalog, emitter: Callable[[OpEntry], Emitter | None], held: AttrInfo, name: str,
                  receiver: n.Expr) -> n.Expr | None:
    """`receiver.<Keras name>` for the torch setting `name` of the catalog layer(s) `held` may be, or
    `layer_setting(receiver, "<Keras name>")` when a Keras form wraps the layer; None when `held` is no
    catalog layer, the layer has no such setting or the candidates disagree."""
    candidates = [held] if held.kind == "op" else held.elements if held.kind == "choice" else []
    names: set[str] = set()
    wrapped = False
    for c in candidates:
        entry = catalog.entries.get(c.key) if c.key else None
        attr = next((a for a in entry.attrs if a.name == name), None) if entry else None
        emit = emitter(entry) if entry else None
        if entry is None or attr is None or attr.keras_attr is None or c.op is None or emit is None:
            return None
        names.add(attr.keras_attr)
        form = emit(OpView(entry, c.op, dict(c.op.attrs), MOVED, entry.rank))
        wrapped |= isinstance(form, n.Call) and isinstance(form.func, n.Name) and form.func.id == "keras.Sequential"
    if len(names) != 1:
        return None
    keras_name = names.pop()
    return call(SUPPORT, receiver, keras_name) if wrapped else n.Attr(receiver, keras_name)
