"""Catalog entries for tensor operations: joins, shapes, reductions, products, elementwise math, creation,
padding, resizing. Canonical semantics are torch's; the Keras side (`keras.ops`, `tf.*`, legacy
`keras.backend`) converts into them: `axis`/`keepdims` become `dim`/`keepdim`, defaults that differ
(`K.expand_dims` axis -1, `tf.argmax` axis 0, population `std`) are fixed per spelling."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from nnmigrate.catalog.math_ops import DTYPE_NAMES, torch_dtype
from nnmigrate.catalog.padding import keras_pads_as_torch, keras_zero_pad, zero_pad_torch, zero_padding_copy
from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.shape_rules import ShapeRule, concat, permuted, upsample, with_shapes, zero_pad2d
from nnmigrate.catalog.spell import (F, KA, KB, NN, TF, KerasForm, fn, keras, keras_fns, layer, method, names,
                                     tensor_attr, torch_form, with_keras)
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import NOT_CONST, const_value
from nnmigrate.writers.emit import OpView, call, lit

ELEMENTWISE = LayoutRule("elementwise")
OPAQUE = LayoutRule("opaque")
INPUT = Attr("input")


def _axis_op(ops_name: str, *, keepdims: bool = False) -> Callable[[OpView], n.Expr]:
    def to_keras(v: OpView) -> n.Expr:
        kwargs = {"axis": None if v.is_("dim", None) else v.get("dim")}
        if keepdims:
            kwargs["keepdims"] = v.unless("keepdim", False)
        return call(f"ops.{ops_name}", v.get("input"), **kwargs)
    return to_keras


def _joined(ops_name: str) -> Callable[[OpView], n.Expr]:
    def to_keras(v: OpView) -> n.Expr:
        return call(f"ops.{ops_name}", v.get("tensors"), axis=v.unless("dim", 0))
    return to_keras


def _chunk(v: OpView) -> n.Expr:
    return call("ops.split", v.get("input"), v.get("chunks"), axis=v.unless("dim", 0))


def _split(v: OpView) -> n.Expr:
    sizes = v.value("split_size_or_sections")
    axis = v.unless("dim", 0)
    if isinstance(sizes, tuple):
        indices, total = [], 0
        for s in sizes[:-1]:
            total += s
            indices.append(total)
        return call("ops.split", v.get("input"), indices, axis=axis)
    sections = v.get("split_size_or_sections")
    if isinstance(sections, (n.ListExpr, n.TupleExpr)):  # piece sizes -> running split indices
        indices: list[n.Expr] = []
        for size in sections.elts[:-1]:
            indices.append(size if not indices else n.BinOp("+", indices[-1], size))
        return call("ops.split", v.get("input"), n.ListExpr(indices), axis=axis)
    dim_size = n.Subscript(call("ops.shape", v.get("input")), v.get("dim"))
    return call("ops.split", v.get("input"), n.BinOp("//", dim_size, v.get("split_size_or_sections")), axis=axis)


def _axis_order(op: Any, rank: int) -> tuple[int, ...] | None:
    """permute's `dims` as an axis order (they fix the rank), None unless literal."""
    dims = const_value(op.attrs.get("dims"))
    if isinstance(dims, tuple) and len(dims) == 1 and isinstance(dims[0], tuple):  # `x.permute((0, 2, 1))`
        dims = dims[0]
    if not isinstance(dims, tuple) or not all(type(d) is int and -len(dims) <= d < len(dims) for d in dims):
        return None
    order = tuple(d % len(dims) for d in dims)
    return order if sorted(order) == list(range(len(dims))) else None


def _moved_order(op: Any, rank: int) -> tuple[int, ...] | None:
    """movedim's axis order for an input of `rank`, None unless it moves one literal axis."""
    source, destination = const_value(op.attrs.get("source")), const_value(op.attrs.get("destination"))
    if not all(type(a) is int and -rank <= a < rank for a in (source, destination)):
        return None
    order = [a for a in range(rank) if a != source % rank]
    order.insert(destination % rank, source % rank)
    return tuple(order)


def _swapped_order(op: Any, rank: int) -> tuple[int, ...] | None:
    """transpose's axis order for an input of `rank`, None unless it swaps two literal axes."""
    dims = (const_value(op.attrs.get("dim0")), const_value(op.attrs.get("dim1")))
    if not all(type(d) is int and -rank <= d < rank for d in dims):
        return None
    order = list(range(rank))
    a, b = (d % rank for d in dims)
    order[a], order[b] = order[b], order[a]
    return tuple(order)


def _reshape(v: OpView) -> n.Expr:
    shape = v.get("shape")
    return call("ops.reshape", v.get("input"), shape if isinstance(shape, n.TupleExpr) or not isinstance(shape, n.Const) else (shape,))


def _permute(v: OpView) -> n.Expr:
    return call("ops.transpose", v.get("input"), v.get("dims"))


def _transpose(v: OpView) -> n.Expr:
    return call("ops.swapaxes", v.get("input"), v.get("dim0"), v.get("dim1"))


def _squeeze(v: OpView) -> n.Expr:
    return call("ops.squeeze", v.get("input"), axis=None if v.is_("dim", None) else v.get("dim"))


def _unsqueeze(v: OpView) -> n.Expr:
    return call("ops.expand_dims", v.get("input"), v.get("dim"))


def _max_like(reduce_name: str, arg_name: str, pair_name: str) -> Callable[[OpView], n.Expr]:
    def to_keras(v: OpView) -> n.Expr:
        dim = v.get("dim")
        if v.is_("dim", None):
            return call(f"ops.{reduce_name}", v.get("input"))
        x, keep = v.get("input"), v.unless("keepdim", False)
        values = call(f"ops.{reduce_name}", x, axis=dim, keepdims=keep)
        indices = call(f"ops.{arg_name}", x, axis=dim, keepdims=keep)
        reduced = n.TupleExpr([values, indices])
        if isinstance(const_value(dim), int) or "keepdim" in v.op.spelled:
            return reduced
        # torch.max(a, b) is elementwise, torch.max(a, d) a reduction: a computed value decides at run time
        return n.IfExp(call("isinstance", dim, n.Name("int")), reduced, call(f"ops.{pair_name}", x, dim))
    return to_keras


def _correction(e: n.Expr) -> n.Expr:
    """torch's legacy `unbiased=True/False` as the `correction` it stands for."""
    return n.Const(int(e.value)) if isinstance(e, n.Const) and isinstance(e.value, bool) else e


def _spread_op(ops_name: str) -> Callable[[OpView], n.Expr]:
    """std / var: Keras divides by n; torch's default correction 1 divides by n - 1 (rescaled by n / (n - 1))."""
    plain = _axis_op(ops_name, keepdims=True)

    def to_keras(v: OpView) -> n.Expr:
        out = plain(v)
        if v.is_("correction", 0):
            return out
        x, reduced = v.get("input"), call(f"ops.{ops_name}", v.get("input"), axis=None if v.is_("dim", None) else v.get("dim"))
        count = n.BinOp("/", call("ops.size", x), call("ops.size", reduced))  # elements per reduced value
        factor = n.BinOp("/", count, n.BinOp("-", count, v.get("correction")))
        return n.BinOp("*", out, call("ops.sqrt", factor) if ops_name == "std" else factor)
    return to_keras


def _size(v: OpView) -> n.Expr:
    shape = call("ops.shape", v.get("input"))
    return shape if v.is_("dim", None) else n.Subscript(shape, v.get("dim"))


def _plain(ops_name: str, *names: str, **rename: str) -> Callable[[OpView], n.Expr]:
    """`ops.<name>(input, *attrs)`, keyword attributes renamed per `rename`."""
    def to_keras(v: OpView) -> n.Expr:
        kwargs = {rename.get(k, k): v.get(k) for k in rename}
        return call(f"ops.{ops_name}", *[v.get(a) for a in names], **kwargs)
    return to_keras


def _like(ops_name: str) -> Callable[[OpView], n.Expr]:
    return lambda v: call(f"ops.{ops_name}", v.get("input"), dtype=None if v.is_("dtype", None) else v.get("dtype"))


def _identity(v: OpView) -> n.Expr:
    return v.get("input")


def _cast(dtype: str) -> Callable[[OpView], n.Expr]:
    return lambda v: call("ops.cast", v.get("input"), dtype)


def _creation(ops_name: str) -> Callable[[OpView], n.Expr]:
    def to_keras(v: OpView) -> n.Expr:
        size = v.get("size")
        shape = size if isinstance(size, (n.TupleExpr, n.ListExpr)) or not isinstance(size, n.Const) else (size,)
        dtype = None if v.is_("dtype", None) else v.get("dtype")
        if ops_name == "random.normal":
            return call("keras.random.normal", shape, dtype=dtype)
        return call(f"ops.{ops_name}", shape, dtype=dtype)
    return to_keras


def _new_creation(ops_name: str) -> Callable[[OpView], n.Expr]:
    """`x.new_ones(2, 3)`: a new tensor of `x`'s dtype unless one is given."""
    def to_keras(v: OpView) -> n.Expr:
        size = v.get("size")
        shape = size if isinstance(size, (n.TupleExpr, n.ListExpr)) or not isinstance(size, n.Const) else (size,)
        dtype = n.Attr(v.get("input"), "dtype") if v.is_("dtype", None) else v.get("dtype")
        if ops_name == "full":
            return call("ops.full", shape, v.get("fill_value"), dtype=dtype)
        return call(f"ops.{ops_name}", shape, dtype=dtype)
    return to_keras


def _arange(v: OpView) -> n.Expr:
    dtype = None if v.is_("dtype", None) else v.get("dtype")
    if v.is_("end", None):
        return call("ops.arange", v.get("start"), dtype=dtype)
    return call("ops.arange", v.get("start"), v.get("end"), step=v.unless("step", 1), dtype=dtype)


def _clamp(v: OpView) -> n.Expr:
    """keras.ops.clip needs both bounds; a one-sided clamp is a maximum or a minimum."""
    x = v.get("input")
    if v.is_("max", None):
        return call("ops.maximum", x, v.get("min"))
    if v.is_("min", None):
        return call("ops.minimum", x, v.get("max"))
    return call("ops.clip", x, v.get("min"), v.get("max"))


def _to(v: OpView) -> n.Expr:
    """`x.to(device)` is a no-op in Keras; `x.to(dtype)` / `x.to(y.dtype)` / `x.to(dtype=...)` casts."""
    args = v.get("args")
    dtypes = [a for a in (args.elts if isinstance(args, n.TupleExpr) else [args]) if _is_dtype(a)]
    dtype = dtypes[0] if dtypes else None if v.is_("dtype", None) else v.get("dtype")
    return v.get("input") if dtype is None else call("ops.cast", v.get("input"), dtype)


def _is_dtype(e: n.Expr) -> bool:
    return isinstance(e, n.Const) and e.value in DTYPE_NAMES or isinstance(e, n.Attr) and e.attr == "dtype"


