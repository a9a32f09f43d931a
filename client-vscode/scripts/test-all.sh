#!/usr/bin/env bash
# Everything for client-vscode, in order: npm ci, typecheck + build, unit tests, contract tests against the
# real server, the .vsix, and the e2e test in the VS Code workbench (skip it with NNMIGRATE_SKIP_E2E=1).
# Exits non-zero on the first failure. Env: NNMIGRATE_PYTHON (default ../.venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
export NNMIGRATE_PYTHON=${NNMIGRATE_PYTHON:-$(cd .. && pwd)/.venv/bin/python}
section() { printf '\n== client-vscode: %s ==\n' "$*"; }

section "npm ci"
npm ci --no-audit --no-fund --loglevel=error
section "typecheck + build"
npm run -s typecheck
npm run -s build
section "unit tests"
npm run -s test:unit
section "contract tests (real server: $NNMIGRATE_PYTHON)"
npm run -s test:contract
section "package"
rm -f dist/nnmigrate.vsix
npm run -s package
[ -f dist/nnmigrate.vsix ] || { echo "no dist/nnmigrate.vsix" >&2; exit 1; }
if [ "${NNMIGRATE_SKIP_E2E:-0}" = 1 ]; then
  section "e2e skipped (NNMIGRATE_SKIP_E2E=1)"
else
  section "e2e (code-server + chromium)"
  bash test/e2e/run-e2e.sh dist/nnmigrate.vsix
fi
section "all client-vscode tests passed"
