/**
 * What the commands need from the language server: `workspace/executeCommand`. Implemented by
 * ServerManager (client.ts) over vscode-languageclient; unit tests pass a fake.
 */
import { Framework } from './framework';

export interface ServerApi {
  executeCommand<T = unknown>(command: string, args: unknown[]): Promise<T>;
}

/** `nnmigrate.server.symbolAt` result. */
export interface SymbolAt {
  symbol: string | null;
  kind: 'class' | 'builder' | null;
  framework: Framework | null;
}

/** Server command ids (never registered as VS Code commands by this extension). */
export const SERVER_COMMANDS = {
  preview: 'nnmigrate.server.preview',
  symbolAt: 'nnmigrate.server.symbolAt',
  verify: 'nnmigrate.server.verify',
  cancelVerify: 'nnmigrate.server.cancelVerify',
} as const;
