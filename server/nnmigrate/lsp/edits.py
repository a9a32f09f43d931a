"""Plan a migration (engine call + placement) and turn the plan into an LSP WorkspaceEdit.

A class is migrated from a *slice* of the document (the imports plus the blocks it uses), so its cost
does not grow with the file. Engine results are cached by (source, target, symbol, layout), so the diff
preview and the Apply that follows it pay once; a code-action list prefetches the class under the cursor
in the background, so the resolve that follows usually finds the migration done.
"""

from __future__ import annotations

import threading
from concurrent.futures import Executor
from concurrent.futures import Future
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lsprotocol import types

from nnmigrate.diagnostics import Diagnostic
from nnmigrate.diagnostics import SourceRange
from nnmigrate.frameworks import Framework
from nnmigrate.lsp import convert
from nnmigrate.lsp import engine
from nnmigrate.lsp.block_cache import LRU
from nnmigrate.lsp.session import ClientFeatures
from nnmigrate.lsp.session import Snapshot
from nnmigrate.placement import merge_symbol
from nnmigrate.placement import sibling_uri

ANNOTATION_ID = "nnmigrate.migrate"
_results: LRU[tuple[str, str, str | None, str], Any] = LRU(32)
_inflight: dict[tuple[str, str, str | None, str], Future[Any]] = {}
_lock = threading.Lock()


class EditError(Exception):
    """The edit cannot be built for this client or document; the message is for the user."""


@dataclass(frozen=True)
class MigrationPlan:
    """What a migration would write: the full new text of ``target_uri`` and what is there now."""

    source_uri: str
    target_uri: str
    symbol: str | None
    target: Framework
    text: str
    existing: str | None
    title: str
    diagnostics: tuple[Diagnostic, ...]


def migrate_cached(source: str, target: Framework, symbol: str | None, layout: str) -> Any:
    """``engine.migrate`` through a small cache; concurrent calls for the same key share one run (thread-safe)."""
    key = (source, target.value, symbol, layout)
    with _lock:
        found = _results.get(key)
        if found is not None:
            return found
        running = _inflight.get(key)
        owner = running is None
        if owner:
            running = _inflight[key] = Future()
    if not owner:
        return running.result()
    try:
        result = engine.migrate(source, target, symbol, layout)
    except BaseException as exc:
        running.set_exception(exc)
        raise
    finally:
        with _lock:
            _inflight.pop(key, None)
    with _lock:
        _results.put(key, result)
    running.set_result(result)
    return result


def prefetch(executor: Executor, request: PlanRequest) -> None:
    """Start migrating ``request`` in the background so a later resolve or preview finds it done."""
    key = (request.source, request.target.value, request.symbol, request.layout)
    with _lock:
        if key in _results or key in _inflight:
            return
    future = executor.submit(migrate_cached, request.source, request.target, request.symbol, request.layout)
    future.add_done_callback(lambda f: f.exception())  # failures surface when the user asks


@dataclass(frozen=True)
class PlanRequest:
    """Everything a migration needs, gathered on the event loop so the engine call can run in a thread."""

    source_uri: str
    target_uri: str
    symbol: str | None
    target: Framework
    source: str  # the whole document, or the symbol's slice
    existing: str | None
    layout: str
    to_document: Callable[[SourceRange], SourceRange | None]


def prepare(snap: Snapshot, symbol: str | None, target: Framework,
            read_text: Callable[[str], str | None]) -> PlanRequest:
    """Gather the inputs of a migration (cheap; call on the event loop).

    Raises:
        EditError: the symbol is not defined at the top level of the document.
    """
    if symbol is None:
        source, to_document = snap.text, _identity
    else:
        if symbol not in snap.index.definers:
            raise EditError(f"`{symbol}` is not defined at the top level of this document.")
        piece = snap.index.slice_for(symbol)
        source, to_document = piece.text, piece.to_document
    if snap.settings.placement == "inPlace":
        target_uri, existing = snap.uri, snap.text
    else:
        target_uri = sibling_uri(snap.uri, target)
        existing = read_text(target_uri)
    return PlanRequest(snap.uri, target_uri, symbol, target, source, existing, snap.settings.layout, to_document)


def _identity(rng: SourceRange) -> SourceRange | None:
    return rng


def plan_migration(request: PlanRequest) -> MigrationPlan:
    """Run the engine and place its output (may be slow; fine to call in a thread).

    Raises:
        engine.EngineError: the engine failed or is missing.
        nnmigrate.placement.PlacementError: the target file cannot take the code.
    """
    result = migrate_cached(request.source, request.target, request.symbol, request.layout)
    diagnostics = tuple(
        Diagnostic(d.code, d.message, request.to_document(d.range) if d.range else None, d.severity, d.hint)
        for d in result.diagnostics
    )
    symbol, existing = request.symbol, request.existing
    text = merge_symbol(existing, result.text, symbol) if symbol and existing else result.text
    title = f"Migrate {symbol or 'file'} to {request.target.display}"
    return MigrationPlan(request.source_uri, request.target_uri, symbol, request.target, text, existing, title,
                         diagnostics)


def minimal_edit(old: str, new: str) -> types.TextEdit:
    """One TextEdit turning ``old`` into ``new``, spanning only the lines between common prefix and suffix."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    start = types.Position(prefix, 0)
    end_line = len(a) - suffix
    if end_line == len(a) and a and not a[-1].endswith(("\n", "\r")):
        end = convert.to_position(a, len(a), 0)
    else:
        end = types.Position(end_line, 0)
    return types.TextEdit(types.Range(start, end), "".join(b[prefix : len(b) - suffix]))


def workspace_edit(plan: MigrationPlan, features: ClientFeatures, version: int | None) -> types.WorkspaceEdit:
    """The WorkspaceEdit that writes ``plan``; change annotations only when the client honours them.

    Args:
        plan: the planned migration.
        features: what the client supports.
        version: the open version of the target document, None when it is not open.
    """
    annotation = ANNOTATION_ID if features.change_annotations else None
    annotations = {ANNOTATION_ID: types.ChangeAnnotation(
        label=plan.title, needs_confirmation=True,
        description="nnmigrate writes migrated code; review it before applying.")} if annotation else None
    if plan.existing is None:
        if not (features.document_changes and features.create_files):
            raise EditError("The editor cannot create files through an edit; set nnmigrate.placement to inPlace.")
        create = types.CreateFile(uri=plan.target_uri, annotation_id=annotation,
                                  options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True))
        edit: types.TextEdit = types.TextEdit(types.Range(types.Position(0, 0), types.Position(0, 0)), plan.text)
        version = None
        changes: list[Any] = [create]
    else:
        edit = minimal_edit(plan.existing, plan.text)
        changes = []
    if annotation:
        edit = types.AnnotatedTextEdit(annotation_id=annotation, range=edit.range, new_text=edit.new_text)
    if not features.document_changes:
        return types.WorkspaceEdit(changes={plan.target_uri: [edit]})
    identifier = types.OptionalVersionedTextDocumentIdentifier(uri=plan.target_uri, version=version)
    changes.append(types.TextDocumentEdit(text_document=identifier, edits=[edit]))
    return types.WorkspaceEdit(document_changes=changes, change_annotations=annotations)
