import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guessSpec, isValidSpec, parseSpecList, specListError, specsFromComments } from '../../src/inputSpecs';

describe('input specs', () => {
  it('validates specs the way the server parses them', () => {
    assert.ok(isValidSpec('float32[2,3,32,32]'));
    assert.ok(isValidSpec('int64[2,16]<1000'));
    assert.ok(isValidSpec('bool[4]'));
    assert.ok(!isValidSpec('int64[2,16]'), 'ints need an upper bound');
    assert.ok(!isValidSpec('float32[2,3]<5'));
    assert.ok(!isValidSpec('complex64[2]'));
    assert.ok(!isValidSpec('float32(2,3)'));
  });

  it('parses a list typed by the user', () => {
    assert.deepEqual(parseSpecList('float32[1, 3, 32, 32]'), ['float32[1,3,32,32]']);
    assert.deepEqual(parseSpecList(' float32[1,8]  int64[1,4]<10 '), ['float32[1,8]', 'int64[1,4]<10']);
    assert.deepEqual(parseSpecList('float32[1,8]; float32[1,2]'), ['float32[1,8]', 'float32[1,2]']);
    assert.equal(parseSpecList(''), undefined);
    assert.equal(parseSpecList('float32[1,8] junk'), undefined);
    assert.equal(parseSpecList('int64[1,4]'), undefined);
    assert.equal(specListError('float32[1,8]'), undefined);
    assert.match(specListError('nope') ?? '', /float32\[1,3,32,32\]/);
  });

  it('finds `# nnmigrate: input` comments above the class only', () => {
    const text = [
      'import torch',
      '# nnmigrate: input float32[1,3,32,32]',
      '# nnmigrate: inputs int64[1,16]<100',
      '@some.decorator',
      'class Net(torch.nn.Module):',
      '    pass',
      '',
      '# nnmigrate: input float32[9]',
      'x = 1',
      'class Other(torch.nn.Module):',
      '    pass',
    ].join('\n');
    assert.deepEqual(specsFromComments(text, 'Net'), ['float32[1,3,32,32]', 'int64[1,16]<100']);
    assert.deepEqual(specsFromComments(text, 'Other'), []);
    assert.deepEqual(specsFromComments(text, 'Missing'), []);
  });

  it('guesses a spec from a documented shape or the first layer', () => {
    assert.equal(guessSpec('"""Input: float32 images (N, 3, 32, 32)."""\nclass A: pass', 'A'), 'float32[1,3,32,32]');
    assert.equal(guessSpec('class A:\n  def __init__(self):\n    self.fc = nn.Linear(784, 10)\n', 'A'), 'float32[1,784]');
    assert.equal(guessSpec('class A:\n    c = nn.Conv1d(40, 8, 3)\n', 'A'), 'float32[1,40,64]');
    assert.equal(guessSpec('class A: pass', 'A'), undefined);
  });
});
