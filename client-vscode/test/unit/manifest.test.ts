import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLIENT_COMMANDS, SERVER_COMMANDS } from '../../src/commandIds';
import { DEFAULTS, readSettings } from '../../src/settings';

const root = join(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('package.json contributions', () => {
  const contributed: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);

  it('contributes every client command and none of the server command ids', () => {
    assert.deepEqual([...contributed].sort(), Object.values(CLIENT_COMMANDS).sort());
    for (const id of Object.values(SERVER_COMMANDS)) {
      assert.ok(!contributed.includes(id), `${id} is a server command`);
    }
  });

  it('menus only reference contributed commands; the editor menu is for Python files', () => {
    for (const [menu, items] of Object.entries(manifest.contributes.menus as Record<string, { command: string; when?: string }[]>)) {
      for (const item of items) {
        assert.ok(contributed.includes(item.command), `${menu}: ${item.command}`);
        if (menu === 'editor/context') {
          assert.match(item.when ?? '', /editorLangId == python/);
        }
      }
    }
    const titles = manifest.contributes.commands.map((c: { title: string }) => c.title);
    for (const t of ['Migrate Class to TensorFlow', 'Migrate Class to PyTorch', 'Migrate File to TensorFlow', 'Migrate File to PyTorch', 'Verify Migration']) {
      assert.ok(titles.includes(t), t);
    }
    const title = manifest.contributes.menus['editor/title'];
    assert.ok(title.every((i: { when: string }) => i.when === 'resourceScheme == nnmigrate-preview'));
  });

  it('the configuration schema matches what readSettings reads, with the same defaults', () => {
    const props = manifest.contributes.configuration.properties as Record<string, { default: unknown }>;
    assert.deepEqual(Object.keys(props).sort(), [
      'nnmigrate.interpreter',
      'nnmigrate.layout',
      'nnmigrate.output.placement',
      'nnmigrate.verify.device',
      'nnmigrate.verify.inputs',
      'nnmigrate.verify.interpreter',
      'nnmigrate.verify.timeoutSeconds',
    ]);
    const fromSchema = readSettings((key) => props[`nnmigrate.${key}`]?.default);
    assert.deepEqual(fromSchema, DEFAULTS);
  });

  it('LICENSE is the MIT license of the repository', () => {
    const ours = readFileSync(join(root, 'LICENSE'), 'utf8');
    assert.match(ours, /^MIT License/);
    const repoLicense = join(root, '..', 'LICENSE');
    if (existsSync(repoLicense)) {
      assert.equal(ours, readFileSync(repoLicense, 'utf8'), 'client-vscode/LICENSE is a copy of ../LICENSE');
    }
  });

  it('packaging metadata', () => {
    assert.equal(manifest.main, './dist/extension.js');
    assert.equal(manifest.license, 'MIT');
    assert.equal(manifest.icon, 'media/icon.png');
    assert.ok(manifest.activationEvents.includes('onLanguage:python'));
    assert.equal(manifest.devDependencies['@vscode/vsce'], '3.9.2');
    assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, ['nnmigrate.interpreter', 'nnmigrate.verify.interpreter']);
  });
});
