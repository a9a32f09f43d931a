"""Which parts of a pivot module a migration writes, what each class's attributes hold, and the imports.

Shared by both writers: the symbol's closure (classes, helpers and constants it needs), the entry
classes (the ones the user instantiates), attribute facts read from constructors, and rendering of
the final module with only the imports its code uses.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import fields
from functools import cached_property

from nnmigrate.pivot import nodes as n
from nnmigrate.support import source as support_source
from nnmigrate.writers import module_state, printer
from nnmigrate.writers.translate import AttrInfo

_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_NODE_TYPES = frozenset(name for name, value in vars(n).items()
                        if isinstance(value, type) and issubclass(value, n.Node))


def _child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a pivot node type that can hold nodes (read from their annotations), cached per type."""
    names = _CHILD_FIELDS.get(kind)
    if names is None:
        names = _CHILD_FIELDS[kind] = tuple(
            f.name for f in fields(kind) if _NODE_TYPES.intersection(re.findall(r"\w+", str(f.type))))
    return names


def walk(node: object) -> Iterator[n.Node]:
    """Every pivot node under `node` (itself included), depth first in field order."""
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, n.Node):
            yield x
            children = [getattr(x, name) for name in _child_fields(type(x))]
            stack.extend(reversed([c for c in children if c]))
        elif isinstance(x, list):
            stack.extend(reversed(x))
        elif isinstance(x, dict):
            stack.extend(reversed(list(x.values())))


def names_used(node: object) -> set[str]:
    """The names the code under `node` needs bound: heads of names, bases, decorators, annotations and
    names in source kept verbatim."""
    return name_facts(node)[0]


def name_facts(node: object) -> tuple[set[str], set[str]]:
    """`names_used`, and the plain names the code uses or binds as parameters, in one walk."""
    used: set[str] = set()
    plain: set[str] = set()
    for x in walk(node):
        if isinstance(x, n.Name):
            used.add(x.id.split(".")[0])
            plain.add(x.id)
        elif isinstance(x, n.Param):
            plain.add(x.name)
        elif isinstance(x, n.ClassDef):
            used.update(b.split(".")[0].split("(")[0] for b in x.bases)
        elif isinstance(x, n.FunctionDef):
            used.update(d.split(".")[0].split("(")[0] for d in x.decorators)
        elif isinstance(x, (n.Unsupported, n.UnsupportedStmt, n.FormattedString)):
            used.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", x.code))
        annotation = x.returns if isinstance(x, n.FunctionDef) else getattr(x, "annotation", None)
        if isinstance(annotation, str):  # `Optional[int]` needs its import as much as code does
            used.update(re.findall(r"(?<![.\w])[A-Za-z_]\w*", annotation))
    return used, plain


def bound_names(import_code: str) -> list[str]:
    code = import_code.strip()
    if code.startswith("from "):
        names = code.split(" import ", 1)[1].strip("() ")
        return [part.split(" as ")[-1].strip() for part in names.split(",") if part.strip()]
    return [part.split(" as ")[-1].strip().split(".")[0] for part in code[len("import "):].split(",")]


