"""Keras fixtures migrate to PyTorch with exit 0 and verify equivalent (max_abs_diff <= 1e-5), weights copied Keras -> torch."""

from __future__ import annotations

import pytest

from tests.conftest import assert_fixture_verifies, fixture_cases

#: What each still lacks; strict, so a fix shows up as an unexpected pass.
NOT_YET: dict[str, str] = {}
CASES, IDS = fixture_cases("tensorflow", NOT_YET)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fixture_migrates_and_verifies(case, tmp_path, worker):
    assert_fixture_verifies(case, "pytorch", tmp_path, worker)
