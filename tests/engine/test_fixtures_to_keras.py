"""Every PyTorch fixture migrates to Keras with exit 0 and verifies equivalent (max_abs_diff <= 1e-5)."""

from __future__ import annotations

import pytest

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source
from nnmigrate.verify.run import build_request
from tests.conftest import FIXTURES, manifest

CASES = manifest("pytorch")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_fixture_migrates_and_verifies(case, tmp_path, worker):
    src = FIXTURES / case["file"]
    result = migrate_source(src.read_text(), Framework.TENSORFLOW, symbol=case["symbol"])
    errors = [d for d in result.diagnostics if d.blocks_migration]
    assert result.exit_code == 0, "\n".join(d.format(str(src)) for d in errors)
    out = tmp_path / f"{src.stem}_tf.py"
    out.write_text(result.text)
    request = build_request(str(src), str(out), case["symbol"], case.get("args", {}), case["inputs"], "cpu", "native")
    report = worker.verify(request, timeout=300)
    assert report["status"] == "equivalent", report["message"] + "\n" + result.text
    assert report["max_abs_diff"] <= 1e-5
    assert report["per_layer"], "per-layer report is empty"
