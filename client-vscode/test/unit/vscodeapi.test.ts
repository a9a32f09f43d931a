import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import * as vscode from 'vscode';
import { resolveInterpreter } from '../../src/interpreter';
import * as api from '../../src/vscodeapi';

const stub = vscode as unknown as typeof import('../stubs/vscode');
const { state } = stub;

function pythonExtension(active: boolean, envPath: string, executable?: string) {
  let activated = false;
  const exports = {
    environments: {
      getActiveEnvironmentPath: () => ({ id: 'env', path: envPath }),
      resolveEnvironment: async () => (executable ? { executable: { uri: stub.Uri.file(executable) } } : undefined),
      onDidChangeActiveEnvironmentPath: new stub.EventEmitter<unknown>().event,
    },
  };
  return {
    get isActive() {
      return active || activated;
    },
    exports,
    activate: async () => {
      activated = true;
      return exports;
    },
    wasActivated: () => activated,
  };
}

describe('vscodeapi wrappers', () => {
  beforeEach(() => stub.reset());

  it('reads the Python extension active interpreter (resolved executable), activating it if needed', async () => {
    const ext = pythonExtension(false, '/envs/ml', '/envs/ml/bin/python3.12');
    state.extensions.set('ms-python.python', ext);
    assert.deepEqual(await api.pythonExtensionInterpreter(), ['/envs/ml/bin/python3.12']);
    assert.equal(ext.wasActivated(), true);
  });

  it('falls back to the environment path when it cannot be resolved; undefined without the extension', async () => {
    state.extensions.set('ms-python.python', pythonExtension(true, '/envs/plain/bin/python'));
    assert.deepEqual(await api.pythonExtensionInterpreter(), ['/envs/plain/bin/python']);
    state.extensions.clear();
    assert.equal(await api.pythonExtensionInterpreter(), undefined);
  });

  it('discovery order through the real wrappers: setting, then Python extension, then python3', async () => {
    state.extensions.set('ms-python.python', pythonExtension(true, '/envs/ml/bin/python'));
    const fromExt = await resolveInterpreter({ setting: [], pythonExtension: api.pythonExtensionInterpreter });
    assert.deepEqual(fromExt, { command: ['/envs/ml/bin/python'], source: 'python-extension' });
    const fromSetting = await resolveInterpreter({ setting: ['/opt/py'], pythonExtension: api.pythonExtensionInterpreter });
    assert.equal(fromSetting.source, 'setting');
    state.extensions.clear();
    const fallback = await resolveInterpreter({ setting: [], pythonExtension: api.pythonExtensionInterpreter });
    assert.deepEqual(fallback, { command: ['python3'], source: 'default' });
  });

  it('subscribes to interpreter changes of the Python extension', async () => {
    state.extensions.set('ms-python.python', pythonExtension(true, '/p'));
    assert.ok(await api.onDidChangePythonInterpreter(() => undefined));
    state.extensions.clear();
    assert.equal(await api.onDidChangePythonInterpreter(() => undefined), undefined);
  });

  it('reads settings below nnmigrate. and reports only nnmigrate changes', () => {
    state.config.set('nnmigrate.verify.device', 'cpu');
    assert.equal(api.getSetting('verify.device'), 'cpu');
    let fired = 0;
    api.onDidChangeSettings(() => fired++);
    stub.events.configuration.fire({ affectsConfiguration: (s: string) => s === 'python' });
    stub.events.configuration.fire({ affectsConfiguration: (s: string) => s === 'nnmigrate' });
    assert.equal(fired, 1);
  });

  it('sets context keys with setContext', async () => {
    await api.setContext('nnmigrate.fileFramework', 'pytorch');
    assert.equal(state.context.get('nnmigrate.fileFramework'), 'pytorch');
  });
});
