"""The verify worker: runs in its own process, imports torch and TensorFlow, and answers JSON-line requests.

For each request it builds the source and the migrated model, copies the source weights into the
target through the catalog's weight rules, runs both in inference mode on the same inputs and
reports the end-to-end and per-layer differences.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

_PROTOCOL = sys.stdout


def send(kind: str, **payload: Any) -> None:
    _PROTOCOL.write(json.dumps({"type": kind, **payload}) + "\n")
    _PROTOCOL.flush()


def progress(message: str, fraction: float) -> None:
    send("progress", message=message, fraction=fraction)


def handle(request: dict) -> dict:
    from nnmigrate.verify.compare import run_check

    started = time.monotonic()
    try:
        report = run_check(request, progress)
    except Exception as exc:  # the user's code can raise anything; report it, keep serving
        tb = traceback.format_exc(limit=6)
        report = {"status": "error", "max_abs_diff": None, "max_rel_diff": None, "per_layer": [], "device": "cpu",
                  "message": f"{type(exc).__name__}: {exc}\n{tb}"}
    report["seconds"] = round(time.monotonic() - started, 3)
    return report


def main() -> None:
    sys.stdout = sys.stderr  # user code that prints must not corrupt the protocol
    for line in sys.stdin:
        if not line.strip():
            continue
        send("result", report=handle(json.loads(line)))


if __name__ == "__main__":
    main()
