#!/usr/bin/env bash
# The cluster part of `make test`: Parley as real processes behind nginx
# (scripts/cluster.sh), fresh, in its own state directory
# (.cache/cluster-ci, wiped first), in two phases so that make can run the
# first beside the Go tests and the second, which drives Chromium, alone:
#
#   go       start the cluster; the back-to-back read-your-writes flow (50
#            rounds) and a call through nginx, both gateways, both SFUs and
#            coturn; then the process-level faults (kill -9 of a ws and of a
#            message process, broker and MariaDB restarts during 1,000
#            messages; kill -9 and SIGTERM of the SFU hosting a call, whose
#            clients rejoin on the other). The cluster stays up for the next
#            phase, unless something failed.
#   browser  the chat and call browser specs against the cluster (after
#            the faults: every process was restarted or recovered), and
#            plain-http.spec (a page on a plain-HTTP origin of another
#            name: the ingress passes its Host to the WebSockets), then
#            stop the cluster whatever happened.
#   all      both (make test-cluster-ci).
#   down     stop the cluster.
#
# The binaries must be built (make build devtools). Timings go to stdout.
set -eEuo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PARLEY_CLUSTER_DIR="${PARLEY_CLUSTER_CI_DIR:-$root/.cache/cluster-ci}"
GO=${GO:-go}

t0=$(date +%s)
lap() { echo "[test-cluster] $1 ($(($(date +%s) - t0)) s)"; }
down() { scripts/cluster.sh down || true; lap "cluster stopped"; }

gotests() { # -run pattern
  PARLEY_TEST_CLUSTER="$PARLEY_CLUSTER_DIR" $GO test -race -tags cluster -count=1 -timeout 10m -v \
    -run "$1" ./internal/systest | grep -E '^(=== RUN|--- |\s+\S+_cluster_test.go|PASS|FAIL|ok|panic)'
}

phase_go() {
  trap down ERR
  scripts/cluster.sh reset >/dev/null
  scripts/cluster.sh up
  lap "cluster up"
  gotests 'TestClusterReadYourWrites|TestClusterCalls'
  lap "read-your-writes and calls done"
  gotests 'TestClusterFaults|TestClusterSFUFailover'
  lap "fault tests done"
  # Whatever a fault left stopped is started again, and everything is ready.
  scripts/cluster.sh up >/dev/null
  trap - ERR
}

phase_browser() {
  trap down EXIT
  local specs=(e2e/chat.spec.ts e2e/plain-http.spec.ts) f
  for f in web/e2e/call*.spec.ts; do [ -e "$f" ] && specs+=("${f#web/}"); done
  (cd web && PARLEY_E2E_CLUSTER="$PARLEY_CLUSTER_DIR" npx playwright test -c e2e/playwright.config.ts "${specs[@]}")
  lap "browser specs done"
}

case "${1:-all}" in
  go) phase_go ;;
  browser) phase_browser ;;
  all) phase_go; phase_browser ;;
  down) down ;;
  *) echo "usage: $0 [go|browser|all|down]" >&2; exit 2 ;;
esac
