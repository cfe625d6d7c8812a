#!/usr/bin/env bash
# make bench: Parley against Centrifugo v6.9.1 (issue 11), side by side.
#
# Each scenario (idle, fanout, rooms) runs against a fresh embedded Parley,
# then against a fresh Centrifugo, BENCH_RUNS times interleaved; each run
# is its own parley-loadgen process. The server runs on core 0
# (taskset -c 0) and the load process on core 1 when there are two cores
# or more. Results (JSON per run), logs and Parley's pprof profiles land in
# .cache/bench/runs/<time>/ (profiles/ there: Parley's CPU and heap
# profiles of run 1, and the load process's own CPU profile of run 1
# against each server, <scenario>-load-<target>-cpu.pprof); the table of
# medians is printed at the end and
# written there and to .cache/bench/table.md.
#
# Environment (defaults are issue 11's sizes):
#   BENCH_RUNS=3               runs per scenario and server
#   BENCH_SCENARIOS="idle fanout rooms"
#   BENCH_TARGETS="parley centrifugo"
#   BENCH_IDLE_CONNS=10000
#   BENCH_FANOUT_MEMBERS=1000  BENCH_FANOUT_RATE=100
#   BENCH_ROOMS_CONNS=10000    BENCH_ROOMS_GROUP=5    BENCH_ROOMS_RATE=1000
#   BENCH_WARMUP=5s  BENCH_DURATION=20s
#   BENCH_QUICK=1              a smoke run: 1 run, idle 1,000, fanout 100 × 20/s,
#                              rooms 500 in groups of 5 × 100/s, 3 s + 5 s
#   BENCH_PROFILE=1            keep the profiles (first run of each scenario)
#   PARLEY_BIN                 a Parley binary to measure instead of a fresh -tags pprof build
#   BENCH_PARLEY_ENV           extra VAR=value settings for the Parley server only (not the load
#                              process nor Centrifugo), e.g. "GOMAXPROCS=2" or
#                              "PARLEY_ROLES=user,email,token,group,message,ws,web" (no search role)
#
# Parley's users and groups are set up once per size
# (registered, verified, signed in, invited; argon2id makes that minutes
# for 10,000) into a template data directory under .cache/bench/template;
# each run starts Parley on a fresh copy of it and signs everyone in again
# through POST /auth/refresh (the set-up's refresh tokens, each used once
# per copy). rm -rf .cache/bench/template to set up anew.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${BENCH_QUICK:-}" == 1 ]]; then
  : "${BENCH_RUNS:=1}" "${BENCH_IDLE_CONNS:=1000}" "${BENCH_FANOUT_MEMBERS:=100}" "${BENCH_FANOUT_RATE:=20}"
  : "${BENCH_ROOMS_CONNS:=500}" "${BENCH_ROOMS_RATE:=100}" "${BENCH_WARMUP:=3s}" "${BENCH_DURATION:=5s}"
fi
RUNS=${BENCH_RUNS:-3}
SCENARIOS=${BENCH_SCENARIOS:-idle fanout rooms}
TARGETS=${BENCH_TARGETS:-parley centrifugo}
IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}
FANOUT_MEMBERS=${BENCH_FANOUT_MEMBERS:-1000}
FANOUT_RATE=${BENCH_FANOUT_RATE:-100}
ROOMS_CONNS=${BENCH_ROOMS_CONNS:-10000}
ROOMS_GROUP=${BENCH_ROOMS_GROUP:-5}
ROOMS_RATE=${BENCH_ROOMS_RATE:-1000}
WARMUP=${BENCH_WARMUP:-5s}
DURATION=${BENCH_DURATION:-20s}
PROFILE=${BENCH_PROFILE:-1}
CENTRIFUGO_VERSION=v6.9.1

out=$PWD/.cache/bench
stamp=$(date -u +%Y%m%dT%H%M%SZ)
res=$out/runs/$stamp
mkdir -p "$res" .cache/bin

# Build: Parley with the pprof listener (cmd/parley/pprof.go, -tags pprof;
# the web client is embedded when web/dist/app was built, which changes
# nothing measured here), parley-devmail, the load tool, Centrifugo.
go build -o bin/parley-devmail ./cmd/parley-devmail
parley=${PARLEY_BIN:-}
# Parley refuses unknown PARLEY_* variables: the servers must not inherit it.
unset PARLEY_BIN
if [[ -z "$parley" ]]; then
  go build -tags pprof -trimpath -o bin/parley-pprof ./cmd/parley
  parley=bin/parley-pprof
fi
go build -o bin/parley-loadgen ./cmd/parley-loadgen
centrifugo=.cache/bin/centrifugo
# (go install leaves the binary's own version at 0.0.0: the module's is
# read back from its build info.)
if [[ $TARGETS == *centrifugo* ]] && ! go version -m $centrifugo 2>/dev/null | grep -q "centrifugo/v6[[:space:]]*$CENTRIFUGO_VERSION"; then
  GOBIN=$PWD/.cache/bin go install "github.com/centrifugal/centrifugo/v6@$CENTRIFUGO_VERSION"
fi

server=() load=()
if (( $(nproc) >= 2 )); then
  server=(taskset -c 0) load=(taskset -c 1)
fi
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"

P_PORT=18090 P_PPROF=18091 P_METRICS=18092 C_PORT=18100 MAIL_SMTP=12526 MAIL_HTTP=18026
secret=bench-secret-$RANDOM$RANDOM apikey=bench-key-$RANDOM$RANDOM
bin/parley-loadgen -scenario centrifugo-config -port $C_PORT -secret "$secret" -api-key "$apikey" >"$out/centrifugo.json"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
bin/parley-devmail -smtp 127.0.0.1:$MAIL_SMTP -http 127.0.0.1:$MAIL_HTTP >/dev/null 2>&1 &
pids+=($!)

