#!/usr/bin/env bash
# Offline validation of the deployment assets (make validate-deploy, part
# of make test):
#
#   deploy/k8s      `kustomize build`, then kubeconform -strict against the
#                   JSON schemas of Kubernetes $K8S_VERSION, generated from
#                   the swagger.json of the k8s.io/kubernetes Go module by
#                   scripts/k8sschema (kubeconform would download them)
#   deploy/compose  `docker compose config` where the compose plugin exists
#                   (there is no Docker engine on the CI machines)
#
# The Dockerfile (buildkit's parser and build checks), the compose files'
# and manifests' PARLEY_* keys and the image's versions are checked by the
# Go tests of ./deploy, part of go test ./... .
#
# kustomize and kubeconform are installed from the Go module proxy into
# .cache/tools, the schemas generated into .cache/k8s-schemas, once.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
KUSTOMIZE_VERSION=v5.7.1 # v5.8 needs Go 1.27
KUBECONFORM_VERSION=v0.8.0
K8S_VERSION=v1.34.2
tools="$root/.cache/tools"
schemas="$root/.cache/k8s-schemas/$K8S_VERSION"
say() { printf '[validate-deploy] %s\n' "$*"; }
mkdir -p "$tools"

if [ "$("$tools/kustomize" version 2>/dev/null)" != "$KUSTOMIZE_VERSION" ]; then
  say "installing kustomize $KUSTOMIZE_VERSION (go install)"
  GOBIN="$tools" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
fi
if [ ! -x "$tools/kubeconform" ] || [ "$(cat "$tools/kubeconform.version" 2>/dev/null)" != "$KUBECONFORM_VERSION" ]; then
  say "installing kubeconform $KUBECONFORM_VERSION (go install)"
  GOBIN="$tools" go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  echo "$KUBECONFORM_VERSION" >"$tools/kubeconform.version"
fi
if [ ! -f "$schemas/.done" ]; then
  say "generating the Kubernetes $K8S_VERSION schemas"
  dir=$(cd "${TMPDIR:-/tmp}" && GOFLAGS= go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -f "$dir/api/openapi-spec/swagger.json" ] || { say "no swagger.json in k8s.io/kubernetes@$K8S_VERSION ($dir)"; exit 1; }
  rm -rf "$schemas"
  go run ./scripts/k8sschema -in "$dir/api/openapi-spec/swagger.json" -out "$schemas"
  touch "$schemas/.done"
fi

say "deploy/k8s: kustomize build | kubeconform -strict (Kubernetes $K8S_VERSION)"
rendered=$(mktemp --suffix=.yaml) # kubeconform reads *.yaml files only
trap 'rm -f "$rendered"' EXIT
"$tools/kustomize" build deploy/k8s >"$rendered"
status=0
summary=$("$tools/kubeconform" -strict -summary -kubernetes-version "${K8S_VERSION#v}" \
  -schema-location "$schemas/{{.ResourceKind}}{{.KindSuffix}}.json" "$rendered") || status=$?
echo "$summary"
[ $status = 0 ] || exit $status
# Nothing validated is a failure too (a renamed file, an empty build).
echo "$summary" | grep -Eq 'Summary: [1-9][0-9]* resources? found.*Invalid: 0, Errors: 0, Skipped: 0' ||
  { say "kubeconform validated nothing, or skipped resources"; exit 1; }

if docker compose version >/dev/null 2>&1; then
  say "deploy/compose: docker compose config"
  for f in deploy/compose/embedded.yaml deploy/compose/distributed.yaml; do
    env --chdir=deploy/compose PUBLIC_IP=192.0.2.10 INTERNAL_SECRET=validate-0123456789abcdef MYSQL_ROOT_PASSWORD=x \
      MYSQL_PASSWORD=x MINIO_PASSWORD=x TURN_SECRET=x docker compose -f "$root/$f" config -q
  done
else
  say "deploy/compose: no docker compose plugin here; checked by the Go tests of ./deploy only"
fi
say "ok"
