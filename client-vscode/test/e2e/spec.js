// End-to-end spec: drives the real VS Code workbench (code-server) in Debian chromium with playwright-core.
// usage: node spec.js URL WORKSPACE_DIR SCREENSHOT_DIR USER_SETTINGS_JSON
// (run by run-e2e.sh; prints "N passed, N failed" on its last line)
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const [url, wsDir, shotDir, userSettings] = process.argv.slice(2);
if (!url || !wsDir || !shotDir || !userSettings) {
  console.error('usage: node spec.js URL WORKSPACE_DIR SCREENSHOT_DIR USER_SETTINGS_JSON');
  process.exit(2);
}
const SOURCE = 'cifar_cnn.py';
const TARGET = 'cifar_cnn_tf.py';
const targetPath = path.join(wsDir, TARGET);
const results = [];
let page;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function shot(name) {
  try {
    await page.screenshot({ path: path.join(shotDir, `${name}.png`) });
  } catch (err) {
    console.error(`screenshot ${name} failed: ${err.message}`);
  }
}

async function waitUntil(what, fn, timeoutMs = 20000, everyMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms: ${what}${last ? ` (${last.message.split('\n')[0]})` : ''}`);
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Runs a command from the palette by its exact title. */
async function runCommand(title) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(`>${title}`);
  const rows = page.locator('.quick-input-widget .monaco-list-row');
  const index = await waitUntil(`palette entry "${title}"`, async () => {
    const labels = await rows.evaluateAll((els) => els.map((e) => (e.querySelector('.label-name')?.textContent ?? '').trim()));
    const i = labels.indexOf(title);
    return i >= 0 ? i + 1 : undefined; // 1-based so that 0 is not "not found"
  }, 10000);
  await rows.nth(index - 1).click();
}

const activeEditor = () => page.locator('.editor-group-container.active .editor-container');

/** The tab whose aria-label (file name, diff title, webview title) is exactly `label`. */
const tab = (label) => page.locator(`.tabs-container .tab[aria-label=${JSON.stringify(label)}]`);
const activeTabLabel = async () => (await page.locator('.editor-group-container.active .tabs-container .tab.active').first().getAttribute('aria-label')) ?? '';

async function openTab(label) {
  await tab(label).first().click();
  try {
    await waitUntil(`tab ${label} active`, async () => (await activeTabLabel()) === label, 10000);
  } catch (err) {
    const all = await page.locator('.tabs-container .tab').evaluateAll((tabs) => tabs.map((t) => `${t.getAttribute('aria-label')}${t.classList.contains('active') ? ' [active]' : ''}${t.closest('.editor-group-container')?.classList.contains('active') ? ' [active group]' : ''}`));
    throw new Error(`${err.message}; tabs: ${all.join(' | ')}`);
  }
}

/**
 * Right-clicks the editor line containing `lineText`, returns the menu's item labels, then picks `item`
 * (hover + Enter: more reliable than click). Retries the whole gesture: menus can close under a re-layout.
 */
async function contextMenu(lineText, item) {
  let lastErr;
  for (let attempt = 1; attempt <= 4; attempt++) {
    try {
      await page.keyboard.press('Escape');
      const line = activeEditor().locator('.view-line', { hasText: lineText }).first();
      await line.waitFor({ state: 'visible', timeout: 10000 });
      const box = await line.boundingBox();
      await page.mouse.click(box.x + 60, box.y + box.height / 2);
      await page.mouse.click(box.x + 60, box.y + box.height / 2, { button: 'right' });
      const entry = page.locator('.monaco-menu .action-item', { hasText: item }).first();
      await entry.waitFor({ state: 'visible', timeout: 5000 });
      const labels = (await page.locator('.monaco-menu .action-item .action-label').allTextContents()).map((t) => t.trim()).filter(Boolean);
      await entry.hover();
      await sleep(150);
      await page.keyboard.press('Enter');
      await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
      return labels;
    } catch (err) {
      lastErr = err;
      await sleep(500 * attempt);
    }
  }
  throw lastErr;
}

async function clickTitleAction(label) {
  const action = page.locator(`.editor-group-container.active .editor-actions .action-label[aria-label^="${label}"]`).first();
  await action.waitFor({ state: 'visible', timeout: 10000 });
  await action.click();
}

const diffModified = () => page.locator('.editor-group-container.active .monaco-diff-editor .editor.modified .view-lines');

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return true;
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s): ${err.message.split('\n')[0]}`);
    await shot(`FAIL-${results.length}`);
    return false;
  }
}

