/**
 * Finds the Python interpreter that runs `nnmigrate serve` and checks that nnmigrate is installed in it.
 *
 * Order: the `nnmigrate.interpreter` setting, then the Python extension's active environment, then `python3`.
 * Plain module: the Python extension and the process runner are passed in, so it is unit-tested without VS Code.
 */
import { execFile } from 'child_process';

export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface ResolvedInterpreter {
  /** Program followed by its leading arguments, e.g. ["/venv/bin/python"] or ["conda", "run", "-n", "x", "python"]. */
  command: string[];
  source: InterpreterSource;
}

export const DEFAULT_PYTHON = 'python3';

export interface DiscoveryInputs {
  /** Normalised `nnmigrate.interpreter` (see settings.normalizeCommand). */
  setting: string[];
  /** The Python extension's active interpreter, or undefined when it is not installed or has none. */
  pythonExtension?: () => Promise<string[] | undefined>;
  /** Called with a message when the Python extension throws; discovery then falls back. */
  log?: (message: string) => void;
}

export async function resolveInterpreter(inputs: DiscoveryInputs): Promise<ResolvedInterpreter> {
  if (inputs.setting.length > 0) {
    return { command: [...inputs.setting], source: 'setting' };
  }
  if (inputs.pythonExtension) {
    try {
      const fromExtension = await inputs.pythonExtension();
      if (fromExtension && fromExtension.length > 0 && fromExtension[0].trim() !== '') {
        return { command: [...fromExtension], source: 'python-extension' };
      }
    } catch (err) {
      inputs.log?.(`Python extension did not report an interpreter: ${String(err)}`);
    }
  }
  return { command: [DEFAULT_PYTHON], source: 'default' };
}

/** How to spawn the server over stdio. */
export function serverCommand(interpreter: string[]): { command: string; args: string[] } {
  return { command: interpreter[0], args: [...interpreter.slice(1), '-m', 'nnmigrate', 'serve'] };
}

/** Quotes for display in a shell (POSIX rules; fine for the copy-paste hint on Windows too when no quotes are needed). */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./\\-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function displayCommand(command: string[]): string {
  return command.map(shellQuote).join(' ');
}

/** The command a user runs to install nnmigrate into that interpreter. */
export function installCommand(interpreter: string[]): string {
  return `${displayCommand(interpreter)} -m pip install nnmigrate`;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (ENOENT, EACCES, timeout). */
  spawnError?: string;
}

export type Runner = (command: string, args: string[], timeoutMs: number) => Promise<RunResult>;

export const execRunner: Runner = (command, args, timeoutMs) =>
  new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      const err = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
      if (err && (typeof err.code === 'string' || err.killed)) {
        resolve({ code: null, stdout: String(stdout), stderr: String(stderr), spawnError: err.killed ? 'timed out' : String(err.code) });
        return;
      }
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });

export type InstallCheck =
  | { ok: true; version: string }
  | { ok: false; reason: 'no-interpreter' | 'not-installed'; message: string; installCommand: string };

/** Python snippet: prints the nnmigrate version, exits 3 when the package (or its server) is missing. */
export const CHECK_SNIPPET = [
  'import importlib.util, sys',
  'spec = importlib.util.find_spec("nnmigrate")',
  'if spec is None: sys.exit(3)',
  'import nnmigrate',
  'print(getattr(nnmigrate, "__version__", "unknown"))',
].join('\n');

export async function checkInstalled(interpreter: string[], run: Runner = execRunner, timeoutMs = 20000): Promise<InstallCheck> {
  const { command, args } = { command: interpreter[0], args: [...interpreter.slice(1), '-c', CHECK_SNIPPET] };
  const result = await run(command, args, timeoutMs);
  const shown = displayCommand(interpreter);
  if (result.spawnError) {
    return {
      ok: false,
      reason: 'no-interpreter',
      message: `Could not run the Python interpreter "${shown}" (${result.spawnError}). Set "nnmigrate.interpreter" to a Python 3.10+ interpreter.`,
      installCommand: installCommand(interpreter),
    };
  }
  if (result.code !== 0) {
    const detail = result.stderr.trim().split(/\r?\n/).slice(-1)[0] ?? '';
    return {
      ok: false,
      reason: 'not-installed',
      message: `nnmigrate is not installed in the Python interpreter "${shown}"${result.code === 3 || !detail ? '' : ` (${detail})`}. Install it with: ${installCommand(interpreter)}`,
      installCommand: installCommand(interpreter),
    };
  }
  return { ok: true, version: result.stdout.trim() || 'unknown' };
}
