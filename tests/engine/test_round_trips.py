"""Round trips: PyTorch -> Keras -> PyTorch and Keras -> PyTorch -> Keras stay equivalent to the original, and
migrating the round trip's output again gives the same text (the second migration is a fixed point)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, fixture_cases

#: What each round trip still lacks; strict, so a fix shows up as an unexpected pass.
NOT_YET: dict[str, str] = {}
TORCH_CASES, TORCH_IDS = fixture_cases("pytorch", NOT_YET)
KERAS_CASES, KERAS_IDS = fixture_cases("tensorflow", NOT_YET)


def _migrate(source: str, to: str, symbol: str, origin: str):
    from nnmigrate.frameworks import Framework
    from nnmigrate.migrate import migrate_source

    result = migrate_source(source, Framework.parse(to), symbol=symbol)
    errors = [d.format(origin) for d in result.diagnostics if d.blocks_migration]
    assert result.exit_code == 0, "\n".join(errors) + "\n" + source
    return result


def assert_round_trip(case: dict, tmp_path: Path, worker) -> None:
    src = FIXTURES / case["file"]
    there, back = ("tensorflow", "pytorch") if case["framework"] == "pytorch" else ("pytorch", "tensorflow")
    middle = _migrate(src.read_text(), there, case["symbol"], str(src))
    middle_path = tmp_path / f"{src.stem}_middle.py"
    middle_path.write_text(middle.text)
    final = _migrate(middle.text, back, case["symbol"], str(middle_path))
    final_path = tmp_path / f"{src.stem}_round_trip.py"
    final_path.write_text(final.text)

    again = _migrate(_migrate(final.text, there, case["symbol"], str(final_path)).text, back, case["symbol"], "again")
    assert again.text == final.text, "the round trip's output changes when it goes round again"

    request = {"source_path": str(src), "symbol": case["symbol"], "args": case.get("args", {}),
               "inputs": case["inputs"], "device": "cpu",
               "hops": [{"path": str(middle_path), "contract": middle.mapping},
                        {"path": str(final_path), "contract": final.mapping}]}
    report = worker.verify(request, timeout=300)
    assert report["status"] == "equivalent", report["message"] + "\n" + final.text
    assert report["max_abs_diff"] <= 1e-5
    assert report["per_layer"], "per-layer report is empty"


@pytest.mark.parametrize("case", TORCH_CASES, ids=TORCH_IDS)
def test_pytorch_keras_pytorch(case, tmp_path, worker):
    assert_round_trip(case, tmp_path, worker)


@pytest.mark.parametrize("case", KERAS_CASES, ids=KERAS_IDS)
def test_keras_pytorch_keras(case, tmp_path, worker):
    assert_round_trip(case, tmp_path, worker)
