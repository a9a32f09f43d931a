/**
 * Starts, stops and restarts `<python> -m nnmigrate serve` over stdio with vscode-languageclient.
 *
 * Before each start it resolves the interpreter (setting, Python extension, python3) and checks that
 * nnmigrate is importable there; if not, it shows the install command instead of a stack trace.
 */
import { LanguageClient, LanguageClientOptions, ServerOptions, State } from 'vscode-languageclient/node';
import { DidChangeConfigurationNotification, ExecuteCommandRequest } from 'vscode-languageclient';
import { checkInstalled, displayCommand, resolveInterpreter, serverCommand, ResolvedInterpreter } from './interpreter';
import { ServerApi } from './serverApi';
import { ClientSettings, ServerSettings, changeKind, configurationFor, readSettings, toServerSettings } from './settings';
import * as api from './vscodeapi';

export const VERIFY_RESULT_NOTIFICATION = 'nnmigrate/verifyResult';

export class ServerManager implements ServerApi {
  private client: LanguageClient | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private lastFailure: string | undefined;
  settings: ClientSettings | undefined;
  interpreter: ResolvedInterpreter | undefined;
  serverSettings: ServerSettings | undefined;

  private readonly status = api.createServerStatus();

  constructor(
    private readonly channel: api.LogOutputChannel,
    private readonly onVerifyResult: (params: unknown) => void,
  ) {}

  dispose(): void {
    this.status.dispose();
  }

  /** Runs start/stop/restart one after another. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  start(): Promise<boolean> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(reason: string): Promise<boolean> {
    return this.enqueue(async () => {
      this.channel.info(`Restarting the nnmigrate server (${reason}).`);
      await this.doStop();
      return this.doStart();
    });
  }

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  private readCurrentSettings(): ClientSettings {
    return readSettings(api.getSetting, { workspaceFolder: api.firstWorkspaceFolder(), home: process.env.HOME ?? process.env.USERPROFILE, env: process.env });
  }

  /**
   * After `nnmigrate.*` changed: restart when an interpreter changed, else push the new settings with
   * workspace/didChangeConfiguration (the server applies them at once and keeps its state).
   */
  settingsChanged(): Promise<boolean> {
    return this.enqueue(async () => {
      const next = this.readCurrentSettings();
      const kind = this.settings ? changeKind(this.settings, next) : 'restart';
      if (kind === 'none') {
        return true;
      }
      if (kind === 'restart' || !this.client || this.client.state !== State.Running || !this.interpreter) {
        this.channel.info('Restarting the nnmigrate server (settings changed).');
        await this.doStop();
        return this.doStart();
      }
      this.settings = next;
      this.serverSettings = toServerSettings(next, this.interpreter.command);
      this.channel.info(`Settings changed; sending them to the server: ${JSON.stringify(this.serverSettings)}`);
      await this.client.sendNotification(DidChangeConfigurationNotification.type, { settings: { nnmigrate: this.serverSettings } });
      return true;
    });
  }

  private async doStart(): Promise<boolean> {
    const settings = this.readCurrentSettings();
    const interpreter = await resolveInterpreter({
      setting: settings.interpreter,
      pythonExtension: api.pythonExtensionInterpreter,
      log: (m) => this.channel.warn(m),
    });
    this.settings = settings;
    this.interpreter = interpreter;
    this.serverSettings = toServerSettings(settings, interpreter.command);
    this.channel.info(`Python interpreter (${interpreter.source}): ${displayCommand(interpreter.command)}`);
    this.status.update('starting', displayCommand(interpreter.command));

    const check = await checkInstalled(interpreter.command);
    if (!check.ok) {
      this.lastFailure = check.message;
      this.channel.error(check.message);
      this.status.update('failed', check.reason === 'not-installed' ? `not installed in ${displayCommand(interpreter.command)}` : `cannot run ${displayCommand(interpreter.command)}`);
      await api.setContext('nnmigrate.serverRunning', false);
      void this.explainFailure(check.message, check.installCommand);
      return false;
    }
    this.channel.info(`nnmigrate ${check.version} found; starting: ${displayCommand([...interpreter.command, '-m', 'nnmigrate', 'serve'])}`);

    const { command, args } = serverCommand(interpreter.command);
    const serverOptions: ServerOptions = {
      command,
      args, // no `transport`: TransportKind.stdio would append "--stdio", which `nnmigrate serve` rejects
      options: { cwd: api.firstWorkspaceFolder(), env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    const serverSettings = this.serverSettings;
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'python' }],
      outputChannel: this.channel,
      initializationOptions: () => ({ settings: this.serverSettings ?? serverSettings, trusted: api.isWorkspaceTrusted() }),
      middleware: {
        workspace: {
          configuration: async (params, token, next) => {
            const ours = params.items.map((item) => configurationFor(item.section, this.serverSettings ?? serverSettings));
            if (ours.every((value) => value !== undefined)) {
              return ours;
            }
            const theirs = await next(params, token);
            return Array.isArray(theirs) ? theirs.map((value, i) => (ours[i] !== undefined ? ours[i] : value)) : theirs;
          },
        },
      },
    };
    const client = new LanguageClient('nnmigrate', 'nnmigrate', serverOptions, clientOptions);
    client.onNotification(VERIFY_RESULT_NOTIFICATION, (params) => this.onVerifyResult(params));
    client.onDidChangeState((e) => {
      void api.setContext('nnmigrate.serverRunning', e.newState === State.Running);
      if (this.client === client) {
        if (e.newState === State.Running) {
          this.status.update('running', `${check.version} · ${displayCommand(interpreter.command)}`);
        } else if (e.newState === State.Stopped) {
          this.status.update('failed', 'the server stopped; see the log');
        }
      }
    });
    this.client = client;
    try {
      await client.start();
      this.lastFailure = undefined;
      this.channel.info('nnmigrate language server is running.');
      this.status.update('running', `${check.version} · ${displayCommand(interpreter.command)}`);
      await api.setContext('nnmigrate.serverRunning', true);
      return true;
    } catch (err) {
      this.lastFailure = `the nnmigrate server did not start: ${String(err)}`;
      this.channel.error(this.lastFailure);
      this.status.update('failed', 'the server did not start; see the log');
      void api.showError(`nnmigrate: ${this.lastFailure}`, 'Show Log').then((c) => c && this.channel.show());
      return false;
    }
  }

  private async explainFailure(message: string, install: string): Promise<void> {
    const choice = await api.showError(message, 'Copy Install Command', 'Open Settings', 'Show Log');
    if (choice === 'Copy Install Command') {
      await api.copyToClipboard(install);
    } else if (choice === 'Open Settings') {
      await api.executeCommand('workbench.action.openSettings', 'nnmigrate.interpreter');
    } else if (choice === 'Show Log') {
      this.channel.show();
    }
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) {
      return;
    }
    try {
      if (client.needsStop()) {
        await client.stop(5000);
      }
    } catch (err) {
      this.channel.warn(`stopping the server: ${String(err)}`);
    }
    try {
      await client.dispose();
    } catch {
      // already disposed
    }
    await api.setContext('nnmigrate.serverRunning', false);
    this.status.update('stopped', '');
  }

  async executeCommand<T = unknown>(command: string, args: unknown[]): Promise<T> {
    await this.queue; // a start or restart in progress
    const client = this.client;
    if (!client || client.state !== State.Running) {
      throw new Error(`the nnmigrate language server is not running${this.lastFailure ? ` (${this.lastFailure})` : ''}. See the "nnmigrate" output.`);
    }
    return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }) as Promise<T>;
  }
}
