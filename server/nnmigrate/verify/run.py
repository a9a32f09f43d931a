"""Verify two files from the CLI: re-derive the migration contract, then run one check in a worker."""

from __future__ import annotations

import time
from pathlib import Path

from nnmigrate.frameworks import Framework, detect_framework
from nnmigrate.verify.session import WorkerSession
from nnmigrate.verify.spec import InputSpec


def error_report(message: str, started: float) -> dict:
    return {"status": "error", "max_abs_diff": None, "max_rel_diff": None, "per_layer": [], "device": "cpu",
            "seconds": round(time.monotonic() - started, 3), "message": message}


def build_request(source_path: str, target_path: str, symbol: str, args: dict, inputs: list[str], device: str,
                  layout: str) -> dict:
    """The worker request; raises ValueError/MigrationError for bad input."""
    from nnmigrate.cli import read_source
    from nnmigrate.migrate import migrate_source

    for spec in inputs:
        InputSpec.parse(spec)
    source = read_source(source_path)
    framework = detect_framework(source) or Framework.PYTORCH
    contract = migrate_source(source, framework.other, symbol=symbol, layout=layout,
                              path=source_path).mapping  # type: ignore[arg-type]
    return {"source_path": str(Path(source_path).resolve()), "target_path": str(Path(target_path).resolve()),
            "symbol": symbol, "args": args, "inputs": inputs, "device": device, "contract": contract}


def verify_files(source_path: str, target_path: str, symbol: str, args: dict, inputs: list[str], device: str = "auto",
                 layout: str = "native", timeout: float = 600.0) -> dict:
    from nnmigrate.migrate import MigrationError

    started = time.monotonic()
    try:
        request = build_request(source_path, target_path, symbol, args, inputs, device, layout)
    except (ValueError, MigrationError) as exc:
        return error_report(str(exc), started)
    session = WorkerSession()
    try:
        return session.verify(request, timeout=timeout)
    finally:
        session.close()
