"""Prints pivot expressions and statements as Python source; shared by both writers."""

from __future__ import annotations

from nnmigrate.pivot import nodes as n

INDENT = "    "

# Binding strength, higher binds tighter (Python reference, "Operator precedence").
_PRECEDENCE = {
    "lambda": 1, "ifexp": 2, "or": 3, "and": 4, "not": 5, "compare": 6,
    "|": 7, "^": 8, "&": 9, "<<": 10, ">>": 10, "+": 11, "-": 11,
    "*": 12, "/": 12, "//": 12, "%": 12, "@": 12, "unary": 13, "**": 14, "atom": 16,
}


def _prec(e: n.Expr) -> int:
    if isinstance(e, n.Lambda):
        return _PRECEDENCE["lambda"]
    if isinstance(e, n.IfExp):
        return _PRECEDENCE["ifexp"]
    if isinstance(e, n.BoolOp):
        return _PRECEDENCE[e.op]
    if isinstance(e, n.UnaryOp):
        return _PRECEDENCE["not"] if e.op == "not" else _PRECEDENCE["unary"]
    if isinstance(e, n.Compare):
        return _PRECEDENCE["compare"]
    if isinstance(e, n.BinOp):
        return _PRECEDENCE[e.op]
    if isinstance(e, n.Const) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool) and e.value < 0:
        return _PRECEDENCE["unary"]
    return _PRECEDENCE["atom"]


def _wrap(e: n.Expr, min_prec: int) -> str:
    text = expr(e)
    return f"({text})" if _prec(e) < min_prec else text


def const(value: object) -> str:
    if value == "...":
        return "..."
    if isinstance(value, float):
        text = repr(value)
        return text
    return repr(value)


def args(items: list[n.Arg]) -> str:
    parts = []
    for a in items:
        value = expr(a.value)
        if a.star:
            parts.append(f"{a.star}{value}")
        elif a.keyword:
            parts.append(f"{a.keyword}={value}")
        else:
            parts.append(value)
    return ", ".join(parts)


def expr(e: n.Expr) -> str:  # noqa: C901 - one branch per node kind reads best here
    if isinstance(e, n.Name):
        return e.id
    if isinstance(e, n.Const):
        return const(e.value)
    if isinstance(e, n.Attr):
        base = _wrap(e.value, _PRECEDENCE["atom"])
        if isinstance(e.value, n.Const) and isinstance(e.value.value, int):
            base = f"({base})"
        return f"{base}.{e.attr}"
    if isinstance(e, n.Subscript):
        return f"{_wrap(e.value, _PRECEDENCE['atom'])}[{_index(e.index)}]"
    if isinstance(e, n.Slice):
        return _slice(e)
    if isinstance(e, n.TupleExpr):
        if len(e.elts) == 1:
            return f"({expr(e.elts[0])},)"
        return "(" + ", ".join(expr(x) for x in e.elts) + ")"
    if isinstance(e, n.ListExpr):
        return "[" + ", ".join(expr(x) for x in e.elts) + "]"
    if isinstance(e, n.SetExpr):
        return "{" + ", ".join(expr(x) for x in e.elts) + "}"
    if isinstance(e, n.DictExpr):
        items = [f"**{expr(v)}" if k is None else f"{expr(k)}: {expr(v)}" for k, v in zip(e.keys, e.values)]
        return "{" + ", ".join(items) + "}"
    if isinstance(e, n.BinOp):
        p = _PRECEDENCE[e.op]
        if e.op == "**":  # right-associative
            return f"{_wrap(e.left, p + 1)} ** {_wrap(e.right, p)}"
        return f"{_wrap(e.left, p)} {e.op} {_wrap(e.right, p + 1)}"
    if isinstance(e, n.UnaryOp):
        if e.op == "not":
            return f"not {_wrap(e.operand, _PRECEDENCE['not'])}"
        return f"{e.op}{_wrap(e.operand, _PRECEDENCE['unary'])}"
    if isinstance(e, n.Compare):
        p = _PRECEDENCE["compare"] + 1
        out = _wrap(e.left, p)
        for op, right in zip(e.ops, e.comparators):
            out += f" {op} {_wrap(right, p)}"
        return out
    if isinstance(e, n.BoolOp):
        p = _PRECEDENCE[e.op]
        return f" {e.op} ".join(_wrap(v, p + 1) for v in e.values)
    if isinstance(e, n.IfExp):
        p = _PRECEDENCE["ifexp"]
        return f"{_wrap(e.body, p + 1)} if {_wrap(e.test, p + 1)} else {_wrap(e.orelse, p)}"
    if isinstance(e, n.Call):
        return f"{_wrap(e.func, _PRECEDENCE['atom'])}({args(e.args)})"
    if isinstance(e, n.Lambda):
        return f"lambda {', '.join(e.params)}: {expr(e.body)}" if e.params else f"lambda: {expr(e.body)}"
    if isinstance(e, n.Starred):
        return f"*{expr(e.value)}"
    if isinstance(e, n.Comprehension):
        gens = " ".join(
            f"for {_target(g.target)} in {_wrap(g.iter, _PRECEDENCE['ifexp'] + 1)}"
            + "".join(f" if {_wrap(c, _PRECEDENCE['ifexp'] + 1)}" for c in g.ifs)
            for g in e.generators
        )
        if e.kind == "dict":
            return f"{{{expr(e.elt)}: {expr(e.value)} {gens}}}"
        inner = f"{expr(e.elt)} {gens}"
        return {"list": f"[{inner}]", "set": f"{{{inner}}}", "generator": f"({inner})"}[e.kind]
    if isinstance(e, n.FormattedString):
        return e.code
    if isinstance(e, n.Unsupported):
        return e.code
    if isinstance(e, n.Op):
        raise TypeError(f"Op {e.key!r} reached the printer untranslated")
    raise TypeError(f"Cannot print {type(e).__name__}")


