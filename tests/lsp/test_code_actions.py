"""textDocument/codeAction + codeAction/resolve, the preview and symbolAt commands, and placement settings."""

from __future__ import annotations

import shutil

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from lsp.support import FIXTURES
from lsp.support import initialize
from lsp.support import needs_engine
from lsp.support import open_doc
from lsp.support import wait_diagnostics

CIFAR = FIXTURES / "pytorch" / "cifar_cnn.py"


def at(uri: str, line: int, only: list[str] | None = None) -> types.CodeActionParams:
    position = types.Position(line, 4)
    return types.CodeActionParams(types.TextDocumentIdentifier(uri), types.Range(position, position),
                                  types.CodeActionContext(diagnostics=[], only=only))


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    shutil.copy(CIFAR, path)
    return path


async def test_list_is_titles_and_data_and_resolve_creates_sibling(fake, model):
    await initialize(fake)
    uri = open_doc(fake, model)
    await wait_diagnostics(fake, uri, 1)
    actions = await fake.text_document_code_action_async(at(uri, 12))
    assert [a.title for a in actions] == ["Migrate class CifarCNN to TensorFlow", "Verify CifarCNN",
                                          "Migrate file to TensorFlow"]
    migrate, verify, _ = actions
    assert all(a.kind == types.CodeActionKind.RefactorRewrite and a.edit is None for a in (migrate, actions[2]))
    assert migrate.data == {"uri": uri, "symbol": "CifarCNN", "target": "tensorflow", "action": "migrateClass"}
    assert verify.kind == types.CodeActionKind.RefactorRewrite and verify.data["action"] == "verify"
    command = verify.command
    assert command.command == "nnmigrate.server.verify"
    assert list(command.arguments) == [{"uri": uri, "symbol": "CifarCNN", "inputs": None}]

    resolved = await fake.code_action_resolve_async(actions[0])
    create, edit = resolved.edit.document_changes
    target = model.with_name("model_tf.py").as_uri()
    assert isinstance(create, types.CreateFile) and create.uri == target and create.annotation_id is None
    assert edit.text_document.uri == target
    assert edit.edits[0].new_text.startswith("import keras\n\n\nclass CifarCNN(keras.Model):")
    assert resolved.edit.change_annotations is None  # VS Code 1.65 does not honour them for code actions

    # Outside any class: only the file action; filtered out when the client asks for quick fixes only.
    assert [a.title for a in await fake.text_document_code_action_async(at(uri, 5))] == ["Migrate file to TensorFlow"]
    assert await fake.text_document_code_action_async(at(uri, 12, only=["quickfix"])) is None


async def test_resolve_merges_into_existing_sibling_with_annotations(fake, model):
    caps = client_capabilities("visual-studio-code")
    caps.text_document.code_action.honors_change_annotations = True
    await initialize(fake, capabilities=caps)
    sibling = model.with_name("model_tf.py")
    sibling.write_text("import keras\n\n\nclass Other(keras.Model):\n    pass\n")
    uri = open_doc(fake, model)
    actions = await fake.text_document_code_action_async(at(uri, 12))
    resolved = await fake.code_action_resolve_async(actions[0])
    (edit,) = resolved.edit.document_changes
    assert edit.text_document.uri == sibling.as_uri() and edit.text_document.version is None
    (text_edit,) = edit.edits
    assert isinstance(text_edit, types.AnnotatedTextEdit) and text_edit.annotation_id == "nnmigrate.migrate"
    assert text_edit.range.start == types.Position(5, 0)  # appended after `class Other`
    assert "class CifarCNN(keras.Model)" in text_edit.new_text
    annotation = resolved.edit.change_annotations["nnmigrate.migrate"]
    assert annotation.needs_confirmation and annotation.label == "Migrate CifarCNN to TensorFlow"


async def test_in_place_placement_and_apply_command_without_resolve_support(fake, model):
    caps = client_capabilities("visual-studio-code")
    caps.text_document.code_action.resolve_support = None
    await initialize(fake, capabilities=caps, settings={"placement": "inPlace", "layout": "preserve"})
    uri = open_doc(fake, model)
    actions = await fake.text_document_code_action_async(at(uri, 12))
    migrate_file = actions[-1]
    assert migrate_file.command.command == "nnmigrate.server.applyMigration"
    result = await fake.workspace_execute_command_async(types.ExecuteCommandParams(
        command=migrate_file.command.command, arguments=migrate_file.command.arguments))
    assert result["applied"] is True and result["targetUri"] == uri
    (applied,) = fake.applied_edits
    (edit,) = applied.edit.document_changes
    assert edit.text_document.uri == uri and edit.text_document.version == 1
    assert edit.edits[0].new_text.endswith("class CifarCNN(keras.Model):\n    layout = 'preserve'\n")


async def test_preview_returns_full_target_text_and_diagnostics(fake, model):
    await initialize(fake)
    model.with_name("model_tf.py").write_text('"""Existing."""\nimport keras\n')
    uri = open_doc(fake, model)
    result = await fake.workspace_execute_command_async(types.ExecuteCommandParams(
        command="nnmigrate.server.preview", arguments=[{"uri": uri, "symbol": "CifarCNN", "target": "tensorflow"}]))
    assert result["targetUri"] == model.with_name("model_tf.py").as_uri()
    assert result["text"].startswith('"""Existing."""\nimport keras\n\n\nclass CifarCNN(keras.Model):')
    assert result["title"] == "Migrate CifarCNN to TensorFlow" and result["symbol"] == "CifarCNN"
    linear = [d for d in result["diagnostics"] if d["code"] == "NNM205"]
    assert [d["range"]["start"]["line"] for d in linear] == [16, 17]  # mapped back from the slice

    whole = await fake.workspace_execute_command_async(types.ExecuteCommandParams(
        command="nnmigrate.server.preview", arguments=[{"uri": uri, "symbol": None, "target": "tensorflow"}]))
    assert whole["text"].startswith("import keras\n") and whole["symbol"] is None

    with pytest.raises(Exception, match="not defined"):
        await fake.workspace_execute_command_async(types.ExecuteCommandParams(
            command="nnmigrate.server.preview", arguments=[{"uri": uri, "symbol": "Nope", "target": "tensorflow"}]))


async def test_symbol_at(fake, model):
    await initialize(fake)
    uri = open_doc(fake, model)

    async def symbol_at(line: int):
        return await fake.workspace_execute_command_async(types.ExecuteCommandParams(
            command="nnmigrate.server.symbolAt", arguments=[{"uri": uri, "line": line, "character": 0}]))

    assert await symbol_at(20) == {"symbol": "CifarCNN", "kind": "class", "framework": "pytorch"}
    assert await symbol_at(2) == {"symbol": None, "kind": None, "framework": "pytorch"}


@needs_engine("migrate_source")
async def test_real_engine_resolve_and_preview(client, model):
    await initialize(client)
    uri = open_doc(client, model)
    actions = await client.text_document_code_action_async(at(uri, 12))
    resolved = await client.code_action_resolve_async(actions[0])
    create, edit = resolved.edit.document_changes
    assert "class CifarCNN(keras.Model)" in edit.edits[0].new_text
    preview = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="nnmigrate.server.preview", arguments=[{"uri": uri, "symbol": "CifarCNN", "target": "tensorflow"}]))
    assert preview["text"] == edit.edits[0].new_text
