import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import * as vscode from 'vscode';
import { ServerApi } from '../../src/serverApi';
import { SHOW_REPORT_COMMAND, VerifyController } from '../../src/verifyController';
import { displayPath, formatDiff, normalizeReport, renderReportHtml, statusBarText } from '../../src/verifyReport';

const stub = vscode as unknown as typeof import('../stubs/vscode');
const { state } = stub;

const REPORT = {
  status: 'equivalent',
  max_abs_diff: 2.384e-7,
  max_rel_diff: 1e-6,
  per_layer: [
    { source: 'conv1', target: 'conv1', max_abs_diff: 1e-7 },
    { source: 'fc<1>', target: 'dense_1', max_abs_diff: 2.384e-7 },
  ],
  device: 'cpu',
  seconds: 3.2,
  message: 'ok',
};

class FakeServer implements ServerApi {
  calls: { command: string; args: unknown[] }[] = [];
  constructor(private readonly answer: (command: string) => Promise<unknown>) {}
  executeCommand<T>(command: string, args: unknown[]): Promise<T> {
    this.calls.push({ command, args });
    return this.answer(command) as Promise<T>;
  }
}

describe('verify report formatting', () => {
  it('formats numbers and status text', () => {
    assert.equal(formatDiff(null), 'n/a');
    assert.equal(formatDiff(0), '0');
    assert.equal(formatDiff(2.384e-7), '2.38e-7');
    assert.equal(formatDiff(0.125), '0.125');
    const r = normalizeReport(REPORT);
    assert.equal(statusBarText('CifarCNN', r), '$(pass-filled) CifarCNN equivalent · max |Δ| 2.38e-7 · cpu');
    assert.equal(statusBarText('CifarCNN', normalizeReport({ ...REPORT, status: 'not_equivalent', max_abs_diff: 0.5 })), '$(error) CifarCNN not equivalent · max |Δ| 0.500 · cpu');
  });

  it('normalises partial or odd reports', () => {
    const r = normalizeReport({ status: 'weird', per_layer: [null, { source: 'a' }] });
    assert.equal(r.status, 'error');
    assert.deepEqual(r.per_layer, [{ source: 'a', target: '', max_abs_diff: null }]);
    assert.equal(normalizeReport(undefined).status, 'error');
  });

  it('renders an escaped per-layer table', () => {
    const html = renderReportHtml('Cifar<CNN>', 'file:///ws/m.py', normalizeReport(REPORT));
    assert.match(html, /<table>/);
    assert.match(html, /<code>fc&lt;1&gt;<\/code>/);
    assert.match(html, /Cifar&lt;CNN&gt;/);
    assert.match(html, /<tr class="worst">.*dense_1/);
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /Source: <code>\/ws\/m.py<\/code>/);
    assert.equal(displayPath('file:///a%20b/m.py'), '/a b/m.py');
    assert.equal(displayPath('untitled:1'), 'untitled:1');
  });
});

describe('VerifyController', () => {
  beforeEach(() => stub.reset());

  it('runs the check under a cancellable notification and shows the result in the status bar', async () => {
    const server = new FakeServer(async () => REPORT);
    const c = new VerifyController(server);
    const result = await c.verify('file:///ws/m.py', 'CifarCNN');
    assert.deepEqual(server.calls, [{ command: 'nnmigrate.server.verify', args: [{ uri: 'file:///ws/m.py', symbol: 'CifarCNN', inputs: null }] }]);
    assert.equal(state.progress[0].options.cancellable, true);
    assert.equal(state.progress[0].options.location, stub.ProgressLocation.Notification);
    assert.equal(result?.report.status, 'equivalent');
    const item = state.statusItems[0];
    assert.equal(item.visible, true);
    assert.match(item.text, /CifarCNN equivalent · max \|Δ\| 2\.38e-7 · cpu/);
    assert.equal(item.command, SHOW_REPORT_COMMAND);
    assert.equal(item.backgroundColor, undefined);
  });

  it('Cancel sends nnmigrate.server.cancelVerify with no arguments', async () => {
    let finish: (v: unknown) => void = () => undefined;
    const server = new FakeServer((command) =>
      command === 'nnmigrate.server.verify' ? new Promise((resolve) => (finish = resolve)) : Promise.resolve(null),
    );
    const c = new VerifyController(server);
    const running = c.verify('file:///ws/m.py', 'CifarCNN');
    await new Promise((r) => setImmediate(r));
    state.progress[0].cancel();
    assert.deepEqual(server.calls[1], { command: 'nnmigrate.server.cancelVerify', args: [] });
    finish({ status: 'cancelled', per_layer: [], device: 'cpu', seconds: 1, message: 'cancelled by user' });
    const result = await running;
    assert.equal(result?.report.status, 'cancelled');
    assert.match(state.statusItems[0].text, /verify cancelled/);
  });

  it('a failing server request shows an error status and message', async () => {
    const c = new VerifyController(new FakeServer(async () => Promise.reject(new Error('worker crashed'))));
    assert.equal(await c.verify('file:///ws/m.py', 'Net'), undefined);
    assert.match(state.statusItems[0].text, /Net verify failed/);
    assert.ok(state.statusItems[0].backgroundColor);
    assert.match(state.messages.at(-1)?.message ?? '', /worker crashed/);
  });

  it('not equivalent is highlighted', async () => {
    const c = new VerifyController(new FakeServer(async () => ({ ...REPORT, status: 'not_equivalent', max_abs_diff: 0.3 })));
    await c.verify('file:///ws/m.py', 'Net');
    assert.equal(state.statusItems[0].backgroundColor.id, 'statusBarItem.errorBackground');
  });

  it('the nnmigrate/verifyResult notification updates the status item; the report opens in a webview', async () => {
    const c = new VerifyController(new FakeServer(async () => null));
    c.onServerResult({ uri: 'file:///ws/m.py', symbol: 'CifarCNN', report: REPORT });
    assert.match(state.statusItems[0].text, /CifarCNN equivalent/);
    c.onServerResult({ bogus: true });
    assert.equal(state.statusItems.length, 1);
    c.showReport();
    assert.equal(state.webviews.length, 1);
    assert.equal(state.webviews[0].title, 'Verify: CifarCNN');
    assert.match(state.webviews[0].webview.html, /dense_1/);
    assert.equal(state.webviews[0].options.enableScripts, false);
    // a new result refreshes the open panel instead of opening another
    c.onServerResult({ uri: 'file:///ws/m.py', symbol: 'CifarCNN', report: { ...REPORT, status: 'not_equivalent' } });
    assert.equal(state.webviews.length, 1);
    assert.match(state.webviews[0].webview.html, /not equivalent/);
  });

  it('showReport before any check says so', () => {
    new VerifyController(new FakeServer(async () => null)).showReport();
    assert.match(state.messages[0].message, /no verification has run yet/);
  });
});
