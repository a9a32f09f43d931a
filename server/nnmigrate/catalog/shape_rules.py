"""Shape rules shared by the family modules (conv arithmetic, pooling, joins) and `with_shapes` to attach them.

Each family file attaches its ops' rules in one `ENTRIES = with_shapes(ENTRIES, {...})` call, so an op's
shape behaviour is declared once, next to the op. Sizes are ints, `Sym`s or None (see `nnmigrate.shapes.dims`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from math import prod
from typing import Any

from nnmigrate.catalog.entry import OpEntry, ShapeRule
from nnmigrate.pivot import nodes as n
from nnmigrate.shapes.dims import UNKNOWN_TENSOR, Dim, Shape, add, as_ints, broadcast, mul
from nnmigrate.shapes.view import ShapeView

SizeOf = Callable[[ShapeView], Dim]


def with_shapes(entries: tuple[OpEntry, ...], rules: Mapping[str, ShapeRule]) -> tuple[OpEntry, ...]:
    """`entries` with their shape rules attached (each entry keeps one definition, in one family file)."""
    unknown = set(rules) - {e.key for e in entries}
    if unknown:
        raise ValueError(f"Shape rules for unknown entries. Received: {sorted(unknown)}")
    return tuple(replace(e, shape=rules[e.key]) if e.key in rules else e for e in entries)


def output_of(entry: OpEntry, view: ShapeView) -> Shape | None:
    """The output shape of `entry` applied as `view` says: its rule's, else the broadcast input shape for an
    elementwise op (activations, dropout, arithmetic), else unknown."""
    if entry.shape is not None:
        return entry.shape.output(view)
    return broadcast(view.shapes()) if entry.layout.kind == "elementwise" and view.inputs else None


# ---- implicit sizes --------------------------------------------------------------------------


def channels(v: ShapeView) -> Dim:
    """The input's channel axis (last in Keras, 1 in PyTorch): in_channels, num_features."""
    return v.x.axis(v.channel_axis) if v.x is not None else None


def last(v: ShapeView) -> Dim:
    """The input's last axis: in_features, normalized_shape."""
    return v.x.axis(-1) if v.x is not None else None


def channels_at(attr: str) -> SizeOf:
    """The channel axis, when an integer attribute names it (BatchNormalization `axis`): PyTorch
    normalization layers work on the channel axis only."""
    def size(v: ShapeView) -> Dim:
        axis = v.value(attr)
        x = v.x
        if x is None or not isinstance(axis, int) or isinstance(axis, bool):
            return None
        rank = x.rank
        on_channels = axis == v.channel_axis or rank is not None and axis % rank == v.channel_axis % rank
        return x.axis(axis) if on_channels else None
    return size


def last_if_axis(attr: str) -> SizeOf:
    """The last axis, when the layer works on the last axis only (`axis=-1`)."""
    def size(v: ShapeView) -> Dim:
        return last(v) if v.value(attr) in (-1, (-1,)) else None
    return size


# ---- outputs -----------------------------------------------------------------------------------


def same(v: ShapeView) -> Shape | None:
    """Elementwise: the (broadcast) shape of the tensor inputs."""
    return broadcast(v.shapes())


def _with_spatial(v: ShapeView, rank: int, spatial: list[Dim], channels_out: Dim) -> Shape:
    batch = v.x.axis(0) if v.x is not None else None
    return Shape((batch, *spatial, channels_out) if v.channels_last else (batch, channels_out, *spatial))


def _spatial_in(v: ShapeView, rank: int) -> list[Dim]:
    x = v.x
    if x is None or x.rank != rank + 2:
        return [None] * rank
    return [x.dims[a] for a in v.spatial_axes(rank + 2)]


