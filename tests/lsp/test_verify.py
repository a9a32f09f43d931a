"""Command nnmigrate.server.verify: progress, result (notification + diagnostic), cancel, timeout, crashes, trust."""

from __future__ import annotations

import asyncio
import shutil

import pytest
from lsprotocol import types

from lsp.support import FIXTURES
from lsp.support import change
from lsp.support import initialize
from lsp.support import needs_engine
from lsp.support import open_doc
from lsp.support import wait_diagnostics

CIFAR = FIXTURES / "pytorch" / "cifar_cnn.py"


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(CIFAR.read_text().replace("class CifarCNN", "# nnmigrate: input float32[2,3,32,32]\nclass CifarCNN"))
    return path


def verify(client, uri: str, inputs: list[str] | None = None, symbol: str = "CifarCNN"):
    return client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="nnmigrate.server.verify", arguments=[{"uri": uri, "symbol": symbol, "inputs": inputs}]))


async def until(condition, timeout: float = 15.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def test_verify_reports_progress_notification_and_diagnostic(fake, model):
    await initialize(fake, settings={"device": "cpu"})
    uri = open_doc(fake, model)
    await wait_diagnostics(fake, uri, 1)
    report = await verify(fake, uri, ["sleep=0.3"])
    assert report["status"] == "equivalent" and report["device"] == "cpu"
    (reports,) = fake.progress_reports.values()
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].cancellable
    assert any(isinstance(r, types.WorkDoneProgressReport) for r in reports)
    assert isinstance(reports[-1], types.WorkDoneProgressEnd) and "equivalent" in reports[-1].message
    (note,) = fake.notifications
    assert note.uri == uri and note.symbol == "CifarCNN" and note.report.status == "equivalent"

    await until(lambda: any(d.code == "NNM301" for d in fake.diagnostics.get(uri, [])))
    (mark,) = [d for d in fake.diagnostics[uri] if d.code == "NNM301"]
    assert mark.severity == types.DiagnosticSeverity.Information
    assert mark.range == types.Range(types.Position(10, 6), types.Position(10, 14))  # the class name
    assert mark.message.startswith("Verify CifarCNN: equivalent, max_abs_diff=1.5e-07; worst layer fc2 -> fc2")

    # Input specs: the comment above the class, then the `inputs` setting, then the command argument.
    assert (await verify(fake, uri))["message"].endswith("inputs float32[2,3,32,32]")
    fake.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"nnmigrate": {"inputs": {"CifarCNN": ["float32[1,3,32,32]"]}}}))
    assert (await verify(fake, uri))["message"].endswith("inputs float32[1,3,32,32]")

    # Editing the class makes the result stale: the diagnostic goes away.
    change(fake, uri, 2, (13, 0), (13, 0), "\n")
    assert not [d for d in await wait_diagnostics(fake, uri, 2) if d.code == "NNM301"]


async def test_cancel_command_and_progress_cancel_kill_the_worker(fake, model):
    await initialize(fake)
    uri = open_doc(fake, model)
    running = asyncio.ensure_future(verify(fake, uri, ["sleep=30"]))
    await until(lambda: any(len(r) > 1 for r in fake.progress_reports.values()))
    assert await fake.workspace_execute_command_async(
        types.ExecuteCommandParams(command="nnmigrate.server.cancelVerify", arguments=[])) == {"cancelled": True}
    report = await asyncio.wait_for(running, 10)
    assert report["status"] == "cancelled"
    assert fake.notifications[-1].report.status == "cancelled"

    running = asyncio.ensure_future(verify(fake, uri, ["sleep=30"]))
    await until(lambda: len(fake.progress_reports) == 2 and all(len(r) > 1 for r in fake.progress_reports.values()))
    token = list(fake.progress_reports)[-1]
    fake.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    assert (await asyncio.wait_for(running, 10))["status"] == "cancelled"
    assert (await verify(fake, uri))["status"] == "equivalent"  # a fresh worker

    # $/cancelRequest on the verify request itself.
    params = types.ExecuteCommandParams(command="nnmigrate.server.verify",
                                        arguments=[{"uri": uri, "symbol": "CifarCNN", "inputs": ["sleep=30"]}])
    running = asyncio.ensure_future(
        fake.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="verify-x"))
    await until(lambda: len(fake.progress_reports) == 4 and all(len(r) > 1 for r in fake.progress_reports.values()))
    fake.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="verify-x"))
    with pytest.raises(Exception, match="cancel"):
        await asyncio.wait_for(running, 10)

    await until(lambda: len(fake.notifications) == 4)
    assert fake.notifications[-1].report.status == "cancelled"
    assert (await verify(fake, uri))["status"] == "equivalent"


