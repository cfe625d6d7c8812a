#!/usr/bin/env bash
# Memory per idle authenticated chat WebSocket at 10,000 connections:
# starts parley-devmail and Parley (embedded mode, fresh data dir), then
# parley-loadgen as a separate process. Usage: scripts/bench-idle-ws.sh [conns [loadgen flags…]],
# e.g. scripts/bench-idle-ws.sh 10000 -scenario typing (typing and presence at 10,000 connections).
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-10000}
shift || true
make -s build devtools
go build -o bin/parley-loadgen ./cmd/parley-loadgen
data=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$data"' EXIT
bin/parley-devmail -smtp 127.0.0.1:12525 -http 127.0.0.1:18025 >/dev/null 2>&1 &
PARLEY_ADDR=127.0.0.1:18090 PARLEY_METRICS_ADDR=127.0.0.1:18092 PARLEY_PUBLIC_URL=http://127.0.0.1:18090 PARLEY_DATA_DIR="$data" \
  PARLEY_MAIL_URL='smtp://127.0.0.1:12525?tls=none' PARLEY_LOG_LEVEL=warn bin/parley >/dev/null &
pid=$!
until curl -sf -o /dev/null http://127.0.0.1:18090/healthz; do sleep 0.1; done
bin/parley-loadgen -url http://127.0.0.1:18090 -metrics http://127.0.0.1:18092/metrics -devmail http://127.0.0.1:18025 -conns "$conns" -pid "$pid" "$@"
