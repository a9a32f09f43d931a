"""Catalog entries for convolutions: Conv1d/2d/3d (grouped, depthwise, dilated, lazy) and ConvTranspose."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry, VariableRead, WeightRule, fixed_reads
from nnmigrate.catalog.padding import causal_pad
from nnmigrate.catalog.shape_rules import ShapeRule, channels, conv, conv_transpose, with_shapes
from nnmigrate.catalog.spell import NN, KerasForm, fn, keras, keras_support, layer, torch_support, with_keras
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST
from nnmigrate.writers.emit import OpView, as_tuple, call, same_expr


def conv_attrs(transpose: bool = False) -> tuple[Attr, ...]:
    attrs = (
        Attr("input"),
        Attr("in_channels", doc="Inferred by Keras from the input."),
        Attr("out_channels", doc="Keras `filters`.", keras_attr="filters"),
        Attr("kernel_size", keras_attr="kernel_size"),
        Attr("stride", torch=1, keras=1, keras_attr="strides"),
        Attr("padding", torch=0, keras="valid", doc="torch ints pad symmetrically; Keras 'same' pads the end first."),
        Attr("padding_names", torch=False, keras=True,
             doc="`padding` is Keras's name ('valid', 'same', 'causal') also where it is known only at run time."),
    )
    if transpose:
        attrs += (Attr("output_padding", torch=0, keras=None),)
    attrs += (
        Attr("groups", torch=1, keras=1, keras_attr="groups"),
        Attr("bias", torch=True, keras=True, doc="Keras `use_bias`."),
        Attr("dilation", torch=1, keras=1, keras_attr="dilation_rate"),
        Attr("padding_mode", torch="zeros", keras="zeros"),
        Attr("device", torch=None, keras=None),
        Attr("dtype", torch=None, keras=None),
    )
    return attrs


def _positional(transpose: bool) -> tuple[str, ...]:
    if transpose:
        return ("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias", "dilation")
    return ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias", "padding_mode")


def padding_plan(v: OpView, rank: int) -> tuple[str, Any]:
    """('valid' | 'same' | 'causal', None) when Keras padding matches torch, ('keras', padding expr) for a padding known
    only at run time that Keras's names spell (`padding_names`), else
    ('explicit', padding expr)."""
    padding = v.value("padding")
    if padding in ("same", "valid", "causal"):  # causal: a ZeroPad1d before a Conv1d, read back
        return str(padding), None
    if v.is_("padding_names", True) and padding is NOT_CONST:
        return "keras", v.get("padding")
    pad = as_tuple(padding, rank)
    if pad is not NOT_CONST and all(p == 0 for p in pad):
        return "valid", None
    k = as_tuple(v.value("kernel_size"), rank)
    s = as_tuple(v.value("stride"), rank)
    d = as_tuple(v.value("dilation"), rank)
    if NOT_CONST not in (pad, k, s, d) and all(si == 1 for si in s) and all(
            2 * p == di * (ki - 1) for p, ki, di in zip(pad, k, d)):
        return "same", None
    return "explicit", v.get("padding")


def _depthwise(v: OpView, rank: int) -> bool:
    """A 2-d convolution with one group per input channel: Keras DepthwiseConv2D."""
    return rank == 2 and not v.is_("groups", 1) and same_expr(v.get("groups"), v.get("in_channels"))


def _conv_reads(rank: int):
    """weight (out, in/groups, *k) read from the kernel (*k, in/groups, out); a depthwise kernel is not one."""
    def reads(v: OpView) -> dict[str, VariableRead]:
        if _depthwise(v, rank):
            return {}
        return {"weight": VariableRead("kernel", (rank + 1, rank, *range(rank))), "bias": VariableRead("bias")}

    return reads


def _conv_input(rank: int):
    """A channels-last input of any spatial size with the layer's input channels (unknown for a Lazy layer)."""
    def shape(v: OpView) -> tuple[Any, ...] | None:
        return None if v.is_("in_channels", None) else (None, *[None] * rank, v.get("in_channels"))

    return shape