def _window(size: Dim, k: int, s: int, d: int, padding: Any, i: int, rank: int, ceil: bool = False) -> Dim:
    """Output length of a sliding window (convolution or pooling) over one axis."""
    if padding == "same":  # TensorFlow: ceil(n / s)
        return size if s == 1 else (-(-size // s) if isinstance(size, int) else None)
    pads = (0,) * rank if padding == "valid" else as_ints(padding, rank)
    if pads is None:
        return None
    p, reach = pads[i], d * (k - 1)
    if s == 1 and 2 * p == reach:
        return size
    if not isinstance(size, int):
        return None
    span = size + 2 * p - reach - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= size + p:  # the last window must start inside the input or left padding
        out -= 1
    return out


def conv(rank: int) -> Callable[[ShapeView], Shape | None]:
    """Conv{rank}d, grouped or depthwise (Keras `depth_multiplier`: out = in * multiplier)."""
    def output(v: ShapeView) -> Shape | None:
        out_channels = v.size("out_channels")
        if out_channels is None and v.value("depth_multiplier") is not None:
            out_channels = mul(channels(v), v.size("depth_multiplier"))
        k, s, d = (as_ints(v.value(a), rank) for a in ("kernel_size", "stride", "dilation"))
        spatial = _spatial_in(v, rank)
        if k is None or s is None or d is None:
            return _with_spatial(v, rank, [None] * rank, out_channels)
        padding = v.value("padding")
        return _with_spatial(v, rank, [_window(n_, k[i], s[i], d[i], padding, i, rank) for i, n_ in enumerate(spatial)],
                             out_channels)
    return output


def conv_transpose(rank: int) -> Callable[[ShapeView], Shape | None]:
    """ConvTranspose{rank}d: Keras 'same' gives in * stride; torch integer padding crops the full output."""
    def output(v: ShapeView) -> Shape | None:
        k, s, d = (as_ints(v.value(a), rank) for a in ("kernel_size", "stride", "dilation"))
        padding = v.value("padding")
        spatial = _spatial_in(v, rank)
        out: list[Dim] = [None] * rank
        if k is not None and s is not None and d is not None:
            extra = as_ints(v.value("output_padding"), rank) or (0,) * rank
            pads = as_ints(padding, rank)
            for i, size in enumerate(spatial):
                reach = d[i] * (k[i] - 1) + 1
                if padding == "same":
                    out[i] = mul(size, s[i])
                elif padding == "valid":
                    out[i] = add(mul(size, s[i]), max(reach - s[i], 0))
                elif pads is not None:
                    out[i] = add(mul(add(size, -1), s[i]), reach - 2 * pads[i] + extra[i])
        return _with_spatial(v, rank, out, v.size("out_channels"))
    return output


def pool(rank: int) -> Callable[[ShapeView], Shape | None]:
    """Max / average pooling: the stride defaults to the window."""
    def output(v: ShapeView) -> Shape | None:
        k = as_ints(v.value("kernel_size"), rank)
        stride = v.value("stride")
        s = k if stride is None else as_ints(stride, rank)
        dilation = v.value("dilation")
        d = as_ints(dilation if isinstance(dilation, (int, tuple)) else 1, rank)
        spatial = _spatial_in(v, rank)
        if k is None or s is None or d is None:
            spatial = [None] * rank
        else:
            ceil = v.value("ceil_mode") is True
            spatial = [_window(x, k[i], s[i], d[i], v.value("padding"), i, rank, ceil) for i, x in enumerate(spatial)]
        return _with_spatial(v, rank, spatial, channels(v))
    return output


def adaptive_pool(rank: int) -> Callable[[ShapeView], Shape | None]:
    """Adaptive pooling to `output_size`; Keras global pooling is output size 1, (N, C) unless `keepdims`."""
    def output(v: ShapeView) -> Shape | None:
        if v.value("keepdims") is False:
            return Shape((v.x.axis(0) if v.x is not None else None, channels(v)))
        size = as_ints(v.value("output_size"), rank)
        return _with_spatial(v, rank, list(size) if size is not None else [None] * rank, channels(v))
    return output


def dense(v: ShapeView) -> Shape | None:
    """A linear map of the last axis to `out_features`."""
    x = v.x or UNKNOWN_TENSOR
    return x.replace(-1, v.size("out_features")) if x.dims else Shape((v.size("out_features"),), False)


def permuted(order: Callable[[Any, int], tuple[int, ...] | None]) -> Callable[[ShapeView], Shape | None]:
    """A pure axis permutation: the input's axes in the order `order(op, rank)` gives."""
    def output(v: ShapeView) -> Shape | None:
        x = v.x
        if x is None or not x.exact:
            return None
        axes = order(v.op, len(x.dims))
        return Shape(tuple(x.dims[a] for a in axes)) if axes is not None and len(axes) == len(x.dims) else None
    return output


def flatten(v: ShapeView) -> Shape | None:
    """Axes `start_dim`..`end_dim` merged into one (their product, while it stays linear)."""
    start, end = v.value("start_dim"), v.value("end_dim")
    x = v.x
    if not isinstance(start, int) or not isinstance(end, int):
        return None
    if x is None or not x.exact:
        return Shape((None, None)) if (start, end) == (1, -1) else None
    rank = len(x.dims)
    lo, hi = start % rank, end % rank
    merged: Dim = 1
    for size in x.dims[lo:hi + 1]:
        merged = mul(merged, size)
    return Shape(x.dims[:lo] + (merged,) + x.dims[hi + 1:])


def concat(v: ShapeView) -> Shape | None:
    """Tensors joined along `dim`: its sizes add up, the other axes agree."""
    axis = v.value("dim")
    shapes = v.shapes()
    if not shapes or any(s is None for s in shapes) or not isinstance(axis, int):
        return None
    if all(s.exact for s in shapes) and len({len(s.dims) for s in shapes}) == 1:  # type: ignore[union-attr]
        rank = len(shapes[0].dims)  # type: ignore[union-attr]
        a = axis % rank
        dims = []
        for i in range(rank):
            sizes = [s.dims[i] for s in shapes]  # type: ignore[union-attr]
            if i == a:
                total: Dim = 0
                for size in sizes:
                    total = add(total, size)
                dims.append(total)
            else:
                dims.append(sizes[0] if all(size == sizes[0] for size in sizes) else None)
        return Shape(tuple(dims))
    if axis == -1:
        total = 0
        for s in shapes:
            total = add(total, s.axis(-1))  # type: ignore[union-attr]
        return Shape((total,), False)
    return UNKNOWN_TENSOR


def embedding(v: ShapeView) -> Shape | None:
    """Each index becomes an `embedding_dim` vector."""
    x = v.x or UNKNOWN_TENSOR
    return Shape((*x.dims, v.size("embedding_dim")), x.exact)


def upsample(rank: int) -> Callable[[ShapeView], Shape | None]:
    """Resizing by an integer `scale_factor` (Keras UpSampling) or to `size` (torch)."""
    def output(v: ShapeView) -> Shape | None:
        spatial = _spatial_in(v, rank)
        size = as_ints(v.value("size"), rank)
        factor = as_ints(v.value("scale_factor"), rank)
        if size is not None:
            out: list[Dim] = list(size)
        elif factor is not None:
            out = [mul(x, f) for x, f in zip(spatial, factor)]
        else:
            out = [None] * rank
        return _with_spatial(v, rank, out, channels(v))
    return output


def zero_pad2d(v: ShapeView) -> Shape | None:
    """2-D zero padding: an int, Keras (rows, cols) or ((top, bottom), (left, right)), torch (l, r, t, b)."""
    return _padded2d(v, v.value("padding"), 1)


def crop2d(v: ShapeView) -> Shape | None:
    """2-D cropping, in Keras's forms: an int, (rows, cols) or ((top, bottom), (left, right))."""
    return _padded2d(v, v.value("cropping"), -1)


def _padded2d(v: ShapeView, pad: Any, sign: int) -> Shape | None:
    if isinstance(pad, int):
        rows = cols = (pad, pad)
    elif isinstance(pad, tuple) and len(pad) == 2 and all(isinstance(p, tuple) and len(p) == 2 for p in pad):
        rows, cols = pad
    elif isinstance(pad, tuple) and len(pad) == 2:
        rows, cols = (pad[0], pad[0]), (pad[1], pad[1])
    elif isinstance(pad, tuple) and len(pad) == 4:
        rows, cols = (pad[2], pad[3]), (pad[0], pad[1])
    else:
        rows = cols = None
    spatial = _spatial_in(v, 2)
    out = [add(spatial[0], sign * sum(rows)) if rows else None, add(spatial[1], sign * sum(cols)) if cols else None]
    return _with_spatial(v, 2, out, channels(v))


def reshape(attr: str) -> Callable[[ShapeView], Shape | None]:
    """The batch axis kept, the rest given by the `attr` tuple (one -1 allowed)."""
    def output(v: ShapeView) -> Shape | None:
        target = v.op.attrs.get(attr)
        if not isinstance(target, (n.TupleExpr, n.ListExpr)):
            return None
        sizes = [v.size_of(e) for e in target.elts]
        if -1 in sizes:
            x = v.x
            known = [s for s in sizes if s != -1]
            if x is not None and x.exact and all(isinstance(s, int) for s in (*x.dims[1:], *known)):
                whole, rest = prod(x.dims[1:]), prod(known)  # type: ignore[arg-type]
                sizes[sizes.index(-1)] = whole // rest if rest and whole % rest == 0 else None
            else:
                sizes[sizes.index(-1)] = None
        return Shape((v.x.axis(0) if v.x is not None else None, *sizes))
    return output


def input_placeholder(v: ShapeView) -> Shape | None:
    """`keras.Input(shape)`: the batch axis then `shape`; a shape held in a variable gives its last size."""
    for attr, batched in (("shape", False), ("batch_shape", True)):
        e = v.op.attrs.get(attr)
        if e is None or isinstance(e, n.Const) and e.value is None:
            continue
        if isinstance(e, (n.TupleExpr, n.ListExpr)):
            sizes = tuple(v.size_of(x) for x in e.elts)
            return Shape(sizes if batched else (v.size("batch_size"), *sizes))
        last_size = v.size_of(n.Subscript(e, n.Const(-1)))
        return Shape((last_size,), False) if last_size is not None else UNKNOWN_TENSOR
    return UNKNOWN_TENSOR
