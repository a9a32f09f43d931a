"""Latency of the nnmigrate language server over stdio, as an editor sees it.

Measures, on generated PyTorch model files of 200, 2,000 and 10,000 lines (fixture-like classes repeated):
didChange -> publishDiagnostics (debounce included, first publish of the edited version), code-action list,
codeAction/resolve of a 300-line class, and hover on a layer call. Prints p50/p95 with the machine named.

    python benchmarks/lsp_latency.py [--sizes 200,2000,10000] [--edits 40] [--fake-engine]

``--fake-engine`` runs the server with tests/lsp/fake_engine.py standing in for the migration library
(server overhead only). Targets (2-core machine): p95 didChange->diagnostics <= 50 ms at 2,000 lines and
<= 200 ms at 10,000; code-action list <= 20 ms; resolve of a 300-line class <= 200 ms; hover <= 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n"

CNN = '''

class CifarCNN{i}(nn.Module):
    """A small CIFAR-10 network ({i})."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3)
        self.bn1 = nn.BatchNorm2d(32, momentum=0.05)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.bn2 = nn.BatchNorm2d(64)
        self.conv3 = nn.Conv2d(64, 64, 3)
        self.drop = nn.Dropout(0.25)
        self.fc1 = nn.Linear(64 * 4 * 4, 64)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = F.relu(self.conv3(x))
        x = x.view(x.size(0), -1)
        x = self.drop(F.relu(self.fc1(x)))
        return self.fc2(x)
'''

BLOCK = '''

