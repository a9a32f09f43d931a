"""Command nnmigrate.server.verify: migrate a symbol, check it numerically in the worker, report back.

Runs with server-initiated work-done progress (cancellable). The report is the command's result, a
``nnmigrate/verifyResult`` notification and an Information diagnostic on the symbol. Code runs only on this
explicit request and never in an untrusted workspace.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from nnmigrate.lsp import commands
from nnmigrate.lsp import verify_job
from nnmigrate.lsp.language_server import NnmigrateServer
from nnmigrate.lsp.verify_runner import error_report


async def handle(ls: NnmigrateServer, args: commands.VerifyArgs) -> dict[str, Any]:
    cancel = threading.Event()
    unhook = ls.protocol.on_cancel(ls.protocol.msg_id, cancel.set)  # $/cancelRequest
    try:
        token = await verify_job.start_progress(ls, f"Verify {args.symbol}", cancel)
        try:
            report = await verify_job.run(ls, args, cancel, token)
        except asyncio.CancelledError:  # the task itself was cancelled: the runner has stopped the worker
            verify_job.finish(ls, args, token, error_report("Verify cancelled.", "cancelled"))
            raise
    finally:
        unhook()
    verify_job.finish(ls, args, token, report)
    return report
