"""Padding steps that nnmigrate's writers put before a layer, read back as that layer's own padding.

Where one framework pads in a way the other's layer cannot (Keras's padding='same' at a stride above 1, PyTorch's
ceil_mode=True pooling), the migrated code is a Sequential of a padding support layer and the layer itself. Read
back, that pair is the one layer again, when the padding step's catalog entry says the layer after it takes it on
(`OpEntry.pads_next`).
"""

from __future__ import annotations

from nnmigrate.catalog import Catalog
from nnmigrate.pivot import nodes as n


def with_padding_taken_on(op: n.Op, catalog: Catalog) -> n.Op:
    """A Sequential of exactly [padding step, layer] as that layer padding itself; any other op as it is."""
    layers = op.attrs.get("layers") if op.key == "sequential" else None
    if not isinstance(layers, (n.ListExpr, n.TupleExpr)) or len(layers.elts) != 2 \
            or not all(isinstance(e, n.Op) and e.layer for e in layers.elts):
        return op
    pad, layer = layers.elts
    fuse = catalog.get(pad.key).pads_next  # type: ignore[union-attr]
    taken = fuse(pad, layer) if fuse is not None else None
    return taken if taken is not None else op
