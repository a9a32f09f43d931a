/**
 * Opens migration previews as a side-by-side diff and applies or discards them.
 *
 * Apply writes the migrated text with ONE WorkspaceEdit (undoable; creates the target file when missing).
 * Discard writes nothing. Both close the diff editor.
 */
import { Framework, frameworkLabel } from './framework';
import { PREVIEW_SCHEME, PreviewEntry, PreviewStore, ServerPreview, baseName } from './previewModel';
import * as api from './vscodeapi';

export const APPLY = 'Apply';
export const DISCARD = 'Discard';

export class PreviewController {
  readonly store = new PreviewStore();
  private readonly disposables: api.Disposable[] = [];

  constructor(private readonly log: (message: string) => void = () => undefined) {}

  /** Registers the `nnmigrate-preview:` content provider and the close listener. */
  register(): api.Disposable[] {
    const provider = api.registerContentProvider(PREVIEW_SCHEME, (uri) => this.store.contentFor(uri));
    this.disposables.push(provider.disposable);
    return this.disposables;
  }

  /** Stores a server preview and shows it as a diff plus an Apply / Discard notification. */
  async open(args: { sourceUri: string; target: Framework; symbol: string | null; result: ServerPreview }): Promise<PreviewEntry> {
    const { result } = args;
    if (!result || typeof result.targetUri !== 'string' || typeof result.text !== 'string') {
      throw new Error('the server returned no preview (missing targetUri or text)');
    }
    const targetExisted = result.targetUri === args.sourceUri || (await api.fileExists(result.targetUri));
    const entry = this.store.add({ sourceUri: args.sourceUri, target: args.target, symbol: args.symbol, result, targetExisted });
    this.log(`preview ${entry.id}: ${entry.title} -> ${entry.targetUri} (${entry.text.length} chars)`);
    await api.setContext('nnmigrate.hasPreview', true);
    await api.openDiff(entry.leftUri, entry.migratedUri, entry.title);
    void this.ask(entry);
    return entry;
  }

  private async ask(entry: PreviewEntry): Promise<void> {
    const what = entry.symbol ? `${entry.symbol} migrated to ${frameworkLabel(entry.target)}` : `${baseName(entry.sourceUri)} migrated to ${frameworkLabel(entry.target)}`;
    const notes = entry.diagnostics.length ? ` The migration reported ${entry.diagnostics.length} note(s).` : '';
    const choice = await api.showInfo(`Preview: ${what}. Apply writes ${baseName(entry.targetUri)}.${notes}`, APPLY, DISCARD);
    if (!this.store.get(entry.id)) {
      return; // already applied or discarded from the editor title
    }
    if (choice === APPLY) {
      await this.apply(entry.id);
    } else if (choice === DISCARD) {
      await this.discard(entry.id);
    }
  }

  /**
   * The preview a command refers to: an explicit id, a URI of either diff side (editor/title passes the
   * modified side's URI), else the preview in the active editor, else the newest one.
   */
  resolve(arg?: unknown): PreviewEntry | undefined {
    if (typeof arg === 'string') {
      return this.store.get(arg) ?? this.store.byUri(arg);
    }
    if (api.isUri(arg)) {
      return this.store.byUri(arg.toString());
    }
    const active = api.activeDocumentUri();
    return (active && this.store.byUri(active)) || this.store.latest();
  }

  async apply(arg?: unknown): Promise<boolean> {
    const entry = this.resolve(arg);
    if (!entry) {
      void api.showWarning('nnmigrate: there is no migration preview to apply.');
      return false;
    }
    const exists = entry.targetUri === entry.sourceUri || (await api.fileExists(entry.targetUri));
    const label = entry.symbol ? `Migrate ${entry.symbol} to ${frameworkLabel(entry.target)}` : `Migrate ${baseName(entry.sourceUri)} to ${frameworkLabel(entry.target)}`;
    const ok = await api.writeWholeFile(entry.targetUri, entry.text, exists, label);
    if (!ok) {
      void api.showError(`nnmigrate: VS Code refused the edit to ${baseName(entry.targetUri)}; nothing was written.`);
      return false;
    }
    this.log(`preview ${entry.id}: applied to ${entry.targetUri}`);
    await this.close(entry);
    await api.showDocument(entry.targetUri);
    void api.showInfo(`nnmigrate: wrote ${baseName(entry.targetUri)} (${label}). Undo with Ctrl+Z in that file.`);
    return true;
  }

  async discard(arg?: unknown): Promise<boolean> {
    const entry = this.resolve(arg);
    if (!entry) {
      return false;
    }
    this.log(`preview ${entry.id}: discarded`);
    await this.close(entry);
    return true;
  }

  private async close(entry: PreviewEntry): Promise<void> {
    this.store.delete(entry.id);
    await api.setContext('nnmigrate.hasPreview', this.store.size > 0);
    await api.closeTabsShowing([entry.migratedUri]);
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
