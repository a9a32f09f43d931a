"""Catalog entries for pooling: max/avg (1-3d, padding, ceil_mode), adaptive and global pooling."""

from __future__ import annotations

from typing import Any

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.shape_rules import ShapeRule, adaptive_pool, pool, with_shapes
from nnmigrate.catalog.spell import F, NN, KerasForm, fn, keras, keras_support, layer, torch_support, with_keras
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST, const_value
from nnmigrate.writers.emit import OpView, as_tuple, call, lit, same_expr

CHANNELS = LayoutRule("channels")


def _pool_attrs(kind: str) -> tuple[Attr, ...]:
    attrs = (Attr("input"), Attr("kernel_size"), Attr("stride", torch=None, keras=None), Attr("padding", torch=0, keras="valid"))
    if kind == "max":
        return attrs + (Attr("dilation", torch=1, keras=1), Attr("return_indices", torch=False, keras=False),
                        Attr("ceil_mode", torch=False, keras=False))
    return attrs + (Attr("ceil_mode", torch=False, keras=False), Attr("count_include_pad", torch=True, keras=False),
                    Attr("divisor_override", torch=None, keras=None))


def _pool(kind: str, rank: int):
    dims = f"{rank}D"
    keras_layer = f"layers.{'Max' if kind == 'max' else 'Average'}Pooling{dims}"
    ops_fn = "ops.max_pool" if kind == "max" else "ops.average_pool"

    def to_keras(v: OpView) -> n.Expr:
        strides = None if v.is_("stride", None) else v.get("stride")
        if v.is_("padding", "same"):  # Keras's own (read back from the padding step before a PyTorch pooling)
            if v.is_layer:
                return call(keras_layer, v.get("kernel_size"), strides=strides, padding="same")
            return call(ops_fn, v.get("input"), v.get("kernel_size"), strides=strides, padding="same")
        k = as_tuple(v.value("kernel_size"), rank)
        s = k if v.is_("stride", None) else as_tuple(v.value("stride"), rank)
        p = as_tuple(v.value("padding"), rank)
        padding: str | None = None
        pre: Any = None  # explicit padding: "zeros" or "-inf"
        ceil = not v.is_("ceil_mode", False)
        if NOT_CONST in (k, s, p):
            v.notes.append("pooling arguments are not literals: padding is applied explicitly")
            pre = "-inf" if kind == "max" else "zeros"
        elif all(pi == 0 for pi in p):
            if ceil and all(ki <= si for ki, si in zip(k, s)):
                padding = "same"  # a partial last window, averaged over its real size, like torch
            elif ceil and kind == "max":
                pre = "ceil"  # pad the end with -inf so the last, partial window exists
            elif ceil:
                v.notes.append("average pooling with ceil_mode=True and overlapping windows is emulated with 'same'")
                padding = "same"
        elif all(si == 1 for si in s) and all(2 * pi == ki - 1 for pi, ki in zip(p, k)) and (
                kind == "max" or v.is_("count_include_pad", False)):
            padding = "same"
        else:
            pre = "-inf" if kind == "max" else ("zeros" if not v.is_("count_include_pad", False) else None)
            if pre is None:
                v.notes.append("count_include_pad=False with this padding has no exact Keras form")
                pre = "zeros"
        pool_strides = v.get("kernel_size") if v.is_("stride", None) else v.get("stride")
        if v.is_layer:
            main = call(keras_layer, v.get("kernel_size"), strides=strides, padding=padding)
            if pre is None:
                return main
            if pre == "ceil":
                return call("keras.Sequential", [call("CeilModePadding", v.get("kernel_size"), pool_strides), main])
            pad_layer = (call(f"layers.ZeroPadding{dims}", v.get("padding")) if pre == "zeros" else
                         call("layers.Lambda", n.Lambda(["t"], _pad_call(n.Name("t"), v.get("padding"), rank, "-inf"))))
            return call("keras.Sequential", [pad_layer, main])
        if pre == "ceil":
            x: n.Expr = n.Call(call("CeilModePadding", v.get("kernel_size"), pool_strides), [n.Arg(v.get("input"))])
        else:
            x = v.get("input") if pre is None else _pad_call(v.get("input"), v.get("padding"), rank, pre)
        return call(ops_fn, x, v.get("kernel_size"), strides=strides, padding=padding)

    return to_keras


