#!/usr/bin/env bash
# The cluster part of `make test`: Parley as real processes behind nginx
# (scripts/cluster.sh), fresh, then
#   1. the chat and call browser specs against it, while the back-to-back
#      read-your-writes flow (50 rounds) and a call through nginx, both
#      gateways, both SFUs and coturn run beside them, then
#   2. the process-level faults (kill -9 of a ws and of a message process,
#      broker and MariaDB restarts during 1,000 messages),
# and the cluster stopped whatever happened. Its state is kept apart from
# the developer's cluster (.cache/cluster-ci) and wiped first.
#
# The binaries must be built (make build devtools). Timings go to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PARLEY_CLUSTER_DIR="${PARLEY_CLUSTER_CI_DIR:-$root/.cache/cluster-ci}"
GO=${GO:-go}

t0=$(date +%s)
lap() { echo "[test-cluster] $1 ($(($(date +%s) - t0)) s)"; }

scripts/cluster.sh reset >/dev/null
trap 'scripts/cluster.sh down || true; lap "cluster stopped"' EXIT
scripts/cluster.sh up
lap "cluster up"

# The Go tests compile while the browser specs run; the fault tests
# start only once the browser is done (they kill processes under it).
fail=0
(
  cd web
  specs=(e2e/chat.spec.ts)
  for f in e2e/call*.spec.ts; do [ -e "$f" ] && specs+=("$f"); done
  PARLEY_E2E_CLUSTER="$PARLEY_CLUSTER_DIR" npx playwright test -c e2e/playwright.config.ts "${specs[@]}"
) &
browser=$!
PARLEY_TEST_CLUSTER="$PARLEY_CLUSTER_DIR" $GO test -race -tags cluster -count=1 -timeout 10m \
  -run 'TestClusterReadYourWrites|TestClusterCalls' ./internal/systest || fail=1
lap "read-your-writes and calls done"
wait "$browser" || fail=1
lap "browser specs done"
[ $fail = 0 ] || exit 1

PARLEY_TEST_CLUSTER="$PARLEY_CLUSTER_DIR" $GO test -race -tags cluster -count=1 -timeout 10m -v \
  -run 'TestClusterFaults' ./internal/systest | grep -E '^(=== RUN|--- |\s+faults_cluster_test|PASS|FAIL|ok)' || exit 1
lap "fault tests done"
