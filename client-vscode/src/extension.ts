/**
 * Entry point: wires the language server, the commands, the diff preview, the verify status and the
 * `nnmigrate.fileFramework` context key (which direction the right-click menu offers).
 */
import { ServerManager } from './client';
import { CLIENT_COMMANDS } from './commandIds';
import { MigrationCommands } from './commands';
import { detectFramework } from './framework';
import { PreviewController } from './previewController';
import { VerifyController } from './verifyController';
import * as api from './vscodeapi';

let server: ServerManager | undefined;

export async function activate(context: api.ExtensionContext): Promise<void> {
  const channel = api.createLogChannel('nnmigrate');
  const log = (message: string) => channel.info(message);
  context.subscriptions.push(channel);

  const previews = new PreviewController(log);
  let verifier: VerifyController | undefined;
  server = new ServerManager(channel, (params) => verifier?.onServerResult(params));
  verifier = new VerifyController(server, log);
  const commands = new MigrationCommands(server, previews, verifier, log);
  const v = verifier;
  const s = server;

  context.subscriptions.push(
    s,
    ...previews.register(),
    { dispose: () => previews.dispose() },
    { dispose: () => v.dispose() },
    api.registerCommand(CLIENT_COMMANDS.migrateClassToTensorFlow, () => commands.migrateClass('tensorflow')),
    api.registerCommand(CLIENT_COMMANDS.migrateClassToPyTorch, () => commands.migrateClass('pytorch')),
    api.registerCommand(CLIENT_COMMANDS.migrateFileToTensorFlow, () => commands.migrateFile('tensorflow')),
    api.registerCommand(CLIENT_COMMANDS.migrateFileToPyTorch, () => commands.migrateFile('pytorch')),
    api.registerCommand(CLIENT_COMMANDS.verifyClass, () => commands.verify()),
    api.registerCommand(CLIENT_COMMANDS.applyPreview, (arg?: unknown) => previews.apply(arg)),
    api.registerCommand(CLIENT_COMMANDS.discardPreview, (arg?: unknown) => previews.discard(arg)),
    api.registerCommand(CLIENT_COMMANDS.showVerifyReport, () => v.showReport()),
    api.registerCommand(CLIENT_COMMANDS.restartServer, () => s.restart('restart command')),
    api.registerCommand(CLIENT_COMMANDS.showLog, () => channel.show()),
  );

  // Context key for the right-click menu: which framework the active Python file imports.
  const updateFramework = () => {
    const cursor = api.activeCursor();
    const framework = cursor && cursor.languageId === 'python' ? detectFramework(cursor.text) : 'none';
    void api.setContext('nnmigrate.fileFramework', framework);
  };
  let pending: NodeJS.Timeout | undefined;
  context.subscriptions.push(
    api.onDidChangeActiveEditor(updateFramework),
    api.onDidChangeDocument((doc) => {
      if (doc.uri.toString() === api.activeDocumentUri()) {
        clearTimeout(pending);
        pending = setTimeout(updateFramework, 300);
      }
    }),
    { dispose: () => clearTimeout(pending) },
  );
  updateFramework();

  // Settings changes (debounced: one edit of settings.json can fire several events): restart when an
  // interpreter changed, else push them to the running server. Trust granted or a new Python interpreter: restart.
  let settingsTimer: NodeJS.Timeout | undefined;
  let restartTimer: NodeJS.Timeout | undefined;
  const scheduleRestart = (reason: string) => {
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => void s.restart(reason), 400);
  };
  context.subscriptions.push(
    api.onDidChangeSettings(() => {
      clearTimeout(settingsTimer);
      settingsTimer = setTimeout(() => void s.settingsChanged(), 400);
    }),
    api.onDidGrantWorkspaceTrust(() => scheduleRestart('workspace trusted')),
    { dispose: () => (clearTimeout(settingsTimer), clearTimeout(restartTimer)) },
  );
  void api.onDidChangePythonInterpreter(() => {
    if (!s.settings || s.settings.interpreter.length === 0) {
      scheduleRestart('Python interpreter changed');
    }
  }).then((d) => d && context.subscriptions.push(d));

  await s.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
