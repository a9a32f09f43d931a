/**
 * A small in-memory stand-in for the `vscode` module, enough for src/vscodeapi.ts and the controllers.
 * Files live in `state.files` (URI string -> text); applyEdit applies WorkspaceEdits to them; every UI
 * call is recorded in `state` so tests can assert on it. `reset()` gives each test a clean slate.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */

export class Uri {
  private constructor(
    private readonly raw: string,
    readonly scheme: string,
    readonly path: string,
  ) {}

  static parse(value: string, _strict?: boolean): Uri {
    const match = /^([a-zA-Z][\w+.-]*):(.*)$/.exec(value);
    if (!match) {
      throw new Error(`stub Uri.parse: not a URI: ${value}`);
    }
    const rest = match[2].replace(/[?#].*$/, '');
    const path = rest.startsWith('//') ? rest.slice(rest.indexOf('/', 2) >= 0 ? rest.indexOf('/', 2) : rest.length) : rest;
    return new Uri(value, match[1], decodeURIComponent(path));
  }

  static file(fsPath: string): Uri {
    return new Uri(`file://${fsPath}`, 'file', fsPath);
  }

  get fsPath(): string {
    return this.path;
  }

  toString(): string {
    return this.raw;
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  constructor(
    readonly start: Position,
    readonly end: Position,
  ) {}
}

export type EditOp =
  | { kind: 'replace'; uri: string; range: Range; text: string; metadata?: any }
  | { kind: 'insert'; uri: string; position: Position; text: string; metadata?: any }
  | { kind: 'createFile'; uri: string; options?: any; metadata?: any };

export class WorkspaceEdit {
  readonly ops: EditOp[] = [];
  replace(uri: Uri, range: Range, text: string, metadata?: any): void {
    this.ops.push({ kind: 'replace', uri: uri.toString(), range, text, metadata });
  }
  insert(uri: Uri, position: Position, text: string, metadata?: any): void {
    this.ops.push({ kind: 'insert', uri: uri.toString(), position, text, metadata });
  }
  createFile(uri: Uri, options?: any, metadata?: any): void {
    this.ops.push({ kind: 'createFile', uri: uri.toString(), options, metadata });
  }
}

export class Disposable {
  constructor(private readonly fn: () => void = () => undefined) {}
  static from(...items: { dispose(): any }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

export class EventEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  readonly event = (listener: (e: T) => void): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };
  fire(e: T): void {
    [...this.listeners].forEach((l) => l(e));
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

export class TabInputText {
  constructor(readonly uri: Uri) {}
}

export class TabInputTextDiff {
  constructor(
    readonly original: Uri,
    readonly modified: Uri,
  ) {}
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}

export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
}

// ---- state --------------------------------------------------------------------------------------

interface StubDocument {
  uri: Uri;
  languageId: string;
  isDirty: boolean;
  lineCount: number;
  getText(): string;
  lineAt(line: number): { range: Range };
  save(): Promise<boolean>;
}

interface Tab {
  input: unknown;
  label: string;
}

export const state = {
  /** Saved file contents on "disk", by URI string. */
  files: new Map<string, string>(),
  /** Unsaved buffer contents, by URI string. */
  buffers: new Map<string, string>(),
  config: new Map<string, unknown>(),
  context: new Map<string, unknown>(),
  messages: [] as { level: 'info' | 'warning' | 'error'; message: string; actions: string[] }[],
  /** What the next messages answer (FIFO); undefined = dismissed. */
  messageAnswers: [] as (string | undefined)[],
  executed: [] as { id: string; args: unknown[] }[],
  commands: new Map<string, (...args: any[]) => unknown>(),
  appliedEdits: [] as WorkspaceEdit[],
  applyEditResult: true,
  providers: new Map<string, { provideTextDocumentContent(uri: Uri): string; onDidChange?: unknown }>(),
  progress: [] as { options: any; reports: any[]; cancel: () => void }[],
  /** When true, withProgress presses Cancel right after the task starts. */
  cancelProgressImmediately: false,
  statusItems: [] as any[],
  webviews: [] as any[],
  tabs: [] as Tab[],
  closedTabs: [] as Tab[],
  shownDocuments: [] as string[],
  clipboard: '',
  extensions: new Map<string, any>(),
  activeEditor: undefined as undefined | { document: StubDocument; selection: { active: Position } },
  workspaceFolders: undefined as undefined | { uri: Uri; name: string; index: number }[],
  trusted: true,
  /** What the next input boxes answer (FIFO); undefined = Escape. */
  inputAnswers: [] as (string | undefined)[],
  inputBoxes: [] as any[],
};

export const events = {
  configuration: new EventEmitter<{ affectsConfiguration(section: string): boolean }>(),
  activeEditor: new EventEmitter<unknown>(),
  closeDocument: new EventEmitter<StubDocument>(),
  grantTrust: new EventEmitter<void>(),
  changeDocument: new EventEmitter<{ document: StubDocument }>(),
};

export function reset(): void {
  state.files.clear();
  state.buffers.clear();
  state.config.clear();
  state.context.clear();
  state.messages = [];
  state.messageAnswers = [];
  state.executed = [];
  state.commands.clear();
  state.appliedEdits = [];
  state.applyEditResult = true;
  state.providers.clear();
  state.progress = [];
  state.cancelProgressImmediately = false;
  state.statusItems = [];
  state.webviews = [];
  state.tabs = [];
  state.closedTabs = [];
  state.shownDocuments = [];
  state.clipboard = '';
  state.extensions.clear();
  state.activeEditor = undefined;
  state.workspaceFolders = undefined;
  state.trusted = true;
  state.inputAnswers = [];
  state.inputBoxes = [];
}

function textOf(uri: string): string | undefined {
  return state.buffers.get(uri) ?? state.files.get(uri);
}

export function makeDocument(uri: string, languageId = 'python'): StubDocument {
  const parsed = Uri.parse(uri);
  const lines = () => (textOf(uri) ?? '').split('\n');
  return {
    uri: parsed,
    languageId,
    get isDirty() {
      return state.buffers.has(uri) && state.buffers.get(uri) !== state.files.get(uri);
    },
    get lineCount() {
      return lines().length;
    },
    getText: () => textOf(uri) ?? '',
    lineAt: (line: number) => ({ range: new Range(new Position(line, 0), new Position(line, lines()[line].length)) }),
    save: async () => {
      if (state.buffers.has(uri)) {
        state.files.set(uri, state.buffers.get(uri) as string);
        state.buffers.delete(uri);
      }
      return true;
    },
  };
}

/** Makes `uri` the active editor with the cursor at (line, character). */
export function openEditor(uri: string, text: string, line = 0, character = 0, languageId = 'python'): void {
  state.files.set(uri, text);
  state.activeEditor = { document: makeDocument(uri, languageId), selection: { active: new Position(line, character) } };
}

function offsetAt(text: string, pos: Position): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < pos.line; i++) {
    offset += lines[i].length + 1;
  }
  return offset + pos.character;
}

async function message(level: 'info' | 'warning' | 'error', msg: string, ...actions: any[]): Promise<string | undefined> {
  const items = actions.filter((a) => typeof a === 'string');
  state.messages.push({ level, message: msg, actions: items });
  return state.messageAnswers.length ? state.messageAnswers.shift() : undefined;
}

// ---- namespaces ---------------------------------------------------------------------------------

export const workspace = {
  get workspaceFolders() {
    return state.workspaceFolders;
  },
  get isTrusted() {
    return state.trusted;
  },
  onDidGrantWorkspaceTrust: events.grantTrust.event,
  getConfiguration: (section?: string) => ({
    get: (key: string, fallback?: unknown) => {
      const full = section ? `${section}.${key}` : key;
      return state.config.has(full) ? state.config.get(full) : fallback;
    },
  }),
  onDidChangeConfiguration: events.configuration.event,
  onDidCloseTextDocument: events.closeDocument.event,
  onDidChangeTextDocument: events.changeDocument.event,
  fs: {
    stat: async (uri: Uri) => {
      if (!state.files.has(uri.toString())) {
        throw Object.assign(new Error(`FileNotFound: ${uri.toString()}`), { code: 'FileNotFound' });
      }
      return { type: 1, size: (state.files.get(uri.toString()) ?? '').length };
    },
  },
  openTextDocument: async (uri: Uri) => {
    const key = uri.toString();
    if (textOf(key) === undefined) {
      throw new Error(`cannot open ${key}: no such file`);
    }
    return makeDocument(key);
  },
  registerTextDocumentContentProvider: (scheme: string, provider: any) => {
    state.providers.set(scheme, provider);
    return new Disposable(() => state.providers.delete(scheme));
  },
  applyEdit: async (edit: WorkspaceEdit) => {
    state.appliedEdits.push(edit);
    if (!state.applyEditResult) {
      return false;
    }
    for (const op of edit.ops) {
      if (op.kind === 'createFile') {
        if (!state.files.has(op.uri)) {
          state.files.set(op.uri, '');
        } else if (!op.options?.ignoreIfExists && !op.options?.overwrite) {
          return false;
        }
        continue;
      }
      const text = textOf(op.uri);
      if (text === undefined) {
        return false;
      }
      const start = offsetAt(text, op.kind === 'replace' ? op.range.start : op.position);
      const end = op.kind === 'replace' ? offsetAt(text, op.range.end) : start;
      state.buffers.set(op.uri, text.slice(0, start) + op.text + text.slice(end));
    }
    return true;
  },
};

export const window = {
  get activeTextEditor() {
    return state.activeEditor;
  },
  onDidChangeActiveTextEditor: events.activeEditor.event,
  showInformationMessage: (msg: string, ...actions: any[]) => message('info', msg, ...actions),
  showWarningMessage: (msg: string, ...actions: any[]) => message('warning', msg, ...actions),
  showErrorMessage: (msg: string, ...actions: any[]) => message('error', msg, ...actions),
  showInputBox: async (options: any) => {
    state.inputBoxes.push(options);
    const answer = state.inputAnswers.length ? state.inputAnswers.shift() : undefined;
    if (answer !== undefined && options.validateInput) {
      const problem = await options.validateInput(answer);
      if (problem) {
        throw new Error(`stub input box: test answered an invalid value ${answer}: ${problem}`);
      }
    }
    return answer;
  },
  createOutputChannel: (name: string) => {
    const lines: string[] = [];
    const add = (m: string) => lines.push(m);
    return { name, lines, append: add, appendLine: add, info: add, warn: add, error: add, debug: add, trace: add, show: () => undefined, dispose: () => undefined };
  },
  createStatusBarItem: (id: string, alignment?: number, priority?: number) => {
    const item: any = { id, alignment, priority, text: '', visible: false, show: () => (item.visible = true), hide: () => (item.visible = false), dispose: () => (item.disposed = true) };
    state.statusItems.push(item);
    return item;
  },
  withProgress: async (options: any, task: (progress: any, token: any) => Promise<any>) => {
    const cancelled = new EventEmitter<void>();
    const token = { isCancellationRequested: false, onCancellationRequested: cancelled.event };
    const record = {
      options,
      reports: [] as any[],
      cancel: () => {
        token.isCancellationRequested = true;
        cancelled.fire();
      },
    };
    state.progress.push(record);
    const result = task({ report: (value: any) => record.reports.push(value) }, token);
    if (state.cancelProgressImmediately) {
      record.cancel();
    }
    return result;
  },
  createWebviewPanel: (viewType: string, title: string, showOptions: any, options: any) => {
    const disposed = new EventEmitter<void>();
    const panel: any = {
      viewType,
      title,
      showOptions,
      options,
      webview: { html: '' },
      reveal: () => undefined,
      onDidDispose: disposed.event,
      dispose: () => disposed.fire(),
    };
    state.webviews.push(panel);
    return panel;
  },
  showTextDocument: async (doc: StubDocument) => {
    state.shownDocuments.push(doc.uri.toString());
    return { document: doc };
  },
  tabGroups: {
    get all() {
      return [{ tabs: state.tabs }];
    },
    close: async (tabs: Tab[]) => {
      state.closedTabs.push(...tabs);
      state.tabs = state.tabs.filter((t) => !tabs.includes(t));
      return true;
    },
  },
};

export const commands = {
  registerCommand: (id: string, handler: (...args: any[]) => unknown) => {
    state.commands.set(id, handler);
    return new Disposable(() => state.commands.delete(id));
  },
  executeCommand: async (id: string, ...args: unknown[]) => {
    state.executed.push({ id, args });
    if (id === 'setContext') {
      state.context.set(args[0] as string, args[1]);
      return undefined;
    }
    if (id === 'vscode.diff') {
      state.tabs.push({ input: new TabInputTextDiff(args[0] as Uri, args[1] as Uri), label: args[2] as string });
      return undefined;
    }
    return state.commands.get(id)?.(...args);
  },
};

export const extensions = {
  getExtension: (id: string) => state.extensions.get(id),
};

export const env = {
  clipboard: {
    writeText: async (text: string) => {
      state.clipboard = text;
    },
  },
};
