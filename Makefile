# Parley — two commands matter:
#   make run    build the web client and the binary, start the embedded mode
#   make test   install/start test servers if missing, then run every test
GO      ?= go
BIN     := bin/parley
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
GOFLAGS_BUILD := -trimpath -ldflags "-s -w -X main.version=$(VERSION)"
WEB_SRC := $(shell find web/src web/index.html web/vite.config.ts web/tsconfig*.json -type f 2>/dev/null)

.PHONY: run build devtools proto web test test-go test-web test-e2e vet services clean cluster cluster-down test-cluster test-cluster-ci validate-deploy test-split fuzz bench bench-calls

run: build
	./$(BIN)

build: web/dist/app/index.html
	$(GO) build $(GOFLAGS_BUILD) -o $(BIN) ./cmd/parley

# Development helpers: an SMTP sink with a JSON API (the browser tests and
# the cluster use it) and the Kafka-protocol broker (the cluster's).
devtools:
	$(GO) build -o bin/parley-devmail ./cmd/parley-devmail
	$(GO) build -o bin/parley-devbroker ./cmd/parley-devbroker

# Parley against Centrifugo v6.9.1 (issue 11): idle connections, one
# group's fan-out, many small rooms; server on core 0, load on core 1,
# BENCH_RUNS (3) interleaved runs, medians printed as a table
# (scripts/bench.sh; BENCH_QUICK=1 for a smoke run; results, logs and
# Parley's profiles under .cache/bench).
bench:
	scripts/bench.sh

# The SFU against LiveKit v1.13.5 (issue 11): the call fan-out (1 → 49)
# on each, interleaved, server on core 0, load on core 1 (scripts/
# bench-calls.sh; BENCH_TARGETS, BENCH_SCENARIOS, BENCH_RUNS,
# BENCH_PROFILE; results and profiles under .cache/bench-calls).
bench-calls:
	BENCH_TARGETS=$${BENCH_TARGETS:-parley,livekit} scripts/bench-calls.sh

# The split mode as real processes behind nginx, on loopback
# (scripts/cluster.sh; its state under $(CLUSTER_DIR)).
# (Not exported: Parley refuses PARLEY_* variables it does not know, and
# the browser tests pass theirs on to the binary they start.)
CLUSTER_DIR ?= $(CURDIR)/.cache/cluster
CLUSTER := PARLEY_CLUSTER_DIR=$(CLUSTER_DIR) scripts/cluster.sh

cluster: build devtools
	$(CLUSTER) up

cluster-down:
	$(CLUSTER) down

# The cluster part of make test in one go: a fresh cluster, the
# read-your-writes flow, a call and the process-level faults, then the chat
# and call browser specs; stopped afterwards (scripts/test-cluster.sh).
test-cluster-ci: build devtools web/node_modules/.installed
	scripts/test-cluster.sh all

# The deployment assets, offline: kustomize + kubeconform on deploy/k8s,
# docker compose config where the plugin exists (scripts/validate-deploy.sh;
# the Dockerfile and the settings are checked by go test ./deploy).
validate-deploy:
	scripts/validate-deploy.sh

# The whole browser suite against the cluster (started when not running);
# services installs Chromium and the fonts on a fresh machine.
test-cluster: services cluster web/node_modules/.installed
	cd web && PARLEY_E2E_CLUSTER=$(CLUSTER_DIR) npm run e2e

web: web/dist/app/index.html

web/dist/app/index.html: web/node_modules/.installed $(WEB_SRC)
	cd web && npm run build

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
	touch $@

services:
	scripts/test-services.sh

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -race -timeout 15m ./...

# Every fuzz target (func Fuzz… in any package, found with go test -list,
# so new ones are picked up) for FUZZTIME each, one after another on one
# worker (the machine may be shared; FUZZPARALLEL raises it). Their seed
# corpora (f.Add and testdata/fuzz) already run in make test; this
# searches further. A crasher lands in the package's testdata/fuzz: fix
# it and keep it as a seed. FUZZPKGS narrows the packages.
FUZZTIME ?= 1m
FUZZPARALLEL ?= 1
FUZZPKGS ?= ./...
fuzz:
	@set -e; for pkg in $$($(GO) list $(FUZZPKGS)); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$target ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) -parallel $(FUZZPARALLEL) $$pkg; \
		done; \
	done

test-web: web/node_modules/.installed
	cd web && npm run typecheck && npm test

test-e2e: build devtools
	cd web && PARLEY_BIN=$(CURDIR)/$(BIN) PARLEY_DEVMAIL_BIN=$(CURDIR)/bin/parley-devmail npm run e2e

# The Go tests run beside the offline checks of the deployment assets and
# the cluster's Go scenarios (mostly waiting on paced traffic and
# restarts); the cluster's browser specs then run alone, since Chromium
# beside the race-enabled Go tests starves both cores. Output is grouped
# per part.
test: services build devtools vet
	$(MAKE) --no-print-directory -j2 --output-sync=target test-go test-split \
		|| { scripts/test-cluster.sh down; exit 1; }
	scripts/test-cluster.sh browser
	$(MAKE) --no-print-directory test-web test-e2e

test-split: build devtools
	scripts/validate-deploy.sh
	scripts/test-cluster.sh go

clean:
	rm -rf bin web/dist/app web/test-results web/playwright-report .cache/test-services

proto:
	scripts/gen-proto.sh