def _pad(v: OpView) -> n.Expr:
    """torch pads the LAST dims first, in (before, after) pairs; keras.ops.pad takes one pair per axis."""
    pads = v.value("pad")
    x = v.get("input")
    mode = v.value("mode")
    kwargs = {"mode": None if mode == "constant" else {"replicate": "edge"}.get(mode, mode),
              "constant_values": None if v.is_("value", None) or v.is_("value", 0) else v.get("value")}
    if pads is NOT_CONST:  # the pairs are read at run time: last axis first, as torch lists them
        p, i = v.get("pad"), n.Name("i")
        pair = n.ListExpr([n.Subscript(p, i), n.Subscript(p, n.BinOp("+", i, n.Const(1)))])
        pairs = n.Comprehension("list", pair, [n.CompFor(i, call("range", n.BinOp("-", call("len", p), n.Const(2)), -1, -2))])
        untouched = n.BinOp("-", call("ops.ndim", x), n.BinOp("//", call("len", p), n.Const(2)))
        untouched = n.BinOp("-", untouched, n.Const(1)) if v.moved else untouched  # channels stay last
        widths = n.BinOp("+", n.BinOp("*", lit([[0, 0]]), untouched), pairs)
        return call("ops.pad", x, n.BinOp("+", widths, lit([[0, 0]])) if v.moved else widths, **kwargs)
    pairs = [[pads[i], pads[i + 1]] for i in range(0, len(pads), 2)][::-1]  # now in axis order, for the trailing axes
    if v.moved and v.rank:
        # source trailing axes are spatial; in channels-last they sit before the last axis
        lead = v.rank - 1 - len(pairs)
        return call("ops.pad", x, lit([[0, 0]] * lead + pairs + [[0, 0]]), **kwargs)
    if v.rank:
        return call("ops.pad", x, lit([[0, 0]] * (v.rank - len(pairs)) + pairs), **kwargs)
    lead_pairs = n.BinOp("*", lit([[0, 0]]), n.BinOp("-", call("ops.ndim", x), n.Const(len(pairs))))
    return call("ops.pad", x, n.BinOp("+", lead_pairs, lit(pairs)), **kwargs)


def _interpolate(v: OpView) -> n.Expr:
    mode = v.value("mode")
    interpolation = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic"}.get(mode, "nearest")
    if not v.is_("align_corners", None) and not v.is_("align_corners", False):
        v.notes.append("align_corners=True has no Keras form; half-pixel centers are used")
    if v.is_layer:
        return call("layers.UpSampling2D", size=v.get("scale_factor"), interpolation=None if interpolation == "nearest" else interpolation)
    x = v.get("input")
    if not v.is_("size", None):
        size = v.get("size")
    else:
        shape = call("ops.shape", x)
        factor = v.get("scale_factor")
        size = n.TupleExpr([call("int", n.BinOp("*", n.Subscript(shape, n.Const(i)), factor)) for i in (1, 2)])
    return call("ops.image.resize", x, size, interpolation=interpolation)


def _pad_layer(v: OpView) -> n.Expr:
    """nn.ZeroPad2d / nn.ConstantPad2d: torch (left, right, top, bottom) -> Keras ((top, bottom), (left, right))."""
    pad = const_value(v.get("padding"))
    if isinstance(pad, tuple) and len(pad) == 4:
        keras_pad: object = ((pad[2], pad[3]), (pad[0], pad[1]))
    elif isinstance(pad, int):
        keras_pad = pad
    else:
        keras_pad = v.get("padding")
    if v.is_("value", 0) or v.is_("value", 0.0):
        return keras_zero_pad(lit(keras_pad) if isinstance(keras_pad, (int, tuple)) else keras_pad, 2)
    widths = n.BinOp("+", n.BinOp("+", lit([[0, 0]]), lit([list(p) for p in keras_pad]) if isinstance(keras_pad, tuple)
                     else lit([[keras_pad, keras_pad]] * 2)), lit([[0, 0]]))
    return call("layers.Lambda", n.Lambda(["t"], call("ops.pad", n.Name("t"), widths, constant_values=v.get("value"))))