class BasicBlock{i}(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or inplanes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes),
            )

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))
'''


def big_class(lines: int = 300) -> str:
    """A ~``lines``-line model class: a deep plain CNN written layer by layer."""
    layers = (lines - 12) // 2
    init = "".join(f"        self.conv{k} = nn.Conv2d(16, 16, 3, padding=1)\n" for k in range(layers))
    calls = "".join(f"        x = F.relu(self.conv{k}(x))\n" for k in range(layers))
    return (f"\n\nclass DeepPlainNet(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
            f"        self.stem = nn.Conv2d(3, 16, 3, padding=1)\n{init}        self.head = nn.Linear(16, 10)\n\n"
            f"    def forward(self, x):\n        x = self.stem(x)\n{calls}"
            f"        x = x.mean(dim=(2, 3))\n        return self.head(x)\n")


def model_file(target_lines: int) -> str:
    """Header, the 300-line class (files of 1,000+ lines), then alternating small classes up to ``target_lines``."""
    parts, i = [HEADER] + ([big_class()] if target_lines >= 1000 else []), 0
    count = sum(p.count("\n") for p in parts)
    while count < target_lines:
        part = (CNN if i % 2 == 0 else BLOCK).format(i=i)
        parts.append(part)
        count += part.count("\n")
        i += 1
    return "".join(parts)


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()} ({cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()})"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def fmt(values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"p50 {statistics.median(ms):7.1f} ms   p95 {pct(ms, 0.95):7.1f} ms   (n={len(ms)})"


class Bench:
    def __init__(self, fake: bool) -> None:
        self.client = LanguageClient("nnmigrate-bench", "1")
        self.waiters: dict[tuple[str, int], asyncio.Future[float]] = {}
        self.fake = fake

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            waiter = self.waiters.pop((params.uri, params.version or 0), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(time.perf_counter())

        self.messages: list[str] = []

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def show(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)

        @self.client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def create(params: types.WorkDoneProgressCreateParams) -> None:
            return None

    async def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
        cmd = [sys.executable, str(ROOT / "tests" / "lsp" / "fake_engine.py")] if self.fake else [
            sys.executable, "-m", "nnmigrate.lsp"]
        await self.client.start_io(*cmd, env=env)
        stderr = self.client._server.stderr  # type: ignore[union-attr]
        asyncio.ensure_future(self._drain(stderr))
        caps = types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                code_action=types.CodeActionClientCapabilities(
                    data_support=True, resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]),
                    code_action_literal_support=types.ClientCodeActionLiteralOptions(
                        code_action_kind=types.ClientCodeActionKindOptions(value_set=["refactor.rewrite"]))),
                hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown])),
            workspace=types.WorkspaceClientCapabilities(workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=True, resource_operations=[types.ResourceOperationKind.Create])))
        await self.client.initialize_async(types.InitializeParams(capabilities=caps, initialization_options={
            "settings": {}, "trusted": True}))
        self.client.initialized(types.InitializedParams())

    @staticmethod
    async def _drain(stream: asyncio.StreamReader) -> None:
        while await stream.readline():
            pass

    def expect(self, uri: str, version: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[(uri, version)] = future
        return future

    async def size(self, lines: int, edits: int, folder: Path) -> None:
        text = model_file(lines)
        path = folder / f"model_{lines}.py"
        path.write_text(text)
        uri = path.as_uri()
        waiter = self.expect(uri, 1)
        sent = time.perf_counter()
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
            uri=uri, language_id="python", version=1, text=text)))
        opened = await asyncio.wait_for(waiter, 600) - sent
        doc_lines = text.splitlines()
        # Type in the middle of the file: one character in, one out, inside a class body.
        middle = len(doc_lines) // 2
        target = min((i for i, line in enumerate(doc_lines) if "self.fc1 = " in line), key=lambda i: abs(i - middle))
        latencies = []
        for k in range(edits):
            version = k + 2
            pos = types.Position(target, 8)
            change = (types.TextDocumentContentChangePartial(range=types.Range(pos, pos), text="x") if k % 2 == 0
                      else types.TextDocumentContentChangePartial(
                          range=types.Range(pos, types.Position(target, 9)), text=""))
            waiter = self.expect(uri, version)
            sent = time.perf_counter()
            self.client.text_document_did_change(types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version), [change]))
            latencies.append(await asyncio.wait_for(waiter, 60) - sent)
            await asyncio.sleep(0.05)  # typing pace; the server is idle between keystrokes
        actions, hovers = [], []
        small = next(i for i, line in enumerate(doc_lines) if line.startswith("class CifarCNN"))
        conv = next(i for i in range(small, len(doc_lines)) if "nn.Conv2d(" in doc_lines[i])
        for _ in range(20):
            sent = time.perf_counter()
            await self.client.text_document_code_action_async(types.CodeActionParams(
                types.TextDocumentIdentifier(uri), types.Range(types.Position(small + 3, 4), types.Position(small + 3, 4)),
                types.CodeActionContext(diagnostics=[])))
            actions.append(time.perf_counter() - sent)
            sent = time.perf_counter()
            await self.client.text_document_hover_async(types.HoverParams(
                types.TextDocumentIdentifier(uri), types.Position(conv, doc_lines[conv].index("nn.Conv2d") + 4)))
            hovers.append(time.perf_counter() - sent)
        print(f"\n{lines:,}-line file ({len(doc_lines):,} lines, {text.count(chr(10) + 'class '):,} classes); "
              f"open -> first diagnostics {opened * 1000:.0f} ms")
        print(f"  didChange -> publishDiagnostics  {fmt(latencies)}")
        print(f"  codeAction list                  {fmt(actions)}")
        print(f"  hover on nn.Conv2d               {fmt(hovers)}")
        deep = next((i for i, line in enumerate(doc_lines) if line.startswith("class DeepPlainNet")), small)
        deep_end = next((i for i in range(deep + 1, len(doc_lines)) if doc_lines[i].startswith("class ")),
                        len(doc_lines))
        listed = await self.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(uri), types.Range(types.Position(deep + 2, 4), types.Position(deep + 2, 4)),
            types.CodeActionContext(diagnostics=[])))
        await asyncio.sleep(1.0)  # let the prefetch of that list finish before the cold rounds
        resolves: dict[str, list[float]] = {"cold": [], "dwell": []}
        failed = ""
        deep_range = types.Range(types.Position(deep + 2, 4), types.Position(deep + 2, 4))
        for k in range(10):
            # A change to the class defeats every cache, as an edit between two resolves would.
            version = edits + 2 + k
            note = f"  # {lines}-{k}"  # a comment unique to this file and round
            pos = types.Position(deep + 3, len(doc_lines[deep + 3]) + len(note) * k)
            waiter = self.expect(uri, version)
            self.client.text_document_did_change(types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                [types.TextDocumentContentChangePartial(range=types.Range(pos, pos), text=note)]))
            await asyncio.wait_for(waiter, 60)
            mode = "cold" if k % 2 == 0 else "dwell"
            if mode == "dwell":  # the user opens the light bulb, reads for a second, then picks the action
                listed = await self.client.text_document_code_action_async(types.CodeActionParams(
                    types.TextDocumentIdentifier(uri), deep_range, types.CodeActionContext(diagnostics=[])))
                await asyncio.sleep(1.0)
            sent = time.perf_counter()
            resolved = await self.client.code_action_resolve_async(listed[0])
            resolves[mode].append(time.perf_counter() - sent)
            if resolved.edit is None or not resolved.edit.document_changes:
                failed = f" (no edit: {self.messages[-1] if self.messages else 'see the server log'})"
        print(f"  resolve, {deep_end - deep:3d}-line class     {fmt(resolves['cold'])}  (right after an edit){failed}")
        print(f"  resolve, {deep_end - deep:3d}-line class     {fmt(resolves['dwell'])}  (1 s after the list)")
        if deep != small:
            typing = []
            for k in range(8):
                version = edits + 12 + k
                note = f"  # t{lines}-{k}"
                pos = types.Position(deep + 4, len(doc_lines[deep + 4]) + len(note) * k)
                waiter = self.expect(uri, version)
                sent = time.perf_counter()
                self.client.text_document_did_change(types.DidChangeTextDocumentParams(
                    types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    [types.TextDocumentContentChangePartial(range=types.Range(pos, pos), text=note)]))
                typing.append(await asyncio.wait_for(waiter, 60) - sent)
                await asyncio.sleep(0.05)
            print(f"  didChange in the {deep_end - deep}-line class {fmt(typing)}")
            deep_hovers = []
            for k in range(20):
                row = deep + 5 + 7 * k
                sent = time.perf_counter()
                hover = await self.client.text_document_hover_async(types.HoverParams(
                    types.TextDocumentIdentifier(uri), types.Position(row, doc_lines[row].index("nn.Conv2d") + 4)))
                deep_hovers.append(time.perf_counter() - sent)
                assert hover is not None, "no hover in the deep class"
            print(f"  hover in the {deep_end - deep}-line class   {fmt(deep_hovers)}")

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await asyncio.sleep(0.2)
        await self.client.stop()


async def run(sizes: list[int], edits: int, fake: bool) -> None:
    from nnmigrate.lsp import engine

    print(f"nnmigrate LSP latency on {machine()}")
    if fake:
        print("engine: tests/lsp/fake_engine.py (server overhead only)")
    else:
        have = [n for n in ("list_symbols", "analyze", "migrate_source", "explain_at") if engine.available(n)]
        print(f"engine: real library; provides {', '.join(have) or 'nothing yet'}")
    bench = Bench(fake)
    await bench.start()
    with tempfile.TemporaryDirectory() as folder:
        for lines in sizes:
            await bench.size(lines, edits if lines < 10000 else max(10, edits // 2), Path(folder))
    await bench.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,2000,10000")
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--fake-engine", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "server"))
    asyncio.run(run([int(s) for s in args.sizes.split(",")], args.edits, args.fake_engine))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
