"""Pivot model nodes: a framework-neutral tree of modules, statements, expressions and resolved ops.

Generic Python (names, arithmetic, loops, helper calls) is kept as plain expression and statement
nodes; every framework call the catalog knows becomes an `Op` node carrying the catalog key and the
op's canonical attributes, so a writer never sees a framework spelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from nnmigrate.diagnostics import SourceRange


@dataclass(eq=False)
class Node:
    span: SourceRange | None = field(default=None, kw_only=True, compare=False, repr=False)


# ---- expressions -------------------------------------------------------------------------


@dataclass(eq=False)
class Expr(Node):
    pass


@dataclass(eq=False)
class Name(Expr):
    id: str


@dataclass(eq=False)
class Const(Expr):
    """A literal: int, float, complex, str, bytes, bool, None or Ellipsis (stored as the string '...')."""

    value: Any


@dataclass(eq=False)
class Attr(Expr):
    value: Expr
    attr: str


@dataclass(eq=False)
class Subscript(Expr):
    value: Expr
    index: Expr


@dataclass(eq=False)
class Slice(Expr):
    lower: Expr | None
    upper: Expr | None
    step: Expr | None


@dataclass(eq=False)
class TupleExpr(Expr):
    elts: list[Expr]


@dataclass(eq=False)
class ListExpr(Expr):
    elts: list[Expr]


@dataclass(eq=False)
class SetExpr(Expr):
    elts: list[Expr]


@dataclass(eq=False)
class DictExpr(Expr):
    keys: list[Expr | None]  # None = `**value`
    values: list[Expr]


@dataclass(eq=False)
class BinOp(Expr):
    op: str  # Python operator token: + - * / // % ** @ << >> & | ^
    left: Expr
    right: Expr


@dataclass(eq=False)
class UnaryOp(Expr):
    op: str  # - + ~ not
    operand: Expr


@dataclass(eq=False)
class Compare(Expr):
    left: Expr
    ops: list[str]  # == != < <= > >= is 'is not' in 'not in'
    comparators: list[Expr]


@dataclass(eq=False)
class BoolOp(Expr):
    op: str  # and | or
    values: list[Expr]


@dataclass(eq=False)
class IfExp(Expr):
    test: Expr
    body: Expr
    orelse: Expr


@dataclass(eq=False)
class Arg(Node):
    value: Expr
    keyword: str | None = None
    star: Literal["", "*", "**"] = ""


@dataclass(eq=False)
class Call(Expr):
    """A call the catalog does not resolve: user classes and helpers, builtins, sub-module calls."""

    func: Expr
    args: list[Arg]


@dataclass(eq=False)
class Op(Expr):
    """A resolved framework operation: catalog key plus canonical attributes (all filled, defaults included).

    `extra` holds positional values past the canonical ones (e.g. `x.view(a, b, c)` dims) and
    `spelled` the attribute names the source wrote explicitly, so writers can stay close to it.
    """

    key: str
    attrs: dict[str, Expr]
    extra: list[Expr] = field(default_factory=list)
    spelled: list[str] = field(default_factory=list)
    layer: bool = False  # the layer-object form (`nn.ReLU()`), not the functional one (`F.relu(x)`)
    #: the input shape a Keras layer declares (`input_shape=` / `input_dim=`), batch axis excluded
    input_shape: Expr | None = None


@dataclass(eq=False)
class Lambda(Expr):
    params: list[str]
    body: Expr


@dataclass(eq=False)
class Starred(Expr):
    value: Expr


@dataclass(eq=False)
class CompFor(Node):
    target: Expr
    iter: Expr
    ifs: list[Expr] = field(default_factory=list)


@dataclass(eq=False)
class Comprehension(Expr):
    kind: Literal["list", "generator", "set", "dict"]
    elt: Expr
    generators: list[CompFor]
    value: Expr | None = None  # dict comprehensions: elt is the key


@dataclass(eq=False)
class FormattedString(Expr):
    """An f-string kept verbatim: it never holds tensors worth migrating."""

    code: str


@dataclass(eq=False)
class Unsupported(Expr):
    """Source the reader could not map. Writers emit it verbatim behind a visible marker."""

    code: str
    reason: str


# ---- statements --------------------------------------------------------------------------


@dataclass(eq=False)
class Stmt(Node):
    comments: list[str] = field(default_factory=list, kw_only=True)  # leading comment lines, without '#'


@dataclass(eq=False)
class Assign(Stmt):
    targets: list[Expr]
    value: Expr


@dataclass(eq=False)
class AugAssign(Stmt):
    target: Expr
    op: str
    value: Expr


@dataclass(eq=False)
class AnnAssign(Stmt):
    target: Expr
    annotation: str
    value: Expr | None


@dataclass(eq=False)
class ExprStmt(Stmt):
    value: Expr


@dataclass(eq=False)
class Return(Stmt):
    value: Expr | None


@dataclass(eq=False)
class If(Stmt):
    test: Expr
    body: list[Stmt]
    orelse: list[Stmt]


@dataclass(eq=False)
class For(Stmt):
    target: Expr
    iter: Expr
    body: list[Stmt]
    orelse: list[Stmt] = field(default_factory=list)


@dataclass(eq=False)
class While(Stmt):
    test: Expr
    body: list[Stmt]


@dataclass(eq=False)
class ExceptHandler(Node):
    """One `except Type as name:` clause (type None: a bare `except:`)."""

    type: Expr | None
    name: str | None
    body: list[Stmt]


@dataclass(eq=False)
class Try(Stmt):
    body: list[Stmt]
    handlers: list[ExceptHandler]
    orelse: list[Stmt] = field(default_factory=list)
    finalbody: list[Stmt] = field(default_factory=list)


@dataclass(eq=False)
class Simple(Stmt):
    """pass / break / continue."""

    keyword: Literal["pass", "break", "continue"]


@dataclass(eq=False)
class Scope(Stmt):
    """global / nonlocal declarations."""

    keyword: Literal["global", "nonlocal"]
    names: list[str]


@dataclass(eq=False)
class Raise(Stmt):
    exc: Expr | None


@dataclass(eq=False)
class Assert(Stmt):
    test: Expr
    msg: Expr | None


@dataclass(eq=False)
class Delete(Stmt):
    targets: list[Expr]


@dataclass(eq=False)
class Dropped(Stmt):
    """Source left out on purpose (e.g. weight initialisation); writers leave a comment in its place. `call` keeps
    a left-out call that still tells analyses something (`model.build((None, 784))`: the input shape)."""

    code: str
    reason: str
    call: Expr | None = None


@dataclass(eq=False)
class UnsupportedStmt(Stmt):
    code: str
    reason: str


@dataclass(eq=False)
class Param(Node):
    name: str
    default: Expr | None = None
    annotation: str | None = None
    star: Literal["", "*", "**"] = ""
    kw_only: bool = False


@dataclass(eq=False)
class FunctionDef(Stmt):
    """A function or method. `role` says what it is in the model: init, forward, build, helper."""

    name: str
    params: list[Param]
    body: list[Stmt]
    docstring: str | None = None
    decorators: list[str] = field(default_factory=list)
    role: Literal["init", "forward", "build", "helper", "builder", "function"] = "function"
    returns: str | None = None


# ---- modules -----------------------------------------------------------------------------


@dataclass(eq=False)
class ClassDef(Stmt):
    """A model class: `kind` is module (a block), model (a top-level network) or plain (not a network)."""

    name: str
    bases: list[str]  # in-file base class names, or the neutral 'Module' / 'Sequential' / 'ModuleDict' / 'ModuleList'
    body: list[Stmt]
    docstring: str | None = None
    kind: Literal["module", "sequential", "plain"] = "module"


@dataclass(eq=False)
class Import(Stmt):
    """An import of something that is not a framework (framework imports are dropped and regenerated)."""

    code: str


@dataclass(eq=False)
class PivotModule(Node):
    """One source file in pivot form."""

    source_framework: str
    body: list[Stmt]
    docstring: str | None = None