ENTRIES = (
    OpEntry("pad2d", "tensor_ops", (INPUT, Attr("padding"), Attr("value", torch=0)),
            (layer(NN + "ZeroPad2d", "padding"), layer(NN + "ConstantPad2d", "padding", "value"),
             zero_padding_copy(2, convert={"padding": keras_pads_as_torch})),
            layout=LayoutRule("channels"), to_keras=_pad_layer, rank=4,
            notes="torch orders padding (left, right, top, bottom); Keras ((top, bottom), (left, right))."),
    OpEntry("add_n", "tensor_ops", (Attr("inputs"),), (), layout=LayoutRule("elementwise", tensor_inputs=("inputs",)),
            notes="keras.layers.add([a, b, ...]): the sum of the list."),
    OpEntry("cat", "tensor_ops", (Attr("tensors"), Attr("dim", torch=0, keras=0)),
            (fn("torch.cat", "tensors", "dim"), fn("torch.concat", "tensors", "dim"), fn("torch.concatenate", "tensors", "dim")),
            layout=LayoutRule("axis", axes=("dim",), tensor_inputs=("tensors",)), to_keras=_joined("concatenate"),
            notes="Axis remapped under a layout change: torch dim=1 on NCHW is axis=-1 on NHWC."),
    OpEntry("stack", "tensor_ops", (Attr("tensors"), Attr("dim", torch=0)), (fn("torch.stack", "tensors", "dim"),),
            layout=LayoutRule("opaque", tensor_inputs=("tensors",)), to_keras=_joined("stack")),
    OpEntry("chunk", "tensor_ops", (INPUT, Attr("chunks"), Attr("dim", torch=0)),
            (fn("torch.chunk", "input", "chunks", "dim"), method("chunk", "chunks", "dim")),
            layout=LayoutRule("axis", axes=("dim",)), to_keras=_chunk, notes="keras.ops.split needs equal chunks."),
    OpEntry("split", "tensor_ops", (INPUT, Attr("split_size_or_sections"), Attr("dim", torch=0)),
            (fn("torch.split", "input", "split_size_or_sections", "dim"), method("split", "split_size_or_sections", "dim")),
            layout=LayoutRule("axis", axes=("dim",)), to_keras=_split,
            notes="torch gives piece sizes, keras.ops.split gives split indices or a count."),
    OpEntry("reshape", "tensor_ops", (INPUT, Attr("shape")),
            (method("view", varargs="shape"), method("reshape", varargs="shape"), fn("torch.reshape", "input", "shape")),
            layout=OPAQUE, to_keras=_reshape, notes="Channels-last input is transposed back first: reshape depends on memory order."),
    OpEntry("permute", "tensor_ops", (INPUT, Attr("dims")), (method("permute", varargs="dims"), fn("torch.permute", "input", "dims")),
            layout=LayoutRule("permute", permutation=_axis_order), to_keras=_permute,
            notes="On a channels-last tensor the permutation applies to the stored axes; one that only moves the "
                  "channel axis between the frameworks' places writes nothing."),
    OpEntry("transpose", "tensor_ops", (INPUT, Attr("dim0"), Attr("dim1")),
            (method("transpose", "dim0", "dim1"), fn("torch.transpose", "input", "dim0", "dim1")),
            layout=LayoutRule("permute", permutation=_swapped_order), to_keras=_transpose),
    OpEntry("squeeze", "tensor_ops", (INPUT, Attr("dim", torch=None)),
            (method("squeeze", "dim"), fn("torch.squeeze", "input", "dim")),
            layout=OPAQUE, to_keras=_squeeze),
    OpEntry("unsqueeze", "tensor_ops", (INPUT, Attr("dim")),
            (method("unsqueeze", "dim"), fn("torch.unsqueeze", "input", "dim")),
            layout=OPAQUE, to_keras=_unsqueeze),
    *(OpEntry(name, "tensor_ops", (INPUT, Attr("dim", torch=None), Attr("keepdim", torch=False), Attr("dtype", torch=None)),
              (method(name, "dim", "keepdim"), fn(f"torch.{name}", "input", "dim", "keepdim")),
              layout=LayoutRule("axis", axes=("dim",), keepdim="keepdim"), to_keras=_axis_op(name, keepdims=True))
      for name in ("mean", "sum", "amax", "amin", "prod")),
    *(OpEntry(name, "tensor_ops", (INPUT, Attr("dim", torch=None), Attr("keepdim", torch=False), Attr("dtype", torch=None),
                                   Attr("correction", torch=1, keras=0, doc="torch divides by n - 1, Keras by n.")),
              (method(name, "dim", "correction", rename={"unbiased": "correction"}, convert={"correction": _correction}),
               fn(f"torch.{name}", "input", "dim", "correction", rename={"unbiased": "correction"},
                  convert={"correction": _correction})),
              layout=LayoutRule("axis", axes=("dim",), keepdim="keepdim"), to_keras=_spread_op(name),
              notes="torch's std/var are unbiased (n - 1) by default, Keras's divide by n.")
      for name in ("std", "var")),
    OpEntry("max", "tensor_ops", (INPUT, Attr("dim", torch=None), Attr("keepdim", torch=False)),
            (method("max", "dim", "keepdim"), fn("torch.max", "input", "dim", "keepdim")),
            layout=LayoutRule("axis", axes=("dim",), keepdim="keepdim"), to_keras=_max_like("max", "argmax", "maximum"),
            notes="torch.max(x, dim) returns (values, indices); torch.max(a, b) is elementwise."),
    OpEntry("min", "tensor_ops", (INPUT, Attr("dim", torch=None), Attr("keepdim", torch=False)),
            (method("min", "dim", "keepdim"), fn("torch.min", "input", "dim", "keepdim")),
            layout=LayoutRule("axis", axes=("dim",), keepdim="keepdim"), to_keras=_max_like("min", "argmin", "minimum")),
    OpEntry("argmax", "tensor_ops", (INPUT, Attr("dim", torch=None), Attr("keepdim", torch=False)),
            (method("argmax", "dim", "keepdim"), fn("torch.argmax", "input", "dim", "keepdim")),
            layout=LayoutRule("axis", axes=("dim",), keepdim="keepdim"), to_keras=_axis_op("argmax", keepdims=True)),
    OpEntry("matmul", "tensor_ops", (INPUT, Attr("other")),
            (fn("torch.matmul", "input", "other"), fn("torch.bmm", "input", "other"), fn("torch.mm", "input", "other"),
             method("matmul", "other"), method("bmm", "other"), method("mm", "other")),
            layout=LayoutRule("opaque", tensor_inputs=("input", "other")), to_keras=_plain("matmul", "input", "other")),
    OpEntry("einsum", "tensor_ops", (Attr("equation"), Attr("operands")), (fn("torch.einsum", "equation", varargs="operands"),),
            layout=LayoutRule("opaque", tensor_inputs=("operands",)),
            to_keras=lambda v: call("ops.einsum", v.get("equation"), *(
                v.get("operands").elts if isinstance(v.get("operands"), n.TupleExpr) else [v.get("operands")]))),
    OpEntry("size", "tensor_ops", (INPUT, Attr("dim", torch=None)), (method("size", "dim"),),
            layout=LayoutRule("axis", axes=("dim",)), to_keras=_size),
    OpEntry("shape", "tensor_ops", (INPUT,), (tensor_attr("shape"),), layout=LayoutRule("axis"),
            to_keras=lambda v: call("ops.shape", v.get("input"))),
    OpEntry("ndim", "tensor_ops", (INPUT,), (method("dim"), tensor_attr("ndim")), layout=ELEMENTWISE,
            to_keras=lambda v: call("ops.ndim", v.get("input"))),
    OpEntry("contiguous", "tensor_ops", (INPUT, Attr("memory_format", torch=None)), (method("contiguous", "memory_format"),),
            layout=ELEMENTWISE, to_keras=_identity, notes="No-op in Keras."),
    OpEntry("to_device", "tensor_ops", (INPUT, Attr("args", torch=()), Attr("dtype", torch=None)),
            (method("to", varargs="args"), method("cuda", varargs="args"), method("cpu")),
            layout=ELEMENTWISE, to_keras=_to, notes="Keras places tensors itself; a dtype argument casts."),
    OpEntry("float", "tensor_ops", (INPUT,), (method("float"),), layout=ELEMENTWISE, to_keras=_cast("float32")),
    OpEntry("long", "tensor_ops", (INPUT,), (method("long"),), layout=ELEMENTWISE, to_keras=_cast("int64")),
    OpEntry("requires_grad", "tensor_ops", (INPUT, Attr("requires_grad", torch=True)), (method("requires_grad_", "requires_grad"),),
            layout=ELEMENTWISE, to_keras=_identity, notes="Gradient tracking: nothing to do at inference."),
    OpEntry("clone", "tensor_ops", (INPUT, Attr("memory_format", torch=None)), (method("clone", "memory_format"),
                                                                             fn("torch.clone", "input")),
            layout=ELEMENTWISE, to_keras=lambda v: call("ops.copy", v.get("input"))),
    *(OpEntry(name, "tensor_ops", (INPUT, Attr("diagonal", torch=0)), (method(name, "diagonal"),
                                                                  fn(f"torch.{name}", "input", "diagonal")),
              layout=OPAQUE, to_keras=lambda v, name=name: call(f"ops.{name}", v.get("input"), k=v.unless("diagonal", 0)))
      for name in ("triu", "tril")),
    OpEntry("detach", "tensor_ops", (INPUT,), (method("detach"),), layout=ELEMENTWISE,
            to_keras=lambda v: call("ops.stop_gradient", v.get("input"))),
    *(OpEntry(name, "tensor_ops", (INPUT,), (fn(f"torch.{name}", "input"), method(name)), layout=ELEMENTWISE,
              to_keras=_plain(keras_name, "input"))
      for name, keras_name in (("exp", "exp"), ("log", "log"), ("sqrt", "sqrt"), ("rsqrt", "rsqrt"), ("abs", "abs"),
                               ("sin", "sin"), ("cos", "cos"), ("erf", "erf"), ("neg", "negative"), ("square", "square"))),
    OpEntry("pow", "tensor_ops", (INPUT, Attr("exponent")), (fn("torch.pow", "input", "exponent"), method("pow", "exponent")),
            layout=ELEMENTWISE, to_keras=_plain("power", "input", "exponent")),
    OpEntry("clamp", "tensor_ops", (INPUT, Attr("min", torch=None), Attr("max", torch=None)),
            (fn("torch.clamp", "input", "min", "max"), method("clamp", "min", "max"), fn("torch.clip", "input", "min", "max")),
            layout=ELEMENTWISE, to_keras=_clamp),
    OpEntry("add", "tensor_ops", (INPUT, Attr("other")), (fn("torch.add", "input", "other"), method("add", "other")),
            layout=LayoutRule("elementwise", tensor_inputs=("input", "other")), to_keras=_plain("add", "input", "other")),
    OpEntry("mul", "tensor_ops", (INPUT, Attr("other")), (fn("torch.mul", "input", "other"), method("mul", "other")),
            layout=LayoutRule("elementwise", tensor_inputs=("input", "other")), to_keras=_plain("multiply", "input", "other")),
    OpEntry("where", "tensor_ops", (Attr("condition"), INPUT, Attr("other")), (fn("torch.where", "condition", "input", "other"),),
            layout=LayoutRule("elementwise", tensor_inputs=("condition", "input", "other")),
            to_keras=_plain("where", "condition", "input", "other")),
    *(OpEntry(name, "tensor_ops", (INPUT, Attr("dtype", torch=None, keras=None)), (fn(f"torch.{name}", "input"),),
              layout=ELEMENTWISE, to_keras=_like(name))
      for name in ("zeros_like", "ones_like")),
    *(OpEntry(name, "tensor_ops", (Attr("size"), Attr("dtype", torch=None), Attr("requires_grad", torch=False)),
              (fn(f"torch.{name}", varargs="size"),), layout=LayoutRule("none", tensor_inputs=()),
              to_keras=_creation(keras_name))
      for name, keras_name in (("zeros", "zeros"), ("ones", "ones"), ("randn", "random.normal"), ("empty", "zeros"))),
    *(OpEntry(f"new_{name}", "tensor_ops", (INPUT, Attr("size"), Attr("dtype", torch=None), Attr("device", torch=None),
                                            Attr("requires_grad", torch=False)),
              (method(f"new_{name}", varargs="size"),), layout=LayoutRule("none", tensor_inputs=()),
              to_keras=_new_creation(keras_name), notes="The new tensor takes the input's dtype unless one is given.")
      for name, keras_name in (("zeros", "zeros"), ("ones", "ones"), ("empty", "zeros"))),
    OpEntry("new_full", "tensor_ops", (INPUT, Attr("size"), Attr("fill_value"), Attr("dtype", torch=None),
                                       Attr("device", torch=None), Attr("requires_grad", torch=False)),
            (method("new_full", "size", "fill_value"),), layout=LayoutRule("none", tensor_inputs=()),
            to_keras=_new_creation("full"), notes="The new tensor takes the input's dtype unless one is given."),
    OpEntry("arange", "tensor_ops", (Attr("start"), Attr("end", torch=None), Attr("step", torch=1), Attr("dtype", torch=None),
                                     Attr("device", torch=None)),
            (fn("torch.arange", "start", "end", "step"),), layout=LayoutRule("none", tensor_inputs=()), to_keras=_arange),
    OpEntry("pad", "tensor_ops", (INPUT, Attr("pad"), Attr("mode", torch="constant", keras="constant"),
                                  Attr("value", torch=None, keras=None)),
            (fn(F + "pad", "input", "pad", "mode", "value"),), layout=ELEMENTWISE, to_keras=_pad,
            notes="torch pads the last dims first; keras.ops.pad takes a pair per axis in order."),
    OpEntry("interpolate", "tensor_ops",
            (INPUT, Attr("size", torch=None), Attr("scale_factor", torch=None), Attr("mode", torch="nearest"),
             Attr("align_corners", torch=None), Attr("recompute_scale_factor", torch=None), Attr("antialias", torch=False)),
            (fn(F + "interpolate", "input", "size", "scale_factor", "mode", "align_corners"),
             layer(NN + "Upsample", "size", "scale_factor", "mode", "align_corners")),
            layout=LayoutRule("channels"), to_keras=_interpolate, rank=4,
            notes="nearest and bilinear (align_corners=False) use half-pixel centers in both frameworks."),
)


def _add_torch(v: OpView) -> n.Expr:
    """`keras.layers.Add()` sums the list it is called with: Python's `sum` does the same to torch tensors."""
    return n.Name("sum") if v.is_layer else call("torch.add", v.get("input"), v.get("other"))


def _cat_torch(v: OpView) -> n.Expr:
    if v.is_layer:  # keras.layers.Concatenate(axis)([a, b])
        return n.Lambda(["tensors"], call("torch.cat", n.Name("tensors"), dim=v.get("dim")))
    tensors = v.get("tensors")
    if v.is_("dim", 0) and isinstance(tensors, n.ListExpr) and any(isinstance(t, n.ListExpr) for t in tensors.elts):
        # `tf.concat([tf.shape(x)[:-1], [units]], 0)`: shape arithmetic; torch shapes are tuples
        return n.TupleExpr([e for t in tensors.elts for e in (t.elts if isinstance(t, n.ListExpr) else [n.Starred(t)])])
    return call("torch.cat", tensors, dim=v.unless("dim", 0))


#: keras.ops.image.resize interpolation -> F.interpolate mode (Keras's nearest has half-pixel centers: nearest-exact)
_RESIZE_MODES = {"nearest": "nearest-exact", "bilinear": "bilinear"}


def _upsample_torch(v: OpView) -> n.Expr:
    mode = v.value("mode")
    if v.is_layer:  # UpSampling2D: integer factors, where plain nearest picks the same pixels
        return call("nn.Upsample", scale_factor=v.get("scale_factor"), mode=None if mode == "nearest" else v.get("mode"))
    if mode not in _RESIZE_MODES:
        v.errors.append(f"interpolation={mode!r} has no exact F.interpolate form (bicubic differs in its kernel)")
    for option in ("crop_to_aspect_ratio", "pad_to_aspect_ratio", "antialias"):
        if not v.is_(option, False):
            v.errors.append(f"{option}=True has no F.interpolate form here")
    torch_mode = _RESIZE_MODES.get(mode, mode)
    return call("F.interpolate", v.get("input"), size=v.get("size"), mode=torch_mode,
                align_corners=False if torch_mode == "bilinear" else None)


ENTRIES = with_keras(ENTRIES, {
    "interpolate": KerasForm((keras("UpSampling2D", "scale_factor", rename={"size": "scale_factor", "interpolation": "mode"},
                                    fixed={"scale_factor": 2}),
                              fn("keras.ops.image.resize", "input", "size", "mode", "antialias", "crop_to_aspect_ratio",
                                 "pad_to_aspect_ratio", rename={"images": "input", "interpolation": "mode"},
                                 fixed={"mode": "bilinear"})), _upsample_torch,
                             (Attr("crop_to_aspect_ratio", torch=False, keras=False),
                              Attr("pad_to_aspect_ratio", torch=False, keras=False))),
    "cat": KerasForm((keras("Concatenate", "dim", rename={"axis": "dim"}, fixed={"dim": -1}),
                      fn("keras.layers.concatenate", "tensors", "dim", rename={"inputs": "tensors", "axis": "dim"},
                         fixed={"dim": -1}),
                      fn("keras.ops.concatenate", "tensors", "dim", rename={"xs": "tensors", "axis": "dim"}),
                      fn("tensorflow.concat", "tensors", "dim", rename={"values": "tensors", "axis": "dim"})),
                     _cat_torch, stateless=True),
    "pad2d": KerasForm((keras("ZeroPadding2D", "padding"),), zero_pad_torch(2)),
    "add": KerasForm((keras("Add"), fn("keras.ops.add", "input", "other"), fn("tensorflow.add", "input", "other")),
                     _add_torch),
    "add_n": KerasForm((fn("keras.layers.add", "inputs"),), lambda v: call("sum", v.get("inputs"))),
})