def _pad_call(x: n.Expr, padding: n.Expr, rank: int, fill: str) -> n.Expr:
    """`ops.pad` of the spatial axes of a channels-last tensor by `padding` on both sides."""
    pad = as_tuple(const_value(padding), rank)
    if pad is NOT_CONST:
        per_axis = n.IfExp(call("isinstance", padding, n.Name("int")), n.BinOp("*", n.TupleExpr([padding]), n.Const(rank)),
                           padding)
        spatial: n.Expr = n.Comprehension("list", n.ListExpr([n.Name("p"), n.Name("p")]), [n.CompFor(n.Name("p"), per_axis)])
        widths: n.Expr = n.BinOp("+", n.BinOp("+", lit([[0, 0]]), spatial), lit([[0, 0]]))
    else:
        widths = lit([[0, 0], *[[pi, pi] for pi in pad], [0, 0]])
    minus_inf = n.Call(n.Name("float"), [n.Arg(n.Const("-inf"))])
    return call("ops.pad", x, widths, constant_values=minus_inf if fill == "-inf" else None)


def _adaptive(kind: str, rank: int):
    dims = f"{rank}D"
    prefix = "Max" if kind == "max" else "Average"

    def to_keras(v: OpView) -> n.Expr:
        size = as_tuple(v.value("output_size"), rank)
        if size is not NOT_CONST and all(si == 1 for si in size):
            if v.is_layer:
                return call(f"layers.Global{prefix}Pooling{dims}", keepdims=True)
            return call(f"ops.{'max' if kind == 'max' else 'mean'}", v.get("input"),
                        axis=tuple(range(1, rank + 1)), keepdims=True)
        layer_call = call(f"layers.Adaptive{prefix}Pooling{dims}", v.get("output_size"))
        return layer_call if v.is_layer else n.Call(layer_call, [n.Arg(v.get("input"))])

    return to_keras


