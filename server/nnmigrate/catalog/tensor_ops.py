"""Catalog entries for tensor operations: joins, shapes, reductions, products, creation, padding, resizing."""

from __future__ import annotations

from collections.abc import Callable

from nnmigrate.catalog.math_ops import DTYPE_NAMES
from nnmigrate.catalog.entry import Attr, LayoutRule, OpEntry
from nnmigrate.catalog.spell import F, fn, keras, KerasForm, layer, method, NN, tensor_attr, with_keras
from nnmigrate.pivot import nodes as n
from nnmigrate.writers.emit import NOT_CONST, OpView, call, const_value, lit

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


def _size(v: OpView) -> n.Expr:
    shape = call("ops.shape", v.get("input"))
    return shape if v.is_("dim", None) else n.Subscript(shape, v.get("dim"))


def _plain(ops_name: str, *names: str, **rename: str) -> Callable[[OpView], n.Expr]:
    """`ops.<name>(input, *attrs)`, keyword attributes renamed per `rename`."""
    def to_keras(v: OpView) -> n.Expr:
        kwargs = {rename.get(k, k): v.get(k) for k in rename}
        return call(f"ops.{ops_name}", *[v.get(a) for a in names], **kwargs)
    return to_keras


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
        return call("layers.ZeroPadding2D", keras_pad)
    widths = n.BinOp("+", n.BinOp("+", lit([[0, 0]]), lit([list(p) for p in keras_pad]) if isinstance(keras_pad, tuple)
                     else lit([[keras_pad, keras_pad]] * 2)), lit([[0, 0]]))
    return call("layers.Lambda", n.Lambda(["t"], call("ops.pad", n.Name("t"), widths, constant_values=v.get("value"))))


ENTRIES = (
    OpEntry("pad2d", "tensor_ops", (INPUT, Attr("padding"), Attr("value", torch=0)),
            (layer(NN + "ZeroPad2d", "padding"), layer(NN + "ConstantPad2d", "padding", "value")),
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
            layout=OPAQUE, to_keras=_permute),
    OpEntry("transpose", "tensor_ops", (INPUT, Attr("dim0"), Attr("dim1")),
            (method("transpose", "dim0", "dim1"), fn("torch.transpose", "input", "dim0", "dim1")),
            layout=LayoutRule("axis", axes=("dim0", "dim1")), to_keras=_transpose),
    OpEntry("squeeze", "tensor_ops", (INPUT, Attr("dim", torch=None)),
            (method("squeeze", "dim"), fn("torch.squeeze", "input", "dim")),
            layout=OPAQUE, to_keras=_squeeze),
    OpEntry("unsqueeze", "tensor_ops", (INPUT, Attr("dim")),
            (method("unsqueeze", "dim"), fn("torch.unsqueeze", "input", "dim")),
            layout=OPAQUE, to_keras=_unsqueeze),
    *(OpEntry(name, "tensor_ops", (INPUT, Attr("dim", torch=None), Attr("keepdim", torch=False), Attr("dtype", torch=None)),
              (method(name, "dim", "keepdim"), fn(f"torch.{name}", "input", "dim", "keepdim")),
              layout=LayoutRule("axis", axes=("dim",), keepdim="keepdim"), to_keras=_axis_op(name, keepdims=True))
      for name in ("mean", "sum", "amax", "amin", "prod", "std", "var")),
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
    OpEntry("zeros_like", "tensor_ops", (INPUT,), (fn("torch.zeros_like", "input"),), layout=ELEMENTWISE,
            to_keras=_plain("zeros_like", "input")),
    OpEntry("ones_like", "tensor_ops", (INPUT,), (fn("torch.ones_like", "input"),), layout=ELEMENTWISE,
            to_keras=_plain("ones_like", "input")),
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
    OpEntry("pad", "tensor_ops", (INPUT, Attr("pad"), Attr("mode", torch="constant"), Attr("value", torch=None)),
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


def _zero_pad_torch(v: OpView) -> n.Expr:
    """Keras ((top, bottom), (left, right)) or (rows, cols) or int -> torch (left, right, top, bottom)."""
    pad = const_value(v.get("padding"))
    if isinstance(pad, tuple) and len(pad) == 2 and all(isinstance(p, tuple) for p in pad):
        (top, bottom), (left, right) = pad
        return call("nn.ZeroPad2d", (left, right, top, bottom))
    if isinstance(pad, tuple) and len(pad) == 2:
        return call("nn.ZeroPad2d", (pad[1], pad[1], pad[0], pad[0]))
    return call("nn.ZeroPad2d", v.get("padding"))


def _cat_torch(v: OpView) -> n.Expr:
    if v.is_layer:  # keras.layers.Concatenate(axis)([a, b])
        return n.Lambda(["tensors"], call("torch.cat", n.Name("tensors"), dim=v.get("dim")))
    return call("torch.cat", v.get("tensors"), dim=v.unless("dim", 0))


def _upsample_torch(v: OpView) -> n.Expr:
    size = v.get("scale_factor")
    mode = v.value("mode")
    return call("nn.Upsample", scale_factor=size, mode=None if mode == "nearest" else v.get("mode"))


ENTRIES = with_keras(ENTRIES, {
    "interpolate": KerasForm((keras("UpSampling2D", "scale_factor", rename={"size": "scale_factor", "interpolation": "mode"},
                                    fixed={"scale_factor": 2}),), _upsample_torch),
    "cat": KerasForm((keras("Concatenate", "dim", rename={"axis": "dim"}, fixed={"dim": -1}),
                      fn("keras.layers.concatenate", "tensors", "dim", rename={"inputs": "tensors", "axis": "dim"},
                         fixed={"dim": -1}),
                      fn("keras.ops.concatenate", "tensors", "dim", rename={"xs": "tensors", "axis": "dim"}),
                      fn("tensorflow.concat", "tensors", "dim", rename={"values": "tensors", "axis": "dim"})),
                     _cat_torch, stateless=True),
    "pad2d": KerasForm((keras("ZeroPadding2D", "padding"),), _zero_pad_torch),
    "add": KerasForm((keras("Add"), fn("keras.ops.add", "input", "other"), fn("tensorflow.add", "input", "other")),
                     _add_torch),
    "add_n": KerasForm((fn("keras.layers.add", "inputs"),), lambda v: call("sum", v.get("inputs"))),
})