ENTRIES = with_shapes(ENTRIES, {
    "cat": ShapeRule(concat),
    "permute": ShapeRule(permuted(_axis_order)),
    "transpose": ShapeRule(permuted(_swapped_order)),
    "pad2d": ShapeRule(zero_pad2d),
    "interpolate": ShapeRule(upsample(2)),
})


# ---- elementwise math, comparisons and the Keras-only tensor ops --------------------------------------

#: torch name -> (keras.ops name, tensorflow name, legacy keras.backend name)
_UNARY = {
    "exp": ("exp", "exp", "exp"), "log": ("log", "math.log", "log"), "sqrt": ("sqrt", "sqrt", "sqrt"),
    "rsqrt": ("rsqrt", "math.rsqrt", None), "abs": ("abs", "abs", "abs"), "sin": ("sin", "sin", "sin"),
    "cos": ("cos", "cos", "cos"), "erf": ("erf", "math.erf", None), "neg": ("negative", "negative", None),
    "square": ("square", "square", "square"), "sign": ("sign", "sign", "sign"), "floor": ("floor", "floor", None),
    "ceil": ("ceil", "math.ceil", None), "round": ("round", "round", "round"), "log1p": ("log1p", "math.log1p", None),
    "expm1": ("expm1", "math.expm1", None), "reciprocal": ("reciprocal", "math.reciprocal", None),
    "tan": ("tan", "tan", None), "atan": ("arctan", "atan", None), "sinh": ("sinh", "sinh", None),
    "cosh": ("cosh", "cosh", None), "isnan": ("isnan", "math.is_nan", None),
    "logical_not": ("logical_not", "logical_not", None),
}
_NEW_UNARY = ("sign", "floor", "ceil", "round", "log1p", "expm1", "reciprocal", "tan", "atan", "sinh", "cosh", "isnan",
              "logical_not")
#: torch name -> (keras.ops name, tensorflow names, legacy keras.backend name)
_BINARY = {
    "sub": ("subtract", ("subtract",), None), "div": ("divide", ("divide", "math.truediv", "realdiv"), None),
    "maximum": ("maximum", ("maximum",), "maximum"), "minimum": ("minimum", ("minimum",), "minimum"),
    "eq": ("equal", ("equal",), "equal"), "ne": ("not_equal", ("not_equal",), "not_equal"),
    "gt": ("greater", ("greater",), "greater"), "ge": ("greater_equal", ("greater_equal",), "greater_equal"),
    "lt": ("less", ("less",), "less"), "le": ("less_equal", ("less_equal",), "less_equal"),
    "logical_and": ("logical_and", ("logical_and",), None), "logical_or": ("logical_or", ("logical_or",), None),
    "floor_divide": ("floor_divide", ("math.floordiv",), None), "remainder": ("mod", ("math.floormod", "math.mod"), None),
}
BOTH = LayoutRule("elementwise", tensor_inputs=("input", "other"))


def _tf_names(*tf_names: str) -> tuple[str, ...]:
    return tuple(q for name in tf_names for q in names(None, name))


def _binary_torch(name: str) -> Callable[[OpView], n.Expr]:
    """torch.maximum / minimum take two tensors: a number on one side is a clamp."""
    def to_torch(v: OpView) -> n.Expr:
        a, b = v.get("input"), v.get("other")
        if name in ("maximum", "minimum"):
            bound = "min" if name == "maximum" else "max"
            for x, c in ((a, b), (b, a)):
                if isinstance(const_value(c), (int, float)):
                    return call("torch.clamp", x, **{bound: c})
        return call(f"torch.{name}", a, b)
    return to_torch


def _reduce_torch(fn_name: str) -> Callable[[OpView], n.Expr]:
    """torch.<fn>(x, dim=..., keepdim=...); with no dim every axis is reduced (torch needs dim=None spelled out
    to keep dims)."""
    def to_torch(v: OpView) -> n.Expr:
        x, keep = v.get("input"), v.unless("keepdim", False)
        extra: dict[str, Any] = {"correction": v.unless("correction", 1)} if "correction" in v.attrs else {}
        if v.is_("dim", None):
            if keep is None:
                return call(f"torch.{fn_name}", x, **extra)
            return call(f"torch.{fn_name}", x, dim=n.Const(None), keepdim=keep, **extra)
        return call(f"torch.{fn_name}", x, dim=v.get("dim"), keepdim=keep, **extra)
    return to_torch


def _prod_torch(v: OpView) -> n.Expr:
    """torch.prod reduces one dim at a time: several are reduced one after another (last first)."""
    dims = v.value("dim")
    if v.is_("dim", None):
        if not v.is_("keepdim", False):
            v.notes.append("the product over all axes keeps no dims")
        return call("torch.prod", v.get("input"))
    if not isinstance(dims, tuple):
        return call("torch.prod", v.get("input"), v.get("dim"), keepdim=v.unless("keepdim", False))
    keep = v.unless("keepdim", False)
    out = v.get("input")
    order = sorted(dims, reverse=all(d >= 0 for d in dims))  # positive: last first; negative: first first
    if not (all(d >= 0 for d in dims) or all(d < 0 for d in dims)):
        v.notes.append("a product over axes counted from both ends is taken in the written order")
        order = list(dims)
    for d in order:
        out = call("torch.prod", out, d, keepdim=keep)
    return out


def _logsumexp_torch(v: OpView) -> n.Expr:
    x = v.get("input")
    dim = call("tuple", call("range", n.Attr(x, "ndim"))) if v.is_("dim", None) else v.get("dim")
    return call("torch.logsumexp", x, dim=dim, keepdim=v.unless("keepdim", False))


def _logsumexp_keras(v: OpView) -> n.Expr:
    return call("ops.logsumexp", v.get("input"), axis=v.get("dim"), keepdims=v.unless("keepdim", False))


def _matmul_torch(v: OpView) -> n.Expr:
    """tf.matmul's transpose_a / transpose_b swap the last two axes first."""
    a, b = v.get("input"), v.get("other")
    if "transpose_a" in v.attrs and not v.is_("transpose_a", False):
        a = n.Attr(a, "mT")
    if "transpose_b" in v.attrs and not v.is_("transpose_b", False):
        b = n.Attr(b, "mT")
    return call("torch.matmul", a, b)


def _operands(v: OpView) -> list[n.Expr]:
    operands = v.get("operands")
    return list(operands.elts) if isinstance(operands, n.TupleExpr) else [operands]


def _permute_torch(v: OpView) -> n.Expr:
    """keras.ops.transpose / tf.transpose without axes reverse every axis."""
    x = v.get("input")
    if v.is_("dims", None):
        return call("torch.permute", x, call("tuple", call("reversed", call("range", n.Attr(x, "ndim")))))
    return call("torch.permute", x, v.get("dims"))


def _squeeze_torch(v: OpView) -> n.Expr:
    return call("torch.squeeze", v.get("input")) if v.is_("dim", None) else call("torch.squeeze", v.get("input"), v.get("dim"))


def _stack_torch(v: OpView) -> n.Expr:
    return call("torch.stack", v.get("tensors"), dim=v.unless("dim", 0))


def _tf_split_torch(v: OpView) -> n.Expr:
    """tf.split takes a number of equal pieces or a list of piece sizes (torch.chunk / torch.split)."""
    x, parts, dim = v.get("input"), v.get("num_or_size_splits"), v.unless("dim", 0)
    value = v.value("num_or_size_splits")
    if isinstance(value, int) and not isinstance(value, bool):
        return call("torch.chunk", x, parts, dim=dim)
    if isinstance(value, tuple) or isinstance(parts, (n.ListExpr, n.TupleExpr)):
        return call("torch.split", x, parts, dim=dim)
    return n.IfExp(call("isinstance", parts, n.Name("int")), call("torch.chunk", x, parts, dim=dim),
                   call("torch.split", x, parts, dim=dim))


def _tensor_split_keras(v: OpView) -> n.Expr:
    return call("ops.split", v.get("input"), v.get("indices_or_sections"), axis=v.unless("dim", 0))


def _literal_widths(e: n.Expr) -> Any:
    """A literal `pad_width`, lists joined with `+` included (`[[0, 0]] + [[1, 1], [1, 1]] + [[0, 0]]`); leading
    pairs of zeros repeated any number of times (`[[0, 0]] * (ops.ndim(x) - 2) + ...`) count as none."""
    if isinstance(e, n.BinOp) and e.op == "+":
        left, right = _literal_widths(e.left), _literal_widths(e.right)
        return left + right if isinstance(left, tuple) and isinstance(right, tuple) else NOT_CONST
    if isinstance(e, n.BinOp) and e.op == "*" and const_value(e.left) == ((0, 0),):
        return ()
    return const_value(e)


def _torch_pads(e: n.Expr) -> n.Expr:
    """keras.ops.pad's `pad_width` (a (before, after) pair per axis, first axis first) as F.pad's flat pads (last
    axis first); leading axes without padding are left out. A width known only at run time is flattened then."""
    widths = _literal_widths(e)
    if isinstance(widths, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in widths):
        pairs = list(widths)
        while pairs and pairs[0] == (0, 0):
            pairs.pop(0)
        return n.Const(tuple(x for pair in reversed(pairs) for x in pair))
    pair, x = n.Name("pair"), n.Name("p")
    return n.Comprehension("list", x, [n.CompFor(pair, call("reversed", e)), n.CompFor(x, pair)])


def _torch_pad_mode(e: n.Expr) -> n.Expr:
    """Keras / TensorFlow pad modes in F.pad's words (`edge` is `replicate`; TensorFlow writes them in capitals)."""
    mode = const_value(e)
    if not isinstance(mode, str):
        return e
    return n.Const({"edge": "replicate"}.get(mode.lower(), mode.lower()))


