"""A small stand-in for the migration library, installed into a server under test with :func:`install`.

It lets the LSP tests pin down the server's own behaviour (ranges, caching, edits, progress, cancel, crash
recovery) with deterministic engine answers; tests against the real library live beside them.

- ``analyze`` flags ``padding_idx=`` (NNM202, warning) and every ``nn.Linear`` (NNM205, hint).
- ``migrate_source`` emits one ``keras.Model`` (or ``nn.Module``) class per source class.
- ``explain_at`` describes the call under the cursor.
- ``WorkerSession`` runs a real subprocess; the verify ``inputs`` steer it: ``sleep=S``, ``crash``.
"""

from __future__ import annotations

import ast
import json
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from nnmigrate.diagnostics import Diagnostic
from nnmigrate.diagnostics import Severity
from nnmigrate.diagnostics import SourceRange
from nnmigrate.frameworks import Framework
from nnmigrate.frameworks import detect_framework
from nnmigrate.migrate import MigrationResult


def analyze(source: str) -> list[Diagnostic]:
    out = []
    for number, line in enumerate(source.splitlines(), start=1):
        col = line.find("padding_idx=")
        if col >= 0:
            out.append(Diagnostic("NNM202", "padding_idx has no Keras equivalent", SourceRange(number, col, number,
                                  col + len("padding_idx")), Severity.WARNING, "mask the zero row yourself"))
        col = line.find("nn.Linear(")
        if col >= 0:
            out.append(Diagnostic("NNM205", "initialisation differs", SourceRange(number, col, number, col + 9),
                                  Severity.HINT))
    return out


def migrate_source(source: str, to: Framework, *, symbol: str | None = None, layout: str = "native") -> MigrationResult:
    tree = ast.parse(source)
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef) and (symbol is None or n.name == symbol)]
    if to is Framework.TENSORFLOW:
        head, base = "import keras\n", "keras.Model"
    else:
        head, base = "import torch\nimport torch.nn as nn\n", "nn.Module"
    body = "".join(f"\n\nclass {name}({base}):\n    layout = {layout!r}\n" for name in classes)
    return MigrationResult(head + body, analyze(source), detect_framework(source) or to.other, to, classes)


@dataclass
class Explanation:
    markdown: str
    range: SourceRange


def explain_at(source: str, line: int, col: int) -> Explanation | None:
    lines = source.splitlines()

    def cp(row: int, byte_col: int) -> int:  # ast columns are UTF-8 byte offsets; SourceRange wants code points
        return len(lines[row - 1].encode()[:byte_col].decode(errors="ignore"))

    best = None
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            start = (node.lineno, cp(node.lineno, node.col_offset))
            end = (node.end_lineno, cp(node.end_lineno, node.end_col_offset))
            if start <= (line, col) <= end:
                best = node, start, end
    if best is None:
        return None
    node, start, end = best
    call = ast.get_source_segment(source, node) or ""
    markdown = f"```python\nkeras.layers.Equivalent()  # for {call}\n```\n---\nfake note"
    return Explanation(markdown, SourceRange(start[0], start[1], end[0], end[1]))


_WORKER = r"""
import json, os, sys, time
for line in sys.stdin:
    job = json.loads(line)
    for spec in job["inputs"]:
        if spec == "crash":
            os._exit(7)
        if spec.startswith("sleep="):
            steps = 10
            for i in range(steps):
                print(json.dumps({"progress": "running", "fraction": i / steps}), flush=True)
                time.sleep(float(spec[6:]) / steps)
    print(json.dumps({"result": {"status": "equivalent", "max_abs_diff": 1.5e-7, "max_rel_diff": 2e-6,
        "per_layer": [{"source": "conv1", "target": "conv1", "max_abs_diff": 1e-7},
                      {"source": "fc2", "target": "fc2", "max_abs_diff": 1.5e-7}],
        "device": job["device"], "seconds": 0.1,
        "message": "pid %d inputs %s" % (os.getpid(), ",".join(job["inputs"]))}}), flush=True)
"""


def _report(status: str, message: str, seconds: float = 0.0) -> dict:
    return {"status": status, "max_abs_diff": None, "max_rel_diff": None, "per_layer": [], "device": None,
            "seconds": seconds, "message": message}


class WorkerSession:
    """Long-lived fake worker speaking JSON lines; killed on cancel or timeout, restarted on next use."""

    def __init__(self, python: list[str], memory_limit_mb: int | None = None) -> None:
        self.python = python
        self.proc: subprocess.Popen[str] | None = None
        self.lines: queue.Queue[str] = queue.Queue()

    def _start(self) -> subprocess.Popen[str]:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([*self.python, "-c", _WORKER], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
            self.lines = lines = queue.Queue()
            out = self.proc.stdout
            threading.Thread(target=lambda: [lines.put(x) for x in iter(out.readline, "")] + [lines.put("")],
                             daemon=True).start()
        return self.proc

    def verify(self, request, timeout, on_progress=None, cancel=None):
        proc = self._start()
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            if cancel is not None and cancel.is_set():
                self._kill()
                return _report("cancelled", "cancelled")
            if time.monotonic() > deadline:
                self._kill()
                return _report("error", f"timed out after {timeout} s", timeout)
            try:
                line = self.lines.get(timeout=0.01)
            except queue.Empty:
                continue
            if line == "":
                code = proc.wait()
                self.proc = None
                return _report("error", f"worker crashed (exit code {code})")
            message = json.loads(line)
            if "result" in message:
                return message["result"]
            if on_progress:
                on_progress(message["progress"], message["fraction"])

    def _kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def close(self) -> None:
        self._kill()


def install() -> None:
    """Make the server's engine door answer with this module."""
    from nnmigrate.lsp import engine

    engine._cache[("nnmigrate.migrate", "analyze")] = analyze
    engine._cache[("nnmigrate.migrate", "migrate_source")] = migrate_source
    engine._cache[("nnmigrate.explain", "explain_at")] = explain_at
    engine._cache[("nnmigrate.verify.session", "WorkerSession")] = WorkerSession
    engine._cache[("nnmigrate.migrate", "list_symbols")] = engine.fallback_symbols


if __name__ == "__main__":
    install()
    from nnmigrate.lsp.server import main

    sys.exit(main())