def _target(e: n.Expr) -> str:
    """A tuple without its parentheses (`a, b = ...`, `return x, y`); one element keeps them (`(*rest,)`)."""
    if isinstance(e, n.TupleExpr) and len(e.elts) > 1:
        return ", ".join(expr(x) for x in e.elts)
    return expr(e)


def _index(e: n.Expr) -> str:
    if isinstance(e, n.TupleExpr) and e.elts:
        return ", ".join(_slice(x) if isinstance(x, n.Slice) else expr(x) for x in e.elts)
    return expr(e)


def _slice(e: n.Slice) -> str:
    out = (expr(e.lower) if e.lower else "") + ":" + (expr(e.upper) if e.upper else "")
    if e.step is not None:
        out += ":" + expr(e.step)
    return out


def comment_lines(comments: list[str], indent: str) -> list[str]:
    return [f"{indent}#{c}" if c.startswith(" ") or not c else f"{indent}# {c}" for c in comments]


MAX_LINE = 110


def _wrapped(line: str, value: n.Expr | None, ind: str) -> list[str]:
    """A too-long `... = f(a, b, c)` line as one argument per line, like black does."""
    if len(line) <= MAX_LINE or not isinstance(value, n.Call) or not value.args:
        return [line]
    prefix = line[: len(line) - len(expr(value))]
    if isinstance(value.func, n.Call) and value.func.args:  # `make(...)(x)`: break the inner call's arguments
        inner = value.func
        return [prefix + expr(inner.func) + "(", *[f"{ind}{INDENT}{args([a])}," for a in inner.args],
                f"{ind})({args(value.args)})"]
    return [prefix + expr(value.func) + "(", *[f"{ind}{INDENT}{args([a])}," for a in value.args], f"{ind})"]


def stmt(s: n.Stmt, level: int = 0) -> list[str]:
    lines = _stmt(s, level)
    if isinstance(s, (n.Assign, n.Return, n.ExprStmt)) and lines and len(lines[-1]) > MAX_LINE:
        value = s.value
        lines[-1:] = _wrapped(lines[-1], value, INDENT * level)
    return lines


def _stmt(s: n.Stmt, level: int = 0) -> list[str]:  # noqa: C901
    ind = INDENT * level
    lines = comment_lines(s.comments, ind)
    if isinstance(s, n.Assign):
        targets = " = ".join(_target(t) for t in s.targets)
        lines.append(f"{ind}{targets} = {_target(s.value) if isinstance(s.value, n.TupleExpr) else expr(s.value)}")
    elif isinstance(s, n.AugAssign):
        lines.append(f"{ind}{expr(s.target)} {s.op}= {expr(s.value)}")
    elif isinstance(s, n.AnnAssign):
        value = f" = {expr(s.value)}" if s.value is not None else ""
        lines.append(f"{ind}{expr(s.target)}: {s.annotation}{value}")
    elif isinstance(s, n.ExprStmt):
        lines.append(f"{ind}{expr(s.value)}")
    elif isinstance(s, n.Return):
        if s.value is None:
            lines.append(f"{ind}return")
        else:
            lines.append(f"{ind}return {_target(s.value) if isinstance(s.value, n.TupleExpr) else expr(s.value)}")
    elif isinstance(s, n.If):
        lines.append(f"{ind}if {expr(s.test)}:")
        lines += block(s.body, level + 1)
        orelse = s.orelse
        while len(orelse) == 1 and isinstance(orelse[0], n.If) and not orelse[0].comments:
            lines.append(f"{ind}elif {expr(orelse[0].test)}:")
            lines += block(orelse[0].body, level + 1)
            orelse = orelse[0].orelse
        if orelse:
            lines.append(f"{ind}else:")
            lines += block(orelse, level + 1)
    elif isinstance(s, n.For):
        lines.append(f"{ind}for {_target(s.target)} in {expr(s.iter)}:")
        lines += block(s.body, level + 1)
        if s.orelse:
            lines.append(f"{ind}else:")
            lines += block(s.orelse, level + 1)
    elif isinstance(s, n.While):
        lines.append(f"{ind}while {expr(s.test)}:")
        lines += block(s.body, level + 1)
    elif isinstance(s, n.Try):
        lines.append(f"{ind}try:")
        lines += block(s.body, level + 1)
        for h in s.handlers:
            clause = "except" + (f" {expr(h.type)}" if h.type is not None else "") + (f" as {h.name}" if h.name else "")
            lines.append(f"{ind}{clause}:")
            lines += block(h.body, level + 1)
        for keyword, part in (("else", s.orelse), ("finally", s.finalbody)):
            if part:
                lines.append(f"{ind}{keyword}:")
                lines += block(part, level + 1)
    elif isinstance(s, n.Simple):
        lines.append(f"{ind}{s.keyword}")
    elif isinstance(s, n.Scope):
        lines.append(f"{ind}{s.keyword} {', '.join(s.names)}")
    elif isinstance(s, n.Raise):
        lines.append(f"{ind}raise" + (f" {expr(s.exc)}" if s.exc is not None else ""))
    elif isinstance(s, n.Assert):
        lines.append(f"{ind}assert {expr(s.test)}" + (f", {expr(s.msg)}" if s.msg is not None else ""))
    elif isinstance(s, n.Delete):
        lines.append(f"{ind}del " + ", ".join(expr(t) for t in s.targets))
    elif isinstance(s, n.Dropped):
        first = s.code.splitlines()[0] if s.code else ""
        lines.append(f"{ind}# nnmigrate: left out {s.reason}: `{first}`" + (" ..." if "\n" in s.code else ""))
    elif isinstance(s, n.UnsupportedStmt):
        lines += [f"{ind}{line}" if line else "" for line in s.code.splitlines()]
    elif isinstance(s, n.Import):
        lines.append(f"{ind}{s.code}")
    elif isinstance(s, n.FunctionDef):
        lines += function(s, level)
    elif isinstance(s, n.ClassDef):
        lines += class_def(s, level)
    else:
        raise TypeError(f"Cannot print {type(s).__name__}")
    return lines


