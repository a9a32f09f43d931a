"""`*args` / `**kwargs` a class or function only passes on, bound to explicit parameters.

torchvision's `BasicConv2d(in_channels, out_channels, **kwargs)` hands its keywords to
`nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)`. The keywords mean something only to the
source framework's op, so they cannot stay a pass-through: the reader replaces the star parameter by the
parameters the file's own call sites pass through it (`BasicConv2d(64, 96, kernel_size=3, padding=1)`
gives `*, kernel_size, padding=0`), and the forwarding call by those names (`nn.Conv2d(..., kernel_size=
kernel_size, padding=padding)`), which the catalog then maps like any written argument. A default is the
receiver's own (the op's default, or the in-file callee's parameter default); a keyword without one stays
required. Classes and functions whose star parameters are used otherwise, that no call site in the file
constructs, or whose call sites pass star arguments themselves (other than keyword dictionaries,
`readers/keyword_dicts.py`), are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from nnmigrate.readers.keyword_dicts import expanded, keyword_dicts

if TYPE_CHECKING:
    from nnmigrate.readers.common import SourceReader


@dataclass
class Expansion:
    """The explicit parameters that replace a function's star parameters."""

    star_args: str | None
    star_kwargs: str | None
    positional: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    defaults: dict[str, cst.BaseExpression] = field(default_factory=dict)  # absent: required

    def args_for(self, arg: cst.Arg) -> list[cst.Arg] | None:
        """The explicit arguments standing for a forwarded `*args` / `**kwargs`, or None for another argument."""
        if not isinstance(arg.value, cst.Name):
            return None
        if arg.star == "*" and arg.value.value == self.star_args:
            return [cst.Arg(cst.Name(p)) for p in self.positional]
        if arg.star == "**" and arg.value.value == self.star_kwargs:
            return [cst.Arg(cst.Name(k), keyword=cst.Name(k)) for k in self.keywords]
        return None


@dataclass
class _Receiver:
    """Where a star parameter is forwarded: parameter names in positional order and their defaults."""

    names: list[str]
    default: Callable[[str], cst.BaseExpression | None]  # None: required
    offset: int  # positional arguments written before the forwarded `*args`


