"""Shared test helpers: the fixture manifest and one warm verify worker for the whole session."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


def manifest(framework: str) -> list[dict]:
    data = tomllib.loads((FIXTURES / "manifest.toml").read_text())
    return [f for f in data["fixture"] if f["framework"] == framework]


@pytest.fixture(scope="session")
def worker():
    from nnmigrate.verify.session import WorkerSession

    session = WorkerSession()
    yield session
    session.close()