def _conv(rank: int):
    dims = f"{rank}D"

    def to_keras(v: OpView) -> n.Expr:
        support = not v.is_("depth_multiplier", None)  # the LazyDepthwiseConv2d support module
        mode, explicit = padding_plan(v, rank)
        if not v.is_("padding_mode", "zeros"):
            v.notes.append(f"padding_mode={v.value('padding_mode')!r} is emulated with zero padding only")
        depthwise = _depthwise(v, rank)
        common: dict[str, Any] = dict(
            strides=v.unless("stride", 1), padding=_keras_padding_arg(mode, explicit),
            dilation_rate=v.unless("dilation", 1), use_bias=v.unless("bias", True))
        if support:
            main = call("layers.DepthwiseConv2D", v.get("kernel_size"), depth_multiplier=v.unless("depth_multiplier", 1),
                        **common)
        elif depthwise:
            mult = None if same_expr(v.get("out_channels"), v.get("in_channels")) else n.BinOp(
                "//", v.get("out_channels"), v.get("in_channels"))
            main = call(f"layers.DepthwiseConv{dims}", v.get("kernel_size"), depth_multiplier=mult, **common)
        else:
            main = call(f"layers.Conv{dims}", v.get("out_channels"), v.get("kernel_size"),
                        groups=v.unless("groups", 1), **common)
        return _padded(main, mode, explicit, dims)

    return to_keras


def _keras_padding_arg(mode: str, explicit: n.Expr | None) -> Any:
    """The Keras layer's `padding=` for a `padding_plan` (None: 'valid', the default, or a ZeroPadding layer before)."""
    return mode if mode in ("same", "causal") else explicit if mode == "keras" else None


def _padded(main: n.Expr, mode: str, explicit: n.Expr | None, dims: str) -> n.Expr:
    """The Keras layer `main`, after a ZeroPadding layer where PyTorch's padding has no Keras padding mode."""
    return call("keras.Sequential", [call(f"layers.ZeroPadding{dims}", explicit), main]) if mode == "explicit" else main


def _separable(rank: int):
    """The LazySeparableConv support module, as migrated code carries it, back to Keras's SeparableConv."""
    dims = f"{rank}D"

    def to_keras(v: OpView) -> n.Expr:
        mode, explicit = padding_plan(v, rank)
        main = call(f"layers.SeparableConv{dims}", v.get("out_channels"), v.get("kernel_size"),
                    strides=v.unless("stride", 1), padding=_keras_padding_arg(mode, explicit), depth_multiplier=v.unless("depth_multiplier", 1),
                    dilation_rate=v.unless("dilation", 1), use_bias=v.unless("bias", True))
        return _padded(main, mode, explicit, dims)

    return to_keras


def _conv_transpose(rank: int):
    dims = f"{rank}D"

    def to_keras(v: OpView) -> n.Expr:
        pad = as_tuple(v.value("padding"), rank)
        out_pad = as_tuple(v.value("output_padding"), rank)
        k = as_tuple(v.value("kernel_size"), rank)
        s = as_tuple(v.value("stride"), rank)
        common: dict[str, Any] = dict(strides=v.unless("stride", 1), dilation_rate=v.unless("dilation", 1),
                                      use_bias=v.unless("bias", True))
        if NOT_CONST not in (pad, out_pad, k, s) and all(p == 0 for p in pad) and all(o == 0 for o in out_pad):
            return call(f"layers.Conv{dims}Transpose", v.get("out_channels"), v.get("kernel_size"), **common)
        if NOT_CONST not in (pad, out_pad, k, s) and all(o == 0 for o in out_pad) and all(
                ki == 2 * p + si for ki, p, si in zip(k, pad, s)):
            return call(f"layers.Conv{dims}Transpose", v.get("out_channels"), v.get("kernel_size"), padding="same", **common)
        main = call(f"layers.Conv{dims}Transpose", v.get("out_channels"), v.get("kernel_size"),
                    output_padding=None if v.is_("output_padding", 0) else v.get("output_padding"), **common)
        if v.is_("padding", 0):
            return main
        return call("keras.Sequential", [main, call(f"layers.Cropping{dims}", v.get("padding"))])

    return to_keras


