"""Command names, code-action data and command arguments of the server's protocol (see PROTOCOL.md)."""

from __future__ import annotations

from typing import Any
from typing import Literal

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException

PREVIEW = "nnmigrate.server.preview"
SYMBOL_AT = "nnmigrate.server.symbolAt"
VERIFY = "nnmigrate.server.verify"
CANCEL_VERIFY = "nnmigrate.server.cancelVerify"
APPLY_MIGRATION = "nnmigrate.server.applyMigration"
VERIFY_RESULT = "nnmigrate/verifyResult"

Action = Literal["migrateClass", "migrateFile", "verify"]


@attrs.define
class ActionData:
    """``CodeAction.data``: what to build in ``codeAction/resolve``."""

    uri: str
    target: str
    action: str
    symbol: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"uri": self.uri, "symbol": self.symbol, "target": self.target, "action": self.action}


@attrs.define
class PreviewArgs:
    uri: str
    target: str
    symbol: str | None = None


@attrs.define
class SymbolAtArgs:
    uri: str
    line: int
    character: int


@attrs.define
class VerifyArgs:
    uri: str
    symbol: str
    inputs: list[str] | None = None


def request_failed(message: str) -> JsonRpcException:
    """A JSON-RPC ``RequestFailed`` error whose message is shown to the user as is."""
    return JsonRpcException(message=message, code=types.LSPErrorCodes.RequestFailed.value)


def verify_command(uri: str, symbol: str) -> types.Command:
    """The ``nnmigrate.server.verify`` command for ``symbol`` (inputs from settings or comments)."""
    return types.Command(title=f"Verify {symbol}", command=VERIFY,
                         arguments=[{"uri": uri, "symbol": symbol, "inputs": None}])
