/**
 * The one module (with client.ts, which needs vscode-languageclient) that imports `vscode`.
 * Everything else goes through these small functions, so unit tests replace `vscode` with a stub
 * (test/stubs/vscode.ts) and exercise the real logic.
 */
import * as vscode from 'vscode';

export type Disposable = vscode.Disposable;
export type Uri = vscode.Uri;
export type LogOutputChannel = vscode.LogOutputChannel;
export type StatusBarItem = vscode.StatusBarItem;
export type CancellationToken = vscode.CancellationToken;
export type ExtensionContext = vscode.ExtensionContext;
export type TextEditor = vscode.TextEditor;
export type TextDocument = vscode.TextDocument;

export function parseUri(uri: string): vscode.Uri {
  return vscode.Uri.parse(uri, true);
}

export function isUri(value: unknown): value is vscode.Uri {
  return value instanceof vscode.Uri;
}

// ---- configuration and workspace ------------------------------------------------------------

/** Reads `nnmigrate.<key>`. */
export function getSetting(key: string): unknown {
  return vscode.workspace.getConfiguration('nnmigrate').get(key);
}

export function isWorkspaceTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

export function onDidGrantWorkspaceTrust(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidGrantWorkspaceTrust(listener);
}

export function firstWorkspaceFolder(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

export function onDidChangeSettings(listener: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('nnmigrate')) {
      listener();
    }
  });
}

export async function fileExists(uri: string): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(parseUri(uri));
    return true;
  } catch {
    return false;
  }
}

export async function readText(uri: string): Promise<string> {
  const doc = await vscode.workspace.openTextDocument(parseUri(uri));
  return doc.getText();
}

/**
 * Replaces the whole content of `uri` with `text` in ONE WorkspaceEdit (undoable), creating the file
 * first when it does not exist, then saves it. Returns false when VS Code refused the edit.
 */
export async function writeWholeFile(uri: string, text: string, exists: boolean, label: string): Promise<boolean> {
  const target = parseUri(uri);
  const edit = new vscode.WorkspaceEdit();
  const metadata: vscode.WorkspaceEditEntryMetadata = { label, needsConfirmation: false };
  if (exists) {
    const doc = await vscode.workspace.openTextDocument(target);
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    edit.replace(target, new vscode.Range(new vscode.Position(0, 0), end), text, metadata);
  } else {
    edit.createFile(target, { ignoreIfExists: true }, metadata);
    edit.insert(target, new vscode.Position(0, 0), text, metadata);
  }
  const ok = await vscode.workspace.applyEdit(edit);
  if (ok) {
    const doc = await vscode.workspace.openTextDocument(target);
    if (doc.isDirty) {
      await doc.save();
    }
  }
  return ok;
}

export function registerContentProvider(
  scheme: string,
  provide: (uri: string) => string | undefined,
): { disposable: vscode.Disposable; refresh: (uri: string) => void } {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: (uri) => provide(uri.toString()) ?? '',
  };
  const registration = vscode.workspace.registerTextDocumentContentProvider(scheme, provider);
  return {
    disposable: vscode.Disposable.from(registration, changed),
    refresh: (uri) => changed.fire(parseUri(uri)),
  };
}

export function onDidCloseDocument(listener: (uri: string) => void): vscode.Disposable {
  return vscode.workspace.onDidCloseTextDocument((doc) => listener(doc.uri.toString()));
}

export function onDidChangeDocument(listener: (doc: vscode.TextDocument) => void): vscode.Disposable {
  return vscode.workspace.onDidChangeTextDocument((e) => listener(e.document));
}

// ---- editors --------------------------------------------------------------------------------

export interface CursorInfo {
  uri: string;
  languageId: string;
  line: number;
  character: number;
  text: string;
}

export function activeCursor(): CursorInfo | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    return undefined;
  }
  const pos = editor.selection.active;
  return {
    uri: editor.document.uri.toString(),
    languageId: editor.document.languageId,
    line: pos.line,
    character: pos.character,
    text: editor.document.getText(),
  };
}

export function activeDocumentUri(): string | undefined {
  return vscode.window.activeTextEditor?.document.uri.toString();
}

export function onDidChangeActiveEditor(listener: (editor: vscode.TextEditor | undefined) => void): vscode.Disposable {
  return vscode.window.onDidChangeActiveTextEditor(listener);
}

export async function openDiff(left: string, right: string, title: string): Promise<void> {
  await vscode.commands.executeCommand('vscode.diff', parseUri(left), parseUri(right), title, { preview: false });
}

export async function showDocument(uri: string): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(parseUri(uri));
  await vscode.window.showTextDocument(doc, { preview: false });
}

/** Closes every tab (text or diff) that shows one of `uris`. */
export async function closeTabsShowing(uris: string[]): Promise<void> {
  const wanted = new Set(uris);
  const tabs: vscode.Tab[] = [];
  for (const group of vscode.window.tabGroups.all) {
    for (const tab of group.tabs) {
      const input = tab.input;
      const shown: vscode.Uri[] =
        input instanceof vscode.TabInputTextDiff
          ? [input.original, input.modified]
          : input instanceof vscode.TabInputText
            ? [input.uri]
            : [];
      if (shown.some((u) => wanted.has(u.toString()))) {
        tabs.push(tab);
      }
    }
  }
  if (tabs.length) {
    await vscode.window.tabGroups.close(tabs, true);
  }
}

