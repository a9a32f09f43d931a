/**
 * `node --require out/test/stubs/register.js`: makes `require('vscode')` load the stub in ./vscode.
 */
import Module = require('module');
import * as path from 'path';

const stubPath = path.join(__dirname, 'vscode.js');
const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const original = mod._resolveFilename;
mod._resolveFilename = function (request: string, ...rest: unknown[]): string {
  if (request === 'vscode') {
    return stubPath;
  }
  return original.call(this, request, ...rest);
};
