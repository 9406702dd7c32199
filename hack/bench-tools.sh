#!/usr/bin/env bash
# Builds the tools the benchmarks (not the default test run) need, from the Go module proxy, once, cached under
# ~/.cache/image-size-operator/:
#   - vegeta (open-loop HTTP load generator)
#   - kyverno (the side-by-side comparison: its admission controller, run out of cluster)
# Usage: hack/bench-tools.sh [all|vegeta|kyverno|print-vegeta|print-kyverno|print-kyverno-src]
set -euo pipefail

CACHE="${IMAGESIZE_CACHE:-$HOME/.cache/image-size-operator}"
VEGETA_VERSION="${VEGETA_VERSION:-12.13.0}"
KYVERNO_VERSION="${KYVERNO_VERSION:-1.16.3}"
VEGETA_DIR="$CACHE/vegeta-v$VEGETA_VERSION"
KYVERNO_DIR="$CACHE/kyverno-v$KYVERNO_VERSION"

log() { printf '[bench-tools] %s\n' "$*" >&2; }

need_go() {
  command -v go >/dev/null 2>&1 || { log "Go is needed to build $1 (none on PATH)"; exit 1; }
}

provide_vegeta() {
  if [[ -x "$VEGETA_DIR/vegeta" ]]; then
    return
  fi
  need_go vegeta
  log "building vegeta v$VEGETA_VERSION from the Go module proxy (about 15 s)"
  mkdir -p "$VEGETA_DIR"
  GOBIN="$VEGETA_DIR" CGO_ENABLED=0 go install -trimpath "github.com/tsenart/vegeta/v12@v$VEGETA_VERSION"
}

# Kyverno's go.mod has replace directives, so `go install` refuses it: build inside a writable copy of the module.
# Its go.mod is not in the checksum database; its dependencies are still checked against its go.sum.
provide_kyverno() {
  if [[ -x "$KYVERNO_DIR/kyverno" && -d "$KYVERNO_DIR/src/config/crds" ]]; then
    return
  fi
  need_go kyverno
  log "building kyverno v$KYVERNO_VERSION from the Go module proxy (first time only; about 16 min on 2 cores)"
  local module
  module=$(GONOSUMDB=github.com/kyverno/kyverno GOFLAGS=-mod=mod \
    go mod download -json "github.com/kyverno/kyverno@v$KYVERNO_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$KYVERNO_DIR/src"
  mkdir -p "$KYVERNO_DIR"
  cp -r "$module" "$KYVERNO_DIR/src"
  chmod -R u+w "$KYVERNO_DIR/src"
  (cd "$KYVERNO_DIR/src" && GONOSUMDB=github.com/kyverno/kyverno CGO_ENABLED=0 \
    go build -trimpath -ldflags "-s -w" -o "$KYVERNO_DIR/kyverno" ./cmd/kyverno)
}

case "${1:-all}" in
  all) provide_vegeta; provide_kyverno ;;
  vegeta) provide_vegeta ;;
  kyverno) provide_kyverno ;;
  print-vegeta) echo "$VEGETA_DIR/vegeta" ;;
  print-kyverno) echo "$KYVERNO_DIR/kyverno" ;;
  print-kyverno-src) echo "$KYVERNO_DIR/src" ;;
  *) echo "usage: $0 [all|vegeta|kyverno|print-vegeta|print-kyverno|print-kyverno-src]" >&2; exit 2 ;;
esac
