"""Prints migration time per PyTorch fixture (no framework imported), for a ~300-line file of several
torchvision-style models, and verify time cold and warm.

Usage: python benchmarks/migrate_speed.py [--verify]

Target (2-core machine): a 300-line model file migrates in <= 50 ms.
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import sys
import time
import tomllib
from pathlib import Path

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source

ROOT = Path(__file__).resolve().parents[1]
#: Fixtures joined into one 300-line file for the file-size row: ResNet, MobileNetV2 and Inception models.
LARGE_FILE_PARTS = ("resnet_basic.py", "mobilenetv2_block.py", "inception_block.py")


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


def large_file() -> str:
    """The fixtures in LARGE_FILE_PARTS as one module: their imports once, then their definitions."""
    imports: dict[str, None] = {}
    bodies = []
    for name in LARGE_FILE_PARTS:
        text = (ROOT / "fixtures/pytorch" / name).read_text()
        body = re.sub(r'^""".*?"""\n', "", text, flags=re.S)
        imports.update(dict.fromkeys(re.findall(r"^(?:import|from) .*$", body, flags=re.M)))
        bodies.append(re.sub(r"^(?:import|from) .*\n", "", body, flags=re.M).strip())
    return "\n".join(imports) + "\n\n\n" + "\n\n\n".join(bodies) + "\n"


def time_large_file() -> None:
    src = large_file()
    runs = []
    for _ in range(11):
        t0 = time.perf_counter()
        migrate_source(src, Framework.TENSORFLOW)
        runs.append(time.perf_counter() - t0)
    print(f"  {'three fixtures in one file':<28} "
          f"{len(src.splitlines()):>4} lines  {statistics.median(runs) * 1000:7.1f} ms "
          f"(fastest of 11: {min(runs) * 1000:.1f} ms)")


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
    time_large_file()
    if args.verify:
        time_verify()