const STEPS = [
  [
    'workbench opens the PyTorch fixture and the nnmigrate server starts',
    async () => {
      await page.goto(url, { waitUntil: 'domcontentloaded' });
      await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: SOURCE }).click({ timeout: 60000 });
      await activeEditor().locator('.view-line', { hasText: 'class CifarCNN' }).waitFor({ timeout: 30000 });
      // the server's ready state, as the user sees it: the output channel's log
      await runCommand('nnmigrate: Show Server Log');
      await page.locator('.part.panel .view-line', { hasText: 'language server is running' }).first().waitFor({ timeout: 90000 });
      await shot('01-server-ready');
      await runCommand('View: Hide Panel');
      await page.locator('.part.panel').first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
      await openTab(SOURCE);
    },
  ],
  [
    'right-click on the class offers Migrate Class to TensorFlow (not to PyTorch) and Refactor...',
    async () => {
      // wait until the client has read the file's imports and the server answers code actions
      let labels = [];
      await waitUntil('menu with the migrate entries and Refactor...', async () => {
        labels = await contextMenu('self.conv1 = nn.Conv2d', 'Migrate Class to TensorFlow').catch(() => []);
        if (labels.length) {
          // we picked "Migrate Class to TensorFlow": that opened a preview, which step 3 checks
          return true;
        }
        return false;
      }, 60000, 1000);
      console.log(`     menu: ${labels.join(' | ')}`);
      for (const want of ['Migrate Class to TensorFlow', 'Migrate File to TensorFlow', 'Verify Migration']) {
        assert(labels.includes(want), `menu lacks "${want}"`);
      }
      assert(!labels.includes('Migrate Class to PyTorch'), 'menu offers the wrong direction for a PyTorch file');
      assert(labels.some((l) => l.startsWith('Refactor')), 'menu lacks Refactor... (server code actions)');
    },
  ],
  [
    'the diff preview shows the Keras class side by side, with Apply / Discard',
    async () => {
      await diffModified().locator('.view-line', { hasText: 'class CifarCNN' }).first().waitFor({ timeout: 30000 });
      await diffModified().locator('.view-line', { hasText: 'keras' }).first().waitFor({ timeout: 5000 });
      const title = await activeTabLabel();
      console.log(`     diff tab: ${title}`);
      assert(title.includes(`${SOURCE} ↔ ${TARGET}`) && title.includes('TensorFlow'), `diff title: ${title}`);
      await page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Apply Migration"]').waitFor({ timeout: 10000 });
      await page.locator('.editor-group-container.active .editor-actions .action-label[aria-label^="Discard Migration"]').waitFor({ timeout: 10000 });
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Preview: CifarCNN migrated to TensorFlow' });
      await toast.waitFor({ timeout: 10000 });
      await toast.locator('.monaco-button', { hasText: 'Apply' }).waitFor({ timeout: 5000 });
      await toast.locator('.monaco-button', { hasText: 'Discard' }).waitFor({ timeout: 5000 });
      assert(!fs.existsSync(targetPath), 'the preview wrote the target file');
      await sleep(500);
      await shot('diff-preview');
    },
  ],
  [
    'Apply writes the migrated file and opens it',
    async () => {
      await clickTitleAction('Apply Migration');
      const text = await waitUntil(`${TARGET} written`, () => fs.existsSync(targetPath) && /keras/.test(fs.readFileSync(targetPath, 'utf8')) && fs.readFileSync(targetPath, 'utf8'), 20000);
      assert(/class CifarCNN\(/.test(text), 'written file lacks class CifarCNN');
      assert(!/import torch/.test(text), 'written file still imports torch');
      await waitUntil('diff closed and target shown', async () => (await page.locator('.editor-group-container.active .monaco-diff-editor').count()) === 0 && (await activeTabLabel()) === TARGET);
      await shot('03-applied');
    },
  ],
  [
    'Discard writes nothing',
    async () => {
      await runCommand('Notifications: Clear All Notifications');
      const before = fs.readFileSync(targetPath, 'utf8');
      const mtime = fs.statSync(targetPath).mtimeMs;
      await openTab(SOURCE);
      await contextMenu('self.conv1 = nn.Conv2d', 'Migrate File to TensorFlow');
      await diffModified().locator('.view-line', { hasText: 'keras' }).first().waitFor({ timeout: 30000 });
      await clickTitleAction('Discard Migration');
      await waitUntil('diff closed', async () => (await page.locator('.editor-group-container.active .monaco-diff-editor').count()) === 0);
      await sleep(1000);
      assert(fs.readFileSync(targetPath, 'utf8') === before && fs.statSync(targetPath).mtimeMs === mtime, 'Discard changed the file');
      const dirty = await page.locator('.tabs-container .tab.dirty').count();
      assert(dirty === 0, 'Discard left an unsaved change');
    },
  ],
  [
    'Verify Migration asks for the input; Cancel on the progress notification stops the check',
    async () => {
      await runCommand('Notifications: Clear All Notifications');
      await openTab(SOURCE);
      await contextMenu('self.conv1 = nn.Conv2d', 'Verify Migration');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10000 });
      const value = await input.inputValue();
      assert(value === 'float32[1,3,32,32]', `input box pre-filled with ${value}`);
      await input.fill('float32[8,3,32,32]');
      await page.keyboard.press('Enter');
      const progress = page.locator('.notifications-toasts .notification-toast', { hasText: 'verifying CifarCNN' });
      await progress.waitFor({ timeout: 10000 });
      await sleep(400); // let the toast finish sliding in
      await shot('04-verify-progress');
      await progress.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await page.locator('.statusbar-item', { hasText: 'CifarCNN verify cancelled' }).waitFor({ timeout: 60000 });
    },
  ],
  [
    'Verify Migration: the result in the status bar and as a diagnostic on the class',
    async () => {
      await runCommand('Notifications: Clear All Notifications');
      await contextMenu('self.conv1 = nn.Conv2d', 'Verify Migration');
      // the inputs typed above are remembered for this class: no second question
      await page.locator('.notifications-toasts .notification-toast', { hasText: 'verifying CifarCNN' }).waitFor({ timeout: 10000 });
      assert(!(await page.locator('.quick-input-widget input').isVisible()), 'asked for the inputs again');
      const item = page.locator('.statusbar-item', { hasText: 'CifarCNN equivalent' });
      await item.waitFor({ timeout: 180000 });
      const text = (await item.textContent()) ?? '';
      assert(/max \|Δ\|/.test(text) && /cpu/.test(text), `status text: ${text}`);
      // the server's NNM301 diagnostic on the class: an info squiggle
      await activeEditor().locator('.squiggly-info').first().waitFor({ state: 'attached', timeout: 30000 });
      await sleep(500);
      await shot('04-verify-status');
    },
  ],
  [
    "Refactor... lists the server's code actions for the class",
    async () => {
      await openTab(SOURCE);
      await contextMenu('self.conv1 = nn.Conv2d', 'Refactor...');
      const rows = page.locator('.action-widget .monaco-list-row');
      await rows.first().waitFor({ timeout: 10000 });
      const titles = (await rows.allTextContents()).map((t) => t.trim());
      console.log(`     refactor: ${titles.join(' | ')}`);
      await shot('05-refactor-menu');
      await page.keyboard.press('Escape');
      for (const want of ['Migrate class CifarCNN to TensorFlow', 'Verify CifarCNN']) {
        assert(titles.some((t) => t.includes(want)), `Refactor... lacks "${want}"`);
      }
    },
  ],
  [
    'clicking the status item opens the per-layer report',
    async () => {
      await page.locator('.statusbar-item', { hasText: 'CifarCNN equivalent' }).first().click();
      await page.locator('.tabs-container .tab', { hasText: 'Verify: CifarCNN' }).first().waitFor({ timeout: 20000 });
      const html = await waitUntil('report table in the webview', async () => {
        for (const frame of page.frames()) {
          const content = await frame.content().catch(() => '');
          if (content.includes('max_abs_diff') && content.includes('<table>')) return content;
        }
        return undefined;
      }, 20000);
      const rows = (html.match(/<tr[ >]/g) ?? []).length - 1;
      assert(rows >= 3, `report has ${rows} layer rows`);
      await sleep(300);
      await shot('verify-result'); // status item, info squiggle on the class and the per-layer report
      await runCommand('View: Close Editor');
      await waitUntil('report closed', async () => (await page.locator('.tabs-container .tab', { hasText: 'Verify: CifarCNN' }).count()) === 0, 10000);
    },
  ],
  [
    'a Keras file gets the other direction: Migrate Class to PyTorch',
    async () => {
      await openTab(TARGET);
      const labels = await contextMenu('self.conv1 = layers.Conv2D', 'Migrate Class to PyTorch');
      console.log(`     menu: ${labels.join(' | ')}`);
      assert(!labels.includes('Migrate Class to TensorFlow'), 'a Keras file offers Migrate Class to TensorFlow');
      // Keras -> PyTorch: a diff when the server supports it, else its error shown to the user
      const diff = diffModified().locator('.view-line', { hasText: 'torch' }).first();
      const error = page.locator('.notifications-toasts .notification-toast', { hasText: 'migration failed' }).first();
      const outcome = await Promise.race([
        diff.waitFor({ timeout: 30000 }).then(() => 'diff'),
        error.waitFor({ timeout: 30000 }).then(() => 'error'),
      ]);
      if (outcome === 'diff') {
        const title = await activeTabLabel();
        assert(title.includes(`${TARGET} ↔ `) && title.includes('PyTorch'), `diff title: ${title}`);
        await clickTitleAction('Discard Migration');
        await waitUntil('diff closed', async () => (await page.locator('.editor-group-container.active .monaco-diff-editor').count()) === 0);
      } else {
        console.log(`     server error shown: ${((await error.locator('.notification-list-item-message').first().textContent()) ?? '').trim().slice(0, 160)}`);
        await shot('06-keras-to-pytorch-error');
      }
    },
  ],
  [
    'an interpreter without nnmigrate: a clear message with the install command; fixing the setting restarts the server',
    async () => {
      await runCommand('Notifications: Clear All Notifications');
      const good = JSON.parse(fs.readFileSync(userSettings, 'utf8'))['nnmigrate.interpreter'];
      // workspace settings (watched like a user editing .vscode/settings.json); `python -S` skips
      // site-packages, so nnmigrate cannot be imported: a real interpreter without nnmigrate
      const wsSettings = path.join(wsDir, '.vscode', 'settings.json');
      fs.mkdirSync(path.dirname(wsSettings), { recursive: true });
      fs.writeFileSync(wsSettings, JSON.stringify({ 'nnmigrate.interpreter': [good, '-S'] }, null, 2));
      const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'nnmigrate is not installed in the Python interpreter' });
      await toast.waitFor({ timeout: 30000 });
      const text = (await toast.textContent()) ?? '';
      assert(text.includes(`${good} -S -m pip install nnmigrate`), `message lacks the install command: ${text}`);
      await toast.locator('.monaco-button', { hasText: 'Copy Install Command' }).waitFor({ timeout: 5000 });
      await shot('07-not-installed');
      fs.writeFileSync(wsSettings, '{}\n');
      await runCommand('Notifications: Clear All Notifications');
      await openTab(SOURCE);
      // the server is back: migrating works again
      await waitUntil('migration works after the restart', async () => {
        await contextMenu('self.conv1 = nn.Conv2d', 'Migrate Class to TensorFlow');
        return diffModified().locator('.view-line', { hasText: 'keras' }).first().waitFor({ timeout: 5000 }).then(() => true, () => false);
      }, 60000, 1000);
      await clickTitleAction('Discard Migration');
    },
  ],
];

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const t0 = Date.now();
  try {
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    let ok = true;
    for (const [name, fn] of STEPS) {
      if (!ok) {
        results.push({ name, ok: false });
        console.log(`SKIP ${name} (an earlier step failed; counted as failed)`);
        continue;
      }
      ok = await step(name, fn);
    }
  } finally {
    await browser.close().catch(() => undefined);
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`e2e took ${((Date.now() - t0) / 1000).toFixed(1)} s in the browser`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})().catch((err) => {
  console.log(`spec crashed: ${err.stack || err}`);
  console.log(`0 passed, ${STEPS.length} failed`);
  process.exit(1);
});
