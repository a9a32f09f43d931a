import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import * as vscode from 'vscode';
import { MigrationCommands, failureMessage } from '../../src/commands';
import { PreviewController } from '../../src/previewController';
import { ServerApi } from '../../src/serverApi';
import { VerifyController } from '../../src/verifyController';

const stub = vscode as unknown as typeof import('../stubs/vscode');
const { state } = stub;
const SOURCE = 'file:///ws/model.py';

class FakeServer implements ServerApi {
  calls: { command: string; args: unknown[] }[] = [];
  constructor(private readonly answers: Record<string, unknown>) {}
  async executeCommand<T>(command: string, args: unknown[]): Promise<T> {
    this.calls.push({ command, args });
    const answer = this.answers[command];
    if (answer instanceof Error) {
      throw answer;
    }
    return answer as T;
  }
}

function setup(answers: Record<string, unknown>) {
  const server = new FakeServer(answers);
  const previews = new PreviewController();
  previews.register();
  const commands = new MigrationCommands(server, previews, new VerifyController(server));
  return { server, previews, commands };
}

describe('migration commands', () => {
  beforeEach(() => {
    stub.reset();
    stub.openEditor(SOURCE, 'import torch\nclass Net(torch.nn.Module):\n    pass\n', 2, 4);
  });

  it('Migrate Class asks symbolAt at the cursor, then preview, then opens the diff', async () => {
    const { server, commands } = setup({
      'nnmigrate.server.symbolAt': { symbol: 'Net', kind: 'class', framework: 'pytorch' },
      'nnmigrate.server.preview': { targetUri: 'file:///ws/model_tf.py', text: 'import keras\n', title: 't', symbol: 'Net', diagnostics: [] },
    });
    const entry = await commands.migrateClass('tensorflow');
    assert.deepEqual(server.calls, [
      { command: 'nnmigrate.server.symbolAt', args: [{ uri: SOURCE, line: 2, character: 4 }] },
      { command: 'nnmigrate.server.preview', args: [{ uri: SOURCE, symbol: 'Net', target: 'tensorflow' }] },
    ]);
    assert.equal(entry?.title, 'model.py ↔ model_tf.py (Net migrated to TensorFlow)');
    assert.ok(state.executed.some((c) => c.id === 'vscode.diff'));
  });

  it('Migrate File sends symbol null', async () => {
    const { server, commands } = setup({ 'nnmigrate.server.preview': { targetUri: 'file:///ws/model_tf.py', text: 'x', symbol: null } });
    const entry = await commands.migrateFile('tensorflow');
    assert.deepEqual(server.calls[0], { command: 'nnmigrate.server.preview', args: [{ uri: SOURCE, symbol: null, target: 'tensorflow' }] });
    assert.equal(entry?.title, 'model.py ↔ model_tf.py (migrated to TensorFlow)');
  });

  it('no class under the cursor: a warning, no preview', async () => {
    const { server, commands } = setup({ 'nnmigrate.server.symbolAt': { symbol: null, kind: null, framework: null } });
    assert.equal(await commands.migrateClass('tensorflow'), undefined);
    assert.equal(server.calls.length, 1);
    assert.match(state.messages[0].message, /put the cursor inside a model class/);
  });

  it('migrating a class to the framework it already uses is refused', async () => {
    const { server, commands } = setup({ 'nnmigrate.server.symbolAt': { symbol: 'Net', kind: 'class', framework: 'pytorch' } });
    assert.equal(await commands.migrateClass('pytorch'), undefined);
    assert.equal(server.calls.length, 1);
    assert.match(state.messages[0].message, /already a PyTorch model/);
  });

  it('server errors become an error message', async () => {
    const { commands } = setup({
      'nnmigrate.server.symbolAt': { symbol: 'Net', kind: 'class', framework: 'pytorch' },
      'nnmigrate.server.preview': new Error('unsupported layer nn.Foo'),
    });
    assert.equal(await commands.migrateClass('tensorflow'), undefined);
    assert.equal(state.messages[0].level, 'error');
    assert.match(state.messages[0].message, /unsupported layer nn.Foo/);
  });

  it("failure messages do not repeat the server's prefix", () => {
    assert.equal(failureMessage(new Error('nnmigrate: Migration failed: MigrationError: x')), 'nnmigrate: Migration failed: MigrationError: x');
    assert.equal(failureMessage(new Error('unsupported layer')), 'nnmigrate: migration failed: unsupported layer');
    assert.equal(failureMessage('boom'), 'nnmigrate: migration failed: boom');
  });

  it('needs a Python file on disk', async () => {
    stub.openEditor('untitled:Untitled-1', 'import torch\n');
    const { server, commands } = setup({});
    assert.equal(await commands.migrateFile('tensorflow'), undefined);
    assert.equal(server.calls.length, 0);
    stub.openEditor('file:///ws/readme.md', '# x', 0, 0, 'markdown');
    assert.equal(await commands.migrateFile('tensorflow'), undefined);
    assert.equal(server.calls.length, 0);
  });

  const VERIFIED = { status: 'equivalent', max_abs_diff: 0, max_rel_diff: 0, per_layer: [], device: 'cpu', seconds: 1, message: '' };
  const NET = { symbol: 'Net', kind: 'class', framework: 'pytorch' };

  it('Verify Migration sends inputs null when a comment above the class gives them', async () => {
    stub.openEditor(SOURCE, 'import torch\n# nnmigrate: input float32[1,3,32,32]\nclass Net(torch.nn.Module):\n    pass\n', 3, 4);
    const { server, commands } = setup({ 'nnmigrate.server.symbolAt': NET, 'nnmigrate.server.verify': VERIFIED });
    await commands.verify();
    assert.deepEqual(server.calls[1], { command: 'nnmigrate.server.verify', args: [{ uri: SOURCE, symbol: 'Net', inputs: null }] });
    assert.equal(state.inputBoxes.length, 0);
    assert.match(state.statusItems[0].text, /Net equivalent/);
  });

  it('... or when nnmigrate.verify.inputs has the class', async () => {
    state.config.set('nnmigrate.verify.inputs', { Net: ['float32[1,8]'] });
    const { server, commands } = setup({ 'nnmigrate.server.symbolAt': NET, 'nnmigrate.server.verify': VERIFIED });
    await commands.verify();
    assert.deepEqual((server.calls[1].args[0] as { inputs: unknown }).inputs, null);
    assert.equal(state.inputBoxes.length, 0);
  });

  it('otherwise asks for the input specs once (pre-filled with a guess) and passes them', async () => {
    stub.openEditor(SOURCE, 'import torch\nclass Net(torch.nn.Module):\n    def __init__(self):\n        self.c = torch.nn.Conv2d(3, 8, 3)\n', 2, 4);
    state.inputAnswers.push('float32[2,3,32,32]');
    const { server, commands } = setup({ 'nnmigrate.server.symbolAt': NET, 'nnmigrate.server.verify': VERIFIED });
    await commands.verify();
    assert.equal(state.inputBoxes[0].value, 'float32[1,3,32,32]');
    assert.deepEqual(server.calls[1], { command: 'nnmigrate.server.verify', args: [{ uri: SOURCE, symbol: 'Net', inputs: ['float32[2,3,32,32]'] }] });
    await commands.verify();
    assert.equal(state.inputBoxes.length, 1, 'asked once per class');
    assert.deepEqual((server.calls[3].args[0] as { inputs: unknown }).inputs, ['float32[2,3,32,32]']);
  });

  it('Escape in the input box cancels the check', async () => {
    const { server, commands } = setup({ 'nnmigrate.server.symbolAt': NET, 'nnmigrate.server.verify': VERIFIED });
    await commands.verify();
    assert.equal(state.inputBoxes.length, 1);
    assert.equal(server.calls.length, 1, 'no verify request');
  });
});