class Forwarding:
    """Finds the expansions of one module's top-level classes (their `__init__`) and functions."""

    def __init__(self, reader: SourceReader) -> None:
        self.reader = reader
        self.definitions: dict[str, cst.FunctionDef] = {}  # a class stands for its `__init__`
        self.classes: set[str] = set()
        for stmt in reader.module.body:
            if isinstance(stmt, cst.FunctionDef):
                self.definitions[stmt.name.value] = stmt
            elif isinstance(stmt, cst.ClassDef) and isinstance(stmt.body, cst.IndentedBlock):
                init = next((s for s in stmt.body.body
                             if isinstance(s, cst.FunctionDef) and s.name.value == "__init__"), None)
                if init is not None:
                    self.definitions[stmt.name.value] = init
                    self.classes.add(stmt.name.value)
        self.expansions: dict[str, Expansion | None] = {}
        self.calls: dict[str, list[tuple[int, cst.Call]]] = {}  # calls of a plain name by that name, numbered
        for i, c in enumerate(reader.positions.all_calls()):
            if isinstance(c.func, cst.Name):
                self.calls.setdefault(c.func.value, []).append((i, c))
        self.bound = _bound_to_names(reader)
        self.site_dicts: dict[int, dict[str, cst.Dict]] = {}  # keyword dictionaries in scope at each call
        for stmt in reader.positions.all_statements():  # an inner function after (and over) its outer one
            if isinstance(stmt, cst.FunctionDef):
                calls = reader.positions.calls(stmt)
                dicts = keyword_dicts(stmt, calls)
                self.site_dicts.update((id(c), dicts) for c in calls)

    def args(self, call: cst.Call) -> list[cst.Arg]:
        """The call's arguments, `**conv_args` of a keyword dictionary read as the keywords it holds."""
        return expanded(list(call.args), self.site_dicts.get(id(call), {}))

    def run(self) -> dict[int, Expansion]:
        """Expansions by id of the function node they apply to."""
        out = {}
        for name, func in self.definitions.items():
            if (func.params.star_arg is not None and isinstance(func.params.star_arg, cst.Param)
                    or func.params.star_kwarg is not None):
                expansion = self.expansion(name)
                if expansion is not None:
                    out[id(func)] = expansion
        return out

    def expansion(self, name: str) -> Expansion | None:
        if name not in self.expansions:
            self.expansions[name] = None  # a cycle of forwarding definitions expands nothing
            self.expansions[name] = self._expand(name, self.definitions[name])
        return self.expansions[name]

    def _expand(self, name: str, func: cst.FunctionDef) -> Expansion | None:
        params = func.params
        star_args = params.star_arg.name.value if isinstance(params.star_arg, cst.Param) else None
        star_kwargs = params.star_kwarg.name.value if params.star_kwarg is not None else None
        forwards = self._forwarding_calls(func, {star_args, star_kwargs} - {None})  # type: ignore[arg-type]
        if forwards is None:
            return None
        positional = [p.name.value for p in (*params.posonly_params, *params.params)]
        if name in self.classes:
            positional = positional[1:]  # self
        named = set(positional) | {p.name.value for p in params.kwonly_params}
        aliases = self._aliases(name)
        sites = [self.args(c) for _, c in sorted((x for alias in aliases for x in self.calls.get(alias, [])),
                                                 key=lambda x: x[0])]
        if not sites or any(a.star for c in sites for a in c):
            return None
        extra = max(len([a for a in c if a.keyword is None]) - len(positional) for c in sites)
        keywords = list(dict.fromkeys(a.keyword.value for c in sites for a in c
                                      if a.keyword is not None and a.keyword.value not in named))
        if extra > 0 and star_args is None or keywords and star_kwargs is None:
            return None
        expansion = Expansion(star_args, star_kwargs)
        if star_args is not None and extra > 0:
            receiver = self._receiver(forwards, star_args)
            if receiver is None or len(receiver.names) < receiver.offset + extra:
                return None
            expansion.positional = receiver.names[receiver.offset:receiver.offset + extra]
            always = min(len([a for a in c if a.keyword is None]) - len(positional) for c in sites)
            for i, p in enumerate(expansion.positional):
                if i >= always:
                    default = receiver.default(p)
                    if default is None:
                        return None
                    expansion.defaults[p] = default
            has_default = any(p.default is not None for p in params.params)
            if has_default and len(expansion.defaults) < len(expansion.positional):
                return None  # a required positional after one with a default
        if star_kwargs is not None:
            receiver = self._receiver(forwards, star_kwargs)
            if receiver is None or set(keywords) & (named | set(expansion.positional)):
                return None
            order = {k: i for i, k in enumerate(receiver.names)}
            expansion.keywords = sorted(keywords, key=lambda k: order.get(k, len(order)))
            for k in keywords:
                default = receiver.default(k)
                if default is not None:
                    expansion.defaults[k] = default
            given_everywhere = set.intersection(*({a.keyword.value for a in c if a.keyword} for c in sites))
            if any(k not in expansion.defaults and k not in given_everywhere for k in keywords):
                return None  # a call site lacks a keyword that has no default: not a call of this definition
        return expansion

    def _forwarding_calls(self, func: cst.FunctionDef, stars: set[str]) -> list[tuple[cst.Call, cst.Arg]] | None:
        """The calls that pass the star parameters on, or None when one is used any other way (its name
        appears in the function's text other than where it is declared and passed on)."""
        found = [(c, a) for c in self.reader.positions.calls(func) for a in c.args
                 if a.star and isinstance(a.value, cst.Name) and a.value.value in stars]
        text = self.reader.code(func)
        uses = sum(len(re.findall(rf"(?<![\w.]){re.escape(star)}\b", text)) for star in stars)
        return found if found and uses == len(found) + len(stars) else None

    def _aliases(self, name: str) -> set[str]:
        """The definition's name and the names bound to it: `conv_block = BasicConv2d`, `conv_block=BasicConv2d`."""
        return {name} | self.bound.get(name, set())

    def _receiver(self, forwards: list[tuple[cst.Call, cst.Arg]], star: str) -> _Receiver | None:
        """Parameter names and defaults of what the star parameter is passed to (the first such call)."""
        call, arg = next(((c, a) for c, a in forwards if isinstance(a.value, cst.Name) and a.value.value == star),
                         (None, None))
        if call is None or arg is None:
            return None
        offset = len([a for a in call.args[:call.args.index(arg)] if a.keyword is None and not a.star])
        qual = self.reader.qualname(call.func)
        found = self.reader.resolve_function(qual) if qual else None
        if found is not None:
            entry, spelling = found
            side = "torch" if self.reader.framework == "torch" else "keras"
            names = list(spelling.params) + [k for k in spelling.rename if k not in spelling.params]
            names += [a for a in entry.attr_names if a not in names and a not in spelling.rename.values()]

            def op_default(name: str) -> cst.BaseExpression | None:
                canonical = spelling.rename.get(name, name)
                return _literal(getattr(entry.attr(canonical), side)) if canonical in entry.attr_names else None

            return _Receiver(names, op_default, offset)
        callee = call.func.value if isinstance(call.func, cst.Name) else None
        if callee not in self.definitions:
            return None
        target = self.definitions[callee]
        own = [*target.params.posonly_params, *target.params.params, *target.params.kwonly_params]
        if callee in self.classes:
            own = own[1:]  # self
        names = [p.name.value for p in own]
        defaults = {p.name.value: p.default for p in own if p.default is not None}
        inner = self.expansion(callee)
        if inner is not None:
            names += inner.positional + inner.keywords
            defaults.update(inner.defaults)
        return _Receiver(names, defaults.get, offset)


def _literal(value: object) -> cst.BaseExpression | None:
    """A default value as source code, when it is a plain literal (REQUIRED and the like give None)."""
    if value is None or isinstance(value, (bool, int, str)) or isinstance(value, float) and value == value \
            and abs(value) != float("inf"):
        return cst.parse_expression(repr(value))
    if isinstance(value, tuple) and all(_literal(v) is not None for v in value):
        return cst.parse_expression(repr(value))
    return None


def _bound_to_names(reader: SourceReader) -> dict[str, set[str]]:
    """For each name, the names bound to it (`conv_block = BasicConv2d`, a parameter `conv_block=BasicConv2d`), in
    one pass over the module (looked up per definition, a pass each would be quadratic in the file's size)."""
    out: dict[str, set[str]] = {}
    for stmt in reader.positions.all_statements():
        if isinstance(stmt, cst.Assign) and isinstance(stmt.value, cst.Name):
            out.setdefault(stmt.value.value, set()).update(
                t.target.value for t in stmt.targets if isinstance(t.target, cst.Name))
        elif isinstance(stmt, cst.FunctionDef):
            for p in (*stmt.params.params, *stmt.params.kwonly_params):
                if isinstance(p.default, cst.Name):
                    out.setdefault(p.default.value, set()).add(p.name.value)
    return out
