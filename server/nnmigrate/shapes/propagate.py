"""Follows tensor shapes through a pivot module and says which implicit constructor sizes are known.

One walk over the module in program order: functions, class methods (constructors first, so `self.conv`
is known when `call` uses it) and module statements. Tensors carry a `Shape`; layer objects carry the op
that built them. Applying a layer asks its catalog `ShapeRule` for the output and for the sizes the
source left implicit (`in_channels`...). A size is kept only if every application of the layer agrees
on it and it can be written where the layer is built: a literal, or names that hold the same value
there (see `ShapeWalk.placed`). Loops run to a fixpoint; calls of module functions and classes are followed
for their results. Nothing is executed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from nnmigrate.catalog import Catalog
from nnmigrate.catalog.shape_rules import output_of
from nnmigrate.pivot import nodes as n
from nnmigrate.pivot.values import const_value
from nnmigrate.shapes.dims import UNKNOWN_TENSOR, Dim, Shape, Sym, broadcast, to_expr
from nnmigrate.shapes.scopes import Scope, runs, scope_of, stable_attrs
from nnmigrate.shapes.values import (NONE, Instance, Layer, Stack, Value, batch_shape, bind_params, declared_shape,
                                     export, join, join_env, map_dims, retired)
from nnmigrate.shapes.view import ShapeView

_MAX_DEPTH = 6  # nested calls followed for their results
_MAX_ROUNDS = 4  # loop iterations tried before giving up on a fixpoint


@dataclass
class Frame:
    """The state of one function body being walked: values by name, `self.x` attributes as "self.x"."""

    scope: Scope
    env: dict[str, Value]
    pos: int = 0
    returns: list[Value] = field(default_factory=list)
    bound_in_graph: set[str] = field(default_factory=set)  # graph locals the Functional dataflow has bound so far

    @property
    def unbound(self) -> frozenset[str]:
        """Names that hold no value yet where the PyTorch forward of a Functional builder reads them."""
        return self.scope.graph_locals - self.bound_in_graph


def infer_sizes(module: n.PivotModule, catalog: Catalog) -> dict[int, dict[str, n.Expr]]:
    """Per layer op (by id), the implicit sizes known statically, as source expressions."""
    return ShapeWalk(module, catalog).run()


class ShapeWalk:
    def __init__(self, module: n.PivotModule, catalog: Catalog) -> None:
        self.module = module
        self.catalog = catalog
        self.channels_last = module.source_framework != "torch"
        self.functions = {s.name: s for s in module.body if isinstance(s, n.FunctionDef)}
        self.classes = {s.name: s for s in module.body if isinstance(s, n.ClassDef) and s.kind != "plain"}
        self.scopes: dict[int, Scope] = {}
        self.module_scope = scope_of(None, None, module.body)
        self.scopes[id(self.module_scope)] = self.module_scope
        self.class_attrs: dict[str, dict[str, Value]] = {}
        self.stable_attrs: dict[str, dict[str, int]] = {cls: stable_attrs(c) for cls, c in self.classes.items()}
        self.observed: dict[int, dict[str, list[Dim]]] = {}
        self.recording = True
        self.active: list[int] = []
        self.frames: list[Frame] = []
        self.results: dict[tuple, Value] = {}
        self.unchained: dict[int, tuple[Stack, Frame]] = {}  # Sequentials without input, not yet called

    # ---- driver -------------------------------------------------------------------------------

    def run(self) -> dict[int, dict[str, n.Expr]]:
        for name in self.classes:
            self.walk_class(name)
        for f in self.functions.values():
            self.run_function(f, {}, None, {})
        top = Frame(self.module_scope, {})
        self.frames.append(top)
        self.block([s for s in self.module.body if not isinstance(s, (n.FunctionDef, n.ClassDef))], top, top=True)
        for stack, where in list(self.unchained.values()):  # never called: sizes follow from the layers alone
            self.frames.append(where)
            self.chain(stack, UNKNOWN_TENSOR, where.scope, same_point=stack.at_once)
            self.frames.pop()
        out: dict[int, dict[str, n.Expr]] = {}
        for key, attrs in self.observed.items():
            for attr, seen in attrs.items():
                if seen and seen[0] is not None and all(d == seen[0] for d in seen):
                    expr = to_expr(seen[0])
                    if expr is not None:
                        out.setdefault(key, {})[attr] = expr
        return out

    def walk_class(self, name: str) -> dict[str, Value]:
        """The class's layer attributes (from `__init__` and `build`), then its other methods walked."""
        if name in self.class_attrs:
            return self.class_attrs[name]
        attrs: dict[str, Value] = {}
        self.class_attrs[name] = attrs
        methods = [s for s in self.classes[name].body if isinstance(s, n.FunctionDef)]
        order = {"init": 0, "build": 1}
        for f in sorted(methods, key=lambda f: order.get(f.role, 2)):
            self.run_function(f, {}, name, attrs)
        return attrs

    def scope(self, f: n.FunctionDef, cls: str | None) -> Scope:
        found = self.scopes.get(id(f))
        if found is None:
            found = self.scopes[id(f)] = scope_of(f, cls, f.body)
        return found

    def run_function(self, f: n.FunctionDef, args: dict[str, Value], cls: str | None,
                     self_attrs: dict[str, Value]) -> Value:
        """Walks `f` with its parameters bound to `args` (unknown when absent); returns what it returns."""
        env = {f"self.{k}": v for k, v in self_attrs.items()} | {p.name: args.get(p.name) for p in f.params}
        frame = Frame(self.scope(f, cls), env)
        self.active.append(id(f))
        self.frames.append(frame)
        try:
            self.block(f.body, frame, top=True)
        finally:
            self.active.pop()
            self.frames.pop()
        self_attrs.update({k[5:]: v for k, v in frame.env.items() if k.startswith("self.")})
        out: Value = None
        for i, value in enumerate(frame.returns):
            out = value if i == 0 else join(out, value)
        return out

    # ---- statements -----------------------------------------------------------------------------

    def block(self, stmts: list[n.Stmt], fr: Frame, top: bool = False) -> None:
        for i, s in enumerate(stmts):
            if top:
                fr.pos = i
            self.stmt(s, fr)

    def stmt(self, s: n.Stmt, fr: Frame) -> None:  # noqa: C901
        if isinstance(s, n.Assign):
            value = self.ev(s.value, fr)
            for t in s.targets:
                self.bind(t, value, fr)
        elif isinstance(s, n.AugAssign):
            value = broadcast([v for v in (self.ev(s.target, fr), self.ev(s.value, fr)) if isinstance(v, Shape)])
            self.bind(s.target, value, fr)
        elif isinstance(s, n.AnnAssign):
            self.bind(s.target, self.ev(s.value, fr) if s.value is not None else None, fr)
        elif isinstance(s, n.ExprStmt):
            self.ev(s.value, fr)
        elif isinstance(s, n.Dropped) and s.call is not None:  # `model.build(shape)` left out still sizes the model
            self.ev(s.call, fr)
        elif isinstance(s, n.Return):
            fr.returns.append(self.ev(s.value, fr) if s.value is not None else None)
        elif isinstance(s, n.If):
            self.ev(s.test, fr)
            before = dict(fr.env)
            self.block(s.body, fr)
            after_body = fr.env
            fr.env = dict(before)
            self.block(s.orelse, fr)
            fr.env = join_env(after_body, fr.env)
        elif isinstance(s, n.For):
            self.ev(s.iter, fr)
            self.loop(s.body, fr, s.target, at_least_once=runs(s.iter))
            self.block(s.orelse, fr)
        elif isinstance(s, n.While):
            self.ev(s.test, fr)
            self.loop(s.body, fr, None)
        elif isinstance(s, n.FunctionDef):
            if self.recording and len(self.active) < _MAX_DEPTH:
                self.run_function(s, {}, None, {})
            self.bind(n.Name(s.name), None, fr)
        elif isinstance(s, n.Delete):
            for t in s.targets:
                self.bind(t, None, fr)

    def loop(self, body: list[n.Stmt], fr: Frame, target: n.Expr | None, at_least_once: bool = False) -> None:
        """Runs the body to a fixpoint without recording, then (when recording) once more from the joined state."""
        recording, self.recording = self.recording, False
        entry = dict(fr.env)
        state, out = dict(entry), None
        for _ in range(_MAX_ROUNDS):
            out = self.iteration(body, fr, target, state)
            joined = join_env(state, out)
            if joined == state:
                break
            state = joined
        else:  # no fixpoint: what the body changes is unknown
            state, out = {k: v if entry.get(k) == v else None for k, v in state.items()}, None
        self.recording = recording
        if recording or out is None:
            out = self.iteration(body, fr, target, state)
        fr.env = out if at_least_once else join_env(state, out)

    def iteration(self, body: list[n.Stmt], fr: Frame, target: n.Expr | None, state: dict[str, Value]) -> dict:
        """The environment after one run of a loop body entered with `state`."""
        fr.env = dict(state)
        if target is not None:
            self.bind(target, None, fr)
        self.block(body, fr)
        return fr.env

    def bind(self, target: n.Expr, value: Value, fr: Frame) -> None:
        if isinstance(target, n.Name):
            self.retire(target.id, fr)
            fr.env[target.id] = value
            if fr.scope.split is not None and fr.pos > fr.scope.split:
                fr.bound_in_graph.add(target.id)
        elif isinstance(target, n.Attr) and isinstance(target.value, n.Name) and target.value.id == "self":
            self.retire(f"self.{target.attr}", fr)
            fr.env[f"self.{target.attr}"] = value
        elif isinstance(target, (n.TupleExpr, n.ListExpr)):
            parts = value if isinstance(value, tuple) and len(value) == len(target.elts) else (None,) * len(target.elts)
            for t, v in zip(target.elts, parts):
                self.bind(t, v, fr)
        elif isinstance(target, n.Starred):
            self.bind(target.value, None, fr)

    def retire(self, name: str, fr: Frame) -> None:
        """`name` gets a new value: sizes spelled with it no longer hold."""
        scope = id(fr.scope)
        for key, value in fr.env.items():
            fr.env[key] = retired(value, name, scope)

    # ---- expressions ----------------------------------------------------------------------------

    def ev(self, e: n.Expr | None, fr: Frame) -> Value:  # noqa: C901
        if e is None:
            return None
        if isinstance(e, n.Const) and e.value is None:
            return NONE
        if isinstance(e, n.Name):
            return fr.env.get(e.id)
        if isinstance(e, n.Attr):
            if isinstance(e.value, n.Name) and e.value.id == "self":
                return fr.env.get(f"self.{e.attr}")
            self.ev(e.value, fr)
            return None
        if isinstance(e, n.Op):
            return self.op(e, fr)
        if isinstance(e, n.Call):
            return self.call(e, fr)
        if isinstance(e, (n.TupleExpr, n.ListExpr)):
            return tuple(self.ev(x, fr) for x in e.elts)
        if isinstance(e, n.Subscript):
            value = self.ev(e.value, fr)
            self.ev(e.index, fr)
            index = const_value(e.index)
            if isinstance(value, tuple) and isinstance(index, int) and -len(value) <= index < len(value):
                return value[index]
            return None
        if isinstance(e, n.BinOp):
            left, right = self.ev(e.left, fr), self.ev(e.right, fr)
            if e.op in ("+", "-", "*", "/") and (isinstance(left, Shape) or isinstance(right, Shape)):
                numbers = [isinstance(x, n.Const) and isinstance(x.value, (int, float)) for x in (e.left, e.right)]
                shapes = [v if isinstance(v, Shape) else None if numeric else UNKNOWN_TENSOR
                          for v, numeric in zip((left, right), numbers)]
                return broadcast(shapes)
            return None
        if isinstance(e, n.UnaryOp):
            value = self.ev(e.operand, fr)
            return value if e.op == "-" and isinstance(value, Shape) else None
        if isinstance(e, n.IfExp):
            self.ev(e.test, fr)
            return join(self.ev(e.body, fr), self.ev(e.orelse, fr))
        if isinstance(e, n.Starred):
            return self.ev(e.value, fr)
        if isinstance(e, (n.DictExpr, n.SetExpr, n.Compare, n.BoolOp)):
            for child in vars(e).values():
                for x in child if isinstance(child, list) else [child]:
                    if isinstance(x, n.Expr):
                        self.ev(x, fr)
        return None

    def op(self, op: n.Op, fr: Frame) -> Value:
        if op.key == "sequential":
            return self.sequential(op, fr)
        if op.layer:
            for v in op.attrs.values():
                self.ev(v, fr)
            return Layer(op, fr.scope, fr.pos)
        values = {k: self.ev(v, fr) for k, v in op.attrs.items()}
        entry = self.catalog.get(op.key)
        inputs = {t: values.get(t) for t in entry.layout.tensor_inputs if t in values}
        return self.apply(op, inputs, fr.scope, fr.pos, same_point=True)

    def call(self, e: n.Call, fr: Frame) -> Value:  # noqa: C901
        if isinstance(e.func, n.Attr) and e.func.attr in ("add", "build") and len(e.args) == 1:
            receiver = self.ev(e.func.value, fr)
            if isinstance(receiver, Stack) and e.func.attr == "add":
                grown = self.stack_add(replace(receiver, at_once=False), e.args[0].value, fr)
                self.rebind(e.func.value, grown, fr)
                return None
            if isinstance(receiver, Stack) and not receiver.declared:  # `model.build((None, 784))`
                self.unchained.pop(id(receiver.op), None)
                out = self.chain(receiver, batch_shape(e.args[0].value, id(fr.scope)), fr.scope, same_point=False)
                built = replace(receiver, out=out if isinstance(out, Shape) else None, declared=True)
                self.rebind(e.func.value, built, fr)
                return None
        if isinstance(e.func, n.Name) and e.func.id not in fr.env and e.func.id in self.functions:
            return self.call_function(self.functions[e.func.id], e.args, fr)
        if isinstance(e.func, n.Name) and e.func.id not in fr.env and e.func.id in self.classes:
            for a in e.args:
                self.ev(a.value, fr)
            return Instance(e.func.id)
        callee = self.ev(e.func, fr)
        args = [self.ev(a.value, fr) for a in e.args if not a.keyword and not a.star]
        for a in e.args:
            if a.keyword or a.star:
                self.ev(a.value, fr)
        inline = isinstance(e.func, n.Op)
        return self.call_value(callee, args, fr.scope, same_point=inline)

    def call_value(self, callee: Value, args: list[Value], scope: Scope, same_point: bool) -> Value:
        """What calling a layer, a Sequential or a block on `args` returns."""
        if isinstance(callee, Layer):
            entry = self.catalog.get(callee.op.key)
            names = entry.layout.tensor_inputs or ("input",)
            inputs = dict(zip(names, args))
            return self.apply(callee.op, inputs, callee.scope, callee.pos, same_point)
        if isinstance(callee, Stack):
            self.unchained.pop(id(callee.op), None)
            x = args[0] if args else None
            return self.chain(callee, x if isinstance(x, Shape) else UNKNOWN_TENSOR, scope, same_point=False)
        if isinstance(callee, Instance):
            return self.call_class(callee.cls, args, scope)
        return None

    def apply(self, op: n.Op, inputs: dict[str, Value], scope: Scope, pos: int, same_point: bool) -> Value:
        """Asks the op's shape rule for its output and records the implicit sizes it knows.

        A layer built earlier (`same_point` False) read its attributes then: sizes spelled with them hold
        now only if their names never change (they are read in a scope of their own, `id(op)`, first).
        """
        entry = self.catalog.get(op.key)
        view = ShapeView(op, inputs, id(scope) if same_point else id(op), self.channels_last)
        for attr, size in (entry.shape.implicit if entry.shape else {}).items():
            if isinstance(op.attrs.get(attr), n.Const) and op.attrs[attr].value is None:  # left implicit
                self.observe(op, attr, self.placed(size(view), scope, pos, same_point))
        out = output_of(entry, view)
        if same_point:
            return out

        def settled(d: Dim) -> Dim:
            if not isinstance(d, Sym) or d.scope != id(op):
                return d
            return replace(d, scope=id(scope)) if all(self.holds(name, scope, pos) for name in d.names) else None
        return map_dims(out, settled)

    def observe(self, op: n.Op, attr: str, size: Dim) -> None:
        if self.recording:
            self.observed.setdefault(id(op), {}).setdefault(attr, []).append(size)

    def placed(self, size: Dim, scope: Scope, pos: int, same_point: bool) -> Dim:
        """`size` if it can be written in the constructor of a layer built in `scope` at statement `pos`."""
        if not isinstance(size, Sym):
            return size
        if same_point and size.names & self.frames[-1].unbound:
            return None
        if size.scope == id(scope) and (same_point or all(self.holds(name, scope, pos) for name in size.names)):
            return size
        origin = self.scopes.get(size.scope)
        if origin is not None and origin.cls is not None and origin.cls == scope.cls \
                and all(name.startswith("self.") and self.holds(name, scope, pos) for name in size.names):
            return replace(size, scope=id(scope))
        return None

    def holds(self, name: str, scope: Scope, pos: int) -> bool:
        """Whether `name` has one value wherever in `scope` (from statement `pos` on) it is read."""
        if name.startswith("self."):
            at = self.stable_attrs.get(scope.cls or "", {}).get(name[5:])
            return at is not None and (not scope.is_init or at < pos)
        if name in scope.params:
            return True
        if name in scope.once:
            return scope.once[name] < pos
        return name not in scope.bound and scope.func is not None and name in self.module_scope.once

    # ---- containers -----------------------------------------------------------------------------

    def sequential(self, op: n.Op, fr: Frame) -> Stack:
        items = op.attrs.get("layers")
        elts = items.elts if isinstance(items, (n.TupleExpr, n.ListExpr)) else []
        stack = Stack(op, (), None, False)
        if not isinstance(items, (n.TupleExpr, n.ListExpr, n.Const)):
            self.ev(items, fr)
            return Stack(op, (None,), None, False)
        for item in elts:
            stack = self.stack_add(stack, item, fr)
        if not stack.declared:
            self.unchained[id(op)] = (stack, self.snapshot(fr))
        return stack

    def stack_add(self, stack: Stack, item: n.Expr, fr: Frame) -> Stack:
        """`stack` with `item` appended (`Sequential([...])` elements and `model.add(item)`)."""
        value = self.ev(item, fr)
        if isinstance(value, Shape):  # keras.Input(...): declares the input
            return replace(stack, out=value, declared=True)
        declared = isinstance(item, n.Op) and item.input_shape is not None and not stack.declared and not stack.layers
        if declared:
            shape = declared_shape(item.input_shape, id(fr.scope))  # type: ignore[arg-type]
            stack = replace(stack, out=shape, declared=True)
        out = stack.out
        if stack.declared:
            out = self.call_value(value, [stack.out], fr.scope, same_point=isinstance(item, n.Op))
            if stack.op is not None:
                self.unchained.pop(id(stack.op), None)
        stack = replace(stack, layers=stack.layers + (value,), out=out if isinstance(out, Shape) else None)
        if stack.op is not None and not stack.declared and id(stack.op) in self.unchained:
            self.unchained[id(stack.op)] = (stack, self.snapshot(fr))
        return stack

    @staticmethod
    def snapshot(fr: Frame) -> Frame:
        """Where a Sequential without input stands, to size its layers once the walk is over."""
        return Frame(fr.scope, {}, fr.pos, bound_in_graph=set(fr.bound_in_graph))

    def chain(self, stack: Stack, x: Shape, scope: Scope, same_point: bool) -> Value:
        """A Sequential's layers applied in turn to `x`."""
        value: Value = x
        for layer in stack.layers:
            value = self.call_value(layer, [value if isinstance(value, Shape) else UNKNOWN_TENSOR], scope,
                                    same_point=same_point)
        return value

    def rebind(self, target: n.Expr, value: Value, fr: Frame) -> None:
        if isinstance(target, n.Name):
            fr.env[target.id] = value
        elif isinstance(target, n.Attr) and isinstance(target.value, n.Name) and target.value.id == "self":
            fr.env[f"self.{target.attr}"] = value

    # ---- calls into the module's own functions and classes ----------------------------------------

    def call_function(self, f: n.FunctionDef, args: list[n.Arg], fr: Frame) -> Value:
        """A helper's result, its own sizes rewritten in the caller's names (parameters -> arguments)."""
        values = [self.ev(a.value, fr) for a in args]
        if id(f) in self.active or len(self.active) >= _MAX_DEPTH or any(a.star for a in args):
            return None
        bound, exprs = bind_params(f, args, values)
        key = (id(f), tuple(sorted(bound.items(), key=lambda kv: kv[0])))  # values are hashable
        if key not in self.results:
            recording, self.recording = self.recording, False
            self.results[key] = self.run_function(f, bound, None, {})
            self.recording = recording
        callee = self.scope(f, None)
        arguments = {k: e for k, e in exprs.items() if k in callee.params}
        return export(self.results[key], id(callee), id(fr.scope), arguments)

    def call_class(self, name: str, args: list[Value], scope: Scope) -> Value:
        """A block's output for `args`: only sizes of the caller's own (ints, or the caller's names) survive."""
        methods = [s for s in self.classes[name].body if isinstance(s, n.FunctionDef)]
        forward = next((f for f in methods if f.role == "forward"), None)
        if forward is None or id(forward) in self.active or len(self.active) >= _MAX_DEPTH:
            return None
        params = [p.name for p in forward.params[1:] if not p.star]
        bound = dict(zip(params, args))
        key = (id(forward), tuple(bound.items()))
        if key not in self.results:
            recording, self.recording = self.recording, False
            self.results[key] = self.run_function(forward, bound, name, dict(self.walk_class(name)))
            self.recording = recording
        return export(self.results[key], None, id(scope), {})


