"""Padding steps that nnmigrate's writers put before a layer, read back as that layer's own padding.

Where one framework pads in a way the other's layer cannot (Keras's padding='same' at a stride above 1, PyTorch's
ceil_mode=True pooling), the migrated code is a Sequential of a padding support layer and the layer itself (and the
layer's activation). Read back, that pair is the one layer again, when the padding step's catalog entry says the
layer after it takes it on (`OpEntry.pads_next`).
"""

from __future__ import annotations

from dataclasses import replace

from nnmigrate.catalog import Catalog
from nnmigrate.pivot import nodes as n


def with_padding_taken_on(op: n.Op, catalog: Catalog) -> n.Op:
    """A Sequential with a padding step right before the layer it pads (and maybe an activation after it) as that
    layer padding itself: the layer alone where nothing else is left; any other op as it is."""
    layers = op.attrs.get("layers") if op.key == "sequential" else None
    if not isinstance(layers, (n.ListExpr, n.TupleExpr)) \
            or not all(isinstance(e, n.Op) and e.layer for e in layers.elts):
        return op
    out: list[n.Expr] = []
    for e in layers.elts:
        pad = out[-1] if out else None
        fuse = catalog.get(pad.key).pads_next if isinstance(pad, n.Op) else None
        taken = fuse(pad, e) if fuse is not None else None
        if taken is not None:
            out[-1] = taken
        else:
            out.append(e)
    if len(out) == len(layers.elts):
        return op
    if len(out) == 1:
        return out[0]  # type: ignore[return-value]
    return replace(op, attrs={**op.attrs, "layers": replace(layers, elts=out)})
