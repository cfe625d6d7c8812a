#!/usr/bin/env bash
# Cold start of the embedded mode: exec → first 200 on /healthz, 5 runs, fresh data dir each.
# Run from the repository root after make build.
# cold start: exec → first 200 on /healthz, fresh data dir each run
for i in 1 2 3 4 5; do
  d=$(mktemp -d); s=$(date +%s%N)
  PARLEY_ADDR=127.0.0.1:18181 PARLEY_DATA_DIR=$d ./bin/parley >/dev/null 2>&1 & pid=$!
  until curl -sf -o /dev/null http://127.0.0.1:18181/healthz; do sleep 0.002; done
  e=$(date +%s%N); echo "run $i: $(( (e-s)/1000000 )) ms"; kill $pid; wait $pid 2>/dev/null; rm -rf $d
done
