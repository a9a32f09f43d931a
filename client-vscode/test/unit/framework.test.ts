import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectFramework, frameworkLabel, otherFramework } from '../../src/framework';

describe('framework detection (context key for the menu)', () => {
  it('finds PyTorch, Keras/TensorFlow, both or neither from imports', () => {
    assert.equal(detectFramework('import torch\nimport torch.nn as nn\n'), 'pytorch');
    assert.equal(detectFramework('from torch import nn\n'), 'pytorch');
    assert.equal(detectFramework('import keras\nfrom keras import layers\n'), 'tensorflow');
    assert.equal(detectFramework('import tensorflow as tf\n'), 'tensorflow');
    assert.equal(detectFramework('import torch\nimport tensorflow as tf\n'), 'mixed');
    assert.equal(detectFramework('import numpy as np\n# import torch\nx = "import keras"\n'), 'none');
    assert.equal(detectFramework('import torchvision_like\n'), 'none');
  });

  it('labels', () => {
    assert.equal(frameworkLabel('tensorflow'), 'TensorFlow');
    assert.equal(frameworkLabel('pytorch'), 'PyTorch');
    assert.equal(otherFramework('pytorch'), 'tensorflow');
  });
});
