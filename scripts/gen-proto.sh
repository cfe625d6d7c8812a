#!/usr/bin/env bash
# Regenerates the Go code of every .proto file under api/proto into api/gen:
#   api/proto/parley/<svc>/v1/<svc>.proto
#     → api/gen/parley/<svc>/v1/<svc>.pb.go                    (protoc-gen-go)
#     → api/gen/parley/<svc>/v1/<svc>v1connect/<svc>.connect.go (protoc-gen-connect-go)
#
# The output is written to a temporary directory first and replaces api/gen
# only when every file compiled, so a broken .proto never leaves api/gen half
# written; files of protos that no longer exist disappear. Generated code is
# committed and never edited by hand.
#
# Tools (installed when missing): protoc 3.21 from Debian protobuf-compiler,
# protoc-gen-go v1.36.12 and protoc-gen-connect-go v1.21.1 in $(go env GOPATH)/bin.
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_CONNECT_GO_VERSION=v1.21.1
export PATH="$(go env GOPATH)/bin:$PATH"

say() { printf '[gen-proto] %s\n' "$*" >&2; }

if ! command -v protoc >/dev/null 2>&1; then
  say "installing protoc (Debian protobuf-compiler)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null
fi
if [ "$(protoc-gen-go --version 2>/dev/null || true)" != "protoc-gen-go $PROTOC_GEN_GO_VERSION" ]; then
  say "installing protoc-gen-go $PROTOC_GEN_GO_VERSION"
  go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION"
fi
if [ "$(protoc-gen-connect-go --version 2>/dev/null || true)" != "${PROTOC_GEN_CONNECT_GO_VERSION#v}" ]; then
  say "installing protoc-gen-connect-go $PROTOC_GEN_CONNECT_GO_VERSION"
  go install "connectrpc.com/connect/cmd/protoc-gen-connect-go@$PROTOC_GEN_CONNECT_GO_VERSION"
fi

mapfile -t protos < <(cd api/proto && find . -name '*.proto' -type f | sed 's|^\./||' | LC_ALL=C sort)
if [ "${#protos[@]}" -eq 0 ]; then
  say "no .proto files under api/proto"
  exit 1
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/parley-gen-proto.XXXXXX")
trap 'rm -rf "$out"' EXIT

# One protoc run per directory (a proto package), so each package is
# compiled with its own files only; the well-known types (timestamp.proto…)
# come from protoc's own include directory.
mapfile -t dirs < <(printf '%s\n' "${protos[@]}" | xargs -n1 dirname | LC_ALL=C sort -u)
for dir in "${dirs[@]}"; do
  files=()
  for p in "${protos[@]}"; do
    [ "$(dirname "$p")" = "$dir" ] && files+=("$p")
  done
  say "protoc ${files[*]}"
  protoc \
    --proto_path=api/proto \
    --go_out="$out" --go_opt=paths=source_relative \
    --connect-go_out="$out" --connect-go_opt=paths=source_relative \
    "${files[@]/#/api/proto/}"
done

rm -rf api/gen.new
mkdir -p api/gen.new
cp -R "$out"/. api/gen.new/
rm -rf api/gen
mv api/gen.new api/gen
say "wrote $(find api/gen -name '*.go' | wc -l) files under api/gen"
