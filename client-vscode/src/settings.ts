/**
 * The extension's settings (`nnmigrate.*`) and the shape the language server expects.
 *
 * Plain module: no `vscode` import, so it is unit-tested directly.
 */

export type Placement = 'sibling' | 'inPlace';
export type Layout = 'native' | 'preserve';
export type Device = 'auto' | 'cpu' | 'cuda';

/** What the user configured, normalised. */
export interface ClientSettings {
  /** Interpreter command (program + leading args); empty = discover. */
  interpreter: string[];
  placement: Placement;
  layout: Layout;
  device: Device;
  verifyTimeoutSeconds: number;
  /** Interpreter for the equivalence check; empty = same as the server's interpreter. */
  verifyInterpreter: string[];
  /** Input specs per model class, e.g. {"CifarCNN": ["float32[1,3,32,32]"]}. */
  verifyInputs: Record<string, string[]>;
}

/** `initializationOptions.settings` and the answer to `workspace/configuration` for section "nnmigrate". */
export interface ServerSettings {
  placement: Placement;
  layout: Layout;
  device: Device;
  verifyInterpreter: string[];
  verifyTimeoutSeconds: number;
  inputs: Record<string, string[]>;
}

export const DEFAULTS: ClientSettings = {
  interpreter: [],
  placement: 'sibling',
  layout: 'native',
  device: 'auto',
  verifyTimeoutSeconds: 300,
  verifyInterpreter: [],
  verifyInputs: {},
};

/** Reads one key below `nnmigrate.` (e.g. `verify.device`); undefined when unset. */
export type ConfigGetter = (key: string) => unknown;

export interface Variables {
  workspaceFolder?: string;
  home?: string;
  env?: Record<string, string | undefined>;
}

/** Replaces `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`. Unknown variables stay as they are. */
export function substituteVariables(value: string, vars: Variables): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name: string, envName?: string) => {
    if (name === 'workspaceFolder') {
      return vars.workspaceFolder ?? whole;
    }
    if (name === 'userHome') {
      return vars.home ?? whole;
    }
    return vars.env?.[envName ?? ''] ?? '';
  });
  if (vars.home && (out === '~' || out.startsWith('~/'))) {
    out = vars.home + out.slice(1);
  }
  return out;
}

/**
 * A command setting may be a string (one program path, spaces allowed) or an array
 * (program followed by its leading arguments). Anything else, and blank entries, are dropped.
 */
export function normalizeCommand(value: unknown, vars: Variables = {}): string[] {
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  return items
    .filter((item): item is string => typeof item === 'string' && item.trim() !== '')
    .map((item) => substituteVariables(item.trim(), vars));
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function positiveNumber(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** `{"Cls": "float32[1,3]" | ["float32[1,3]", ...]}`; entries of another shape are dropped. */
export function normalizeInputs(value: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return out;
  }
  for (const [symbol, specs] of Object.entries(value as Record<string, unknown>)) {
    const list = typeof specs === 'string' ? [specs] : Array.isArray(specs) ? specs : [];
    const clean = list.filter((s): s is string => typeof s === 'string' && s.trim() !== '').map((s) => s.trim());
    if (clean.length) {
      out[symbol] = clean;
    }
  }
  return out;
}

export function readSettings(get: ConfigGetter, vars: Variables = {}): ClientSettings {
  return {
    interpreter: normalizeCommand(get('interpreter'), vars),
    placement: oneOf(get('output.placement'), ['sibling', 'inPlace'] as const, DEFAULTS.placement),
    layout: oneOf(get('layout'), ['native', 'preserve'] as const, DEFAULTS.layout),
    device: oneOf(get('verify.device'), ['auto', 'cpu', 'cuda'] as const, DEFAULTS.device),
    verifyTimeoutSeconds: positiveNumber(get('verify.timeoutSeconds'), DEFAULTS.verifyTimeoutSeconds),
    verifyInterpreter: normalizeCommand(get('verify.interpreter'), vars),
    verifyInputs: normalizeInputs(get('verify.inputs')),
  };
}

/** The server's view of the settings; `serverInterpreter` is the interpreter the server was started with. */
export function toServerSettings(settings: ClientSettings, serverInterpreter: string[]): ServerSettings {
  return {
    placement: settings.placement,
    layout: settings.layout,
    device: settings.device,
    verifyInterpreter: settings.verifyInterpreter.length > 0 ? [...settings.verifyInterpreter] : [...serverInterpreter],
    verifyTimeoutSeconds: settings.verifyTimeoutSeconds,
    inputs: { ...settings.verifyInputs },
  };
}

/**
 * Answers one `workspace/configuration` item. `section` "nnmigrate" gets the whole object,
 * "nnmigrate.<key>" one value; other sections are not ours (undefined).
 */
export function configurationFor(section: string | undefined, settings: ServerSettings): unknown {
  if (section === 'nnmigrate') {
    return settings;
  }
  if (section?.startsWith('nnmigrate.')) {
    const key = section.slice('nnmigrate.'.length) as keyof ServerSettings;
    return Object.prototype.hasOwnProperty.call(settings, key) ? settings[key] : null;
  }
  return undefined;
}

/**
 * What a settings change needs: `restart` when the server's interpreter or the verify interpreter changed
 * (process-level), `push` (workspace/didChangeConfiguration) for the rest, `none` when nothing changed.
 */
export function changeKind(before: ClientSettings, after: ClientSettings): 'restart' | 'push' | 'none' {
  if (JSON.stringify(before.interpreter) !== JSON.stringify(after.interpreter) || JSON.stringify(before.verifyInterpreter) !== JSON.stringify(after.verifyInterpreter)) {
    return 'restart';
  }
  return JSON.stringify(before) === JSON.stringify(after) ? 'none' : 'push';
}