def block(body: list[n.Stmt], level: int) -> list[str]:
    """The statements of a block; a bare `pass` only where nothing else runs in it (a migration may have added
    statements to a block that held only `pass`, or left out all of them)."""
    body = [s for s in body if not (isinstance(s, n.Simple) and s.keyword == "pass" and not s.comments)]
    lines: list[str] = []
    for s in body:
        lines += stmt(s, level)
    if all(isinstance(s, n.Dropped) for s in body):
        lines.append(INDENT * level + "pass")
    return lines


def docstring_lines(doc: str, level: int) -> list[str]:
    ind = INDENT * level
    text = doc.replace('"""', r"\"\"\"")
    if "\n" not in text:
        return [f'{ind}"""{text}"""']
    first, *rest = text.split("\n")
    return [f'{ind}"""{first}', *[f"{ind}{r}" if r.strip() else "" for r in rest], f'{ind}"""']


def params(ps: list[n.Param]) -> str:
    out: list[str] = []
    star_written = False
    for p in ps:
        if p.kw_only and not star_written and not any(q.star == "*" for q in ps):
            out.append("*")
            star_written = True
        if p.star == "*":
            star_written = True
        text = p.star + p.name
        if p.annotation:
            text += f": {p.annotation}"
        if p.default is not None:
            text += f" = {expr(p.default)}" if p.annotation else f"={expr(p.default)}"
        out.append(text)
    return ", ".join(out)


def function(f: n.FunctionDef, level: int) -> list[str]:
    ind = INDENT * level
    lines = [f"{ind}@{d}" for d in f.decorators]
    returns = f" -> {f.returns}" if f.returns else ""
    lines.append(f"{ind}def {f.name}({params(f.params)}){returns}:")
    body: list[str] = []
    if f.docstring:
        body += docstring_lines(f.docstring, level + 1)
    body += block(f.body, level + 1) if f.body or not f.docstring else []
    return lines + body


def class_def(c: n.ClassDef, level: int) -> list[str]:
    ind = INDENT * level
    bases = f"({', '.join(c.bases)})" if c.bases else ""
    lines = [f"{ind}class {c.name}{bases}:"]
    body: list[str] = []
    if c.docstring:
        body += docstring_lines(c.docstring, level + 1)
    for i, s in enumerate(c.body):
        if body and (isinstance(s, n.FunctionDef) or i == 0 and c.docstring):
            body.append("")
        body += stmt(s, level + 1)
    return lines + (body or [f"{ind}{INDENT}pass"])


def module(stmts: list[n.Stmt], docstring: str | None = None) -> str:
    lines: list[str] = []
    if docstring:
        lines += docstring_lines(docstring, 0)
    prev: n.Stmt | None = None
    for s in stmts:
        is_def = isinstance(s, (n.FunctionDef, n.ClassDef))
        if prev is not None:
            if is_def or isinstance(prev, (n.FunctionDef, n.ClassDef)):
                lines += ["", ""]
            elif isinstance(prev, n.Import) and not isinstance(s, n.Import):
                lines.append("")
        elif lines:
            lines.append("")
        lines += stmt(s, 0)
        prev = s
    return "\n".join(lines).rstrip() + "\n"