// ---- messages, progress, status -------------------------------------------------------------

export function showInfo(message: string, ...actions: string[]): Thenable<string | undefined> {
  return vscode.window.showInformationMessage(message, ...actions);
}

export function showWarning(message: string, ...actions: string[]): Thenable<string | undefined> {
  return vscode.window.showWarningMessage(message, ...actions);
}

export function showError(message: string, ...actions: string[]): Thenable<string | undefined> {
  return vscode.window.showErrorMessage(message, ...actions);
}

/** Asks for one line of text; undefined when the user pressed Escape. */
export function askText(options: { title: string; prompt: string; value?: string; placeHolder?: string; validate: (text: string) => string | undefined }): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: options.title,
    prompt: options.prompt,
    value: options.value,
    placeHolder: options.placeHolder,
    ignoreFocusOut: true,
    validateInput: (text) => options.validate(text) ?? null,
  });
}

export function createLogChannel(name: string): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(name, { log: true });
}

export async function copyToClipboard(text: string): Promise<void> {
  await vscode.env.clipboard.writeText(text);
}

/** A cancellable notification; `onCancel` runs once when the user presses Cancel. */
export function withCancellableProgress<T>(
  title: string,
  task: (report: (message: string) => void, isCancelled: () => boolean) => Promise<T>,
  onCancel: () => void,
): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) => {
      token.onCancellationRequested(onCancel);
      return task((message) => progress.report({ message }), () => token.isCancellationRequested);
    },
  );
}

/** A non-cancellable progress shown in the status bar area (window). */
export function withWindowProgress<T>(title: string, task: () => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, task);
}

export interface StatusView {
  text: string;
  tooltip: string;
  command: string;
  error: boolean;
}

export function createStatusItem(id: string, name: string): vscode.StatusBarItem {
  const item = vscode.window.createStatusBarItem(id, vscode.StatusBarAlignment.Left, 50);
  item.name = name;
  return item;
}

export function updateStatusItem(item: vscode.StatusBarItem, view: StatusView): void {
  item.text = view.text;
  item.tooltip = view.tooltip;
  item.command = view.command;
  item.backgroundColor = view.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  item.show();
}

/** Shows `html` in a webview panel (re-used per key). */
export function showHtmlPanel(viewType: string, title: string, html: string, existing?: vscode.WebviewPanel): vscode.WebviewPanel {
  const panel =
    existing ?? vscode.window.createWebviewPanel(viewType, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, { enableScripts: false });
  panel.title = title;
  panel.webview.html = html;
  panel.reveal(undefined, false);
  return panel;
}

export type ServerState = 'starting' | 'running' | 'stopped' | 'failed';

/** The `{}` language status entry for Python files: server state, version and interpreter. */
export function createServerStatus(): { update(state: ServerState, detail: string): void; dispose(): void } {
  const item = vscode.languages.createLanguageStatusItem('nnmigrate.server', { language: 'python' });
  item.name = 'nnmigrate';
  item.command = { command: 'nnmigrate.showLog', title: 'Show Log' };
  return {
    update(state, detail) {
      item.text = state === 'running' ? 'nnmigrate' : state === 'starting' ? 'nnmigrate: starting' : state === 'failed' ? 'nnmigrate: not running' : 'nnmigrate: stopped';
      item.detail = detail;
      item.busy = state === 'starting';
      item.severity = state === 'failed' ? vscode.LanguageStatusSeverity.Error : vscode.LanguageStatusSeverity.Information;
    },
    dispose: () => item.dispose(),
  };
}

// ---- commands, context keys, extensions -----------------------------------------------------

export function registerCommand(id: string, handler: (...args: any[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, handler);
}

export function setContext(key: string, value: unknown): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', key, value);
}

export function executeCommand<T>(id: string, ...args: unknown[]): Thenable<T | undefined> {
  return vscode.commands.executeCommand<T>(id, ...args);
}

/** Minimal view of the Python extension's environments API (ms-python.python). */
interface PythonEnvironmentsApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
    resolveEnvironment(env: { id: string; path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
}

async function pythonApi(): Promise<PythonEnvironmentsApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonEnvironmentsApi>('ms-python.python');
  if (!ext) {
    return undefined;
  }
  return ext.isActive ? ext.exports : await ext.activate();
}

/** The Python extension's active interpreter for the first workspace folder, if it is installed. */
export async function pythonExtensionInterpreter(): Promise<string[] | undefined> {
  const api = await pythonApi();
  const envs = api?.environments;
  if (!envs) {
    return undefined;
  }
  const active = envs.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri);
  const resolved = await envs.resolveEnvironment(active);
  const path = resolved?.executable?.uri?.fsPath ?? active.path;
  return path ? [path] : undefined;
}

export async function onDidChangePythonInterpreter(listener: () => void): Promise<vscode.Disposable | undefined> {
  try {
    const event = (await pythonApi())?.environments?.onDidChangeActiveEnvironmentPath;
    return event ? event(() => listener()) : undefined;
  } catch {
    return undefined;
  }
}
