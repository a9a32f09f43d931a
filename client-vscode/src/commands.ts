/**
 * The right-click / palette commands: migrate the class under the cursor or the whole file, and verify.
 * They ask the server (`nnmigrate.server.symbolAt`, `nnmigrate.server.preview`) and hand the result to
 * the PreviewController or VerifyController.
 */
import { Framework, frameworkLabel } from './framework';
import { guessSpec, parseSpecList, specListError, specsFromComments } from './inputSpecs';
import { PreviewController } from './previewController';
import { PreviewEntry, ServerPreview, baseName } from './previewModel';
import { SERVER_COMMANDS } from './commandIds';
import { ServerApi, SymbolAt } from './serverApi';
import { normalizeInputs } from './settings';
import { VerifyController, errorMessage } from './verifyController';
import * as api from './vscodeapi';

export { CLIENT_COMMANDS } from './commandIds';

/** "nnmigrate: migration failed: <reason>" without repeating what the server already said. */
export function failureMessage(err: unknown): string {
  const reason = errorMessage(err);
  return /^migration failed\b/i.test(reason) ? `nnmigrate: ${reason}` : `nnmigrate: migration failed: ${reason}`;
}

export class MigrationCommands {
  /** Input specs the user typed this session, by "uri#symbol". */
  private readonly typedInputs = new Map<string, string[]>();

  constructor(
    private readonly server: ServerApi,
    private readonly previews: PreviewController,
    private readonly verifier: VerifyController,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** The Python document the command acts on, with the cursor position (0-based). */
  private target(): api.CursorInfo | undefined {
    const cursor = api.activeCursor();
    if (!cursor || cursor.languageId !== 'python' || !cursor.uri.startsWith('file:')) {
      void api.showWarning('nnmigrate: open a Python file (saved on disk) first.');
      return undefined;
    }
    return cursor;
  }

  /** The model class under the cursor, or undefined (after telling the user) when there is none. */
  async symbolAtCursor(cursor: api.CursorInfo): Promise<SymbolAt | undefined> {
    const found = await this.server.executeCommand<SymbolAt | null>(SERVER_COMMANDS.symbolAt, [
      { uri: cursor.uri, line: cursor.line, character: cursor.character },
    ]);
    if (!found || !found.symbol) {
      void api.showWarning('nnmigrate: put the cursor inside a model class (a torch.nn.Module or Keras Model/Layer subclass).');
      return undefined;
    }
    return found;
  }

  async migrateClass(target: Framework): Promise<PreviewEntry | undefined> {
    const cursor = this.target();
    if (!cursor) {
      return undefined;
    }
    try {
      const found = await this.symbolAtCursor(cursor);
      if (!found || !found.symbol) {
        return undefined;
      }
      if (found.framework === target) {
        void api.showInfo(`nnmigrate: ${found.symbol} is already a ${frameworkLabel(target)} model.`);
        return undefined;
      }
      return await this.preview(cursor.uri, found.symbol, target);
    } catch (err) {
      void api.showError(failureMessage(err));
      return undefined;
    }
  }

  async migrateFile(target: Framework): Promise<PreviewEntry | undefined> {
    const cursor = this.target();
    if (!cursor) {
      return undefined;
    }
    try {
      return await this.preview(cursor.uri, null, target);
    } catch (err) {
      void api.showError(failureMessage(err));
      return undefined;
    }
  }

  private async preview(uri: string, symbol: string | null, target: Framework): Promise<PreviewEntry> {
    const what = symbol ?? baseName(uri);
    this.log(`preview ${what} -> ${target}`);
    const result = await api.withWindowProgress(`nnmigrate: migrating ${what} to ${frameworkLabel(target)}`, () =>
      this.server.executeCommand<ServerPreview>(SERVER_COMMANDS.preview, [{ uri, symbol, target }]),
    );
    return this.previews.open({ sourceUri: uri, target, symbol, result });
  }

  async verify(): Promise<void> {
    const cursor = this.target();
    if (!cursor) {
      return;
    }
    let found: SymbolAt | undefined;
    try {
      found = await this.symbolAtCursor(cursor);
    } catch (err) {
      void api.showError(`nnmigrate: ${errorMessage(err)}`);
      return;
    }
    if (!found?.symbol) {
      return;
    }
    const inputs = await this.inputsFor(cursor, found.symbol);
    if (inputs === undefined) {
      return; // the user pressed Escape
    }
    await this.verifier.verify(cursor.uri, found.symbol, inputs);
  }

  /**
   * null when the server knows the inputs (a `# nnmigrate: input` comment or the `nnmigrate.verify.inputs`
   * setting); else the specs the user types (asked once per class and session); undefined = cancelled.
   */
  async inputsFor(cursor: api.CursorInfo, symbol: string): Promise<string[] | null | undefined> {
    if (specsFromComments(cursor.text, symbol).length > 0 || normalizeInputs(api.getSetting('verify.inputs'))[symbol]) {
      return null;
    }
    const key = `${cursor.uri}#${symbol}`;
    const known = this.typedInputs.get(key);
    if (known) {
      return known;
    }
    const typed = await api.askText({
      title: `nnmigrate: inputs to verify ${symbol}`,
      prompt: `Shape of each ${symbol}.forward() argument. To skip this question, add "# nnmigrate: input float32[1,3,32,32]" above the class or set nnmigrate.verify.inputs.`,
      value: guessSpec(cursor.text, symbol),
      placeHolder: 'float32[1,3,32,32]',
      validate: specListError,
    });
    const specs = typed === undefined ? undefined : parseSpecList(typed);
    if (specs) {
      this.typedInputs.set(key, specs);
    }
    return specs;
  }
}