class ModulePlan:
    def __init__(self, module: n.PivotModule, symbol: str | None) -> None:
        self.module = module
        self.symbol = symbol
        self.classes = {s.name: s for s in module.body if isinstance(s, n.ClassDef) and s.kind != "plain"}
        self.functions = {s.name: s for s in module.body if isinstance(s, n.FunctionDef)}
        self.definitions: dict[str, n.Stmt] = {}
        for s in module.body:
            if isinstance(s, (n.ClassDef, n.FunctionDef)):
                self.definitions[s.name] = s
            elif isinstance(s, n.Assign):
                for t in s.targets:
                    for name in names_used(t):
                        self.definitions.setdefault(name, s)
        #: module-level names bound once to an int (`CHANNELS_DIMENSION = 1`), for axis arguments
        assigned = [t.id for s in module.body if isinstance(s, (n.Assign, n.AugAssign))
                    for t in (s.targets if isinstance(s, n.Assign) else [s.target]) if isinstance(t, n.Name)]
        self.constants = {s.targets[0].id: s.value for s in module.body
                          if isinstance(s, n.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], n.Name)
                          and assigned.count(s.targets[0].id) == 1
                          and isinstance(s.value, n.Const) and type(s.value.value) is int}
        self._attributes: dict[str, dict[str, AttrInfo]] = {}
        self._passed: dict[str, dict[str, list[AttrInfo]]] | None = None  # see _arguments
        self._recording = False
        self._facts = {id(s): name_facts(s) for s in module.body
                       if isinstance(s, (n.ClassDef, n.FunctionDef, n.Assign))}
        self.submodule_classes = self._submodule_classes()
        self.entry_classes = self._entry_classes()

    # ---- what gets written ---------------------------------------------------------------

    @cached_property
    def _closure(self) -> set[int]:
        if self.symbol is None:
            return {id(s) for s in self.module.body}
        keep: set[int] = set()
        todo = [self.symbol]
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen or name not in self.definitions:
                continue
            seen.add(name)
            stmt = self.definitions[name]
            keep.add(id(stmt))
            todo += list(self._facts[id(stmt)][0] if id(stmt) in self._facts else names_used(stmt))
        return keep

    def statements(self) -> list[n.Stmt]:
        keep = self._closure
        return [s for s in self.module.body if id(s) in keep or isinstance(s, n.Import)]

    # ---- classes -------------------------------------------------------------------------

    def _submodule_classes(self) -> set[str]:
        used: set[str] = set()
        for cls in self.classes.values():
            used.update(name for name in self._facts[id(cls)][1] if name in self.classes and name != cls.name)
        return used

    def _entry_classes(self) -> set[str]:
        if self.symbol in self.classes:
            return {self.symbol}
        if self.symbol in self.functions:
            return {x.id for x in walk(self.functions[self.symbol]) if isinstance(x, n.Name) and x.id in self.classes}
        return {name for name in self.classes if name not in self.submodule_classes}

    @staticmethod
    def mentions_framework(annotation: str) -> bool:
        return bool(re.search(r"\b(torch|nn|Tensor|tf)\b", annotation))

    @cached_property
    def imported(self) -> set[str]:
        """Names the module's own (non-framework) imports bind."""
        return {name for s in self.module.body if isinstance(s, n.Import) for name in bound_names(s.code)}

    @cached_property
    def spatial(self) -> bool:
        """Whether the written code builds channel-sensitive layers (convolutions, pooling) anywhere."""
        return any(isinstance(x, n.Op) and x.layer and x.key.startswith(("conv", "max_pool", "avg_pool", "adaptive"))
                   for x in walk(self.statements()))

    def is_model_class(self, name: str) -> bool:
        return name in self.entry_classes

    def bases_of(self, name: str) -> list[n.ClassDef]:
        """The class and its in-file ancestors, nearest first."""
        out: list[n.ClassDef] = []
        todo = [name]
        while todo:
            cls = self.classes.get(todo.pop(0))
            if cls is None or cls in out:
                continue
            out.append(cls)
            todo += [b for b in cls.bases if b in self.classes]
        return out

    def method(self, class_name: str, role: str) -> n.FunctionDef | None:
        """The class's (or nearest in-file ancestor's) method with this role: init, forward, build."""
        for cls in self.bases_of(class_name):
            for s in cls.body:
                if isinstance(s, n.FunctionDef) and s.role == role:
                    return s
        return None

    def helper(self, class_name: str, name: str) -> tuple[str, n.FunctionDef] | None:
        """The helper method `name` of the class or its nearest in-file ancestor, with the class defining it."""
        for cls in self.bases_of(class_name):
            for s in cls.body:
                if isinstance(s, n.FunctionDef) and s.name == name:
                    return (cls.name, s) if s.role == "helper" else None
        return None

    def attributes(self, class_name: str) -> dict[str, AttrInfo]:
        """What each `self.<name>` holds, from the class's (and its ancestors') non-forward methods; computed once.
        A constructor parameter holds what the file's constructions of the class pass it
        (`PreNorm(dim, Attention(...))`)."""
        if class_name not in self._attributes:
            arguments = self._arguments()
            attrs: dict[str, AttrInfo] = {}
            for cls in reversed(self.bases_of(class_name)):
                for s in cls.body:
                    if isinstance(s, n.FunctionDef) and s.role != "forward":
                        passed = arguments.get(cls.name, {}) if s.role == "init" else {}
                        self._collect(s.body, attrs, {p.name: AttrInfo("argument", elements=passed.get(p.name, []))
                                                      for p in s.params[1:]})
            self._attributes[class_name] = attrs
        return self._attributes[class_name]

    def _arguments(self) -> dict[str, dict[str, list[AttrInfo]]]:
        """Per class and constructor parameter, what the constructions of the class in other classes'
        constructors pass (one level deep: the arguments' own parameters are not followed)."""
        if self._passed is None:
            self._passed = {}
            self._recording = True
            for cls in self.classes.values():
                for s in cls.body:
                    if isinstance(s, n.FunctionDef) and s.role != "forward":
                        self._collect(s.body, {}, {p.name: AttrInfo("argument") for p in s.params[1:]})
            self._recording = False
        return self._passed

    def _collect(self, stmts: list[n.Stmt], attrs: dict[str, AttrInfo], local: dict[str, AttrInfo]) -> None:
        """Attribute facts from constructor statements, in order. Where the branches of an `if` assign one
        attribute differently, the first branch that builds a real layer (the primary path) stands."""
        for x in stmts:
            if isinstance(x, n.If):
                before = dict(attrs)
                self._collect(x.body, attrs, local)
                other = dict(before)
                self._collect(x.orelse, other, local)
                for name, info in other.items():
                    mine = attrs.get(name)
                    if mine is None or mine is before.get(name) or not _informative(mine) and _informative(info):
                        attrs[name] = info
            elif isinstance(x, (n.For, n.While, n.FunctionDef)):
                self._collect(x.body, attrs, local)
            elif isinstance(x, n.Try):
                for part in (x.body, *(h.body for h in x.handlers), x.orelse, x.finalbody):
                    self._collect(part, attrs, local)
            elif isinstance(x, n.Assign):
                info = self.attr_info(x.value, local, attrs)
                for t in x.targets:
                    if isinstance(t, n.Attr) and isinstance(t.value, n.Name) and t.value.id == "self":
                        attrs[t.attr] = info
                    elif isinstance(t, n.Name):
                        local[t.id] = info
                    elif _self_attr(t.value if isinstance(t, n.Subscript) else None) in attrs \
                            and attrs[_self_attr(t.value)].kind in ("list", "dict"):  # type: ignore[union-attr]
                        held = attrs[_self_attr(t.value)]  # `self.blocks[name] = Block(...)` adds an element
                        attrs[_self_attr(t.value)] = AttrInfo(held.kind, elements=[*held.elements, info])  # type: ignore
            elif isinstance(x, n.ExprStmt) and _appended(x.value) in attrs and (
                    attrs[_appended(x.value)].kind == "list" or attrs[_appended(x.value)].kind == "sequence"
                    and attrs[_appended(x.value)].elements):  # a sequence without elements: its contents are unknown
                listed = attrs[_appended(x.value)]  # `self.blocks.append(Block(...))` builds the list element-wise
                elements = [*listed.elements, self.attr_info(x.value.args[-1].value, local, attrs)]  # type: ignore[union-attr]
                attrs[_appended(x.value)] = AttrInfo(listed.kind, elements=elements)  # type: ignore[index]
            elif isinstance(x, n.ExprStmt) and _appended_local(x.value) in local \
                    and local[_appended_local(x.value)].kind in ("list", "sequence"):  # type: ignore[index]
                name = _appended_local(x.value)  # `blocks.append(Block(...))` on a local list, stored later
                elements = [*local[name].elements, self.attr_info(x.value.args[-1].value, local, attrs)]  # type: ignore
                local[name] = AttrInfo(local[name].kind, elements=elements)  # type: ignore[index]
            elif isinstance(x, n.ExprStmt) and isinstance(x.value, n.Op) and x.value.key == "register_buffer":
                name = x.value.attrs["name"]
                if isinstance(name, n.Const) and isinstance(name.value, str):
                    attrs[name.value] = AttrInfo("param")

    def attr_info(self, e: n.Expr, local: dict[str, AttrInfo], attrs: dict[str, AttrInfo] | None = None) -> AttrInfo:
        attrs = attrs or {}
        setting = module_state.setting_call(e)  # `nn.Linear(4, 2).eval()`: the layer, whose mode is left out
        if setting is not None:
            inner = self.attr_info(setting[0], local, attrs)
            if inner.kind not in ("other", "param", "argument"):
                return inner
        if isinstance(e, n.Attr) and isinstance(e.value, n.Name) and e.value.id == "self" and e.attr in attrs:
            return attrs[e.attr]
        if isinstance(e, n.IfExp):  # `nn.Conv1d(...) if flag else None`
            branches = [self.attr_info(b, local, attrs) for b in (e.body, e.orelse)
                        if not (isinstance(b, n.Const) and b.value is None)]
            if branches and all(b.kind == "class_ref" for b in branches):  # `AbsPosEmb if absolute else RelPosEmb`
                return AttrInfo("class_refs", elements=branches)
            # `nn.Linear(...) if proj else nn.Identity()`: the identity takes any layout the other branch wants
            branches = [b for b in branches if (b.kind, b.key) != ("op", "identity")] or branches
            same = all((b.kind, b.key) == (branches[0].kind, branches[0].key) for b in branches)
            return branches[0] if same else AttrInfo("other")
        if isinstance(e, n.Op):
            if e.key == "sequential":
                items = e.attrs.get("layers")
                listed = isinstance(items, (n.TupleExpr, n.ListExpr))  # nn.Sequential(a, b), keras.Sequential([a, b])
                if listed and not any(isinstance(i, n.Starred) for i in items.elts):
                    return AttrInfo("sequence", elements=[self.attr_info(i, local, attrs) for i in items.elts])
                return AttrInfo("sequence")
            if e.key in ("module_list", "module_dict"):
                items = e.attrs.get("modules")
                if isinstance(items, n.ListExpr):
                    return AttrInfo("list", elements=[self.attr_info(i, local, attrs) for i in items.elts])
                if isinstance(items, n.Comprehension):
                    return AttrInfo("list", elements=[self.attr_info(items.value or items.elt, local, attrs)])
                if isinstance(items, n.DictExpr):
                    return AttrInfo("dict", elements=[self.attr_info(v, local, attrs) for v in items.values])
                return AttrInfo("list")
            if e.key in ("parameter", "add_weight"):
                return AttrInfo("param")
            if e.layer:
                return AttrInfo("op", e.key, op=e)
        if isinstance(e, n.Call) and isinstance(e.func, n.Name) and e.func.id in self.classes:
            if self._recording:
                self._record(e.func.id, e.args, local, attrs)
            return AttrInfo("class", e.func.id)
        if isinstance(e, (n.ListExpr, n.DictExpr)) and not (e.elts if isinstance(e, n.ListExpr) else e.keys):
            return AttrInfo("list" if isinstance(e, n.ListExpr) else "dict")  # filled by later statements
        if isinstance(e, n.ListExpr) or isinstance(e, n.Comprehension) and e.kind == "list":  # Keras: a list of layers
            elements = [self.attr_info(i, local, attrs) for i in (e.elts if isinstance(e, n.ListExpr) else [e.elt])]
            if all(x.kind in ("op", "class", "sequence") for x in elements):
                return AttrInfo("list", elements=elements)
        if isinstance(e, n.Lambda) and isinstance(e.body, n.Op) and e.body.layer:  # `conv = nn.Conv2d`
            return AttrInfo("factory", e.body.key, op=e.body)
        if isinstance(e, n.Subscript) and isinstance(e.value, n.DictExpr) and e.value.values and all(
                isinstance(v, n.Lambda) and isinstance(v.body, n.Op) and v.body.layer for v in e.value.values):
            # `{"Conv2d": factory, ...}[name]`: layer classes picked by name at run time
            return AttrInfo("factories", elements=[AttrInfo("factory", v.body.key, op=v.body)  # type: ignore[union-attr]
                                                   for v in e.value.values])
        made = local.get(e.func.id) if isinstance(e, n.Call) and isinstance(e.func, n.Name) else \
            self.attr_info(e.func, local, attrs) if isinstance(e, n.Call) and isinstance(e.func, n.Subscript) else None
        if made is not None and made.kind == "factory":  # `conv(3, 64, 3)` with that factory
            return AttrInfo("op", made.key, op=made.op)
        if made is not None and made.kind == "factories":  # one of several layers: a "choice"
            return AttrInfo("choice", elements=[AttrInfo("op", f.key, op=f.op) for f in made.elements])
        if made is not None and made.kind in ("class_ref", "class_refs"):  # `block(dim)` with `block = Block`
            chosen = [made] if made.kind == "class_ref" else made.elements
            if self._recording:
                for c in chosen:
                    self._record(c.key, e.args, local, attrs)  # type: ignore[union-attr,arg-type]
            classes = [AttrInfo("class", c.key) for c in chosen]
            return classes[0] if len(classes) == 1 else AttrInfo("choice", elements=classes)
        if isinstance(e, n.Name) and e.id in self.classes and e.id not in local:
            return AttrInfo("class_ref", e.id)
        if isinstance(e, n.Name) and e.id in local:
            return local[e.id]
        return AttrInfo("other")

    def _record(self, class_name: str, args: list[n.Arg], local: dict[str, AttrInfo],
                attrs: dict[str, AttrInfo]) -> None:
        """Notes what a construction of the class passes to each constructor parameter."""
        init = self.method(class_name, "init")
        if init is None:
            return
        params = [p.name for p in init.params[1:] if not p.star]
        passed = self._passed.setdefault(class_name, {})  # type: ignore[union-attr]
        for i, a in enumerate(args):
            name = a.keyword if a.keyword else params[i] if not a.star and i < len(params) else None
            if name is not None:
                passed.setdefault(name, []).append(self.attr_info(a.value, local, attrs))

    # ---- rendering -----------------------------------------------------------------------

    def render(self, body: list[n.Stmt], docstring: str | None, framework_imports: dict[str, str],
               support: Collection[str] = (), support_module: str = "keras_layers.py") -> str:
        """The module text. `framework_imports` maps each name the writer emits (`layers`) to its import line,
        the first being the framework's root; a name the user's code binds itself is reached through the
        root instead (`keras.layers`). `support` names support layers the code may use: those it does are
        written after the imports."""
        used, plain = name_facts(body)
        written = [name for name in support if name in used and name not in self.definitions]
        root = next(iter(framework_imports))
        shadowed = {name for name in framework_imports if name != root and name in plain}
        if shadowed:
            for x in walk(body):
                if isinstance(x, n.Name) and x.id.split(".")[0] in shadowed and "." in x.id:
                    x.id = f"{root}.{x.id}"
                    used.add(root)
        if written:
            used.add(root)  # support layers spell the framework's names in full
        mine: list[n.Stmt] = []
        rest: list[n.Stmt] = []
        for s in body:
            if isinstance(s, n.Import):
                if any(name in used for name in bound_names(s.code)):
                    mine.insert(0, n.Import(_flavoured(s.code, root), span=s.span, comments=s.comments))
            else:
                rest.append(s)
        bound = {name for s in mine if isinstance(s, n.Import) for name in bound_names(s.code)}
        imports: list[n.Stmt] = mine + [n.Import(line) for name, line in framework_imports.items() if name in used
                                        and name not in shadowed and (name == root or name not in bound)]
        bound |= {name for s in imports if isinstance(s, n.Import) for name in bound_names(s.code)}
        imports[:0] = [n.Import(line) for name, line in LIBRARY_IMPORTS.items() if name in used and name not in bound]
        if not written:
            return printer.module(_sorted_imports(imports, set(framework_imports.values())) + rest, docstring)
        head = printer.module(_sorted_imports(imports, set(framework_imports.values())), docstring).rstrip()
        return f"{head}\n\n\n{support_source(written, support_module)}\n\n\n{printer.module(rest)}"



