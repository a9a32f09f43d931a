"""Server state: open documents, settings, trust, resolved client capabilities, and frozen snapshots.

Handlers never read mutable state directly: they take ``session.snapshot(uri)`` (text, version, block
index, settings) on the event loop and work from it, so a slow job never sees a half-applied edit.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from nnmigrate.lsp.block_cache import BlockCache
from nnmigrate.lsp.documents import DocumentIndex
from nnmigrate.lsp.settings import Settings
from nnmigrate.lsp.settings import merge_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientFeatures:
    """The client capabilities the server acts on, resolved once at initialize."""

    resolve_edit: bool = False
    change_annotations: bool = False
    document_changes: bool = False
    create_files: bool = False
    work_done_progress: bool = False
    markdown: bool = True
    configuration: bool = False
    show_message: bool = True

    @classmethod
    def from_capabilities(cls, caps: types.ClientCapabilities) -> ClientFeatures:
        text = caps.text_document
        workspace = caps.workspace
        edit = workspace.workspace_edit if workspace else None
        action = text.code_action if text else None
        resolve = action.resolve_support.properties if action and action.resolve_support else []
        hover = text.hover.content_format if text and text.hover and text.hover.content_format else None
        operations = edit.resource_operations if edit and edit.resource_operations else []
        return cls(
            resolve_edit="edit" in resolve and bool(action and action.data_support),
            change_annotations=bool(
                action and action.honors_change_annotations and edit and edit.change_annotation_support
            ),
            document_changes=bool(edit and edit.document_changes),
            create_files=types.ResourceOperationKind.Create in operations,
            work_done_progress=bool(caps.window and caps.window.work_done_progress),
            markdown=hover is None or types.MarkupKind.Markdown in hover,
            configuration=bool(workspace and workspace.configuration),
        )


@dataclass
class DocumentState:
    """One open document; its block index is built lazily, once per version."""

    uri: str
    version: int | None
    text: str
    cache: BlockCache
    _index: DocumentIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> DocumentIndex:
        if self._index is None:
            self._index = DocumentIndex(self.text, self.cache)
        return self._index


@dataclass(frozen=True)
class Snapshot:
    """An immutable view of one document plus the settings in force when it was taken."""

    uri: str
    version: int | None
    text: str
    index: DocumentIndex
    settings: Settings
    trusted: bool
    features: ClientFeatures

    @property
    def path(self) -> str | None:
        return to_fs_path(self.uri)


@dataclass(frozen=True)
class VerifyMark:
    """The last verify report of one symbol, valid while the symbol's block text is unchanged."""

    block_text: str
    report: dict[str, Any]


class Session:
    """Documents, settings, trust and capabilities of one server."""

    def __init__(self) -> None:
        self.settings = Settings()
        self.trusted = True
        self.features = ClientFeatures()
        self.cache = BlockCache()
        self._documents: dict[str, DocumentState] = {}
        #: uri -> symbol -> last verify report, shown as a diagnostic on the symbol.
        self.verify_marks: dict[str, dict[str, VerifyMark]] = {}

    def initialize(self, params: types.InitializeParams) -> list[str]:
        """Take capabilities and initializationOptions; returns messages about rejected settings."""
        self.features = ClientFeatures.from_capabilities(params.capabilities)
        options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        self.trusted = options.get("trusted", True) is not False
        return self.apply_settings(options.get("settings"))

    def apply_settings(self, raw: Any) -> list[str]:
        self.settings, problems = merge_settings(self.settings, raw)
        return problems

    def open(self, uri: str, text: str, version: int | None) -> None:
        self._documents[uri] = DocumentState(uri, version, text, self.cache)

    def update(self, uri: str, text: str, version: int | None) -> None:
        self.open(uri, text, version)

    def close(self, uri: str) -> None:
        self._documents.pop(uri, None)

    def version_of(self, uri: str) -> int | None:
        state = self._documents.get(uri)
        return state.version if state else None

    def is_open(self, uri: str) -> bool:
        return uri in self._documents

    def snapshot(self, uri: str) -> Snapshot | None:
        """A frozen view of ``uri``, or None when it is not open."""
        state = self._documents.get(uri)
        if state is None:
            log.info("no open document %s", uri)
            return None
        return Snapshot(uri, state.version, state.text, state.index, self.settings, self.trusted, self.features)

    def read_text(self, uri: str) -> str | None:
        """The text of ``uri`` as the editor has it if open, else from disk; None when it does not exist."""
        state = self._documents.get(uri)
        if state is not None:
            return state.text
        return self.read_disk(uri)

    @staticmethod
    def read_disk(uri: str) -> str | None:
        """The saved text of ``uri``; None when it is not a readable file."""
        path = to_fs_path(uri)
        if path is None or not os.path.isfile(path):
            return None
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except OSError:
            log.exception("cannot read %s", path)
            return None
