"""Prints the supported-ops table (markdown) from the catalog: `python -m nnmigrate.catalog.table`."""

from __future__ import annotations

from nnmigrate.catalog import default_catalog
from nnmigrate.writers.emit import own_spelling


def short(qualname: str) -> str:
    for prefix, alias in (("torch.nn.functional.", "F."), ("torch.nn.", "nn."), ("Tensor.", "x.")):
        qualname = qualname.replace(prefix, alias)
    return qualname.replace("@attr", "")


def markdown() -> str:
    lines = ["| op | family | PyTorch spellings | → Keras 3 | Keras spellings | → PyTorch |", "|---|---|---|---|---|---|"]
    for entry in default_catalog().entries.values():
        torch_names = ", ".join(f"`{short(s.qualname)}`" for s in entry.torch if not s.is_support)
        keras_names = ", ".join(f"`{short(s.qualname)}`" for s in entry.keras if not s.is_support)
        # read from one framework, written in the other: by the entry's emitter, or in the target's own spelling
        to_keras = "yes" if entry.torch and (entry.to_keras or own_spelling(entry, "keras")) else "not yet"
        to_torch = "yes" if entry.keras and (entry.to_torch or own_spelling(entry, "torch")) else "not yet"
        lines.append(f"| {entry.key} | {entry.family} | {torch_names} | {to_keras} | {keras_names} | {to_torch} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