#: Libraries emitters may spell (`np.finfo`): imported when the code uses them and the user's imports do not.
LIBRARY_IMPORTS = {"functools": "import functools", "math": "import math", "types": "import types", "np": "import numpy as np"}

#: Libraries with one module per framework (layers that work on that framework's tensors): an import of
#: one flavour is written as the target framework's.
_FLAVOURS = {"einops.layers": {"torch": "einops.layers.torch", "keras": "einops.layers.keras",
                               "tensorflow": "einops.layers.tensorflow"}}


_ADDS = {"append": 1, "add_module": 2}  # container methods that add a layer: their argument count


def _self_attr(e: n.Expr | None) -> str | None:
    """`name` for `self.name`."""
    return e.attr if isinstance(e, n.Attr) and isinstance(e.value, n.Name) and e.value.id == "self" else None


def _appended(e: n.Expr) -> str | None:
    """`name` for `self.name.append(value)`, `self.name.add_module(key, value)`."""
    if isinstance(e, n.Call) and isinstance(e.func, n.Attr) and len(e.args) == _ADDS.get(e.func.attr) \
            and isinstance(e.func.value, n.Attr) and isinstance(e.func.value.value, n.Name) and e.func.value.value.id == "self":
        return e.func.value.attr
    return None


def _appended_local(e: n.Expr) -> str | None:
    """`name` for `name.append(value)` on a local variable."""
    if isinstance(e, n.Call) and isinstance(e.func, n.Attr) and len(e.args) == _ADDS.get(e.func.attr) \
            and isinstance(e.func.value, n.Name):
        return e.func.value.id
    return None


def _informative(info: AttrInfo) -> bool:
    """Whether an attribute fact says which layer it is (not None, an identity or an unknown value)."""
    return info.kind != "other" and (info.kind, info.key) != ("op", "identity")


def _flavoured(import_code: str, root: str) -> str:
    """`from einops.layers.torch import X` as the `root` framework's flavour (`einops.layers.keras`)."""
    for library, modules in _FLAVOURS.items():
        wanted = modules.get(root)
        for module in modules.values():
            if wanted and module != wanted and re.search(rf"\b{re.escape(module)}\b", import_code):
                return re.sub(rf"\b{re.escape(module)}\b", wanted, import_code)
    return import_code


def _sorted_imports(imports: list[n.Stmt], framework_lines: set[str]) -> list[n.Stmt]:
    """The user's imports first (as written), then the target framework's."""
    mine = [s for s in imports if isinstance(s, n.Import) and s.code not in framework_lines]
    return mine + [s for s in imports if isinstance(s, n.Import) and s.code in framework_lines]


