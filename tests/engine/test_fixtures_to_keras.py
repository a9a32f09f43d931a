"""Every PyTorch fixture migrates to Keras with exit 0 and verifies equivalent (max_abs_diff <= 1e-5)."""

from __future__ import annotations

import pytest

from nnmigrate.frameworks import Framework
from nnmigrate.migrate import migrate_source
from nnmigrate.verify.run import build_request
from tests.conftest import FIXTURES, manifest

#: Fixtures whose constructs have no Keras form yet; strict, so a fix shows up as an unexpected pass.
NOT_YET = {
    "torch_inception": "**kwargs forwarded into nn.Conv2d cannot be mapped yet",
    "torch_densenet": "subclasses of nn.ModuleDict are not migrated yet",
}
CASES = [pytest.param(c, marks=pytest.mark.xfail(reason=NOT_YET[c["id"]], strict=True)) if c["id"] in NOT_YET else c
         for c in manifest("pytorch")]
IDS = [c["id"] for c in manifest("pytorch")]


@pytest.mark.parametrize("case", CASES, ids=IDS)
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
