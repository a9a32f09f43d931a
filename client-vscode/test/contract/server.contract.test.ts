/**
 * Protocol contract test against the REAL Python server (no mocks): spawns
 * `$NNMIGRATE_PYTHON -m nnmigrate serve` (default ../.venv/bin/python) and talks LSP over stdio with
 * vscode-jsonrpc, sending what vscode-languageclient sends and asserting what this extension relies on.
 */
import assert from 'node:assert/strict';
import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { MessageConnection, StreamMessageReader, StreamMessageWriter, createMessageConnection } from 'vscode-jsonrpc/node';
import { CLIENT_COMMANDS, SERVER_COMMANDS } from '../../src/commandIds';
import { SymbolAt } from '../../src/serverApi';
import { DEFAULTS, ServerSettings, toServerSettings } from '../../src/settings';
import { ServerPreview } from '../../src/previewModel';
import { normalizeReport } from '../../src/verifyReport';

const CLIENT_ROOT = resolve(__dirname, '..', '..', '..');
const REPO_ROOT = resolve(CLIENT_ROOT, '..');
const PYTHON = process.env.NNMIGRATE_PYTHON || resolve(CLIENT_ROOT, '..', '.venv', 'bin', 'python');
const FIXTURE = join(REPO_ROOT, 'fixtures', 'pytorch', 'cifar_cnn.py');
const SKIP_VERIFY = process.env.NNMIGRATE_CONTRACT_SKIP_VERIFY === '1';

interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  message: string;
  severity?: number;
  code?: string | number;
  source?: string;
}

interface CodeAction {
  title: string;
  kind?: string;
  edit?: { documentChanges?: Array<Record<string, unknown>>; changes?: Record<string, unknown> };
  command?: { command: string; arguments?: unknown[] };
  data?: unknown;
}

/** Everything the server sent us, in order, so tests can wait for a message. */
class Recorder {
  readonly notifications: { method: string; params: any }[] = [];
  readonly requests: { method: string; params: any }[] = [];
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  record(list: 'notifications' | 'requests', method: string, params: any): void {
    this[list].push({ method, params });
    this.waiters = this.waiters.filter((w) => {
      if (w.test()) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 20000): Promise<T> {
    const found = find();
    if (found !== undefined) {
      return Promise.resolve(found);
    }
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        test: () => find() !== undefined,
        resolve: () => {
          clearTimeout(timer);
          resolvePromise(find() as T);
        },
      });
    });
  }
}

/** The client capabilities vscode-languageclient 11 sends from VS Code 1.9x, trimmed to what matters here. */
function vscodeLikeCapabilities() {
  return {
    workspace: {
      applyEdit: true,
      workspaceEdit: {
        documentChanges: true,
        resourceOperations: ['create', 'rename', 'delete'],
        failureHandling: 'textOnlyTransactional',
        normalizesLineEndings: true,
        changeAnnotationSupport: { groupsOnLabel: true },
      },
      didChangeConfiguration: { dynamicRegistration: true },
      executeCommand: { dynamicRegistration: true },
      configuration: true,
      workspaceFolders: true,
    },
    textDocument: {
      synchronization: { dynamicRegistration: true, willSave: true, willSaveWaitUntil: true, didSave: true },
      publishDiagnostics: {
        relatedInformation: true,
        versionSupport: false,
        tagSupport: { valueSet: [1, 2] },
        codeDescriptionSupport: true,
        dataSupport: true,
      },
      codeAction: {
        dynamicRegistration: true,
        isPreferredSupport: true,
        disabledSupport: true,
        dataSupport: true,
        resolveSupport: { properties: ['edit'] },
        codeActionLiteralSupport: {
          codeActionKind: {
            valueSet: ['', 'quickfix', 'refactor', 'refactor.extract', 'refactor.inline', 'refactor.rewrite', 'source', 'source.organizeImports'],
          },
        },
        honorsChangeAnnotations: true,
      },
      hover: { dynamicRegistration: true, contentFormat: ['markdown', 'plaintext'] },
    },
    window: { showMessage: { messageActionItem: { additionalPropertiesSupport: true } }, showDocument: { support: true }, workDoneProgress: true },
    general: { positionEncodings: ['utf-16'], markdown: { parser: 'marked', version: '1.1.0' } },
  };
}

