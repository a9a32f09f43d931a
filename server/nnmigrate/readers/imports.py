"""Import table of a module: which local names stand for which fully qualified names."""

from __future__ import annotations

import libcst as cst


def dotted(node: cst.BaseExpression) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


class ImportTable:
    """Maps local aliases to qualified names (`nn` -> `torch.nn`, `F` -> `torch.nn.functional`)."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}

    def add(self, stmt: cst.Import | cst.ImportFrom) -> None:
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                full = dotted(alias.name) or ""
                if alias.asname is not None:
                    self.aliases[alias.asname.name.value] = full  # type: ignore[union-attr]
                else:
                    top = full.split(".")[0]
                    self.aliases[top] = top
            return
        if stmt.relative or stmt.module is None:
            module = "." * len(stmt.relative) + (dotted(stmt.module) or "" if stmt.module else "")
        else:
            module = dotted(stmt.module) or ""
        if isinstance(stmt.names, cst.ImportStar):
            return
        for alias in stmt.names:
            name = dotted(alias.name) or ""
            local = alias.asname.name.value if alias.asname is not None else name  # type: ignore[union-attr]
            self.aliases[local] = f"{module}.{name}"

    def qualify(self, name: str) -> str:
        """Fully qualified form of a dotted local name; unknown heads are returned unchanged."""
        head, _, rest = name.partition(".")
        full = self.aliases.get(head)
        if full is None:
            return name
        return f"{full}.{rest}" if rest else full

    def uses(self, prefix: str) -> bool:
        return any(v == prefix or v.startswith(prefix + ".") for v in self.aliases.values())
