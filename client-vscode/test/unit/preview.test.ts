import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import * as vscode from 'vscode';
import { PreviewController } from '../../src/previewController';
import { PREVIEW_SCHEME, PreviewStore, baseName, diffTitle, parsePreviewUri, previewUri } from '../../src/previewModel';

// `vscode` is test/stubs/vscode.ts here (see register.ts).
const stub = vscode as unknown as typeof import('../stubs/vscode');
const { state } = stub;

const SOURCE = 'file:///ws/model.py';
const TARGET = 'file:///ws/model_tf.py';
const MIGRATED = 'import keras\n\nclass Net(keras.Model):\n    pass\n';

/** Lets the un-awaited Apply/Discard notification handler run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('preview model', () => {
  it('builds and parses virtual URIs that end with the target file name', () => {
    const uri = previewUri('p7', 'migrated', TARGET);
    assert.equal(uri, 'nnmigrate-preview:/p7/migrated/model_tf.py');
    assert.deepEqual(parsePreviewUri(uri), { id: 'p7', side: 'migrated' });
    assert.deepEqual(parsePreviewUri('nnmigrate-preview:/p7/empty/model_tf.py'), { id: 'p7', side: 'empty' });
    assert.equal(parsePreviewUri('file:///ws/model_tf.py'), undefined);
    assert.equal(baseName('file:///ws/my%20model.py'), 'my model.py');
  });

  it('titles the diff with both file names and the direction', () => {
    assert.equal(diffTitle(SOURCE, TARGET, 'tensorflow', null), 'model.py ↔ model_tf.py (migrated to TensorFlow)');
    assert.equal(diffTitle(SOURCE, TARGET, 'tensorflow', 'Net'), 'model.py ↔ model_tf.py (Net migrated to TensorFlow)');
    assert.equal(diffTitle(SOURCE, SOURCE, 'pytorch', 'Net'), 'model.py (Net migrated to PyTorch, in place)');
  });

  it('serves the migrated text on the right and an empty document on the left', () => {
    const store = new PreviewStore();
    const e = store.add({ sourceUri: SOURCE, target: 'tensorflow', symbol: 'Net', result: { targetUri: TARGET, text: MIGRATED }, targetExisted: false });
    assert.equal(store.contentFor(e.migratedUri), MIGRATED);
    assert.equal(e.leftUri, 'nnmigrate-preview:/p1/empty/model_tf.py');
    assert.equal(store.contentFor(e.leftUri), '');
    assert.equal(store.contentFor('nnmigrate-preview:/p99/migrated/model_tf.py'), undefined);
    const existing = store.add({ sourceUri: SOURCE, target: 'tensorflow', symbol: null, result: { targetUri: TARGET, text: 'x' }, targetExisted: true });
    assert.equal(existing.leftUri, TARGET, 'an existing target file is the left side');
    assert.equal(store.latest()?.id, existing.id);
    store.delete(existing.id);
    assert.equal(store.contentFor(existing.migratedUri), undefined);
  });
});

describe('PreviewController', () => {
  let controller: PreviewController;

  beforeEach(() => {
    stub.reset();
    controller = new PreviewController();
    controller.register();
  });

  const open = (symbol: string | null = 'Net', targetUri = TARGET) =>
    controller.open({ sourceUri: SOURCE, target: 'tensorflow', symbol, result: { targetUri, text: MIGRATED, symbol } });

  it('registers a content provider for the preview scheme that serves the migrated text', async () => {
    state.files.set(SOURCE, 'import torch\n');
    const entry = await open();
    const provider = state.providers.get(PREVIEW_SCHEME);
    assert.ok(provider, 'provider registered');
    assert.equal(provider.provideTextDocumentContent(stub.Uri.parse(entry.migratedUri)), MIGRATED);
    assert.equal(provider.provideTextDocumentContent(stub.Uri.parse(entry.leftUri)), '');
  });

  it('opens vscode.diff (empty left side when the target is missing) and asks Apply / Discard', async () => {
    state.files.set(SOURCE, 'import torch\n');
    const entry = await open();
    const diff = state.executed.find((c) => c.id === 'vscode.diff');
    assert.ok(diff);
    assert.equal(String(diff.args[0]), 'nnmigrate-preview:/p1/empty/model_tf.py');
    assert.equal(String(diff.args[1]), 'nnmigrate-preview:/p1/migrated/model_tf.py');
    assert.equal(diff.args[2], 'model.py ↔ model_tf.py (Net migrated to TensorFlow)');
    assert.equal(state.context.get('nnmigrate.hasPreview'), true);
    assert.deepEqual(state.messages.at(-1)?.actions, ['Apply', 'Discard']);
    assert.equal(entry.targetExisted, false);
  });

  it('compares against the existing target file when there is one', async () => {
    state.files.set(TARGET, 'old\n');
    await open();
    const diff = state.executed.find((c) => c.id === 'vscode.diff');
    assert.equal(String(diff?.args[0]), TARGET);
  });

  it('Apply creates a missing target with ONE WorkspaceEdit, saves it and closes the diff', async () => {
    const entry = await open();
    assert.equal(await controller.apply(vscode.Uri.parse(entry.migratedUri)), true);
    assert.equal(state.appliedEdits.length, 1, 'exactly one WorkspaceEdit');
    const ops = (state.appliedEdits[0] as unknown as { ops: { kind: string; uri: string; options?: unknown }[] }).ops;
    assert.deepEqual(ops.map((o) => o.kind), ['createFile', 'insert']);
    assert.deepEqual(ops[0].options, { ignoreIfExists: true });
    assert.equal(state.files.get(TARGET), MIGRATED, 'written and saved');
    assert.equal(state.closedTabs.length, 1, 'diff tab closed');
    assert.deepEqual(state.shownDocuments, [TARGET]);
    assert.equal(controller.store.size, 0);
    assert.equal(state.context.get('nnmigrate.hasPreview'), false);
  });

  it('Apply replaces the whole content of an existing target (one replace edit)', async () => {
    state.files.set(TARGET, 'line 1\nline 2\nlast line');
    const entry = await open();
    assert.equal(await controller.apply(entry.id), true);
    assert.equal(state.appliedEdits.length, 1);
    const ops = (state.appliedEdits[0] as unknown as { ops: { kind: string; range: { end: { line: number; character: number } } }[] }).ops;
    assert.deepEqual(ops.map((o) => o.kind), ['replace']);
    assert.deepEqual([ops[0].range.end.line, ops[0].range.end.character], [2, 9]);
    assert.equal(state.files.get(TARGET), MIGRATED);
  });

  it('Apply in place rewrites the source file', async () => {
    state.files.set(SOURCE, 'import torch\nclass Net: pass\n');
    const entry = await controller.open({ sourceUri: SOURCE, target: 'tensorflow', symbol: 'Net', result: { targetUri: SOURCE, text: MIGRATED } });
    assert.equal(entry.title, 'model.py (Net migrated to TensorFlow, in place)');
    assert.equal(entry.leftUri, SOURCE);
    await controller.apply();
    assert.equal(state.files.get(SOURCE), MIGRATED);
  });

  it('Discard writes nothing and closes the diff', async () => {
    state.files.set(TARGET, 'old\n');
    const entry = await open();
    assert.equal(await controller.discard(vscode.Uri.parse(entry.migratedUri)), true);
    assert.equal(state.appliedEdits.length, 0);
    assert.equal(state.files.get(TARGET), 'old\n');
    assert.equal(state.buffers.size, 0);
    assert.equal(state.closedTabs.length, 1);
    assert.equal(controller.store.size, 0);
  });

  it('the notification buttons apply or discard', async () => {
    state.messageAnswers.push('Apply');
    await open();
    await settle();
    await settle();
    assert.equal(state.files.get(TARGET), MIGRATED);

    stub.reset();
    controller = new PreviewController();
    controller.register();
    state.messageAnswers.push('Discard');
    await open();
    await settle();
    assert.equal(state.files.has(TARGET), false);
    assert.equal(state.appliedEdits.length, 0);
    assert.equal(controller.store.size, 0);
  });

  it('dismissing the notification keeps the preview open', async () => {
    await open();
    await settle();
    assert.equal(controller.store.size, 1);
    assert.equal(state.closedTabs.length, 0);
  });

  it('a refused edit reports an error and keeps the preview', async () => {
    state.applyEditResult = false;
    await open();
    assert.equal(await controller.apply(), false);
    assert.equal(state.files.has(TARGET), false);
    assert.equal(controller.store.size, 1);
    assert.match(state.messages.at(-1)?.message ?? '', /refused/);
  });

  it('Apply with nothing to apply warns', async () => {
    assert.equal(await controller.apply(), false);
    assert.equal(state.messages.at(-1)?.level, 'warning');
  });

  it('rejects a malformed server answer', async () => {
    await assert.rejects(controller.open({ sourceUri: SOURCE, target: 'tensorflow', symbol: null, result: {} as never }), /no preview/);
  });
});
