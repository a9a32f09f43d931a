"""Shared test helpers: the fixture manifest and one warm verify worker for the whole session."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def manifest(framework: str) -> list[dict]:
    data = tomllib.loads((FIXTURES / "manifest.toml").read_text())
    return [f for f in data["fixture"] if f["framework"] == framework]


def fixture_cases(framework: str, not_yet: dict[str, str]) -> tuple[list, list[str]]:
    """The manifest's fixtures of one framework as pytest params; those in `not_yet` are strict xfails."""
    cases = manifest(framework)
    params = [pytest.param(c, marks=pytest.mark.xfail(reason=not_yet[c["id"]], strict=True)) if c["id"] in not_yet
              else c for c in cases]
    return params, [c["id"] for c in cases]


@pytest.fixture(scope="session")
def worker():
    from nnmigrate.verify.session import WorkerSession

    session = WorkerSession()
    yield session
    session.close()


def assert_fixture_verifies(case: dict, to: str, tmp_path: Path, worker) -> None:
    """A manifest fixture migrates with exit 0 and verifies equivalent (<= 1e-5) with a per-layer report."""
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source
    from nnmigrate.verify.run import build_request

    src = FIXTURES / case["file"]
    result = migrate_source(src.read_text(), Framework.parse(to), symbol=case["symbol"])
    errors = [d for d in result.diagnostics if d.blocks_migration]
    assert result.exit_code == 0, "\n".join(d.format(str(src)) for d in errors)
    out = tmp_path / f"{src.stem}_{'tf' if to == 'tensorflow' else 'torch'}.py"
    out.write_text(result.text)
    request = build_request(str(src), str(out), case["symbol"], case.get("args", {}), case["inputs"], "cpu", "native")
    report = worker.verify(request, timeout=300)
    assert report["status"] == "equivalent", report["message"] + "\n" + result.text
    assert report["max_abs_diff"] <= 1e-5
    assert report["per_layer"], "per-layer report is empty"


def migrate_and_verify(tmp_path: Path, worker, source: str, symbol: str, inputs: list[str],
                       args: dict | None = None, per_layer: bool = False, to: str = "pytorch"):
    """Migrates `source` (Keras, to PyTorch unless `to` says otherwise) with exit 0, verifies it equivalent
    (<= 1e-5; each layer too with `per_layer`) and returns the migration."""
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source
    from nnmigrate.verify.run import build_request

    source = textwrap.dedent(source)
    src = tmp_path / "net.py"
    src.write_text(source)
    result = migrate_source(source, Framework.parse(to), symbol=symbol)
    assert result.exit_code == 0, [d.message for d in result.diagnostics]
    out = tmp_path / "net_torch.py"
    out.write_text(result.text)
    report = worker.verify(build_request(str(src), str(out), symbol, args or {}, inputs, "cpu", "native"), timeout=300)
    assert report["status"] == "equivalent", report["message"] + "\n" + result.text
    assert report["max_abs_diff"] <= 1e-5
    if per_layer:
        assert all(row["max_abs_diff"] <= 1e-5 for row in report["per_layer"]), report["per_layer"]
    return result
