"""When work runs: a per-key debouncer of cancellable asyncio tasks.

Scheduling a key again cancels its pending task, so a burst of edits to one document yields one
diagnostics run, while other documents are untouched. The task is cancelled at its next ``await`` (the
debounce sleep, or a yield point between blocks), so partial work is simply dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from collections.abc import Callable

log = logging.getLogger(__name__)


class Debouncer:
    """One pending task per key."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def schedule(self, key: str, delay_s: float, job: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Run ``job()`` after ``delay_s`` unless ``key`` is scheduled again or cancelled before it ends."""
        self.cancel(key)
        task = asyncio.ensure_future(self._run(key, delay_s, job))
        self._tasks[key] = task
        return task

    def cancel(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None and not task.done():
            task.cancel()

    async def _run(self, key: str, delay_s: float, job: Callable[[], Awaitable[None]]) -> None:
        try:
            if delay_s > 0:
                await asyncio.sleep(delay_s)
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("scheduled job for %s failed", key)
        finally:
            if self._tasks.get(key) is asyncio.current_task():
                del self._tasks[key]