ENTRIES: tuple[OpEntry, ...] = ()
for _r in (1, 2, 3):
    ENTRIES += (
        OpEntry(f"max_pool{_r}d", "pooling", _pool_attrs("max"),
                (layer(f"{NN}MaxPool{_r}d", "kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
                 fn(f"{F}max_pool{_r}d", "input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")),
                layout=CHANNELS, to_keras=_pool("max", _r), rank=_r + 2, support=("CeilModePadding",),
                notes="torch pads max pooling with -inf; 'same' only matches at stride 1 with padding (k-1)/2."),
        OpEntry(f"avg_pool{_r}d", "pooling", _pool_attrs("avg"),
                (layer(f"{NN}AvgPool{_r}d", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"),
                 fn(f"{F}avg_pool{_r}d", "input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")),
                layout=CHANNELS, to_keras=_pool("avg", _r), rank=_r + 2,
                notes="torch counts zero padding in the average (count_include_pad=True); Keras 'same' pooling does not."),
        OpEntry(f"adaptive_avg_pool{_r}d", "pooling", (Attr("input"), Attr("output_size")),
                (layer(f"{NN}AdaptiveAvgPool{_r}d", "output_size"), fn(f"{F}adaptive_avg_pool{_r}d", "input", "output_size")),
                layout=LayoutRule("channels", keepdim="keepdims"), to_keras=_adaptive("avg", _r), rank=_r + 2,
                notes="output size 1 is GlobalAveragePooling with keepdims=True."),
        OpEntry(f"adaptive_max_pool{_r}d", "pooling", (Attr("input"), Attr("output_size"), Attr("return_indices", torch=False)),
                (layer(f"{NN}AdaptiveMaxPool{_r}d", "output_size", "return_indices"),
                 fn(f"{F}adaptive_max_pool{_r}d", "input", "output_size", "return_indices")),
                layout=LayoutRule("channels", keepdim="keepdims"), to_keras=_adaptive("max", _r), rank=_r + 2),
    )


def _pool_torch(kind: str, rank: int):
    """Keras 'valid' pooling is PyTorch's default; 'same' pads each axis by max((ceil(n / s) - 1) * s + k - n, 0),
    the extra pixel at the end, and never counts the padding: at stride 1 with odd windows that is PyTorch's own
    symmetric padding (count_include_pad=False for averages), else an explicit SamePadding step."""
    def to_torch(v: OpView) -> n.Expr:
        cls = f"nn.{'Max' if kind == 'max' else 'Avg'}Pool{rank}d"
        stride = None if v.is_("stride", None) else v.get("stride")
        if v.value("padding") != "same":  # ceil_mode: read back from the padding step before a Keras pooling
            return call(cls, v.get("kernel_size"), stride=stride, ceil_mode=v.unless("ceil_mode", False))
        k = as_tuple(v.value("kernel_size"), rank)
        s = k if v.is_("stride", None) else as_tuple(v.value("stride"), rank)
        if NOT_CONST not in (k, s) and all(si == 1 for si in s) and all(ki % 2 for ki in k):
            half = k[0] // 2 if len(set(k)) == 1 else tuple(ki // 2 for ki in k)
            return call(cls, v.get("kernel_size"), stride=1, padding=half,
                        count_include_pad=False if kind == "avg" else None)
        if kind == "avg":
            return call("SameAvgPool", v.get("kernel_size"), stride)
        strides = v.get("kernel_size") if stride is None else stride
        minus_inf = n.Call(n.Name("float"), [n.Arg(n.Const("-inf"))])
        return call("nn.Sequential", call("SamePadding", v.get("kernel_size"), strides, value=minus_inf),
                    call(cls, v.get("kernel_size"), stride=stride))
    return to_torch


def _adaptive_torch(kind: str, rank: int):
    """Keras global pooling (output size 1, flattened unless `keepdims`) and adaptive pooling (Keras 3.11+)."""
    def to_torch(v: OpView) -> n.Expr:
        pool = call(f"nn.Adaptive{'Max' if kind == 'max' else 'Avg'}Pool{rank}d", v.get("output_size"))
        return pool if v.is_("keepdims", True) else call("nn.Sequential", pool, call("nn.Flatten"))
    return to_torch


def _pads_ceil(pad: n.Op, layer: n.Op) -> n.Op | None:
    """CeilModePadding(k, s) right before an unpadded max pooling of that window and stride: PyTorch's ceil_mode."""
    if not layer.key.startswith("max_pool") or const_value(layer.attrs["padding"]) not in (0, "valid") \
            or const_value(layer.attrs["ceil_mode"]) is not False or const_value(layer.attrs["dilation"]) != 1:
        return None
    stride = layer.attrs["kernel_size"] if const_value(layer.attrs["stride"]) is None else layer.attrs["stride"]
    if not (same_expr(pad.attrs["kernel_size"], layer.attrs["kernel_size"]) and same_expr(pad.attrs["stride"], stride)):
        return None
    return n.Op(layer.key, {**layer.attrs, "ceil_mode": n.Const(True)}, layer.extra, [*layer.spelled, "ceil_mode"],
                layer.layer, span=layer.span)


def _same_avg_pool(v: OpView) -> n.Expr:
    """Keras average pooling with padding='same', of the input's rank."""
    if v.rank is None or not 3 <= v.rank <= 5:
        v.errors.append("the input's rank is not known, so neither is the Keras pooling layer")
    name = f"layers.AveragePooling{(v.rank or 4) - 2}D"
    pool = call(name, v.get("kernel_size"), strides=None if v.is_("stride", None) else v.get("stride"), padding="same")
    return pool if v.is_layer else n.Call(pool, [n.Arg(v.get("input"))])


ENTRIES += (
    OpEntry("ceil_mode_padding", "pooling", (Attr("input"), Attr("kernel_size"), Attr("stride")), (),
            (keras_support("CeilModePadding", "kernel_size", "stride",
                           rename={"pool_size": "kernel_size", "strides": "stride"}),),
            layout=CHANNELS, pads_next=_pads_ceil,
            notes="nnmigrate's CeilModePadding writes PyTorch's ceil_mode=True before a Keras max pooling; right before "
                  "that pooling it reads back as its ceil_mode, alone it has no PyTorch form."),
    OpEntry("same_avg_pool", "pooling", (Attr("input"), Attr("kernel_size"), Attr("stride", torch=None)),
            (torch_support("SameAvgPool", "kernel_size", "stride"),), layout=CHANNELS, to_keras=_same_avg_pool,
            notes="nnmigrate's SameAvgPool is Keras average pooling with padding='same' (1-3D, from the input's rank)."),
)
def _pool_function_torch(kind: str):
    """keras.ops.max_pool / average_pool, of any rank: F.max_pool{1,2,3}d by the input's rank ('same' padding: the
    layer form, applied)."""
    def to_torch(v: OpView) -> n.Expr:
        kernel = v.value("kernel_size")
        rank = v.rank - 2 if v.rank in (3, 4, 5) else len(kernel) if isinstance(kernel, tuple) else None
        x, stride = v.get("input"), None if v.is_("stride", None) else v.get("stride")
        name = "max_pool" if kind == "max" else "avg_pool"
        if v.value("padding") == "same":
            if rank is None:
                v.errors.append("'same' pooling of a tensor of unknown rank has no PyTorch form here")
                return x
            return n.Call(_pool_torch(kind, rank)(v), [n.Arg(x)])
        if rank is not None:
            return call(f"F.{name}{rank}d", x, v.get("kernel_size"), stride=stride)
        by_rank = n.TupleExpr([n.Name(f"F.{name}{r}d") for r in (1, 2, 3)])
        chosen = n.Subscript(by_rank, n.BinOp("-", n.Attr(x, "ndim"), n.Const(3)))
        return n.Call(chosen, [n.Arg(x), n.Arg(v.get("kernel_size")), *([n.Arg(stride, "stride")] if stride is not None else [])])
    return to_torch


def _any_rank_pool(v: Any) -> Any:
    """The pooled shape, by the input's rank."""
    rank = v.x.rank if v.x is not None else None
    return pool(rank - 2)(v) if rank in (3, 4, 5) else None


for _kind in ("max", "avg"):
    ENTRIES += (
        OpEntry(f"{_kind}_pool", "pooling", _pool_attrs(_kind), (),
                (fn(f"keras.ops.{'max' if _kind == 'max' else 'average'}_pool", "input", "kernel_size", "stride", "padding",
                    rename={"inputs": "input", "pool_size": "kernel_size", "strides": "stride"}),),
                layout=CHANNELS, to_torch=_pool_function_torch(_kind),
                notes="Any rank: the PyTorch function is picked by the input's rank."),
    )


_POOL_KERAS = dict(rename={"pool_size": "kernel_size", "strides": "stride"}, fixed={"kernel_size": 2})
ENTRIES = with_keras(ENTRIES, {
    **{f"max_pool{r}d": KerasForm(tuple(keras(f"{name}{r}D", "kernel_size", "stride", "padding", **_POOL_KERAS)
                                        for name in ("MaxPooling", "MaxPool")),
                                  _pool_torch("max", r)) for r in (1, 2, 3)},
    **{f"avg_pool{r}d": KerasForm(tuple(keras(f"{name}{r}D", "kernel_size", "stride", "padding", **_POOL_KERAS)
                                        for name in ("AveragePooling", "AvgPool")),
                                  _pool_torch("avg", r)) for r in (1, 2, 3)},
    **{f"adaptive_{kind}_pool{r}d": KerasForm(
        tuple(keras(f"{name}{r}D", fixed={"output_size": 1}) for name in (f"Global{prefix}Pooling", f"Global{short}Pool"))
        + (keras(f"Adaptive{prefix}Pooling{r}D", "output_size", fixed={"keepdims": True}),),
        _adaptive_torch(kind, r), (Attr("keepdims", torch=True, keras=False),))
       for kind, prefix, short in (("avg", "Average", "Avg"), ("max", "Max", "Max")) for r in (1, 2, 3)},
})

ENTRIES = with_shapes(ENTRIES, {
    **{f"{kind}_pool{r}d": ShapeRule(pool(r)) for kind in ("max", "avg") for r in (1, 2, 3)},
    **{f"adaptive_{kind}_pool{r}d": ShapeRule(adaptive_pool(r)) for kind in ("max", "avg") for r in (1, 2, 3)},
    **{f"{kind}_pool": ShapeRule(_any_rank_pool) for kind in ("max", "avg")},
})
