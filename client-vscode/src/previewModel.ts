/**
 * Migration previews waiting for Apply or Discard, and the virtual URIs that show them.
 *
 * A preview is shown as `vscode.diff(left, right, title)` where right is
 * `nnmigrate-preview:/<id>/migrated/<target file name>` (the migrated text) and left is the target file
 * on disk, or `nnmigrate-preview:/<id>/empty/<target file name>` (an empty document) when it does not exist yet.
 * The file name comes last so VS Code picks the Python language mode. Plain module (URIs are strings).
 */
import { Framework, frameworkLabel } from './framework';

export const PREVIEW_SCHEME = 'nnmigrate-preview';

/** `nnmigrate.server.preview` result. */
export interface ServerPreview {
  targetUri: string;
  text: string;
  title?: string;
  symbol?: string | null;
  diagnostics?: unknown[];
}

export interface PreviewEntry {
  id: string;
  sourceUri: string;
  targetUri: string;
  text: string;
  symbol: string | null;
  target: Framework;
  title: string;
  /** True when the target file existed when the preview opened (the diff's left side is that file). */
  targetExisted: boolean;
  migratedUri: string;
  leftUri: string;
  diagnostics: unknown[];
}

export type PreviewSide = 'migrated' | 'empty';

/** Last path segment of a URI string, decoded. */
export function baseName(uri: string): string {
  const withoutQuery = uri.replace(/[?#].*$/, '');
  const segment = withoutQuery.slice(withoutQuery.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function previewUri(id: string, side: PreviewSide, targetUri: string): string {
  return `${PREVIEW_SCHEME}:/${encodeURIComponent(id)}/${side}/${encodeURIComponent(baseName(targetUri))}`;
}

export function parsePreviewUri(uri: string): { id: string; side: PreviewSide } | undefined {
  const match = /^nnmigrate-preview:\/([^/]+)\/(migrated|empty)\/[^/]*$/.exec(uri.replace(/[?#].*$/, ''));
  if (!match) {
    return undefined;
  }
  return { id: decodeURIComponent(match[1]), side: match[2] as PreviewSide };
}

/** e.g. "model.py ↔ model_tf.py (Net migrated to TensorFlow)". */
export function diffTitle(sourceUri: string, targetUri: string, target: Framework, symbol: string | null): string {
  const what = symbol ? `${symbol} migrated to ${frameworkLabel(target)}` : `migrated to ${frameworkLabel(target)}`;
  if (sourceUri === targetUri) {
    return `${baseName(sourceUri)} (${what}, in place)`;
  }
  return `${baseName(sourceUri)} ↔ ${baseName(targetUri)} (${what})`;
}

export class PreviewStore {
  private readonly entries = new Map<string, PreviewEntry>();
  private counter = 0;

  add(args: {
    sourceUri: string;
    target: Framework;
    symbol: string | null;
    result: ServerPreview;
    targetExisted: boolean;
  }): PreviewEntry {
    this.counter += 1;
    const id = `p${this.counter}`;
    const targetUri = args.result.targetUri;
    const symbol = args.result.symbol !== undefined ? args.result.symbol : args.symbol;
    const entry: PreviewEntry = {
      id,
      sourceUri: args.sourceUri,
      targetUri,
      text: args.result.text,
      symbol,
      target: args.target,
      title: diffTitle(args.sourceUri, targetUri, args.target, symbol),
      targetExisted: args.targetExisted,
      migratedUri: previewUri(id, 'migrated', targetUri),
      leftUri: args.targetExisted ? targetUri : previewUri(id, 'empty', targetUri),
      diagnostics: args.result.diagnostics ?? [],
    };
    this.entries.set(id, entry);
    return entry;
  }

  get(id: string): PreviewEntry | undefined {
    return this.entries.get(id);
  }

  /** The entry a preview URI (either side) belongs to. */
  byUri(uri: string): PreviewEntry | undefined {
    const parsed = parsePreviewUri(uri);
    return parsed ? this.entries.get(parsed.id) : undefined;
  }

  /** The text a preview URI shows: the migrated text, or "" for the empty side; undefined for unknown ids. */
  contentFor(uri: string): string | undefined {
    const parsed = parsePreviewUri(uri);
    const entry = parsed && this.entries.get(parsed.id);
    if (!parsed || !entry) {
      return undefined;
    }
    return parsed.side === 'migrated' ? entry.text : '';
  }

  /** The newest preview still open. */
  latest(): PreviewEntry | undefined {
    let last: PreviewEntry | undefined;
    for (const entry of this.entries.values()) {
      last = entry;
    }
    return last;
  }

  delete(id: string): boolean {
    return this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