def _pad_torch(v: OpView) -> n.Expr:
    """F.pad; on a channels-first tensor whose source is channels-last, the pairs move with the axes (or, known only
    at run time, the tensor is padded channels-last)."""
    mode = v.value("mode")
    if mode == "symmetric":
        v.errors.append("mode='symmetric' (mirroring the edge value too) has no F.pad form")
    keywords = {"mode": None if mode == "constant" else v.get("mode"),
                "value": None if v.is_("value", None) or v.is_("value", 0) else v.get("value")}
    x, pads = v.get("input"), v.value("pad")
    if pads == ():  # nothing to pad
        return x
    if not v.moved:
        return call("F.pad", x, v.get("pad"), **keywords)
    rank = v.rank
    if isinstance(pads, tuple) and rank and len(pads) <= 2 * rank:
        by_axis = [(0, 0)] * (rank - len(pads) // 2) + [(pads[i], pads[i + 1]) for i in range(0, len(pads), 2)][::-1]
        moved = [by_axis[a] for a in (0, rank - 1, *range(1, rank - 1))]  # source axes in channels-first order
        while moved and moved[0] == (0, 0):
            moved.pop(0)
        return call("F.pad", x, tuple(p for pair in reversed(moved) for p in pair), **keywords)
    padded = call("F.pad", method_call(x, "movedim", 1, -1), v.get("pad"), **keywords)
    return method_call(padded, "movedim", -1, 1)


def method_call(x: n.Expr, name: str, *args: Any) -> n.Expr:
    return n.Call(n.Attr(x, name), [n.Arg(lit(a)) for a in args])


def _where_torch(v: OpView) -> n.Expr:
    if v.is_("input", None) and v.is_("other", None):  # indices where the condition holds, one tensor per axis
        return call("torch.nonzero", v.get("condition"), as_tuple=True)
    return call("torch.where", v.get("condition"), v.get("input"), v.get("other"))


def _creation_torch(fn_name: str) -> Callable[[OpView], n.Expr]:
    def to_torch(v: OpView) -> n.Expr:
        dtype = None if v.is_("dtype", None) else torch_dtype(v.get("dtype"))
        return call(f"torch.{fn_name}", v.get("size"), dtype=dtype)
    return to_torch


def _normal_torch(v: OpView) -> n.Expr:
    """keras.random.normal: torch.randn scaled by `stddev` and shifted by `mean` (the seed only picks the draw)."""
    dtype = None if v.is_("dtype", None) else torch_dtype(v.get("dtype"))
    out: n.Expr = call("torch.randn", v.get("size"), dtype=dtype)
    if not v.is_("stddev", 1.0):
        out = n.BinOp("*", out, v.get("stddev"))
    return out if v.is_("mean", 0.0) else n.BinOp("+", out, v.get("mean"))


def _like_torch(fn_name: str) -> Callable[[OpView], n.Expr]:
    def to_torch(v: OpView) -> n.Expr:
        dtype = None if v.is_("dtype", None) else torch_dtype(v.get("dtype"))
        return call(f"torch.{fn_name}", v.get("input"), dtype=dtype)
    return to_torch


def _arange_torch(v: OpView) -> n.Expr:
    dtype = None if v.is_("dtype", None) else torch_dtype(v.get("dtype"))
    if v.is_("end", None):
        return call("torch.arange", v.get("start"), dtype=dtype)
    return call("torch.arange", v.get("start"), v.get("end"), *([] if v.is_("step", 1) else [v.get("step")]), dtype=dtype)


def _is_number(e: n.Expr) -> bool:
    """A Python number rather than a tensor: a shape entry, `len(...)`, a literal."""
    if isinstance(e, n.Subscript):
        return isinstance(e.value, n.Attr) and e.value.attr == "shape"
    if isinstance(e, n.Call) and isinstance(e.func, n.Name):
        return e.func.id in ("len", "int", "float")
    return isinstance(const_value(e), (int, float))


def _cast_torch(v: OpView) -> n.Expr:
    x, dtype = v.get("input"), torch_dtype(v.get("dtype"))
    if _is_number(x):  # Keras makes a tensor of it
        return call("torch.tensor", x, dtype=dtype)
    if isinstance(x, (n.Name, n.Attr, n.Subscript)):  # may hold a Python number (a size from x.shape): as a tensor
        return call("torch.as_tensor", x, dtype=dtype)
    return n.Call(n.Attr(x, "to"), [n.Arg(dtype)])


def _take_torch(v: OpView) -> n.Expr:
    """keras.ops.take / tf.gather pick whole slices along one axis: indexing with the indices at that axis; with
    tf.gather's `batch_dims`, per batch entry (torch.vmap over each batch axis)."""
    batch_dims = v.value("batch_dims")
    if isinstance(batch_dims, int) and batch_dims > 0:
        axis = v.value("dim")  # TensorFlow needs axis >= batch_dims: a smaller one is the default, batch_dims
        if isinstance(axis, int):
            axis = axis if axis < 0 else max(axis - batch_dims, 0)
        inner = _taken(n.Name("row"), n.Name("index"), axis, v.get("dim"))
        fn_expr: n.Expr = n.Lambda(["row", "index"], inner)
        for _ in range(batch_dims):
            fn_expr = call("torch.vmap", fn_expr)
        return n.Call(fn_expr, [n.Arg(v.get("input")), n.Arg(v.get("indices"))])
    return _taken(v.get("input"), v.get("indices"), v.value("dim"), v.get("dim"))


def _taken(x: n.Expr, indices: n.Expr, axis: Any, dim: n.Expr) -> n.Expr:
    if axis is None:
        return n.Subscript(call("torch.flatten", x), indices)
    if isinstance(axis, int) and axis >= 0:
        return n.Subscript(x, n.TupleExpr([*[n.Slice(None, None, None)] * axis, indices]) if axis else indices)
    if isinstance(axis, int):
        return n.Subscript(x, n.TupleExpr([n.Const("..."), indices, *[n.Slice(None, None, None)] * (-axis - 1)]))
    return call("torch.index_select", x, dim, call("torch.flatten", indices))


def _sqrt_torch(v: OpView) -> n.Expr:
    """Legacy keras.backend.sqrt clamps negative inputs to zero first."""
    x = v.get("input")
    if v.is_("clip_negative", True):
        x = call("torch.clamp", x, min=0.0)
    return call("torch.sqrt", x)


def _in_train_phase_torch(v: OpView) -> n.Expr:
    """A fixed `training=True/False` stands; otherwise (None, or call()'s own `training`) the module's mode decides."""
    fixed = v.value("training")
    training = v.get("training") if isinstance(fixed, bool) else n.Attr(n.Name("self"), "training")
    return call("in_train_phase", v.get("x"), v.get("alt"), training)


def _flip_torch(v: OpView) -> n.Expr:
    """torch.flip needs its dims: all of them where Keras gives none."""
    x = v.get("input")
    dims = call("tuple", call("range", n.Attr(x, "ndim"))) if v.is_("dims", None) else v.get("dims")
    return call("torch.flip", x, dims)


ENTRIES = ENTRIES + (
    *(OpEntry(name, "tensor_ops", (INPUT,), (fn(f"torch.{name}", "input"), method(name)), layout=ELEMENTWISE,
              to_keras=_plain(_UNARY[name][0], "input"))
      for name in _NEW_UNARY),
    *(OpEntry(name, "tensor_ops", (INPUT, Attr("other")), (fn(f"torch.{name}", "input", "other"), method(name, "other")),
              layout=BOTH, to_keras=_plain(keras_name, "input", "other"))
      for name, (keras_name, _, _) in _BINARY.items()),
    OpEntry("argmin", "tensor_ops", (INPUT, Attr("dim", torch=None), Attr("keepdim", torch=False)),
            (method("argmin", "dim", "keepdim"), fn("torch.argmin", "input", "dim", "keepdim")),
            layout=LayoutRule("axis", axes=("dim",), keepdim="keepdim"), to_keras=_axis_op("argmin", keepdims=True)),
    OpEntry("logsumexp", "tensor_ops", (INPUT, Attr("dim", keras=None), Attr("keepdim", torch=False)),
            (fn("torch.logsumexp", "input", "dim", "keepdim"), method("logsumexp", "dim", "keepdim")),
            layout=LayoutRule("axis", axes=("dim",), keepdim="keepdim"), to_keras=_logsumexp_keras),
    OpEntry("movedim", "tensor_ops", (INPUT, Attr("source"), Attr("destination")),
            (fn("torch.movedim", "input", "source", "destination"), method("movedim", "source", "destination"),
             fn("torch.moveaxis", "input", "source", "destination"), method("moveaxis", "source", "destination")),
            layout=LayoutRule("permute", permutation=_moved_order),
            to_keras=_plain("moveaxis", "input", "source", "destination")),
    OpEntry("tensor_split", "tensor_ops", (INPUT, Attr("indices_or_sections"), Attr("dim", torch=0, keras=0)),
            (fn("torch.tensor_split", "input", "indices_or_sections", "dim"),
             method("tensor_split", "indices_or_sections", "dim")),
            layout=LayoutRule("axis", axes=("dim",)), to_keras=_tensor_split_keras,
            notes="A number of pieces or the split indices (numpy.array_split); keras.ops.split needs equal pieces."),
    OpEntry("tensordot", "tensor_ops", (INPUT, Attr("other"), Attr("dims", torch=2, keras=2)),
            (fn("torch.tensordot", "input", "other", "dims"),),
            layout=LayoutRule("opaque", tensor_inputs=("input", "other")),
            to_keras=lambda v: call("ops.tensordot", v.get("input"), v.get("other"), axes=v.get("dims"))),
    # Keras / TensorFlow ops whose torch form is a different call or an expression
    OpEntry("cast", "tensor_ops", (INPUT, Attr("dtype")), (), layout=ELEMENTWISE,
            notes="x.to(dtype); a Python number (a shape entry) becomes a tensor of that dtype, as in Keras."),
    OpEntry("take", "tensor_ops", (INPUT, Attr("indices"), Attr("dim", keras=None)), (),
            layout=LayoutRule("opaque", tensor_inputs=("input", "indices")),
            notes="Whole slices along `dim` (tf.gather, keras.ops.take): indexing with the indices at that axis."),
    OpEntry("tf_split", "tensor_ops", (INPUT, Attr("num_or_size_splits"), Attr("dim", keras=0)), (),
            layout=LayoutRule("axis", axes=("dim",)), notes="A count of equal pieces (torch.chunk) or piece sizes (torch.split)."),
    OpEntry("batch_dot", "tensor_ops", (INPUT, Attr("other"), Attr("axes", keras=None)), (),
            layout=LayoutRule("opaque", tensor_inputs=("input", "other")),
            notes="Legacy keras.backend.batch_dot: a per-sample dot over `axes`, written as a support function."),
    OpEntry("bias_add", "tensor_ops", (INPUT, Attr("bias")), (), layout=LayoutRule("opaque", tensor_inputs=("input",)),
            notes="tf.nn.bias_add adds along the last (channels-last) axis."),
    OpEntry("as_list", "tensor_ops", (INPUT,), (), layout=LayoutRule("none", tensor_inputs=()), notes="TensorShape.as_list(): a list of sizes."),
    OpEntry("in_train_phase", "tensor_ops", (Attr("x"), Attr("alt"), Attr("training", keras=None)), (),
            layout=LayoutRule("elementwise", tensor_inputs=("x", "alt")),
            notes="Legacy keras.backend.in_train_phase: `x` while training, else `alt` (either may be a function "
                  "making it); written as a support function."),
    OpEntry("dtype_of", "tensor_ops", (INPUT,), (), layout=ELEMENTWISE,
            notes="keras.backend.dtype(x): the tensor's dtype (torch.float32 compares equal to keras.backend.floatx())."),
    OpEntry("broadcast_to", "tensor_ops", (INPUT, Attr("shape")), (), layout=LayoutRule("opaque", tensor_inputs=("input",)),
            notes="The shape is in the source's (channels-last) order."),
    OpEntry("flip", "tensor_ops", (INPUT, Attr("dims", keras=None)), (), layout=LayoutRule("opaque", tensor_inputs=("input",)),
            notes="tf.reverse / keras.ops.flip (all axes when none are given); axes in the source's order."),
)

ENTRIES = with_shapes(ENTRIES, {"movedim": ShapeRule(permuted(_moved_order))})

ENTRIES = with_keras(ENTRIES, {
    **{name: KerasForm(keras_fns(names(ops, tf, backend, extra=(KA + "exponential",) if name == "exp" else ()), "input"),
                       torch_form(f"torch.{name}", "input"))
       for name, (ops, tf, backend) in _UNARY.items() if name != "sqrt"},
    "sqrt": KerasForm(keras_fns(names("sqrt", "sqrt"), "input") + keras_fns((KB + "sqrt",), "input", fixed={"clip_negative": True}),
                      _sqrt_torch, (Attr("clip_negative", torch=False, keras=False),)),
    **{name: KerasForm(keras_fns(names(ops, None, backend) + _tf_names(*tf), "input", "other",
                                 rename={"x1": "input", "x2": "other", "y": "other"}), _binary_torch(name))
       for name, (ops, tf, backend) in _BINARY.items()},
    "mul": KerasForm(keras_fns(names("multiply", "multiply"), "input", "other", rename={"x1": "input", "x2": "other", "y": "other"}),
                     torch_form("torch.mul", "input", "other")),
    "pow": KerasForm(keras_fns(names("power", "pow", "pow"), "input", "exponent",
                               rename={"x1": "input", "x2": "exponent", "y": "exponent", "a": "exponent"}),
                     torch_form("torch.pow", "input", "exponent")),
    **{name: KerasForm(keras_fns(names(name, f"reduce_{tf}", name), "input", "dim", "keepdim"), _reduce_torch(name))
       for name, tf in (("mean", "mean"), ("sum", "sum"))},
    **{torch_name: KerasForm(keras_fns(names(ops, f"reduce_{ops}", ops, extra=(f"keras.ops.{torch_name}",)), "input", "dim",
                                       "keepdim"), _reduce_torch(torch_name))
       for torch_name, ops in (("amax", "max"), ("amin", "min"))},
    "prod": KerasForm(keras_fns(names("prod", "reduce_prod", "prod"), "input", "dim", "keepdim"), _prod_torch),
    "std": KerasForm(keras_fns(names("std", "math.reduce_std", "std"), "input", "dim", "keepdim"), _reduce_torch("std")),
    "var": KerasForm(keras_fns(names("var", "math.reduce_variance", "var"), "input", "dim", "keepdim"), _reduce_torch("var")),
    "logsumexp": KerasForm(keras_fns(names("logsumexp", "reduce_logsumexp", "logsumexp"), "input", "dim", "keepdim"),
                           _logsumexp_torch),
    **{name: KerasForm(keras_fns(names(name), "input", "dim", "keepdim")
                       + keras_fns(names(None, name), "input", "dim", fixed={"dim": 0})  # tf.argmax: axis 0
                       + keras_fns((KB + name,), "input", "dim", fixed={"dim": -1}),
                       torch_form(f"torch.{name}", "input", dim=None, keepdim=False))
       for name in ("argmax", "argmin")},
    "matmul": KerasForm(keras_fns(names("matmul", "matmul", math=False, extra=(TF + "linalg.matmul",)), "input", "other",
                                  rename={"x1": "input", "x2": "other", "a": "input", "b": "other"}),
                        _matmul_torch, (Attr("transpose_a", torch=False, keras=False), Attr("transpose_b", torch=False, keras=False))),
    "einsum": KerasForm(keras_fns(names("einsum", "einsum", math=False, extra=(TF + "linalg.einsum",)), "equation",
                                  varargs="operands", rename={"subscripts": "equation"}),
                        lambda v: call("torch.einsum", v.get("equation"), *_operands(v))),
    "tensordot": KerasForm(keras_fns(names("tensordot", "tensordot", math=False), "input", "other", "dims",
                                     rename={"x1": "input", "x2": "other", "a": "input", "b": "other", "axes": "dims"})
                           + keras_fns((KB + "dot",), "input", "other", rename={"y": "other"}, fixed={"dims": ((-1,), (-2,))}),
                           torch_form("torch.tensordot", "input", "other", dims=2)),
    "batch_dot": KerasForm(keras_fns((KB + "batch_dot",), "input", "other", "axes", rename={"y": "other"}),
                           lambda v: call("batch_dot", v.get("input"), v.get("other"), axes=v.unless("axes", None))),
    "bias_add": KerasForm(keras_fns((TF + "nn.bias_add", KB + "bias_add"), "input", "bias", rename={"value": "input", "x": "input"}),
                          lambda v: n.BinOp("+", v.get("input"), v.get("bias"))),
    "reshape": KerasForm(keras_fns(names("reshape", "reshape", "reshape", math=False), "input", "shape",
                                   rename={"newshape": "shape", "tensor": "input"}), torch_form("torch.reshape", "input", "shape")),
    "permute": KerasForm(keras_fns(names("transpose", "transpose", math=False), "input", "dims",
                                   rename={"axes": "dims", "a": "input", "perm": "dims"}, fixed={"dims": None})
                         + keras_fns((KB + "permute_dimensions",), "input", "dims", rename={"pattern": "dims"}), _permute_torch),
    "transpose": KerasForm(keras_fns(names("swapaxes"), "input", "dim0", "dim1", rename={"axis1": "dim0", "axis2": "dim1"}),
                           torch_form("torch.transpose", "input", "dim0", "dim1")),
    "movedim": KerasForm(keras_fns(names("moveaxis"), "input", "source", "destination"),
                         torch_form("torch.movedim", "input", "source", "destination")),
    "squeeze": KerasForm(keras_fns(names("squeeze", "squeeze", "squeeze", math=False), "input", "dim"), _squeeze_torch),
    "unsqueeze": KerasForm(keras_fns(names("expand_dims", "expand_dims", math=False), "input", "dim")
                           + keras_fns((KB + "expand_dims",), "input", "dim", fixed={"dim": -1}),
                           torch_form("torch.unsqueeze", "input", "dim")),
    "stack": KerasForm(keras_fns(names("stack", "stack", "stack", math=False), "tensors", "dim", rename={"values": "tensors"}),
                       _stack_torch),
    "tensor_split": KerasForm(keras_fns(names("split"), "input", "indices_or_sections", "dim"),
                              torch_form("torch.tensor_split", "input", "indices_or_sections", dim=0)),
    "tf_split": KerasForm(keras_fns((TF + "split",), "input", "num_or_size_splits", "dim", rename={"value": "input"}),
                          _tf_split_torch),
    "where": KerasForm(keras_fns(names("where", "where", math=False), "condition", "input", "other",
                                 rename={"x1": "input", "x2": "other", "y": "other", "x": "input"}, fixed={"input": None, "other": None}),
                       _where_torch),
    "clamp": KerasForm(keras_fns(names("clip"), "input", "min", "max", rename={"x_min": "min", "x_max": "max"})
                       + keras_fns((TF + "clip_by_value",), "input", "min", "max",
                                   rename={"t": "input", "clip_value_min": "min", "clip_value_max": "max"})
                       + keras_fns((KB + "clip",), "input", "min", "max", rename={"min_value": "min", "max_value": "max"}),
                       torch_form("torch.clamp", "input", "min", "max")),
    "cast": KerasForm(keras_fns(names("cast", "cast", "cast", math=False), "input", "dtype"), _cast_torch),
    "pad": KerasForm(keras_fns(names("pad", "pad", math=False), "input", "pad", "mode", "value",
                               rename={"pad_width": "pad", "paddings": "pad", "constant_values": "value", "tensor": "input"},
                               convert={"pad": _torch_pads, "mode": _torch_pad_mode}),
                     _pad_torch),
    "shape": KerasForm((tensor_attr("shape"), method("get_shape"))
                       + keras_fns(names("shape", "shape", "shape", math=False, extra=(KB + "int_shape",)), "input"),
                       lambda v: n.Attr(v.get("input"), "shape")),
    "ndim": KerasForm((tensor_attr("ndim"),) + keras_fns(names("ndim", "rank", "ndim", math=False), "input"),
                      lambda v: n.Attr(v.get("input"), "ndim")),
    "as_list": KerasForm((method("as_list"),), lambda v: call("list", v.get("input"))),
    "take": KerasForm(keras_fns(names("take"), "input", "indices", "dim")
                      + keras_fns((TF + "gather", KB + "gather"), "input", "indices", "dim",
                                  rename={"params": "input", "reference": "input"}, fixed={"dim": 0}),
                      _take_torch, (Attr("batch_dims", torch=0, keras=0),)),
    **{name: KerasForm(keras_fns(names(name, name, name, math=False), "input", "dtype"), _like_torch(name))
       for name in ("zeros_like", "ones_like")},
    # spellings only: these entries have their PyTorch form above
    "cat": KerasForm(keras_fns((KB + "concatenate",), "tensors", "dim", fixed={"dim": -1})),
    "add": KerasForm(keras_fns((TF + "math.add",), "input", "other", rename={"y": "other"})),
    **{name: KerasForm(keras_fns(names(name, name, math=False), "size", "dtype", rename={"shape": "size"}),
                       _creation_torch(name))
       for name in ("zeros", "ones")},
    "randn": KerasForm(keras_fns(("keras.random.normal", TF + "random.normal"), "size", "mean", "stddev", "dtype", "seed",
                                 rename={"shape": "size"}), _normal_torch,
                       (Attr("mean", torch=0.0, keras=0.0), Attr("stddev", torch=1.0, keras=1.0),
                        Attr("seed", torch=None, keras=None))),
    "arange": KerasForm(keras_fns(names("arange", extra=(TF + "range",)), "start", "end", "step", "dtype",
                                  rename={"stop": "end", "limit": "end", "delta": "step"})
                        + keras_fns((KB + "arange",), "start", "end", "step", "dtype", rename={"stop": "end"}),
                        _arange_torch),
    "in_train_phase": KerasForm(keras_fns((KB + "in_train_phase",), "x", "alt", "training"),
                                _in_train_phase_torch),
    "dtype_of": KerasForm(keras_fns((KB + "dtype",), "input"), lambda v: n.Attr(v.get("input"), "dtype")),
    "broadcast_to": KerasForm(keras_fns(names("broadcast_to", "broadcast_to", math=False), "input", "shape"),
                              torch_form("torch.broadcast_to", "input", "shape")),
    "flip": KerasForm(keras_fns(names("flip", "reverse", math=False), "input", "dims", rename={"tensor": "input", "axis": "dims"}),
                      _flip_torch),
})


def _argsort_torch(v: OpView) -> n.Expr:
    descending = None if v.is_("descending", "ASCENDING") else n.Const(True) if v.is_("descending", "DESCENDING") \
        else n.Compare(v.get("descending"), ["=="], [n.Const("DESCENDING")])
    return call("torch.argsort", v.get("input"), dim=v.unless("dim", -1), descending=descending,
                stable=v.unless("stable", False))


def _l2_normalize_torch(v: OpView) -> n.Expr:
    """x / sqrt(max(sum(x**2), eps)) is F.normalize's x / max(||x||, sqrt(eps)); no axis: over every axis."""
    x, eps = v.get("input"), v.value("eps")
    root = n.Const(math.sqrt(eps)) if isinstance(eps, (int, float)) else n.BinOp("**", v.get("eps"), n.Const(0.5))
    if v.is_("dim", None):
        return n.BinOp("/", x, call("torch.clamp", call("torch.linalg.vector_norm", x), min=root))
    return call("F.normalize", x, dim=v.get("dim"), eps=root)


def _one_hot_torch(v: OpView) -> n.Expr:
    """F.one_hot takes int64 indices and gives int64 with the classes last; Keras gives float32 by default."""
    out = call("F.one_hot", n.Call(n.Attr(v.get("input"), "long"), []), v.get("num_classes"))
    dtype = v.value("dtype")
    out = n.Call(n.Attr(out, "float"), []) if dtype in (None, "float32") else \
        n.Call(n.Attr(out, "to"), [n.Arg(torch_dtype(v.get("dtype")))])
    return out if v.is_("dim", -1) or v.is_("dim", None) else call("torch.movedim", out, -1, v.get("dim"))


def _branch(fn_expr: n.Expr) -> n.Expr:
    """A tf.cond branch: a lambda's body, or a call of the function."""
    if isinstance(fn_expr, n.Lambda) and not fn_expr.params:
        return fn_expr.body
    return n.Call(fn_expr, [])


def _cond_torch(v: OpView) -> n.Expr:
    """Eager PyTorch runs only the branch taken (torch.where would run both, side effects included)."""
    return n.IfExp(v.get("pred"), _branch(v.get("true_fn")), _branch(v.get("false_fn")))


def _segment_sum_torch(v: OpView) -> n.Expr:
    """Rows of `data` added into their segment's row of a zero tensor (as many rows as the largest id + 1 when the
    count is not given)."""
    data, ids = v.get("input"), v.get("segment_ids")
    count = v.get("num_segments")
    if v.is_("num_segments", None):
        count = n.BinOp("+", call("int", call("torch.max", ids)), n.Const(1))
    rows = n.TupleExpr([count, n.Starred(n.Subscript(n.Attr(data, "shape"), n.Slice(n.Const(1), None, None)))])
    return n.Call(n.Attr(n.Call(n.Attr(data, "new_zeros"), [n.Arg(rows)]), "index_add"),
                  [n.Arg(n.Const(0)), n.Arg(ids), n.Arg(data)])


_REDUCE_AXIS = LayoutRule("axis", axes=("dim",), keepdim="keepdim")
# Keras / TensorFlow ops with no PyTorch spelling read yet
ENTRIES = ENTRIES + (
    *(OpEntry(name, "tensor_ops", (INPUT, Attr("dim", keras=None), Attr("keepdim", keras=False)), (),
              keras_fns(names(name, f"reduce_{name}", name), "input", "dim", "keepdim"),
              layout=_REDUCE_AXIS, to_torch=_reduce_torch(name),
              notes=f"Logical {name} along the axes (every axis when none are given).")
      for name in ("any", "all")),
    OpEntry("vector_norm", "tensor_ops", (INPUT, Attr("dim", keras=None), Attr("keepdim", keras=False)), (),
            keras_fns((TF + "math.reduce_euclidean_norm",), "input", "dim", "keepdim"), layout=_REDUCE_AXIS,
            to_torch=torch_form("torch.linalg.vector_norm", "input", dim=None, keepdim=False),
            notes="The 2-norm over the axes (all of them when none are given)."),
    OpEntry("l2_normalize", "tensor_ops", (INPUT, Attr("dim", keras=None), Attr("eps", keras=1e-12)), (),
            keras_fns((TF + "math.l2_normalize", TF + "nn.l2_normalize"), "input", "dim", "eps", rename={"epsilon": "eps"}),
            layout=LayoutRule("axis", axes=("dim",)), to_torch=_l2_normalize_torch,
            notes="TensorFlow clamps the squared norm at eps: F.normalize with eps=sqrt(eps) is the same."),
    OpEntry("argsort", "tensor_ops", (INPUT, Attr("dim", keras=-1), Attr("descending", keras="ASCENDING"),
                                      Attr("stable", keras=False)), (),
            keras_fns(names("argsort"), "input", "dim")
            + keras_fns((TF + "argsort",), "input", "dim", "descending", "stable",
                        rename={"values": "input", "direction": "descending"}),
            layout=LayoutRule("axis", axes=("dim",)), to_torch=_argsort_torch,
            notes="Indices that sort the axis; the order of equal elements may differ unless stable."),
    OpEntry("one_hot", "tensor_ops", (INPUT, Attr("num_classes"), Attr("dim", keras=-1), Attr("dtype", keras=None)), (),
            keras_fns(("keras.ops.one_hot",), "input", "num_classes", "dim", "dtype")
            + keras_fns((TF + "one_hot",), "input", "num_classes", rename={"indices": "input", "depth": "num_classes"}),
            layout=LayoutRule("opaque"), to_torch=_one_hot_torch,
            notes="float32 one-hot vectors (tf.one_hot's on_value / off_value are not read)."),
    OpEntry("segment_sum", "tensor_ops", (INPUT, Attr("segment_ids"), Attr("num_segments", keras=None),
                                          Attr("sorted", keras=False)), (),
            keras_fns(("keras.ops.segment_sum",), "input", "segment_ids", "num_segments", "sorted", rename={"data": "input"})
            + keras_fns((TF + "math.unsorted_segment_sum",), "input", "segment_ids", "num_segments", rename={"data": "input"})
            + keras_fns((TF + "math.segment_sum",), "input", "segment_ids", rename={"data": "input"}),
            layout=LayoutRule("opaque", tensor_inputs=("input", "segment_ids")), to_torch=_segment_sum_torch,
            notes="Sums of the rows (axis 0) that share a segment id: index_add into zeros."),
    OpEntry("tensor_shape", "tensor_ops", (Attr("dims"),), (), keras_fns((TF + "TensorShape",), "dims"),
            layout=LayoutRule("none", tensor_inputs=()), to_torch=lambda v: call("torch.Size", v.get("dims")),
            notes="A shape of known sizes (torch.Size has no unknown dimensions)."),
    OpEntry("tree_flatten", "tensor_ops", (Attr("structure"),), (),
            keras_fns((TF + "nest.flatten", "keras.tree.flatten"), "structure"),
            layout=LayoutRule("opaque", tensor_inputs=("structure",)),
            to_torch=lambda v: call("torch.utils._pytree.tree_leaves", v.get("structure")),
            notes="The leaves of nested lists, tuples and dicts (dicts in insertion order; tf.nest sorts their keys)."),
    OpEntry("tree_map", "tensor_ops", (Attr("func"), Attr("structure"), Attr("other", keras=None)), (),
            keras_fns((TF + "nest.map_structure", "keras.tree.map_structure"), "func", "structure", "other"),
            layout=LayoutRule("opaque", tensor_inputs=("structure", "other")),
            to_torch=lambda v: call("torch.utils._pytree.tree_map", v.get("func"), v.get("structure"),
                                    *([] if v.is_("other", None) else [v.get("other")])),
            notes="`func` applied leaf by leaf across one or two structures of the same shape."),
    OpEntry("cond", "tensor_ops", (Attr("pred"), Attr("true_fn"), Attr("false_fn")), (),
            keras_fns((TF + "cond", "keras.ops.cond"), "pred", "true_fn", "false_fn"),
            layout=LayoutRule("none", tensor_inputs=()), to_torch=_cond_torch,
            notes="The branch taken by a Python conditional on the predicate, as eager PyTorch runs it."),
)


def _topk_keras(v: OpView) -> n.Expr:
    """keras.ops.top_k picks along the last axis, the largest values: another axis is moved there and back, the
    smallest are the largest of the negated tensor."""
    x, k = v.get("input"), v.get("k")
    smallest = not v.is_("largest", True)
    x = n.UnaryOp("-", x) if smallest else x
    last = v.is_("dim", -1) or (v.rank is not None and v.is_("dim", v.rank - 1))
    picked = call("ops.top_k", x if last else call("ops.moveaxis", x, v.get("dim"), -1), k,
                  sorted=v.unless("sorted", True))
    if last and not smallest:
        return picked
    values, indices = n.Subscript(picked, n.Const(0)), n.Subscript(picked, n.Const(1))
    if smallest:
        values = n.UnaryOp("-", values)
    if not last:
        values, indices = (call("ops.moveaxis", t, -1, v.get("dim")) for t in (values, indices))
    return n.TupleExpr([values, indices])


def _norm_keras(v: OpView) -> n.Expr:
    """torch.norm / Tensor.norm / linalg.vector_norm: a vector norm over `dim` (all elements when None) unless p is
    'fro' or 'nuc'. keras.ops.norm takes a vector norm for one axis and a matrix norm for two: p 2 (and 'fro') is the
    same either way; another p over several axes is written out as (sum |x|^p)^(1/p)."""
    x, p = v.get("input"), v.value("p")
    if v.is_("dim", None) and p != "nuc":
        x = call("ops.ravel", x)  # keras.ops.norm takes no more than two axes at once
    axis = None if v.is_("dim", None) else v.get("dim")
    keep = v.unless("keepdim", False)
    if p in ("fro", 2, 2.0, None):
        return call("ops.norm", x, axis=axis, keepdims=keep)
    if p == "nuc" or isinstance(v.value("dim"), int) or axis is None:
        return call("ops.norm", x, ord=v.get("p"), axis=axis, keepdims=keep)
    if p in (1, 1.0):
        return call("ops.sum", call("ops.abs", x), axis=axis, keepdims=keep)
    total = call("ops.sum", n.BinOp("**", call("ops.abs", x), v.get("p")), axis=axis, keepdims=keep)
    return n.BinOp("**", total, n.BinOp("/", n.Const(1), v.get("p")))


def _linalg_norm_keras(v: OpView) -> n.Expr:
    """numpy.linalg.norm semantics in both; torch flattens a tensor of any rank when neither `ord` nor `dim` is given,
    keras.ops.norm only one of up to two axes."""
    x = call("ops.ravel", v.get("input")) if v.is_("dim", None) and v.is_("ord", None) else v.get("input")
    return call("ops.norm", x, ord=v.unless("ord", None), axis=None if v.is_("dim", None) else v.get("dim"),
                keepdims=v.unless("keepdim", False))


def _randint_keras(v: OpView) -> n.Expr:
    """torch.randint(high, size) or (low, high, size): keras.random.randint(shape, minval, maxval); torch's
    integers are int64."""
    args = v.get("args")
    given = list(args.elts) if isinstance(args, n.TupleExpr) else [args]
    size = given.pop() if v.is_("size", None) else v.get("size")
    high = given.pop() if v.is_("high", None) else v.get("high")
    low = given.pop() if given else v.get("low")
    dtype = n.Const("int64") if v.is_("dtype", None) else v.get("dtype")
    return call("keras.random.randint", size, low, high, dtype=dtype)


def _sdpa_keras(v: OpView) -> n.Expr:
    """torch attends over (batch, heads, length, features); keras.ops.dot_product_attention over (batch, length, heads,
    features): the inputs and output swap axes 1 and 2. A boolean torch mask marks the positions that take part, as
    Keras's `mask`; a float one is added to the scores, as Keras's `bias`."""
    def heads_last(e: n.Expr) -> n.Expr:
        return call("ops.swapaxes", e, 1, 2)
    kwargs = {"scale": v.unless("scale", None), "is_causal": v.unless("is_causal", False)}

    def attend(**mask: n.Expr) -> n.Expr:
        return heads_last(call("ops.dot_product_attention", *(heads_last(v.get(a)) for a in ("query", "key", "value")),
                               **mask, **kwargs))
    if not v.is_("dropout_p", 0.0) and not v.is_("dropout_p", 0):
        v.notes.append("dropout_p is left out: keras.ops.dot_product_attention has no dropout (inference is unaffected)")
    if v.is_("attn_mask", None):
        return attend()
    mask = v.get("attn_mask")
    is_bool = n.Compare(call("keras.backend.standardize_dtype", n.Attr(mask, "dtype")), ["=="], [n.Const("bool")])
    return n.IfExp(is_bool, attend(mask=mask), attend(bias=mask))


def _dot_product_attention_torch(v: OpView) -> n.Expr:
    """keras.ops.dot_product_attention over (batch, length, heads, features): torch's attends with heads on axis 1. A
    boolean `mask` (True takes part) and an additive `bias` are both torch's attn_mask; with both, masked-out scores
    are -inf."""
    def swapped(e: n.Expr) -> n.Expr:
        return n.Call(n.Attr(e, "transpose"), [n.Arg(n.Const(1)), n.Arg(n.Const(2))])
    if not v.is_("attn_logits_soft_cap", None):
        v.errors.append("attn_logits_soft_cap has no PyTorch scaled_dot_product_attention form")
    mask, bias = (None if v.is_(a, None) else v.get(a) for a in ("mask", "bias"))
    if mask is not None and bias is not None:
        mask = call("torch.where", mask, bias, call("float", "-inf"))
    attention = call("F.scaled_dot_product_attention", *(swapped(v.get(a)) for a in ("query", "key", "value")),
                     attn_mask=mask if mask is not None else bias, is_causal=v.unless("is_causal", False),
                     scale=v.unless("scale", None))
    return swapped(attention)


_NORM_ATTRS = (INPUT, Attr("p", torch="fro"), Attr("dim", torch=None), Attr("keepdim", torch=False), Attr("dtype", torch=None))
ENTRIES = ENTRIES + (
    OpEntry("full", "tensor_ops", (Attr("size"), Attr("fill_value"), Attr("dtype", torch=None), Attr("device", torch=None),
                                   Attr("requires_grad", torch=False)),
            (fn("torch.full", "size", "fill_value"),), layout=LayoutRule("none", tensor_inputs=()),
            to_keras=lambda v: call("ops.full", v.get("size"), v.get("fill_value"),
                                    dtype=None if v.is_("dtype", None) else v.get("dtype"))),
    OpEntry("full_like", "tensor_ops", (INPUT, Attr("fill_value"), Attr("dtype", torch=None, keras=None)),
            (fn("torch.full_like", "input", "fill_value"),), layout=ELEMENTWISE,
            to_keras=lambda v: call("ops.full_like", v.get("input"), v.get("fill_value"),
                                    dtype=None if v.is_("dtype", None) else v.get("dtype"))),
    *(OpEntry(name, "tensor_ops", (INPUT, Attr("dtype", torch=None)), (fn(f"torch.{name}", "input"),), layout=ELEMENTWISE,
              to_keras=lambda v, kind=kind: call(f"keras.random.{kind}", call("ops.shape", v.get("input")),
                                                 dtype=n.Attr(v.get("input"), "dtype") if v.is_("dtype", None) else v.get("dtype")),
              notes="A fresh random tensor of the input's shape and dtype.")
      for name, kind in (("randn_like", "normal"), ("rand_like", "uniform"))),
    OpEntry("randint", "tensor_ops", (Attr("args", torch=(), keras=()), Attr("low", torch=0), Attr("high", torch=None),
                                      Attr("size", torch=None), Attr("dtype", torch=None, keras="int32"),
                                      Attr("device", torch=None, keras=None), Attr("seed", torch=None, keras=None)),
            (fn("torch.randint", varargs="args"),), layout=LayoutRule("none", tensor_inputs=()), to_keras=_randint_keras,
            notes="torch.randint(high, size) or (low, high, size); torch's integers are int64, Keras's int32 by default."),
    OpEntry("topk", "tensor_ops", (INPUT, Attr("k"), Attr("dim", torch=-1, keras=-1), Attr("largest", torch=True, keras=True),
                                   Attr("sorted", torch=True, keras=True)),
            (fn("torch.topk", "input", "k", "dim", "largest", "sorted"), method("topk", "k", "dim", "largest", "sorted")),
            layout=LayoutRule("axis", axes=("dim",)), to_keras=_topk_keras,
            notes="(values, indices). keras.ops.top_k takes the largest along the last axis: another axis is moved."),
    OpEntry("unbind", "tensor_ops", (INPUT, Attr("dim", torch=0, keras=0), Attr("num", torch=None, keras=None)),
            (fn("torch.unbind", "input", "dim"), method("unbind", "dim")), layout=OPAQUE,
            to_keras=lambda v: call("ops.unstack", v.get("input"), axis=v.unless("dim", 0)),
            notes="The pieces have one axis fewer: a channels-last input is moved back to the source layout first."),
    OpEntry("norm", "tensor_ops", _NORM_ATTRS,
            (fn("torch.norm", "input", "p", "dim", "keepdim"), method("norm", "p", "dim", "keepdim"),
             fn("torch.linalg.vector_norm", "input", "p", "dim", "keepdim", rename={"ord": "p"})),
            layout=LayoutRule("axis", axes=("dim",), keepdim="keepdim"), to_keras=_norm_keras,
            notes="A vector norm over `dim` (every element when None); p 'fro' and 'nuc' are matrix norms."),
    OpEntry("linalg_norm", "tensor_ops", (INPUT, Attr("ord", torch=None, keras=None), Attr("dim", torch=None, keras=None),
                                          Attr("keepdim", torch=False, keras=False)),
            (fn("torch.linalg.norm", "input", "ord", "dim", "keepdim"),),
            layout=LayoutRule("axis", axes=("dim",), keepdim="keepdim"),
            to_keras=_linalg_norm_keras,
            notes="numpy.linalg.norm semantics in both: a vector norm for one axis, a matrix norm for two."),
    OpEntry("type_as", "tensor_ops", (INPUT, Attr("other")), (method("type_as", "other"),), layout=ELEMENTWISE,
            to_keras=lambda v: call("ops.cast", v.get("input"), n.Attr(v.get("other"), "dtype")),
            notes="A cast to the other tensor's dtype."),
    OpEntry("scaled_dot_product_attention", "tensor_ops",
            (Attr("query"), Attr("key"), Attr("value"), Attr("attn_mask", torch=None), Attr("dropout_p", torch=0.0),
             Attr("is_causal", torch=False), Attr("scale", torch=None), Attr("enable_gqa", torch=False)),
            (fn(F + "scaled_dot_product_attention", "query", "key", "value", "attn_mask", "dropout_p", "is_causal", "scale"),),
            layout=LayoutRule("opaque", tensor_inputs=("query", "key", "value")), to_keras=_sdpa_keras,
            notes="Heads on axis 1 in torch, axis 2 in Keras; scale 1/sqrt(features) and a top-left causal mask in both. "
                  "dropout_p has no Keras form."),
    OpEntry("dot_product_attention", "tensor_ops",
            (Attr("query"), Attr("key"), Attr("value"), Attr("bias", keras=None), Attr("mask", keras=None),
             Attr("scale", keras=None), Attr("is_causal", keras=False), Attr("flash_attention", keras=None),
             Attr("attn_logits_soft_cap", keras=None)), (),
            keras_fns(("keras.ops.dot_product_attention", "keras.ops.nn.dot_product_attention"), "query", "key", "value",
                      "bias", "mask", "scale", "is_causal", "flash_attention", "attn_logits_soft_cap"),
            layout=LayoutRule("opaque", tensor_inputs=("query", "key", "value")), to_torch=_dot_product_attention_torch,
            notes="Heads on axis 2 (torch's scaled_dot_product_attention: axis 1); `mask` and `bias` become attn_mask."),
)

ENTRIES = with_keras(ENTRIES, {
    "full": KerasForm(keras_fns(names("full", "fill", math=False), "size", "fill_value", "dtype",
                                rename={"shape": "size", "dims": "size", "value": "fill_value"}),
                      lambda v: call("torch.full", v.get("size"), v.get("fill_value"),
                                     dtype=None if v.is_("dtype", None) else torch_dtype(v.get("dtype")))),
    "full_like": KerasForm(keras_fns(names("full_like"), "input", "fill_value", "dtype"),
                           lambda v: call("torch.full_like", v.get("input"), v.get("fill_value"),
                                          dtype=None if v.is_("dtype", None) else torch_dtype(v.get("dtype")))),
    "topk": KerasForm(keras_fns(names("top_k", "math.top_k", math=False, extra=(TF + "nn.top_k",)), "input", "k", "sorted"),
                      lambda v: call("torch.topk", v.get("input"), v.get("k"), sorted=v.unless("sorted", True))),
    "randint": KerasForm(keras_fns(("keras.random.randint",), "size", "low", "high", "dtype", "seed",
                                   rename={"shape": "size", "minval": "low", "maxval": "high"}),
                         lambda v: call("torch.randint", v.get("low"), v.get("high"), v.get("size"),
                                        dtype=torch_dtype(v.get("dtype")))),
    "unbind": KerasForm(keras_fns(names("unstack", "unstack", math=False), "input", "num", "dim", rename={"value": "input"}),
                        torch_form("torch.unbind", "input", dim=0)),
    "linalg_norm": KerasForm(keras_fns(names("norm"), "input", "ord", "dim", "keepdim"),
                             lambda v: call("torch.linalg.norm", v.get("input"), ord=v.unless("ord", None),
                                            dim=v.unless("dim", None), keepdim=v.unless("keepdim", False))),
})
