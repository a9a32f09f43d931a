"""Which values are integer tensors, for the arithmetic where PyTorch and TensorFlow promote differently.

`torch.arange(n)` is an int64 tensor; `torch.arange(n) / n` is float32 in PyTorch (true division of
integers gives the default float), and `torch.arange(n)[:, None] * freqs` promotes to float32. TensorFlow's
operators give float64 for the first and refuse the second. The writer casts the integer tensor to float32
where it meets such arithmetic; this module tells integer tensors ("itensor"), Python ints ("int") and
floats ("float") apart by following the source expressions, as far as they tell. Casting is the only thing
done with it, and a float tensor taken for an integer one is merely cast to float32 (its dtype in PyTorch code
that does not ask for another), so `torch.arange(n)` counts as integer unless a bound is a float literal.
"""

from __future__ import annotations

from nnmigrate.pivot import nodes as n

INT_TENSOR, INT, FLOAT = "itensor", "int", "float"

#: ops whose result has their input's dtype (reshaping, indexing, reordering, copying)
_SAME_DTYPE = frozenset({"reshape", "flatten", "squeeze", "unsqueeze", "expand", "expand_as", "permute", "transpose",
                         "repeat", "repeat_interleave", "contiguous", "clone", "detach", "to_device", "triu", "tril"})
#: ops giving a tensor's sizes (Python ints)
_SIZES = frozenset({"shape", "size"})
#: ops whose result is a float tensor whatever their input (transcendental functions, float creation)
_FLOAT_RESULT = frozenset({"exp", "log", "sin", "cos", "tan", "atan", "sqrt", "rsqrt", "erf", "expm1", "log1p",
                           "reciprocal", "sigmoid", "tanh", "softmax", "log_softmax", "linspace", "randn", "mean"})
#: casts by their target dtype
_CASTS = {"float": FLOAT, "cast_double": FLOAT, "cast_half": FLOAT, "long": INT_TENSOR, "cast_int": INT_TENSOR}


def _dtype_kind(e: n.Expr | None) -> str | None:
    name = e.value if isinstance(e, n.Const) and isinstance(e.value, str) else None
    if name is None:
        return None
    if name.startswith(("float", "half", "double", "bfloat")):
        return FLOAT
    return INT_TENSOR if name.startswith(("int", "uint", "long")) else None


def number_kind(e: n.Expr | None, names: dict[str, str]) -> str | None:
    """"itensor", "int", "float" or None (unknown) for a source expression; `names` holds the local names'."""
    if isinstance(e, n.Const):
        return None if isinstance(e.value, bool) else INT if isinstance(e.value, int) else \
            FLOAT if isinstance(e.value, float) else None
    if isinstance(e, n.Name):
        return names.get(e.id)
    if isinstance(e, n.Subscript):
        if isinstance(e.value, n.Op) and e.value.key in _SIZES:  # `x.shape[1]`
            return INT
        kind = number_kind(e.value, names)
        return kind if kind in (INT_TENSOR, FLOAT) else None
    if isinstance(e, n.UnaryOp) and e.op == "-":
        return number_kind(e.operand, names)
    if isinstance(e, n.BinOp):
        return binop_kind(e.op, number_kind(e.left, names), number_kind(e.right, names))
    if isinstance(e, n.Op):
        return _op_kind(e, names)
    if isinstance(e, n.Call) and _dotted(e.func) in ("float", "int", "len", "round") or isinstance(e, n.Call) and \
            _dotted(e.func).startswith("math."):  # type: ignore[union-attr]
        return INT if _dotted(e.func) in _INT_FUNCTIONS else FLOAT
    if _dotted(e) in ("math.pi", "math.e", "math.tau", "math.inf"):
        return FLOAT
    return None


#: Python functions that return an int (the other `math` functions return floats)
_INT_FUNCTIONS = frozenset({"int", "len", "round", "math.floor", "math.ceil", "math.gcd", "math.lcm", "math.comb",
                            "math.perm", "math.factorial", "math.isqrt", "math.prod"})


def _dotted(e: n.Expr | None) -> str:
    if isinstance(e, n.Name):
        return e.id
    if isinstance(e, n.Attr):
        return f"{_dotted(e.value)}.{e.attr}"
    return ""


def _op_kind(op: n.Op, names: dict[str, str]) -> str | None:
    if op.key == "arange":
        dtype = op.attrs.get("dtype")
        if dtype is not None and not (isinstance(dtype, n.Const) and dtype.value is None):
            return _dtype_kind(dtype)
        # integers unless a bound is known to be a float: a float taken for an integer is only cast to float32
        bounds = [number_kind(op.attrs.get(a), names) for a in ("start", "end", "step")]
        return None if FLOAT in bounds else INT_TENSOR
    if op.key in _FLOAT_RESULT:
        return FLOAT
    if op.key in ("zeros", "ones"):  # float32 unless a dtype says otherwise
        dtype = op.attrs.get("dtype")
        return FLOAT if dtype is None or isinstance(dtype, n.Const) and dtype.value is None else _dtype_kind(dtype)
    if op.key in _CASTS:
        return _CASTS[op.key]
    if op.key == "cast_type":
        return _dtype_kind(op.attrs.get("dtype"))
    if op.key in _SAME_DTYPE:
        kind = number_kind(op.attrs.get("input"), names)
        return kind if kind == INT_TENSOR else None
    return None


def sizes(e: n.Expr) -> bool:
    """Whether `e` gives a tensor's sizes, so that unpacking it binds ints (`b, n, d = x.shape`)."""
    return isinstance(e, n.Op) and e.key in _SIZES


def binop_kind(op: str, left: str | None, right: str | None) -> str | None:
    """What arithmetic between two kinds gives, with PyTorch's promotion."""
    kinds = {left, right}
    if op == "/":  # true division gives floats in Python and PyTorch alike
        return FLOAT
    if op not in ("+", "-", "*", "//", "%", "**"):
        return None
    if FLOAT in kinds and None not in kinds:
        return FLOAT
    if kinds <= {INT, INT_TENSOR} and None not in kinds:
        return INT_TENSOR if INT_TENSOR in kinds else INT
    return None


def needs_float(op: str, mine: str | None, other: str | None) -> bool:
    """Whether an integer tensor operand must be cast to float32 for TensorFlow to do what PyTorch does:
    true division, or arithmetic with a float."""
    return mine == INT_TENSOR and (op == "/" or op in ("+", "-", "*", "**") and other == FLOAT)
