"""Background verify: progress and cancel glue over the engine's long-lived ``WorkerSession``.

One worker subprocess (the configured interpreter, with a memory cap) serves all verify requests, one at
a time. ``WorkerSession.verify`` blocks, so it runs in a thread; its progress callbacks hop back to the
event loop. Cancel (command, progress cancel button or ``$/cancelRequest``) and timeouts make the engine
kill the worker; an exception or a crash yields an ``error`` report, the session is dropped, and the
next verify starts a fresh worker. The server process itself never imports torch or tensorflow.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nnmigrate.lsp import engine

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, float], None]
#: Extra seconds the server waits past the engine's own timeout before giving up on the thread.
GRACE_S = 15.0


def error_report(message: str, status: str = "error", seconds: float = 0.0) -> dict[str, Any]:
    """A report in the verify result shape for outcomes the worker never produced."""
    return {"status": status, "max_abs_diff": None, "max_rel_diff": None, "per_layer": [], "device": None,
            "seconds": round(seconds, 3), "message": message}


class VerifyRunner:
    """Owns the worker session and the cancel flag of the verify in flight."""

    def __init__(self) -> None:
        self._session: Any = None
        self._key: tuple[tuple[str, ...], int] | None = None
        self._cancel: threading.Event | None = None
        self._lock = asyncio.Lock()
        self._scratch: Path | None = None
        self.restarts = 0

    @property
    def busy(self) -> bool:
        return self._cancel is not None

    def cancel(self) -> bool:
        """Cancel the verify in flight; False when none is running."""
        if self._cancel is None:
            return False
        self._cancel.set()
        return True

    def scratch(self) -> Path:
        """A private folder for the files the worker imports (unsaved buffers, migrated text)."""
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="nnmigrate-verify-"))
        return self._scratch

    def dispose(self) -> None:
        """Stop the worker and remove the scratch folder (server shutdown)."""
        self.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def close(self) -> None:
        session, self._session, self._key = self._session, None, None
        if session is not None:
            try:
                session.close()
            except Exception:
                log.exception("closing the verify worker failed")

    def _ensure(self, python: tuple[str, ...], memory_limit_mb: int) -> Any:
        key = (python, memory_limit_mb)
        if self._session is None or self._key != key:
            self.close()
            self._session = engine.worker_session(list(python), memory_limit_mb or None)
            self._key = key
        return self._session

    async def run(self, request: dict[str, Any], *, python: tuple[str, ...], memory_limit_mb: int,
                  timeout: float, on_progress: ProgressFn | None = None,
                  cancel: threading.Event | None = None) -> dict[str, Any]:
        """Verify ``request`` in the worker; never raises except ``CancelledError`` (after cleanup)."""
        loop = asyncio.get_running_loop()
        cancel = cancel or threading.Event()

        def progress(message: str, fraction: float) -> None:
            if on_progress is not None:
                loop.call_soon_threadsafe(on_progress, message, fraction)

        async with self._lock:
            if cancel.is_set():
                return error_report("Verify cancelled before it started.", "cancelled")
            self._cancel = cancel
            started = time.perf_counter()
            try:
                session = self._ensure(python, memory_limit_mb)
                job = asyncio.ensure_future(asyncio.to_thread(session.verify, request, timeout, progress, cancel))
                try:
                    report = await asyncio.wait_for(asyncio.shield(job), timeout + GRACE_S)
                except asyncio.TimeoutError:
                    cancel.set()
                    self._drop("did not stop after its timeout")
                    return error_report(f"Verify timed out after {timeout:g} s.", seconds=time.perf_counter() - started)
                except asyncio.CancelledError:
                    cancel.set()
                    await asyncio.wait([job], timeout=GRACE_S)
                    raise
            except engine.EngineError as exc:
                return error_report(str(exc))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a crashed worker or an engine bug: report, restart next time
                log.exception("verify failed")
                self._drop(f"{type(exc).__name__}: {exc}")
                return error_report(f"The verify worker failed ({type(exc).__name__}: {exc}); "
                                    "it will be restarted on the next verify.", seconds=time.perf_counter() - started)
            finally:
                self._cancel = None
        if not isinstance(report, dict):
            return error_report(f"The verify worker returned {type(report).__name__}, not a report.")
        if cancel.is_set() and report.get("status") != "cancelled":
            report = {**report, "status": "cancelled", "message": report.get("message") or "Verify cancelled."}
        return report

    def _drop(self, why: str) -> None:
        log.warning("dropping the verify worker: %s", why)
        self.restarts += 1
        self.close()
