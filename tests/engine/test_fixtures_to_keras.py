"""Every PyTorch fixture migrates to Keras with exit 0 and verifies equivalent (max_abs_diff <= 1e-5)."""

from __future__ import annotations

import pytest

from tests.conftest import assert_fixture_verifies, fixture_cases

#: Fixtures whose constructs have no Keras form yet; strict, so a fix shows up as an unexpected pass.
NOT_YET: dict[str, str] = {}
CASES, IDS = fixture_cases("pytorch", NOT_YET)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fixture_migrates_and_verifies(case, tmp_path, worker):
    assert_fixture_verifies(case, "tensorflow", tmp_path, worker)
