#!/usr/bin/env bash
# The SFU under load: starts parley-devmail and Parley (embedded mode, fresh
# data dir, pinned to core 0 where there are two), then parley-callload as a
# separate process (pinned to core 1) for each scenario.
# Usage: scripts/bench-calls.sh [subscribers] [rooms]
#
#        scripts/bench-calls.sh cluster [rooms] [size] [runs]
# Calls at scale (issue 9): a scripts/cluster.sh cluster with three SFUs in
# its own state directory (.cache/cluster-bench), then `runs` times: rooms
# calls of size participants through the ingress and both gateways,
# measured per SFU, and the SIGKILL of the SFU hosting the most rooms with
# the time its rooms take to recover; the killed SFU is started again
# between runs. The cluster is stopped at the end.
#
#        BENCH_TARGETS=parley,livekit scripts/bench-calls.sh [subscribers]
# SFU vs LiveKit (issue 11): for each of BENCH_RUNS runs (3), each target
# in turn, a fresh server pinned to core 0 and one load process pinned to
# core 1 for each scenario of BENCH_SCENARIOS ("fanout"; also
# "fanout-video", the fan-out without audio, and "rooms"):
# parley-callload against Parley (a -tags pprof build), tools/lkload (its
# own module, LiveKit's Go SDK around the same media and measurement)
# against LiveKit v1.13.5 (`server` on PATH or in ~/go/bin: go install
# github.com/livekit/livekit-server/cmd/server@v1.13.5). Each server is
# stopped after its run. With BENCH_PROFILE=1 each Parley run also writes
# a CPU profile of its measuring window. Output and profiles under
# .cache/bench-calls/<time>[-$BENCH_LABEL]/; BENCH_PARLEY_BIN measures another
# Parley build instead of a fresh one; a target name=binary adds another
# Parley build (BENCH_TARGETS=parley,before=.cache/parley-before,livekit).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${BENCH_TARGETS:-}" ]; then
  exec scripts/bench-calls-vs.sh "$@"
fi
if [ "${1:-}" = cluster ]; then
  rooms=${2:-12} size=${3:-3} runs=${4:-3}
  export PARLEY_CLUSTER_DIR=${PARLEY_CLUSTER_BENCH_DIR:-$PWD/.cache/cluster-bench} PARLEY_CLUSTER_SFUS=3
  make -s build devtools
  go build -o bin/parley-callload ./cmd/parley-callload
  trap 'scripts/cluster.sh down >/dev/null' EXIT
  scripts/cluster.sh up
  for ((run = 1; run <= runs; run++)); do
    echo "== run $run of $runs"
    bin/parley-callload -cluster "$PARLEY_CLUSTER_DIR" -scenario rooms -rooms "$rooms" -size "$size" \
      -bitrate 300000 -kill -offset $((run * 5000 + RANDOM % 1000 * 5))
    scripts/cluster.sh up >/dev/null # the killed SFU again
  done
  exit 0
fi
subs=${1:-49} # a call of 50, the default maximum
rooms=${2:-10}
make -s build devtools
go build -o bin/parley-callload ./cmd/parley-callload
data=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$data"' EXIT
# on0/on1: run on core 0 / core 1 where there are two (a plain command
# prefix, not a function, so that `$!` is the server itself and the trap
# stops it).
on0=() on1=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then on0=(taskset -c 0) on1=(taskset -c 1); fi
if curl -s -o /dev/null http://127.0.0.1:18091/healthz; then echo "bench-calls: 127.0.0.1:18091 is taken (an earlier run still going?)" >&2; exit 1; fi
bin/parley-devmail -smtp 127.0.0.1:12526 -http 127.0.0.1:18026 >/dev/null 2>&1 &
PARLEY_ADDR=127.0.0.1:18091 PARLEY_PUBLIC_URL=http://127.0.0.1:18091 PARLEY_DATA_DIR="$data" \
  PARLEY_RTC_UDP_ADDR=127.0.0.1:50100 PARLEY_MAIL_URL='smtp://127.0.0.1:12526?tls=none' PARLEY_LOG_LEVEL=warn \
  "${on0[@]}" bin/parley >/dev/null &
pid=$!
until curl -sf -o /dev/null http://127.0.0.1:18091/healthz; do sleep 0.1; done
load() { "${on1[@]}" bin/parley-callload -url http://127.0.0.1:18091 -devmail http://127.0.0.1:18026 -pid "$pid" "$@"; echo; }
load -scenario fanout -subs "$subs" -bitrate 1000000
load -scenario rooms -rooms "$rooms" -size 5 -bitrate 300000
