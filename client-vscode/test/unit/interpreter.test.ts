import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHECK_SNIPPET, Runner, checkInstalled, execRunner, installCommand, resolveInterpreter, serverCommand, shellQuote } from '../../src/interpreter';

describe('interpreter discovery', () => {
  it('prefers the nnmigrate.interpreter setting over the Python extension', async () => {
    let asked = false;
    const r = await resolveInterpreter({
      setting: ['/opt/venv/bin/python'],
      pythonExtension: async () => {
        asked = true;
        return ['/ext/python'];
      },
    });
    assert.deepEqual(r, { command: ['/opt/venv/bin/python'], source: 'setting' });
    assert.equal(asked, false);
  });

  it('uses the Python extension when the setting is empty', async () => {
    const r = await resolveInterpreter({ setting: [], pythonExtension: async () => ['/ext/python'] });
    assert.deepEqual(r, { command: ['/ext/python'], source: 'python-extension' });
  });

  it('falls back to python3 without the extension, with no environment, or when it throws', async () => {
    assert.deepEqual(await resolveInterpreter({ setting: [] }), { command: ['python3'], source: 'default' });
    assert.deepEqual(await resolveInterpreter({ setting: [], pythonExtension: async () => undefined }), { command: ['python3'], source: 'default' });
    assert.deepEqual(await resolveInterpreter({ setting: [], pythonExtension: async () => [''] }), { command: ['python3'], source: 'default' });
    const logs: string[] = [];
    const r = await resolveInterpreter({
      setting: [],
      pythonExtension: async () => {
        throw new Error('boom');
      },
      log: (m) => logs.push(m),
    });
    assert.deepEqual(r, { command: ['python3'], source: 'default' });
    assert.match(logs[0], /boom/);
  });

  it('starts the server as <interpreter> -m nnmigrate serve', () => {
    assert.deepEqual(serverCommand(['/v/bin/python']), { command: '/v/bin/python', args: ['-m', 'nnmigrate', 'serve'] });
    assert.deepEqual(serverCommand(['conda', 'run', '-n', 'ml', 'python']), { command: 'conda', args: ['run', '-n', 'ml', 'python', '-m', 'nnmigrate', 'serve'] });
  });

  it('quotes the install command for copy-paste', () => {
    assert.equal(installCommand(['/v/bin/python']), '/v/bin/python -m pip install nnmigrate');
    assert.equal(installCommand(['/my venv/python']), "'/my venv/python' -m pip install nnmigrate");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });
});

describe('install check', () => {
  const fake = (result: Awaited<ReturnType<Runner>>): { runner: Runner; calls: { command: string; args: string[] }[] } => {
    const calls: { command: string; args: string[] }[] = [];
    return {
      calls,
      runner: async (command, args) => {
        calls.push({ command, args });
        return result;
      },
    };
  };

  it('reports the version when nnmigrate imports', async () => {
    const { runner, calls } = fake({ code: 0, stdout: '0.1.0\n', stderr: '' });
    assert.deepEqual(await checkInstalled(['/v/python', '-X', 'utf8'], runner), { ok: true, version: '0.1.0' });
    assert.deepEqual(calls[0], { command: '/v/python', args: ['-X', 'utf8', '-c', CHECK_SNIPPET] });
  });

  it('says how to install nnmigrate when it is missing', async () => {
    const { runner } = fake({ code: 3, stdout: '', stderr: '' });
    const r = await checkInstalled(['/v/python'], runner);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.reason, 'not-installed');
      assert.equal(r.installCommand, '/v/python -m pip install nnmigrate');
      assert.match(r.message, /nnmigrate is not installed in the Python interpreter "\/v\/python"/);
      assert.match(r.message, /\/v\/python -m pip install nnmigrate/);
    }
  });

  it('includes the import error when the package is broken', async () => {
    const { runner } = fake({ code: 1, stdout: '', stderr: 'Traceback...\nModuleNotFoundError: No module named pygls\n' });
    const r = await checkInstalled(['/v/python'], runner);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.match(r.message, /No module named pygls/);
    }
  });

  it('tells a missing interpreter apart from a missing package', async () => {
    const { runner } = fake({ code: null, stdout: '', stderr: '', spawnError: 'ENOENT' });
    const r = await checkInstalled(['/nope/python'], runner);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.reason, 'no-interpreter');
      assert.match(r.message, /Could not run the Python interpreter "\/nope\/python" \(ENOENT\)/);
    }
  });

  it('execRunner runs real processes (ENOENT and exit codes)', async () => {
    const missing = await execRunner('/definitely/not/here/python', ['-c', 'pass'], 5000);
    assert.equal(missing.spawnError, 'ENOENT');
    const node = process.execPath;
    const ok = await execRunner(node, ['-e', 'console.log("hi")'], 5000);
    assert.deepEqual([ok.code, ok.stdout.trim()], [0, 'hi']);
    const fail = await execRunner(node, ['-e', 'process.exit(3)'], 5000);
    assert.equal(fail.code, 3);
    assert.equal(fail.spawnError, undefined);
  });
});
