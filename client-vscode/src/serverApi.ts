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

export { SERVER_COMMANDS } from './commandIds';
