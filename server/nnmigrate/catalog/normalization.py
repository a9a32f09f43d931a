"""Catalog entries for normalization layers: BatchNorm 1-3d, LayerNorm, GroupNorm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry, VariableRead, WeightRule, fixed_reads
from nnmigrate.catalog.shape_rules import ShapeRule, channels_at, last_if_axis, same, with_shapes
from nnmigrate.catalog.spell import NN, KerasForm, keras, layer, one_minus, torch_support, with_keras
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST
from nnmigrate.writers.emit import OpView, call

_COMMON = (Attr("device", torch=None), Attr("dtype", torch=None))


def _batch_norm(v: OpView) -> n.Expr:
    momentum = v.value("momentum")
    keras_momentum: Any = round(1 - momentum, 10) if isinstance(momentum, (int, float)) else n.BinOp("-", n.Const(1), v.get("momentum"))
    affine = None if v.is_("affine", True) else v.get("affine")
    return call("layers.BatchNormalization", axis=None if v.moved else 1, momentum=keras_momentum,
                epsilon=v.get("eps"), center=affine, scale=affine)


def _bn_weights(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    out = [torch["weight"], torch["bias"]] if torch.get("weight") is not None else []
    return out + [torch["running_mean"], torch["running_var"]]


def _layer_norm(v: OpView) -> n.Expr:
    shape = v.value("normalized_shape")
    axis: Any = -1
    if isinstance(shape, tuple) and len(shape) > 1:
        axis = tuple(range(-len(shape), 0))
    affine = v.is_("elementwise_affine", True)
    center = affine and v.is_("bias", True)
    return call("layers.LayerNormalization", axis=None if axis == -1 else axis, epsilon=v.get("eps"),
                center=None if center else False, scale=None if affine else False)


def _affine_weights(torch: Mapping[str, Any], config: Mapping[str, Any]) -> list[Any]:
    return [w for w in (torch.get("weight"), torch.get("bias")) if w is not None]


_AFFINE_READS = fixed_reads(weight=VariableRead("gamma"), bias=VariableRead("beta"))


def _layer_norm_input(v: OpView) -> tuple[Any, ...] | None:
    """The trailing sizes LayerNorm normalizes, after any leading ones: what its Keras form is built for."""
    shape = v.get("normalized_shape")
    if isinstance(shape, (n.TupleExpr, n.ListExpr)):
        return (None, *shape.elts)
    return (None, shape) if isinstance(v.value("normalized_shape"), int) or isinstance(shape, n.Name) else None


def _group_norm(v: OpView) -> n.Expr:
    affine = None if v.is_("affine", True) else v.get("affine")
    return call("layers.GroupNormalization", groups=v.get("num_groups"), axis=None if v.moved else 1,
                epsilon=v.get("eps"), center=affine, scale=affine)


BN_ATTRS = (Attr("input"), Attr("num_features"), Attr("eps", torch=1e-5, keras=1e-3, doc="Keras `epsilon`; always written.", keras_attr="epsilon"),
            Attr("momentum", torch=0.1, keras=0.99, doc="Keras momentum = 1 - torch momentum."),
            Attr("affine", torch=True, keras=True), Attr("track_running_stats", torch=True)) + _COMMON

ENTRIES = tuple(
    OpEntry(f"batch_norm{r}d", "normalization", BN_ATTRS,
            (layer(f"{NN}BatchNorm{r}d", "num_features", "eps", "momentum", "affine", "track_running_stats"),
             layer(f"{NN}LazyBatchNorm{r}d", "eps", "momentum", "affine", "track_running_stats", fixed={"num_features": None})),
            layout=LayoutRule("elementwise", spatial_input=True), to_keras=_batch_norm,
            weights=WeightRule(_bn_weights, "weight, bias, running_mean, running_var -> gamma, beta, moving_mean, moving_variance",
                               reads=fixed_reads(weight=VariableRead("gamma"), bias=VariableRead("beta"),
                                                 running_mean=VariableRead("moving_mean"),
                                                 running_var=VariableRead("moving_variance"))),
            rank=r + 2 if r > 1 else None,
            notes="eps 1e-5 vs Keras 1e-3 and momentum m vs 1 - m: both always written. The channel axis follows the layout.")
    for r in (1, 2, 3)
) + (
    OpEntry("layer_norm", "normalization",
            (Attr("input"), Attr("normalized_shape"), Attr("eps", torch=1e-5, keras=1e-3, keras_attr="epsilon"),
             Attr("elementwise_affine", torch=True), Attr("bias", torch=True)) + _COMMON,
            (layer(NN + "LayerNorm", "normalized_shape", "eps", "elementwise_affine", "bias"),
             torch_support("LazyLayerNorm", "eps", rename={"center": "bias", "scale": "elementwise_affine"},
                           fixed={"normalized_shape": None})),
            layout=LayoutRule("opaque"), to_keras=_layer_norm,
            weights=WeightRule(_affine_weights, "weight, bias -> gamma, beta", reads=_AFFINE_READS,
                               build_shape=_layer_norm_input),
            notes="torch normalizes the trailing `normalized_shape` dims; Keras takes axis indices. eps always written."),
    OpEntry("group_norm", "normalization",
            (Attr("input"), Attr("num_groups", keras=32), Attr("num_channels"), Attr("eps", torch=1e-5, keras=1e-3),
             Attr("affine", torch=True)) + _COMMON,
            (layer(NN + "GroupNorm", "num_groups", "num_channels", "eps", "affine"),
             torch_support("LazyGroupNorm", "num_groups", "eps", "affine", fixed={"num_channels": None})),
            layout=LayoutRule("elementwise", spatial_input=True), to_keras=_group_norm,
            weights=WeightRule(_affine_weights, "weight, bias -> gamma, beta", reads=_AFFINE_READS),
            notes="eps always written; the channel axis follows the layout."),
)


def _batch_norm_torch(v: OpView) -> n.Expr:
    axis = v.value("axis")
    last = axis == -1 or isinstance(axis, int) and (v.rank is None and axis > 0 or axis == (v.rank or 0) - 1)
    if not last:
        v.notes.append(f"BatchNormalization over axis={axis if axis is not NOT_CONST else 'a computed value'} is "
                       "written over the channel axis")
    dims = {2: 1, 3: 1, 4: 2, 5: 3}.get(v.rank or 0, 2 if v.moved else 1)
    num_features = v.size("num_features")
    sizes = (f"nn.LazyBatchNorm{dims}d",) if num_features is None else (f"nn.BatchNorm{dims}d", num_features)
    return call(*sizes, eps=v.get("eps"), momentum=v.get("momentum"),
                affine=None if v.is_("affine", True) else v.get("affine"))


def _bn_weights_to_torch(keras: list[Any], config: Mapping[str, Any]) -> dict[str, Any]:
    names = ["weight", "bias", "running_mean", "running_var"] if len(keras) == 4 else ["running_mean", "running_var"]
    return dict(zip(names, keras))


def _layer_norm_torch(v: OpView) -> n.Expr:
    axis = v.value("axis")
    if axis not in (-1, (-1,), [-1]):
        v.notes.append(f"LayerNormalization over axis={axis!r} is written over the last axis")
    size = v.size("normalized_shape")
    if size is not None and (v.is_("scale", True) or v.is_("center", False)):  # nn.LayerNorm has no bias-only form
        affine = None if v.is_("scale", True) else False
        bias = None if v.is_("center", True) or affine is False else False
        return call("nn.LayerNorm", size, eps=v.get("eps"), elementwise_affine=affine, bias=bias)
    return call("LazyLayerNorm", eps=v.get("eps"), center=v.unless("center", True), scale=v.unless("scale", True))


def _group_norm_torch(v: OpView) -> n.Expr:
    if not v.is_("center", True) and v.is_("scale", True) or v.is_("center", True) and not v.is_("scale", True):
        v.notes.append("GroupNormalization with only one of center/scale: both are written as affine")
    return call("LazyGroupNorm", v.get("num_groups"), eps=v.get("eps"),
                affine=None if v.is_("center", True) or v.is_("scale", True) else False)


ENTRIES = with_keras(ENTRIES, {
    "group_norm": KerasForm((keras("GroupNormalization", "num_groups", "axis", "eps",
                                   rename={"groups": "num_groups", "epsilon": "eps"}, fixed={"num_channels": None}),),
                            _group_norm_torch, (Attr("axis", torch=1, keras=-1), Attr("center", torch=True, keras=True),
                                                Attr("scale", torch=True, keras=True)),
                            lambda k, c: dict(zip(["weight", "bias"], k)),
                            torch_layout=LayoutRule("channels", spatial_input=True)),
    "layer_norm": KerasForm((keras("LayerNormalization", "axis", "eps", rename={"epsilon": "eps"},
                                   fixed={"normalized_shape": None}),),
                            _layer_norm_torch, (Attr("axis", torch=-1, keras=-1), Attr("center", torch=True, keras=True),
                                                Attr("scale", torch=True, keras=True)),
                            lambda k, c: dict(zip(["weight", "bias"], k))),
    "batch_norm1d": KerasForm((keras("BatchNormalization", rename={"epsilon": "eps"}, convert={"momentum": one_minus},
                                     fixed={"num_features": None}),),
                              _batch_norm_torch, (Attr("axis", torch=1, keras=-1), Attr("center", torch=True, keras=True),
                                                  Attr("scale", torch=True, keras=True)), _bn_weights_to_torch,
                              torch_layout=LayoutRule("channels", axes=("axis",), spatial_input=True)),
})

ENTRIES = with_shapes(ENTRIES, {
    **{f"batch_norm{r}d": ShapeRule(same, {"num_features": channels_at("axis")}) for r in (1, 2, 3)},
    "layer_norm": ShapeRule(same, {"normalized_shape": last_if_axis("axis")}),
    "group_norm": ShapeRule(same),
})
