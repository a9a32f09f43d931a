/**
 * Command ids. Client commands are registered by this extension; server commands are run with
 * `workspace/executeCommand` and are registered in VS Code by vscode-languageclient itself, so the two
 * sets must never overlap. Plain module.
 */

export const CLIENT_COMMANDS = {
  migrateClassToTensorFlow: 'nnmigrate.migrateClassToTensorFlow',
  migrateClassToPyTorch: 'nnmigrate.migrateClassToPyTorch',
  migrateFileToTensorFlow: 'nnmigrate.migrateFileToTensorFlow',
  migrateFileToPyTorch: 'nnmigrate.migrateFileToPyTorch',
  verifyClass: 'nnmigrate.verifyClass',
  applyPreview: 'nnmigrate.applyPreview',
  discardPreview: 'nnmigrate.discardPreview',
  showVerifyReport: 'nnmigrate.showVerifyReport',
  restartServer: 'nnmigrate.restartServer',
  showLog: 'nnmigrate.showLog',
} as const;

export const SERVER_COMMANDS = {
  preview: 'nnmigrate.server.preview',
  symbolAt: 'nnmigrate.server.symbolAt',
  verify: 'nnmigrate.server.verify',
  cancelVerify: 'nnmigrate.server.cancelVerify',
} as const;