async def test_timeout_and_crash_are_reported_and_the_worker_restarts(fake, model):
    await initialize(fake, settings={"verifyTimeoutSeconds": 0.5})
    uri = open_doc(fake, model)
    report = await verify(fake, uri, ["sleep=20"])
    assert report["status"] == "error" and "timed out" in report["message"]
    crashed = await verify(fake, uri, ["crash"])
    assert crashed["status"] == "error" and "crashed" in crashed["message"]
    await until(lambda: any("crashed" in m.message for m in fake.messages))
    first = await verify(fake, uri)
    second = await verify(fake, uri)
    assert first["status"] == second["status"] == "equivalent"
    assert first["message"].split()[1] == second["message"].split()[1]  # the same long-lived worker pid


async def test_untrusted_workspace_never_runs_code(fake, model):
    await initialize(fake, trusted=False)
    uri = open_doc(fake, model)
    report = await verify(fake, uri)
    assert report["status"] == "error" and "not trusted" in report["message"]
    position = types.Position(12, 4)
    actions = await fake.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), types.Range(position, position), types.CodeActionContext(diagnostics=[])))
    assert [a.title for a in actions] == ["Migrate class CifarCNN to TensorFlow", "Migrate file to TensorFlow"]


async def test_unknown_symbol_and_closed_document(fake, model):
    await initialize(fake)
    uri = open_doc(fake, model)
    assert "not a model class" in (await verify(fake, uri, symbol="Nope"))["message"]
    assert "not open" in (await verify(fake, uri + "x"))["message"]


@needs_engine("migrate_source", "WorkerSession")
async def test_real_verify_of_cifar_cnn(client, tmp_path):
    path = tmp_path / "cifar_cnn.py"
    shutil.copy(CIFAR, path)
    await initialize(client, settings={"device": "cpu", "verifyTimeoutSeconds": 120})
    uri = open_doc(client, path)
    report = await verify(client, uri, ["float32[2,3,32,32]"])
    assert report["status"] == "equivalent", report
    assert report["max_abs_diff"] <= 1e-4 and report["per_layer"]
    assert client.notifications[-1].report.status == "equivalent"


CRASH = """

class CrashNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        os._exit(3)  # takes the verify worker down while it builds the model

    def forward(self, x):
        return self.fc(x)
"""


@needs_engine("migrate_source", "WorkerSession")
async def test_real_worker_crash_is_reported_and_the_next_verify_restarts_it(client, tmp_path):
    path = tmp_path / "models.py"
    path.write_text(CIFAR.read_text().replace("import torch\n", "import os\nimport torch\n", 1) + CRASH)
    await initialize(client, settings={"device": "cpu", "verifyTimeoutSeconds": 120})
    uri = open_doc(client, path)
    crashed = await verify(client, uri, ["float32[2,4]"], symbol="CrashNet")
    assert crashed["status"] == "error" and "exit" in crashed["message"], crashed
    await until(lambda: any("CrashNet" in m.message for m in client.messages))
    report = await verify(client, uri, ["float32[2,3,32,32]"])
    assert report["status"] == "equivalent", report
