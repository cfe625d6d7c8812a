#!/usr/bin/env bash
# Parley's SFU side by side with LiveKit v1.13.5 (issue 11); run through
# scripts/bench-calls.sh with BENCH_TARGETS=parley,livekit (see there).
set -euo pipefail
cd "$(dirname "$0")/.."
subs=${1:-49}
targets=${BENCH_TARGETS//,/ }
runs=${BENCH_RUNS:-3}
scenarios=${BENCH_SCENARIOS:-fanout}
out=.cache/bench-calls/$(date -u +%Y%m%dT%H%M%S)${BENCH_LABEL:+-$BENCH_LABEL}
mkdir -p "$out"
lk=$(command -v server || echo "$HOME/go/bin/server")
make -s devtools
parley=${BENCH_PARLEY_BIN:-bin/parley-pprof} # another build to measure (a -tags pprof one for profiles)
if [ -z "${BENCH_PARLEY_BIN:-}" ]; then go build -tags pprof -o bin/parley-pprof ./cmd/parley; fi
go build -o bin/parley-callload ./cmd/parley-callload
(cd tools/lkload && go build -o ../../bin/lkload .)
on0=() on1=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then on0=(taskset -c 0) on1=(taskset -c 1); fi
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
bin/parley-devmail -smtp 127.0.0.1:12597 -http 127.0.0.1:18097 >/dev/null 2>&1 &
pids+=($!)
scenario_args() { # scenario → load arguments
  case $1 in
    fanout) echo "-scenario fanout -subs $subs -bitrate 1000000" ;;
    fanout-video) echo "-scenario fanout -subs $subs -bitrate 1000000 -audio=false" ;;
    rooms) echo "-scenario rooms -rooms 10 -size 5 -bitrate 300000" ;;
  esac
}
for ((run = 1; run <= runs; run++)); do
  for t in $targets; do
    bin=$parley
    case $t in *=*) bin=${t#*=} t=${t%%=*} ;; esac # name=binary: another Parley build
    kind=parley
    if [ "$t" = livekit ]; then kind=livekit; fi
    for sc in $scenarios; do
      log=$out/$t-$sc-$run.txt
      data=$(mktemp -d)
      case $kind in
        parley)
          PARLEY_ADDR=127.0.0.1:18392 PARLEY_PUBLIC_URL=http://127.0.0.1:18392 PARLEY_DATA_DIR="$data" \
            PARLEY_RTC_UDP_ADDR=127.0.0.1:50391 PARLEY_MAIL_URL='smtp://127.0.0.1:12597?tls=none' PARLEY_LOG_LEVEL=warn \
            PPROF_ADDR=127.0.0.1:16392 "${on0[@]}" "$bin" >"$data/server.log" 2>&1 &
          pid=$!
          pids+=($pid)
          until curl -sf -o /dev/null http://127.0.0.1:18392/healthz; do
            kill -0 "$pid" 2>/dev/null || { echo "bench-calls: Parley exited (port taken?)" >&2; cat "$data/server.log" >&2; exit 1; }
            sleep 0.1
          done
          prof=()
          if [ "${BENCH_PROFILE:-}" = 1 ]; then prof=(-pprof http://127.0.0.1:16392 -profile "$out/$t-$sc-$run.cpu.pprof"); fi
          # shellcheck disable=SC2046
          "${on1[@]}" bin/parley-callload -url http://127.0.0.1:18392 -devmail http://127.0.0.1:18097 -pid "$pid" \
            $(scenario_args "$sc") -offset $((run * 1000)) "${prof[@]}" | tee "$log"
          ;;
        livekit)
          cat >"$data/livekit.yaml" <<YAML
port: 17981
bind_addresses: ["127.0.0.1"]
rtc:
  udp_port: 17983
  tcp_port: 0
  node_ip: 127.0.0.1
  use_external_ip: false
  enable_loopback_candidate: true
keys:
  benchkey: benchsecretbenchsecretbenchsecret00
logging:
  level: warn
turn:
  enabled: false
YAML
          (cd "$data" && exec "${on0[@]}" "$lk" --config livekit.yaml >server.log 2>&1) &
          pid=$!
          pids+=($pid)
          until curl -s -o /dev/null http://127.0.0.1:17981/; do
            kill -0 "$pid" 2>/dev/null || { echo "bench-calls: LiveKit exited (port taken?)" >&2; cat "$data/server.log" >&2; exit 1; }
            sleep 0.1
          done
          # shellcheck disable=SC2046
          "${on1[@]}" bin/lkload -url ws://127.0.0.1:17981 -key benchkey -secret benchsecretbenchsecretbenchsecret00 \
            -pid "$pid" $(scenario_args "$sc") | tee "$log"
          ;;
      esac
      kill "$pid"
      wait "$pid" 2>/dev/null || true
      rm -rf "$data"
      echo
    done
  done
done
echo "results: $out"
