#!/usr/bin/env bash
# The SFU under load: starts parley-devmail and Parley (embedded mode, fresh
# data dir, pinned to core 0 where there are two), then parley-callload as a
# separate process (pinned to core 1) for each scenario.
# Usage: scripts/bench-calls.sh [subscribers] [rooms]
set -euo pipefail
cd "$(dirname "$0")/.."
subs=${1:-50}
rooms=${2:-10}
make -s build devtools
go build -o bin/parley-callload ./cmd/parley-callload
data=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$data"' EXIT
pin() { if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
bin/parley-devmail -smtp 127.0.0.1:12526 -http 127.0.0.1:18026 >/dev/null 2>&1 &
PARLEY_ADDR=127.0.0.1:18091 PARLEY_PUBLIC_URL=http://127.0.0.1:18091 PARLEY_DATA_DIR="$data" \
  PARLEY_RTC_UDP_ADDR=127.0.0.1:50100 PARLEY_MAIL_URL='smtp://127.0.0.1:12526?tls=none' PARLEY_LOG_LEVEL=warn \
  pin 0 bin/parley >/dev/null &
pid=$!
until curl -sf -o /dev/null http://127.0.0.1:18091/healthz; do sleep 0.1; done
load() { pin 1 bin/parley-callload -url http://127.0.0.1:18091 -devmail http://127.0.0.1:18026 -pid "$pid" "$@"; echo; }
load -scenario fanout -subs "$subs" -bitrate 1000000
load -scenario rooms -rooms "$rooms" -size 5 -bitrate 300000
