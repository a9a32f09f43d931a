/**
 * Input specs for the equivalence check (`float32[1,3,32,32]`, `int64[2,16]<1000`): where the server finds
 * them (a `# nnmigrate: input …` comment above the class, or the `nnmigrate.verify.inputs` setting), and a
 * guess to pre-fill the prompt when there is none. Plain module.
 */

const DTYPES = ['float16', 'float32', 'float64', 'int32', 'int64', 'int8', 'uint8', 'bool'];
const ONE_SPEC = /^(?<dtype>[a-z]+[0-9]*)\[(?<shape>\s*\d+(?:\s*,\s*\d+)*\s*)?\](?:<(?<high>\d+))?$/;
const FIND_SPECS = /\w+\[[^\]]*\](?:<\d+)?/g;
const INPUT_COMMENT = /^\s*#\s*nnmigrate:\s*inputs?\b(.*)$/;

export function isValidSpec(spec: string): boolean {
  const m = ONE_SPEC.exec(spec.replace(/\s+/g, ''));
  if (!m?.groups || !DTYPES.includes(m.groups.dtype)) {
    return false;
  }
  const integer = m.groups.dtype.startsWith('int') || m.groups.dtype.startsWith('uint');
  return integer ? m.groups.high !== undefined : m.groups.high === undefined;
}

/** Splits user input ("float32[1,3,32,32] int64[1,16]<100") into specs; undefined when any is invalid. */
export function parseSpecList(text: string): string[] | undefined {
  const rest = text.replace(FIND_SPECS, ' ').replace(/[\s;]+/g, '');
  const specs = (text.match(FIND_SPECS) ?? []).map((s) => s.replace(/\s+/g, ''));
  if (rest !== '' || specs.length === 0 || !specs.every(isValidSpec)) {
    return undefined;
  }
  return specs;
}

export function specListError(text: string): string | undefined {
  return parseSpecList(text)
    ? undefined
    : 'One spec per forward() argument, e.g. float32[1,3,32,32] (random normal) or int64[1,16]<1000 (random ints below 1000).';
}

function definitionLine(lines: string[], symbol: string): number {
  const def = new RegExp(`^(?:class|def|async\\s+def)\\s+${symbol.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`);
  return lines.findIndex((l) => def.test(l));
}

/** Specs from `# nnmigrate: input …` comments directly above `symbol` (decorators may sit in between). */
export function specsFromComments(text: string, symbol: string): string[] {
  const lines = text.split(/\r?\n/);
  const specs: string[] = [];
  for (let i = definitionLine(lines, symbol) - 1; i >= 0; i--) {
    const line = lines[i];
    if (!/^\s*[#@]/.test(line)) {
      break;
    }
    const m = INPUT_COMMENT.exec(line);
    if (m) {
      specs.unshift(...(m[1].match(FIND_SPECS) ?? []));
    }
  }
  return specs;
}

/**
 * A plausible spec to pre-fill the prompt: a shape written as "(N, 3, 32, 32)" in the file's docstrings,
 * else one derived from the first Conv/Linear layer of the class; undefined when there is no clue.
 */
export function guessSpec(text: string, symbol: string): string | undefined {
  const shape = /\(\s*(?:N|B|batch(?:_size)?)\s*,\s*(\d+(?:\s*,\s*\d+)*)\s*\)/.exec(text);
  if (shape) {
    return `float32[1,${shape[1].replace(/\s+/g, '')}]`;
  }
  const lines = text.split(/\r?\n/);
  const body = lines.slice(Math.max(0, definitionLine(lines, symbol))).join('\n');
  const layer = /(Conv1d|Conv2d|Conv3d|Linear)\(\s*(\d+)/.exec(body);
  if (layer) {
    const c = layer[2];
    return { Conv1d: `float32[1,${c},64]`, Conv2d: `float32[1,${c},32,32]`, Conv3d: `float32[1,${c},8,32,32]`, Linear: `float32[1,${c}]` }[layer[1]];
  }
  return undefined;
}
