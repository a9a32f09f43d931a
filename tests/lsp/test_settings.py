"""Settings from initializationOptions and workspace/configuration; bad values are reported, not fatal."""

from __future__ import annotations

import asyncio
import shutil

from lsprotocol import types

from lsp.support import FIXTURES
from lsp.support import initialize
from lsp.support import open_doc
from nnmigrate.lsp.settings import Settings
from nnmigrate.lsp.settings import merge_settings


def test_merge_settings_validates_each_key() -> None:
    settings, problems = merge_settings(Settings(), {
        "placement": "inPlace", "layout": "sideways", "verifyInterpreter": "python3", "device": "cuda",
        "verifyTimeoutSeconds": -1, "inputs": {"Net": "float32[1,3]"}, "unknown": 1})
    assert settings.placement == "inPlace" and settings.layout == "native" and settings.device == "cuda"
    assert settings.verify_interpreter == ("python3",) and settings.verify_timeout_seconds == 300
    assert dict(settings.inputs) == {"Net": ("float32[1,3]",)}
    assert problems == [
        "Setting nnmigrate.layout must be one of native, preserve. Received: layout='sideways'",
        "Setting nnmigrate.verifyTimeoutSeconds must be a non-negative number. Received: verifyTimeoutSeconds=-1",
    ]


async def preview(client, uri: str) -> dict:
    return await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="nnmigrate.server.preview", arguments=[{"uri": uri, "symbol": "CifarCNN", "target": "tensorflow"}]))


async def test_configuration_section_overrides_initialization_options(fake, tmp_path):
    path = tmp_path / "model.py"
    shutil.copy(FIXTURES / "pytorch" / "cifar_cnn.py", path)
    fake.set_configuration({"placement": "inPlace", "layout": "preserve"}, section="nnmigrate")
    await initialize(fake, settings={"placement": "sibling", "layout": "bogus"})
    uri = open_doc(fake, path)
    for _ in range(100):  # initialized -> workspace/configuration is a round trip of its own
        result = await preview(fake, uri)
        if result["targetUri"] == uri:
            break
        await asyncio.sleep(0.05)
    assert result["targetUri"] == uri and "layout = 'preserve'" in result["text"]
    assert any("Received: layout='bogus'" in m.message for m in fake.messages)

    fake.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"nnmigrate": {"placement": "sibling"}}))
    assert (await preview(fake, uri))["targetUri"].endswith("/model_tf.py")
