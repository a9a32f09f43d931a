import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULTS, changeKind, configurationFor, normalizeCommand, normalizeInputs, readSettings, substituteVariables, toServerSettings } from '../../src/settings';

const getter = (values: Record<string, unknown>) => (key: string) => values[key];

describe('settings', () => {
  it('uses the defaults when nothing is set', () => {
    assert.deepEqual(readSettings(getter({})), DEFAULTS);
  });

  it('reads every key below nnmigrate.', () => {
    const s = readSettings(
      getter({
        interpreter: '/opt/py/bin/python',
        'output.placement': 'inPlace',
        layout: 'preserve',
        'verify.device': 'cuda',
        'verify.timeoutSeconds': 42,
        'verify.interpreter': ['/gpu/bin/python', '-X', 'utf8'],
        'verify.inputs': { CifarCNN: 'float32[1,3,32,32]' },
      }),
    );
    assert.deepEqual(s, {
      interpreter: ['/opt/py/bin/python'],
      placement: 'inPlace',
      layout: 'preserve',
      device: 'cuda',
      verifyTimeoutSeconds: 42,
      verifyInterpreter: ['/gpu/bin/python', '-X', 'utf8'],
      verifyInputs: { CifarCNN: ['float32[1,3,32,32]'] },
    });
  });

  it('normalises per-class input specs', () => {
    assert.deepEqual(normalizeInputs({ A: 'float32[1,3]', B: ['int64[1,4]<10', '', 3], C: 5, D: [] }), { A: ['float32[1,3]'], B: ['int64[1,4]<10'] });
    assert.deepEqual(normalizeInputs(['x']), {});
    assert.deepEqual(normalizeInputs(null), {});
  });

  it('falls back on invalid values instead of passing them to the server', () => {
    const s = readSettings(getter({ 'output.placement': 'elsewhere', layout: 3, 'verify.device': 'tpu', 'verify.timeoutSeconds': -1, interpreter: 7 }));
    assert.equal(s.placement, 'sibling');
    assert.equal(s.layout, 'native');
    assert.equal(s.device, 'auto');
    assert.equal(s.verifyTimeoutSeconds, DEFAULTS.verifyTimeoutSeconds);
    assert.deepEqual(s.interpreter, []);
  });

  it('accepts a string or an array for interpreters and drops blanks', () => {
    assert.deepEqual(normalizeCommand('  /a b/python '), ['/a b/python']);
    assert.deepEqual(normalizeCommand(['conda', '', 'run', 5, '-n', 'ml', 'python']), ['conda', 'run', '-n', 'ml', 'python']);
    assert.deepEqual(normalizeCommand(''), []);
    assert.deepEqual(normalizeCommand(undefined), []);
  });

  it('expands ${workspaceFolder}, ${userHome}, ${env:X} and ~', () => {
    const vars = { workspaceFolder: '/ws', home: '/home/u', env: { VENV: '/v' } };
    assert.equal(substituteVariables('${workspaceFolder}/.venv/bin/python', vars), '/ws/.venv/bin/python');
    assert.equal(substituteVariables('~/py/bin/python', vars), '/home/u/py/bin/python');
    assert.equal(substituteVariables('${userHome}/x', vars), '/home/u/x');
    assert.equal(substituteVariables('${env:VENV}/bin/python', vars), '/v/bin/python');
    assert.equal(substituteVariables('${env:MISSING}python', vars), 'python');
    assert.equal(substituteVariables('${unknown}/p', vars), '${unknown}/p');
    assert.deepEqual(normalizeCommand(['${workspaceFolder}/py'], vars), ['/ws/py']);
  });

  it('maps to the server shape; verifyInterpreter defaults to the server interpreter', () => {
    const s = readSettings(getter({ 'verify.device': 'cpu' }));
    assert.deepEqual(toServerSettings(s, ['/venv/bin/python']), {
      placement: 'sibling',
      layout: 'native',
      device: 'cpu',
      verifyInterpreter: ['/venv/bin/python'],
      verifyTimeoutSeconds: 300,
      inputs: {},
    });
    const withVerify = readSettings(getter({ 'verify.interpreter': '/gpu/python' }));
    assert.deepEqual(toServerSettings(withVerify, ['/venv/bin/python']).verifyInterpreter, ['/gpu/python']);
  });

  it('answers workspace/configuration for section nnmigrate only', () => {
    const server = toServerSettings(DEFAULTS, ['python3']);
    assert.deepEqual(configurationFor('nnmigrate', server), server);
    assert.equal(configurationFor('nnmigrate.placement', server), 'sibling');
    assert.equal(configurationFor('nnmigrate.nope', server), null);
    assert.equal(configurationFor('python', server), undefined);
    assert.equal(configurationFor(undefined, server), undefined);
  });

  it('restarts for interpreter changes and pushes the rest', () => {
    assert.equal(changeKind(DEFAULTS, { ...DEFAULTS }), 'none');
    assert.equal(changeKind(DEFAULTS, { ...DEFAULTS, device: 'cpu' }), 'push');
    assert.equal(changeKind(DEFAULTS, { ...DEFAULTS, placement: 'inPlace', layout: 'preserve' }), 'push');
    assert.equal(changeKind(DEFAULTS, { ...DEFAULTS, verifyInputs: { A: ['float32[1]'] } }), 'push');
    assert.equal(changeKind(DEFAULTS, { ...DEFAULTS, interpreter: ['/p'] }), 'restart');
    assert.equal(changeKind(DEFAULTS, { ...DEFAULTS, verifyInterpreter: ['/p'] }), 'restart');
  });
});