def _conv_weights(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    prefix = "conv." if "conv.weight" in torch else ""  # inside the LazyDepthwiseConv2d support module
    w = torch[f"{prefix}weight"]
    if config.get("keras_class", "").startswith("DepthwiseConv"):
        kernel = _depthwise_kernel(w, config["in_channels"] if "in_channels" in config
                                   else w.shape[0] // config["depth_multiplier"])
    else:
        kernel = w.transpose(*range(2, w.ndim), 1, 0)
    out = [np.ascontiguousarray(kernel)]
    if torch.get(f"{prefix}bias") is not None:
        out.append(torch[f"{prefix}bias"])
    return out


def _depthwise_kernel(w: Any, channels: int) -> Any:
    """torch grouped-convolution weight (C*m, 1, *k) -> Keras depthwise kernel (*k, C, m)."""
    return w.reshape(channels, w.shape[0] // channels, *w.shape[2:]).transpose(*range(2, w.ndim), 0, 1)


def _separable_weights(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    """The LazySeparableConv modules -> depthwise kernel (*k, C, m), pointwise kernel (*1, C*m, out) and bias."""
    depthwise, pointwise = torch["depthwise.weight"], torch["pointwise.weight"]
    out = [np.ascontiguousarray(_depthwise_kernel(depthwise, depthwise.shape[0] // config["depth_multiplier"])),
           np.ascontiguousarray(np.moveaxis(pointwise, (0, 1), (-1, -2)))]
    return out + ([torch["pointwise.bias"]] if torch.get("pointwise.bias") is not None else [])


def _conv_transpose_weights(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    w = torch["weight"]  # (in, out/groups, *k) -> (*k, out, in)
    out = [np.ascontiguousarray(w.transpose(*range(2, w.ndim), 1, 0))]
    if torch.get("bias") is not None:
        out.append(torch["bias"])
    return out


CHANNELS = LayoutRule("channels")
def _conv_weight_rule(rank: int) -> WeightRule:
    return WeightRule(_conv_weights, "kernel (out, in/groups, *k) -> (*k, in/groups, out); depthwise (C*m, 1, *k) -> (*k, C, m)",
                      reads=_conv_reads(rank), build_shape=_conv_input(rank))


def _conv_t_weight_rule(rank: int) -> WeightRule:
    """weight (in, out, *k) read from the kernel (*k, out, in): the same axis order as a convolution's."""
    return WeightRule(_conv_transpose_weights, "kernel (in, out, *k) -> (*k, out, in)",
                      reads=fixed_reads(weight=VariableRead("kernel", (rank + 1, rank, *range(rank))),
                                        bias=VariableRead("bias")), build_shape=_conv_input(rank))

ENTRIES = tuple(
    OpEntry(f"conv{r}d", "convolution", conv_attrs(),
            (layer(f"{NN}Conv{r}d", *_positional(False)),
             layer(f"{NN}LazyConv{r}d", *_positional(False)[1:], fixed={"in_channels": None}))
            + ((torch_support("LazyDepthwiseConv2d", "kernel_size", "stride", "padding", "depth_multiplier", "dilation",
                              "bias", fixed={"in_channels": None, "out_channels": None, "depth_multiplier": 1,
                                             "padding_names": True}),)
               if r == 2 else ()),
            layout=CHANNELS, to_keras=_conv(r), weights=_conv_weight_rule(r), rank=r + 2,
            notes="Keras infers in_channels; torch integer padding becomes 'same' only at stride 1, "
                  "else an explicit ZeroPadding layer; groups == in_channels becomes DepthwiseConv.")
    for r in (1, 2, 3)
) + tuple(
    OpEntry(f"conv_transpose{r}d", "convolution", conv_attrs(transpose=True),
            (layer(f"{NN}ConvTranspose{r}d", *_positional(True)),
             layer(f"{NN}LazyConvTranspose{r}d", *_positional(True)[1:], fixed={"in_channels": None})),
            layout=CHANNELS, to_keras=_conv_transpose(r), weights=_conv_t_weight_rule(r), rank=r + 2,
            notes="torch padding crops the full transposed output; emitted as 'valid' + Cropping unless it equals 'same'.")
    for r in (1, 2, 3)
)


def _conv_torch(rank: int, separable: bool = False):
    def to_torch(v: OpView) -> n.Expr:
        from nnmigrate.catalog.activation import with_activation

        padding = v.value("padding")
        explicit = padding == "same" and not _ones(v, "stride", rank)  # torch allows 'same' only at stride 1
        common = dict(stride=v.unless("stride", 1),
                      padding=None if padding in ("valid", 0, "causal", NOT_CONST) or explicit else v.get("padding"),
                      dilation=v.unless("dilation", 1))
        in_channels = v.size("in_channels")
        if separable:
            main = call(f"LazySeparableConv{rank}d", v.get("out_channels"), v.get("kernel_size"), **common,
                        depth_multiplier=v.unless("depth_multiplier", 1), bias=v.unless("bias", True))
        elif not v.is_("depth_multiplier", None) and in_channels is None:  # keras.layers.DepthwiseConv2D
            main = call("LazyDepthwiseConv2d", v.get("kernel_size"), **common,
                        depth_multiplier=v.unless("depth_multiplier", 1), bias=v.unless("bias", True))
        elif not v.is_("depth_multiplier", None):  # a grouped convolution with one group per input channel
            main = call("nn.Conv2d", in_channels, _times(in_channels, v), v.get("kernel_size"), **common,
                        groups=in_channels, bias=v.unless("bias", True))
        else:
            sizes = (f"nn.LazyConv{rank}d",) if in_channels is None else (f"nn.Conv{rank}d", in_channels)
            main = call(*sizes, v.get("out_channels"), v.get("kernel_size"), **common,
                        groups=v.unless("groups", 1), bias=v.unless("bias", True))
        pad = _keras_padding(v, rank, explicit)
        return with_activation(v, main if pad is None else call("nn.Sequential", pad, main))
    return to_torch


def _times(channels: n.Expr, v: OpView) -> n.Expr:
    """channels * depth_multiplier, folded when both are literals."""
    mult = v.value("depth_multiplier")
    if mult == 1:
        return channels
    if isinstance(channels, n.Const) and isinstance(mult, int):
        return n.Const(channels.value * mult)
    return n.BinOp("*", channels, v.get("depth_multiplier"))


def _ones(v: OpView, name: str, rank: int) -> bool:
    """True when the attribute is 1 on every axis (`1` or `(1, 1)`)."""
    value = as_tuple(v.value(name), rank)
    return value is not NOT_CONST and all(x == 1 for x in value)


def _keras_padding(v: OpView, rank: int, same: bool) -> n.Expr | None:
    """The padding module that goes before a PyTorch convolution for Keras padding PyTorch lacks: 'same' at a
    stride above 1 (the extra pixel at the end), and 'causal' (all of it before the sequence)."""
    if same:
        return call("SamePadding", v.get("kernel_size"), v.get("stride"), dilation=v.unless("dilation", 1))
    if v.value("padding") is NOT_CONST:  # chosen at run time
        return call("KerasPadding", v.get("padding"), v.get("kernel_size"), stride=v.unless("stride", 1),
                    dilation=v.unless("dilation", 1))
    if v.value("padding") != "causal":
        return None
    return call("nn.ZeroPad1d", (causal_pad(v.get("kernel_size"), v.get("dilation")), 0))


def _conv_weights_to_torch(keras: list[Any], config: Mapping[str, Any]) -> dict[str, Any]:
    k = keras[0]
    if config.get("keras_class") == "DepthwiseConv2D":  # maybe inside the LazyDepthwiseConv2d support module
        prefix = "conv." if config.get("torch_class") == "LazyDepthwiseConv2d" else ""
        return {f"{prefix}weight": _depthwise_kernel_to_torch(k)} | ({f"{prefix}bias": keras[1]} if len(keras) > 1 else {})
    out = {"weight": np.ascontiguousarray(k.transpose(k.ndim - 1, k.ndim - 2, *range(k.ndim - 2)))}  # (*k, in, out)
    if len(keras) > 1:
        out["bias"] = keras[1]
    return out


def _conv_transpose_torch(rank: int):
    def to_torch(v: OpView) -> n.Expr:
        from nnmigrate.catalog.activation import with_activation

        k, s = as_tuple(v.value("kernel_size"), rank), as_tuple(v.value("stride"), rank)
        d = as_tuple(v.value("dilation"), rank)
        padding = None
        trim = None  # a crop module after the convolution, where torch padding cannot express Keras's
        output_padding = None if v.is_("output_padding", None) or v.is_("output_padding", 0) else v.get("output_padding")
        if v.value("padding") is NOT_CONST or v.value("padding") == "same" and output_padding is not None:
            trim = call("TransposedCrop", v.get("kernel_size"), v.get("stride"), dilation=v.unless("dilation", 1),
                        output_padding=output_padding,
                        padding=v.get("padding") if v.value("padding") is NOT_CONST else None)
        elif v.value("padding") == "same":  # output = input * stride: torch crops (k - s) / 2 from each side
            if NOT_CONST not in (k, s, d) and any(di * (ki - 1) + 1 < si for ki, si, di in zip(k, s, d)):
                v.notes.append("'same' transposed convolution with a stride above the kernel size is approximated")
            elif NOT_CONST in (k, s, d) or any((ki - si) % 2 or di != 1 for ki, si, di in zip(k, s, d)):
                trim = call("TransposedCrop", v.get("kernel_size"), v.get("stride"), dilation=v.unless("dilation", 1))
            else:
                crop = tuple((ki - si) // 2 for ki, si in zip(k, s))
                padding = None if all(c == 0 for c in crop) else (crop[0] if len(set(crop)) == 1 else crop)
        in_channels = v.size("in_channels")
        sizes = (f"nn.LazyConvTranspose{rank}d",) if in_channels is None else (f"nn.ConvTranspose{rank}d", in_channels)
        main = call(*sizes, v.get("out_channels"), v.get("kernel_size"),
                    stride=v.unless("stride", 1), padding=padding, output_padding=output_padding,
                    dilation=v.unless("dilation", 1), bias=v.unless("bias", True))
        return with_activation(v, main if trim is None else call("nn.Sequential", main, trim))
    return to_torch


def _conv_transpose_weights_to_torch(keras: list[Any], config: Mapping[str, Any]) -> dict[str, Any]:
    k = keras[0]  # (*k, out, in) -> (in, out, *k)
    out = {"weight": np.ascontiguousarray(k.transpose(k.ndim - 1, k.ndim - 2, *range(k.ndim - 2)))}
    if len(keras) > 1:
        out["bias"] = keras[1]
    return out


_CONV_KERAS = dict(rename={"filters": "out_channels", "strides": "stride", "dilation_rate": "dilation",
                           "use_bias": "bias"}, fixed={"in_channels": None})
ENTRIES = with_keras(ENTRIES, {
    f"conv{r}d": KerasForm((keras(f"Conv{r}D", "out_channels", "kernel_size", "stride", "padding", **_CONV_KERAS),)
                           + ((keras("DepthwiseConv2D", "kernel_size", "stride", "padding", "depth_multiplier",
                                     rename={"strides": "stride", "dilation_rate": "dilation", "use_bias": "bias"},
                                     fixed={"in_channels": None, "out_channels": None, "depth_multiplier": 1}),)
                              if r == 2 else ()),
                           _conv_torch(r), (Attr("activation", torch=None, keras=None),
                                            Attr("depth_multiplier", torch=None, keras=None)), _conv_weights_to_torch)
    for r in (1, 2, 3)
} | {
    f"conv_transpose{r}d": KerasForm((keras(f"Conv{r}DTranspose", "out_channels", "kernel_size", "stride", "padding",
                                            **_CONV_KERAS),),
                                     _conv_transpose_torch(r), (Attr("activation", torch=None, keras=None),),
                                     _conv_transpose_weights_to_torch)
    for r in (1, 2, 3)
})


def _depthwise_kernel_to_torch(kernel: Any) -> Any:
    """Keras depthwise kernel (*k, C, m) -> torch grouped-convolution weight (C*m, 1, *k)."""
    *k, channels, mult = kernel.shape
    return np.ascontiguousarray(np.moveaxis(kernel, (-2, -1), (0, 1)).reshape(channels * mult, 1, *k))


def _separable_weights_to_torch(keras: list[Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """depthwise kernel (*k, C, m), pointwise kernel (*1, C*m, out) and bias -> the LazySeparableConv modules."""
    pointwise = keras[1]
    out = {"depthwise.weight": _depthwise_kernel_to_torch(keras[0]),
           "pointwise.weight": np.ascontiguousarray(np.moveaxis(pointwise, (-1, -2), (0, 1)))}
    return out | ({"pointwise.bias": keras[2]} if len(keras) > 2 else {})


ENTRIES += tuple(
    OpEntry(f"separable_conv{r}d", "convolution",
            conv_attrs() + (Attr("depth_multiplier", torch=1, keras=1), Attr("activation", torch=None, keras=None)),
            (torch_support(f"LazySeparableConv{r}d", "out_channels", "kernel_size", "stride", "padding",
                           "depth_multiplier", "dilation", "bias", fixed={"in_channels": None, "padding_names": True}),),
            (keras(f"SeparableConv{r}D", "out_channels", "kernel_size", "stride", "padding", **_CONV_KERAS),),
            layout=CHANNELS, to_keras=_separable(r), to_torch=_conv_torch(r, separable=True), rank=r + 2,
            weights=WeightRule(_separable_weights,
                               "depthwise kernel (*k, C, m) -> (C*m, 1, *k); pointwise (*1, C*m, out) -> (out, C*m, *1)",
                               to_torch=_separable_weights_to_torch),
            notes="A depthwise convolution (no bias) then a 1x1 pointwise one with the bias: the LazySeparableConv "
                  "support module, read back as SeparableConv.")
    for r in (1, 2)
)

def _unfold(v: OpView) -> n.Expr:
    layer = call("Unfold", v.get("kernel_size"), dilation=v.unless("dilation", 1), padding=v.unless("padding", 0),
                 stride=v.unless("stride", 1))
    return layer if v.is_layer else n.Call(layer, [n.Arg(v.get("input"))])


_UNFOLD_PARAMS = ("kernel_size", "dilation", "padding", "stride")
ENTRIES += (
    OpEntry("unfold", "convolution",
            (Attr("input"), Attr("kernel_size", keras_attr="kernel_size"), Attr("dilation", torch=1, keras=1),
             Attr("padding", torch=0, keras=0), Attr("stride", torch=1, keras=1)),
            (layer(f"{NN}Unfold", *_UNFOLD_PARAMS), fn("torch.nn.functional.unfold", "input", *_UNFOLD_PARAMS)),
            (keras_support("Unfold", *_UNFOLD_PARAMS),),
            layout=LayoutRule("opaque"), to_keras=_unfold, rank=4, support=("Unfold",),
            notes="Sliding blocks (N, C*kh*kw, L) of a channels-first batch: the Unfold support layer "
                  "(keras.ops.image.extract_patches reordered channel-major, like torch)."),
)

ENTRIES = with_shapes(ENTRIES, {
    **{f"conv{r}d": ShapeRule(conv(r), {"in_channels": channels}) for r in (1, 2, 3)},
    **{f"conv_transpose{r}d": ShapeRule(conv_transpose(r), {"in_channels": channels}) for r in (1, 2, 3)},
})
