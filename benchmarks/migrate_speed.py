"""Prints migration time per PyTorch fixture (no framework imported) and verify time cold and warm.

Usage: python benchmarks/migrate_speed.py [--verify]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
import tomllib
from pathlib import Path

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    cpus = len(__import__("os").sched_getaffinity(0))
    return f"{platform.processor() or platform.machine()}, {cpus} cores, Python {platform.python_version()}"


def time_migrations() -> None:
    cases = [f for f in tomllib.loads((ROOT / "fixtures/manifest.toml").read_text())["fixture"] if f["framework"] == "pytorch"]
    print(f"migrate (torch -> keras), median of 5 runs, {machine()}")
    for f in cases:
        src = (ROOT / "fixtures" / f["file"]).read_text()
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            migrate_source(src, Framework.TENSORFLOW, symbol=f["symbol"])
            runs.append(time.perf_counter() - t0)
        print(f"  {f['id']:<28} {len(src.splitlines()):>4} lines  {statistics.median(runs) * 1000:7.1f} ms")
    assert "torch" not in sys.modules and "tensorflow" not in sys.modules, "migration imported a framework"


def time_verify() -> None:
    from nnmigrate.verify.run import build_request
    from nnmigrate.verify.session import WorkerSession

    src = ROOT / "fixtures/pytorch/cifar_cnn.py"
    out = Path("/tmp/nnmigrate-bench-cifar_tf.py")
    out.write_text(migrate_source(src.read_text(), Framework.TENSORFLOW, symbol="CifarCNN").text)
    request = build_request(str(src), str(out), "CifarCNN", {}, ["float32[2,3,32,32]"], "cpu", "native")
    session = WorkerSession()
    for label in ("cold (new worker)", "warm (same worker)", "warm (same worker)"):
        t0 = time.perf_counter()
        report = session.verify(request)
        print(f"verify CifarCNN {label}: {time.perf_counter() - t0:.2f} s ({report['status']})")
    session.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--verify", action="store_true", help="also time verify (imports torch + TF in a worker)")
    args = parser.parse_args()
    time_migrations()
    if args.verify:
        time_verify()
