"""A long-lived verify worker subprocess speaking JSON lines; restartable, cancellable, time- and memory-capped.

This module never imports torch or TensorFlow: the worker does, in its own process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

WORKER_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "KERAS_BACKEND": "tensorflow",
              "PYTHONDONTWRITEBYTECODE": "1"}


def _server_path() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class WorkerSession:
    """One worker process reused across checks; `verify` blocks, so call it from a thread."""

    def __init__(self, python: list[str] | None = None, memory_limit_mb: int | None = None) -> None:
        self.python = python or [sys.executable]
        self.memory_limit_mb = memory_limit_mb
        self.process: subprocess.Popen[str] | None = None
        self.restarts = 0
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen[str]:
        env = {**os.environ, **WORKER_ENV}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_server_path(), env.get("PYTHONPATH", "")) if p)
        limit = self.memory_limit_mb

        def cap() -> None:  # runs in the child before exec
            if limit:
                import resource

                resource.setrlimit(resource.RLIMIT_AS, (limit * 1024 * 1024, limit * 1024 * 1024))

        return subprocess.Popen([*self.python, "-m", "nnmigrate.verify.worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                preexec_fn=cap if limit and os.name == "posix" else None, bufsize=1)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.stdin.close()  # type: ignore[union-attr]
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        self.process = None

    def verify(self, request: dict, timeout: float = 600.0, on_progress: Callable[[str, float], None] | None = None,
               cancel: threading.Event | None = None) -> dict:
        """Runs one check; a timeout, a cancel or a dead worker ends it and the next call starts a fresh worker."""
        with self._lock:
            started = time.monotonic()
            if not self.alive:
                if self.process is not None:
                    self.restarts += 1
                self.process = self._start()
            proc = self.process
            assert proc is not None and proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(json.dumps(request) + "\n")
                proc.stdin.flush()
            except OSError:
                return self._failed("the verify worker could not be started", started)
            lines: list[str] = []
            reader = threading.Thread(target=self._read, args=(proc, lines, on_progress), daemon=True)
            reader.start()
            while reader.is_alive():
                reader.join(0.05)
                if cancel is not None and cancel.is_set():
                    self.kill()
                    return {**self._failed("cancelled", started), "status": "cancelled"}
                if time.monotonic() - started > timeout:
                    self.kill()
                    return self._failed(f"timed out after {timeout:.0f} s; the worker was stopped", started)
            if not lines:
                err = proc.stderr.read()[-2000:] if proc.poll() is not None and proc.stderr else ""
                self.process = proc if proc.poll() is None else self.process
                return self._failed(f"the verify worker exited (code {proc.poll()}): {err.strip()}", started)
            return json.loads(lines[-1])

    @staticmethod
    def _read(proc: subprocess.Popen[str], lines: list[str], on_progress: Callable[[str, float], None] | None) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                continue
            if msg.get("type") == "progress":
                if on_progress is not None:
                    on_progress(msg.get("message", ""), float(msg.get("fraction", 0.0)))
            elif msg.get("type") == "result":
                lines.append(json.dumps(msg["report"]))
                return

    @staticmethod
    def _failed(message: str, started: float) -> dict:
        return {"status": "error", "max_abs_diff": None, "max_rel_diff": None, "per_layer": [], "device": "cpu",
                "seconds": round(time.monotonic() - started, 3), "message": message}
