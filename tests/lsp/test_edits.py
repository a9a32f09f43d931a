"""Migration planning helpers: the shared migration cache (prefetch + resolve pay once) and minimal edits."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from lsprotocol import types

from nnmigrate.frameworks import Framework
from nnmigrate.lsp import edits
from nnmigrate.lsp import engine


def test_concurrent_migrations_of_one_key_run_the_engine_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    gate = threading.Event()

    def migrate(source: str, to: Framework, symbol: str | None, layout: str) -> str:
        calls.append(source)
        gate.wait(5)
        return f"migrated {source}"

    monkeypatch.setattr(engine, "migrate", migrate)
    source = f"class Net: pass  # {time.time()}"
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(edits.migrate_cached, source, Framework.TENSORFLOW, "Net", "native") for _ in range(4)]
        time.sleep(0.1)
        gate.set()
        assert {f.result() for f in futures} == {f"migrated {source}"}
    assert calls == [source]
    assert edits.migrate_cached(source, Framework.TENSORFLOW, "Net", "native") == f"migrated {source}"
    assert len(calls) == 1


def test_failed_migration_is_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = iter([engine.EngineError("boom"), "ok"])

    def migrate(*args: object) -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(engine, "migrate", migrate)
    source = f"class Other: pass  # {time.time()}"
    with pytest.raises(engine.EngineError):
        edits.migrate_cached(source, Framework.PYTORCH, None, "native")
    assert edits.migrate_cached(source, Framework.PYTORCH, None, "native") == "ok"


@pytest.mark.parametrize(
    ("old", "new", "start", "end", "text"),
    [
        ("a\nb\nc\n", "a\nB\nc\n", (1, 0), (2, 0), "B\n"),
        ("a\nb\n", "a\nb\nc\n", (2, 0), (2, 0), "c\n"),
        ("a\nb", "a\nb\nc\n", (1, 0), (1, 1), "b\nc\n"),
        ("x\n", "x\n", (1, 0), (1, 0), ""),
    ],
)
def test_minimal_edit_spans_only_changed_lines(old, new, start, end, text) -> None:
    edit = edits.minimal_edit(old, new)
    assert edit.range == types.Range(types.Position(*start), types.Position(*end))
    assert edit.new_text == text