describe('contract with the real nnmigrate language server', { timeout: 300000 }, () => {
  let proc: ChildProcessWithoutNullStreams;
  let conn: MessageConnection;
  let exited: Promise<number | null>;
  let stderr = '';
  const rec = new Recorder();
  let workDir: string;
  let sourceUri: string;
  let sourceText: string;
  let settings: ServerSettings;
  let initResult: any;
  const configAnswers: unknown[] = [];

  before(async () => {
    assert.ok(existsSync(PYTHON), `Python interpreter not found: ${PYTHON} (set NNMIGRATE_PYTHON)`);
    assert.ok(existsSync(FIXTURE), `fixture missing: ${FIXTURE}`);
    workDir = mkdtempSync(join(tmpdir(), 'nnmigrate-contract-'));
    const source = join(workDir, 'cifar_cnn.py');
    copyFileSync(FIXTURE, source);
    sourceUri = pathToFileURL(source).href;
    sourceText = readFileSync(source, 'utf8');
    // nnmigrate.verify.inputs -> settings.inputs: how the server learns CifarCNN's input shape here
    settings = toServerSettings({ ...DEFAULTS, device: 'cpu', verifyTimeoutSeconds: 240, verifyInputs: { CifarCNN: ['float32[2,3,32,32]'] } }, [PYTHON]);

    proc = spawn(PYTHON, ['-m', 'nnmigrate', 'serve'], { cwd: workDir, env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    proc.stderr.on('data', (chunk) => (stderr += String(chunk)));
    exited = new Promise((resolveExit) => proc.on('exit', (code) => resolveExit(code)));
    conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
    conn.onNotification((method, params) => rec.record('notifications', method, params));
    // vscode-jsonrpc routes $/progress to progress handlers, not to the catch-all above
    conn.onUnhandledProgress((params) => rec.record('notifications', '$/progress', params));
    conn.onRequest((method, params: any) => {
      rec.record('requests', method, params);
      switch (method) {
        case 'workspace/configuration': {
          const answer = (params.items as { section?: string }[]).map((item) => (item.section === 'nnmigrate' ? settings : null));
          configAnswers.push(...answer);
          return answer;
        }
        case 'workspace/applyEdit':
          return { applied: false, failureReason: 'contract test does not apply edits' };
        default:
          return null; // window/workDoneProgress/create, client/registerCapability, window/showMessageRequest
      }
    });
    conn.listen();

    initResult = await conn.sendRequest('initialize', {
      processId: process.pid,
      clientInfo: { name: 'Visual Studio Code', version: '1.99.0' },
      locale: 'en',
      rootUri: pathToFileURL(workDir).href,
      workspaceFolders: [{ uri: pathToFileURL(workDir).href, name: 'ws' }],
      capabilities: vscodeLikeCapabilities(),
      initializationOptions: { settings, trusted: true },
      trace: 'off',
    });
    await conn.sendNotification('initialized', {});
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: sourceUri, languageId: 'python', version: 1, text: sourceText } });
  });

  after(async () => {
    if (conn) {
      try {
        await conn.sendRequest('shutdown');
        await conn.sendNotification('exit');
      } catch {
        proc?.kill();
      }
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      conn.dispose();
    }
    if (workDir) {
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  /** 0-based line of the first line matching `re`. */
  const lineOf = (re: RegExp) => sourceText.split('\n').findIndex((l) => re.test(l));

  it('initialize: advertises the server commands, refactor.rewrite code actions with resolve, and no client command ids', () => {
    const caps = initResult.capabilities;
    const commands: string[] = caps.executeCommandProvider?.commands ?? [];
    for (const id of Object.values(SERVER_COMMANDS)) {
      assert.ok(commands.includes(id), `server command ${id} advertised (got ${commands.join(', ')})`);
    }
    for (const id of Object.values(CLIENT_COMMANDS)) {
      assert.ok(!commands.includes(id), `${id} must stay a client-only command (vscode-languageclient registers server ids)`);
    }
    const codeAction = caps.codeActionProvider;
    assert.equal(codeAction?.resolveProvider, true);
    assert.ok(codeAction.codeActionKinds.includes('refactor.rewrite'));
    assert.ok(caps.textDocumentSync, 'text document sync');
  });

  it('publishes diagnostics for the opened PyTorch file (source nnmigrate, NNM codes)', async () => {
    const published = await rec.waitFor(
      () => rec.notifications.find((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === sourceUri),
      'publishDiagnostics',
    );
    const diagnostics: Diagnostic[] = published.params.diagnostics;
    assert.ok(Array.isArray(diagnostics));
    for (const d of diagnostics) {
      assert.equal(d.source, 'nnmigrate');
      assert.match(String(d.code), /^NNM\d{3}$/);
    }
  });

  it('asks workspace/configuration for section "nnmigrate" (if it pulls) and gets the extension settings', () => {
    const pulls = rec.requests.filter((r) => r.method === 'workspace/configuration');
    for (const pull of pulls) {
      assert.ok(pull.params.items.some((i: { section?: string }) => i.section === 'nnmigrate'));
    }
    const rejected = rec.notifications.filter((n) => n.method === 'window/showMessage' && /Setting nnmigrate\./.test(n.params.message));
    assert.deepEqual(rejected, [], 'the server accepted every setting the extension sends');
  });

  it('symbolAt: the class under the cursor, and null outside any class', async () => {
    const inside = await conn.sendRequest<SymbolAt>('workspace/executeCommand', {
      command: SERVER_COMMANDS.symbolAt,
      arguments: [{ uri: sourceUri, line: lineOf(/self\.conv1 = /), character: 12 }],
    });
    assert.deepEqual(inside, { symbol: 'CifarCNN', kind: 'class', framework: 'pytorch' });
    const outside = await conn.sendRequest<SymbolAt>('workspace/executeCommand', {
      command: SERVER_COMMANDS.symbolAt,
      arguments: [{ uri: sourceUri, line: 0, character: 0 }],
    });
    assert.equal(outside.symbol, null);
  });

  it('codeAction lists refactor.rewrite actions; resolve fills the edit (CreateFile + insert of Keras code)', async () => {
    const line = lineOf(/^class CifarCNN/);
    const actions = await conn.sendRequest<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: sourceUri },
      range: { start: { line, character: 6 }, end: { line, character: 6 } },
      context: { diagnostics: [], triggerKind: 1 },
    });
    const titles = actions.map((a) => a.title);
    const migrate = actions.find((a) => a.title === 'Migrate class CifarCNN to TensorFlow');
    assert.ok(migrate, `"Migrate class CifarCNN to TensorFlow" offered (got ${titles.join(' | ')})`);
    assert.equal(migrate.kind, 'refactor.rewrite');
    assert.equal(migrate.edit, undefined, 'edit is filled in by resolve');
    assert.ok(actions.some((a) => a.title === 'Migrate file to TensorFlow' && a.kind === 'refactor.rewrite'), 'file action');
    const verify = actions.find((a) => a.title === 'Verify CifarCNN');
    assert.ok(verify, 'Verify action');
    assert.equal(verify.kind, 'refactor.rewrite');

    const resolved = await conn.sendRequest<CodeAction>('codeAction/resolve', migrate);
    const changes = resolved.edit?.documentChanges ?? [];
    assert.ok(changes.length > 0, 'documentChanges');
    const create = changes.find((c) => c.kind === 'create') as { uri: string; options?: { ignoreIfExists?: boolean } } | undefined;
    assert.ok(create, 'CreateFile for the new sibling');
    assert.match(create.uri, /cifar_cnn_tf\.py$/);
    const textEdit = changes.find((c) => 'textDocument' in c) as { edits: { newText: string }[] } | undefined;
    assert.ok(textEdit, 'TextDocumentEdit');
    assert.match(textEdit.edits.map((e) => e.newText).join(''), /keras/);
    assert.equal(existsSync(join(workDir, 'cifar_cnn_tf.py')), false, 'resolve writes nothing');
  });

  it('preview returns the FULL migrated text (keras) of the sibling target and writes nothing', async () => {
    const preview = await conn.sendRequest<ServerPreview>('workspace/executeCommand', {
      command: SERVER_COMMANDS.preview,
      arguments: [{ uri: sourceUri, symbol: 'CifarCNN', target: 'tensorflow' }],
    });
    assert.equal(typeof preview.targetUri, 'string');
    assert.match(preview.targetUri, /cifar_cnn_tf\.py$/);
    assert.match(preview.text, /keras/);
    assert.match(preview.text, /class CifarCNN\(/);
    assert.doesNotMatch(preview.text, /import torch/);
    assert.equal(preview.symbol, 'CifarCNN');
    assert.equal(typeof preview.title, 'string');
    assert.ok(Array.isArray(preview.diagnostics));
    assert.equal(existsSync(join(workDir, 'cifar_cnn_tf.py')), false);

    const whole = await conn.sendRequest<ServerPreview>('workspace/executeCommand', {
      command: SERVER_COMMANDS.preview,
      arguments: [{ uri: sourceUri, symbol: null, target: 'tensorflow' }],
    });
    assert.match(whole.text, /keras/);
    assert.equal(whole.symbol, null);
  });

  it('preview failures are JSON-RPC errors with a message for the user', async () => {
    await assert.rejects(
      conn.sendRequest('workspace/executeCommand', {
        command: SERVER_COMMANDS.preview,
        arguments: [{ uri: sourceUri, symbol: 'NoSuchClass', target: 'tensorflow' }],
      }),
      (err: { message?: string }) => typeof err.message === 'string' && err.message.length > 0,
    );
  });

  it('a pushed settings change (placement inPlace) takes effect without a restart', async () => {
    await conn.sendNotification('workspace/didChangeConfiguration', { settings: { nnmigrate: { ...settings, placement: 'inPlace' } } });
    const preview = await conn.sendRequest<ServerPreview>('workspace/executeCommand', {
      command: SERVER_COMMANDS.preview,
      arguments: [{ uri: sourceUri, symbol: 'CifarCNN', target: 'tensorflow' }],
    });
    assert.equal(preview.targetUri, sourceUri, 'inPlace targets the source file');
    assert.match(preview.text, /keras/);
    await conn.sendNotification('workspace/didChangeConfiguration', { settings: { nnmigrate: settings } });
    const back = await conn.sendRequest<ServerPreview>('workspace/executeCommand', {
      command: SERVER_COMMANDS.preview,
      arguments: [{ uri: sourceUri, symbol: 'CifarCNN', target: 'tensorflow' }],
    });
    assert.match(back.targetUri, /cifar_cnn_tf\.py$/);
  });

  it('verify: equivalent, with per-layer diffs, server-side progress and nnmigrate/verifyResult', { skip: SKIP_VERIFY && 'NNMIGRATE_CONTRACT_SKIP_VERIFY=1' }, async () => {
    const started = Date.now();
    const raw = await conn.sendRequest('workspace/executeCommand', {
      command: SERVER_COMMANDS.verify,
      // inputs null, as the extension sends when nnmigrate.verify.inputs has the class
      arguments: [{ uri: sourceUri, symbol: 'CifarCNN', inputs: null }],
    });
    const report = normalizeReport(raw);
    assert.equal(report.status, 'equivalent', `verify said ${JSON.stringify(raw)}\nserver stderr tail:\n${stderr.slice(-2000)}`);
    assert.ok(report.max_abs_diff !== null && report.max_abs_diff < 1e-3, `max_abs_diff ${report.max_abs_diff}`);
    assert.ok(report.per_layer.length > 0, 'per-layer diffs');
    assert.ok(report.device.length > 0, 'device');
    const note = await rec.waitFor(
      () => rec.notifications.find((n) => n.method === 'nnmigrate/verifyResult' && n.params.symbol === 'CifarCNN'),
      'nnmigrate/verifyResult',
    );
    assert.equal(note.params.uri, sourceUri);
    assert.equal(normalizeReport(note.params.report).status, 'equivalent');
    assert.ok(rec.requests.some((r) => r.method === 'window/workDoneProgress/create'), 'server-initiated progress');
    const diag = await rec.waitFor(
      () =>
        rec.notifications
          .filter((n) => n.method === 'textDocument/publishDiagnostics' && n.params.uri === sourceUri)
          .flatMap((n) => n.params.diagnostics as Diagnostic[])
          .find((d) => d.code === 'NNM301'),
      'NNM301 verify diagnostic on the class',
    );
    assert.equal(diag.source, 'nnmigrate');
    console.log(`verify took ${((Date.now() - started) / 1000).toFixed(1)} s, max_abs_diff ${report.max_abs_diff} on ${report.device}`);
  });

  it('cancelVerify stops a running check: status cancelled', { skip: SKIP_VERIFY && 'NNMIGRATE_CONTRACT_SKIP_VERIFY=1' }, async () => {
    const before = rec.requests.filter((r) => r.method === 'window/workDoneProgress/create').length;
    const running = conn.sendRequest('workspace/executeCommand', {
      command: SERVER_COMMANDS.verify,
      arguments: [{ uri: sourceUri, symbol: 'CifarCNN', inputs: ['float32[512,3,32,32]'] }],
    });
    // cancel as soon as the server has begun this check's progress
    const created = await rec.waitFor(() => rec.requests.filter((r) => r.method === 'window/workDoneProgress/create')[before], 'progress create');
    await rec.waitFor(
      () => rec.notifications.find((n) => n.method === '$/progress' && n.params.token === created.params.token && n.params.value?.kind === 'begin'),
      'progress begin',
    );
    const answer = await conn.sendRequest<{ cancelled: boolean }>('workspace/executeCommand', { command: SERVER_COMMANDS.cancelVerify, arguments: [] });
    assert.equal(answer?.cancelled, true);
    const report = normalizeReport(await running);
    assert.equal(report.status, 'cancelled', JSON.stringify(report));
    const end = await rec.waitFor(
      () => rec.notifications.find((n) => n.method === '$/progress' && n.params.token === created.params.token && n.params.value?.kind === 'end'),
      'progress end',
    );
    assert.ok(end);
  });
});