wait_url() { for _ in $(seq 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; return 1; }

# start_server TARGET [TEMPLATE]: starts it fresh (Parley on a copy of
# TEMPLATE's data directory when given), sets spid.
start_server() {
  case $1 in
  parley)
    data=$(mktemp -d)
    if [[ -n "${2:-}" ]]; then cp -a "$2/data/." "$data/"; fi
    PPROF_ADDR=127.0.0.1:$P_PPROF PARLEY_ADDR=127.0.0.1:$P_PORT PARLEY_METRICS_ADDR=127.0.0.1:$P_METRICS PARLEY_PUBLIC_URL=http://127.0.0.1:$P_PORT \
      PARLEY_DATA_DIR="$data" PARLEY_MAIL_URL="smtp://127.0.0.1:$MAIL_SMTP?tls=none" PARLEY_LOG_LEVEL=warn \
      "${server[@]}" env ${BENCH_PARLEY_ENV:-} "$parley" >"$res/$log-server.log" 2>&1 &
    spid=$!
    wait_url http://127.0.0.1:$P_PORT/healthz ;;
  centrifugo)
    data=""
    "${server[@]}" $centrifugo --config "$out/centrifugo.json" >"$res/$log-server.log" 2>&1 &
    spid=$!
    wait_url http://127.0.0.1:$C_PORT/metrics ;;
  esac
  pids+=("$spid")
}

stop_server() {
  kill "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  if [[ -n "$data" ]]; then rm -rf "$data"; fi
}

# template SCENARIO ARGS…: the template data directory and set-up of
# Parley's users and groups for that size, made when missing.
template() {
  local sc=$1; shift
  local dir="$out/template/$sc-$(echo "$*" | tr -c 'a-z0-9\n' '_')"
  if ! [[ -f "$dir/setup.json" ]]; then
    echo "== setting up Parley's users and groups for $sc ($*) into $dir" >&2
    rm -rf "$dir"; mkdir -p "$dir/data"
    PARLEY_ADDR=127.0.0.1:$P_PORT PARLEY_PUBLIC_URL=http://127.0.0.1:$P_PORT PARLEY_DATA_DIR="$dir/data" \
      PARLEY_MAIL_URL="smtp://127.0.0.1:$MAIL_SMTP?tls=none" PARLEY_LOG_LEVEL=warn "$parley" >"$res/template-$sc.log" 2>&1 &
    local tpid=$!
    wait_url http://127.0.0.1:$P_PORT/healthz >&2
    if ! bin/parley-loadgen -target parley -scenario "$sc" "$@" -url http://127.0.0.1:$P_PORT -devmail http://127.0.0.1:$MAIL_HTTP \
      -setup-only -setup-cache "$dir/setup.json.tmp" >&2; then
      kill "$tpid"; wait "$tpid" 2>/dev/null || true
      return 1
    fi
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    mv "$dir/setup.json.tmp" "$dir/setup.json"
  fi
  echo "$dir"
}

sizes() {
  case $1 in
  idle) echo -conns "$IDLE_CONNS" ;;
  fanout) echo -members "$FANOUT_MEMBERS" ;;
  rooms) echo -conns "$ROOMS_CONNS" -group "$ROOMS_GROUP" ;;
  esac
}
rate() {
  case $1 in
  fanout) echo -rate "$FANOUT_RATE" ;;
  rooms) echo -rate "$ROOMS_RATE" ;;
  esac
}

for run in $(seq "$RUNS"); do
  for sc in $SCENARIOS; do
    for tg in $TARGETS; do
      tmpl=""
      if [[ $tg == parley ]]; then
        # shellcheck disable=SC2046
        tmpl=$(template "$sc" $(sizes "$sc"))
      fi
      log=$sc-$tg-$run
      start_server "$tg" "$tmpl"
      # shellcheck disable=SC2046
      args=(-target "$tg" -scenario "$sc" $(sizes "$sc") $(rate "$sc") -pid "$spid" -out "$res/$sc-$tg-$run.json")
      if [[ $sc != idle ]]; then args+=(-warmup "$WARMUP" -duration "$DURATION"); fi
      if [[ -n "$tmpl" ]]; then args+=(-setup-cache "$tmpl/setup.json"); fi
      if [[ $tg == parley ]]; then
        args+=(-url http://127.0.0.1:$P_PORT -metrics http://127.0.0.1:$P_METRICS/metrics -devmail http://127.0.0.1:$MAIL_HTTP)
        if [[ $PROFILE == 1 && $run == 1 ]]; then
          args+=(-pprof http://127.0.0.1:$P_PPROF -profile-dir "$res/profiles")
        fi
      else
        args+=(-url http://127.0.0.1:$C_PORT -secret "$secret" -api-key "$apikey")
        if [[ $PROFILE == 1 && $run == 1 ]]; then
          args+=(-profile-dir "$res/profiles") # the load process's own profile
        fi
      fi
      echo "== run $run: $sc against $tg (load average $(cut -d' ' -f1-3 /proc/loadavg))"
      "${load[@]}" bin/parley-loadgen "${args[@]}" 2>&1 | tee "$res/$sc-$tg-$run.log" || echo "!! $sc against $tg failed (run $run)"
      stop_server
    done
  done
done

echo
echo "Results: $res (profiles: $res/profiles; Parley settings: ${BENCH_PARLEY_ENV:-none})"
bin/parley-loadgen -scenario table -results "$res" | tee "$res/table.md" "$out/table.md"
