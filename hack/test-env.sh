#!/usr/bin/env bash
# Provides the real components the tests run against, idempotently, cached under $HOME:
#   - kube-apiserver, etcd, kubectl and kube-controller-manager of one Kubernetes version, in the directory where
#     fabric8 kube-api-test looks for them (~/.kubeapitest/k8s/<version>-linux-amd64/, or $KUBE_API_TEST_DIR);
#     built from the Go module proxy when missing, since no binary download is reachable here;
#   - Debian's docker-registry (CNCF Distribution), skopeo and umoci, installed with apt-get when missing;
#   - helm of one version (for the chart's tests and hack/render-deploy.sh), built from the Go module proxy into
#     ~/.cache/image-size-operator/helm-v<version>/ when missing;
#   - dive of one version (the oracle of the analysis conformance test), built the same way into
#     ~/.cache/image-size-operator/dive-v<version>/ when missing;
#   - promtool of one version (checks and unit-tests the chart's alerting rules), built the same way into
#     ~/.cache/image-size-operator/promtool-v<version>/ when missing;
#   - the report CRDs other tools define (openreports.io Report/ClusterReport from github.com/openreports/reports-api,
#     wgpolicyk8s.io PolicyReport/ClusterPolicyReport from github.com/kyverno/kyverno), taken from their Go modules
#     through the module proxy into ~/.cache/image-size-operator/report-crds-openreports-v<v>-kyverno-v<v>/ when
#     missing, for the tests that install them into the real API server.
# Usage: hack/test-env.sh [all|k8s|registry|helm|dive|promtool|report-crds|print-dir|print-helm|print-dive|
#                          print-promtool|print-report-crds]
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}"
BIN_DIR="$KUBE_API_TEST_DIR/k8s/${K8S_VERSION}-linux-amd64"
BUILD_DIR="${IMAGESIZE_CACHE:-$HOME/.cache/image-size-operator}/build-k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}"
HELM_VERSION="${HELM_VERSION:-3.22.0}"
HELM_DIR="${IMAGESIZE_CACHE:-$HOME/.cache/image-size-operator}/helm-v${HELM_VERSION}"
DIVE_VERSION="${DIVE_VERSION:-0.13.1}"
DIVE_DIR="${IMAGESIZE_CACHE:-$HOME/.cache/image-size-operator}/dive-v${DIVE_VERSION}"
PROMTOOL_VERSION="${PROMTOOL_VERSION:-0.316.0}"
PROMTOOL_DIR="${IMAGESIZE_CACHE:-$HOME/.cache/image-size-operator}/promtool-v${PROMTOOL_VERSION}"
OPENREPORTS_VERSION="${OPENREPORTS_VERSION:-0.2.1}"
KYVERNO_VERSION="${KYVERNO_VERSION:-1.16.3}"
REPORT_CRDS_DIR="${IMAGESIZE_CACHE:-$HOME/.cache/image-size-operator}/report-crds-openreports-v${OPENREPORTS_VERSION}-kyverno-v${KYVERNO_VERSION}"
REPORT_CRDS=(openreports.io_reports.yaml openreports.io_clusterreports.yaml wgpolicyk8s.io_policyreports.yaml
  wgpolicyk8s.io_clusterpolicyreports.yaml)

log() { printf '[test-env] %s\n' "$*" >&2; }

have_k8s() {
  [[ -x "$BIN_DIR/kube-apiserver" && -x "$BIN_DIR/etcd" && -x "$BIN_DIR/kubectl" && -x "$BIN_DIR/kube-controller-manager" ]]
}

build_kubernetes() {
  local src="$BUILD_DIR/kubernetes"
  mkdir -p "$src"
  log "building kube-apiserver, kube-controller-manager and kubectl v$K8S_VERSION from the Go module proxy (first time only; several minutes)"
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them with ./staging paths; a wrapper
  # module must point each of them at its published version instead.
  local staging
  staging=$(awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "$gomod" | sort -u)
  [[ -n "$staging" ]] || { log "found no staging modules in $gomod"; exit 1; }
  {
    echo "module imagesize.dev/hack/kubernetes"
    echo
    grep -E '^go [0-9]' "$gomod"
    grep -E '^godebug ' "$gomod" || true
    echo
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    echo
    for m in $staging; do echo "replace $m => $m v0.${K8S_VERSION#1.}"; done
  } > "$src/go.mod"
  local minor="${K8S_VERSION#1.}"; minor="${minor%%.*}"
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  local pkgs=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl)
  (cd "$src" && GOFLAGS=-mod=mod go get "${pkgs[@]/%/@v$K8S_VERSION}" && \
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "$ldflags" -o "$src/bin/" "${pkgs[@]}")
  mkdir -p "$BIN_DIR"
  cp "$src/bin/kube-apiserver" "$src/bin/kube-controller-manager" "$src/bin/kubectl" "$BIN_DIR/"
}

build_etcd() {
  local src="$BUILD_DIR/etcd"
  mkdir -p "$src"
  log "building etcd v$ETCD_VERSION from the Go module proxy (first time only)"
  cat > "$src/go.mod" <<MOD
module imagesize.dev/hack/etcd

go 1.24

require go.etcd.io/etcd/server/v3 v$ETCD_VERSION
MOD
  (cd "$src" && GOFLAGS=-mod=mod go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" && \
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$src/bin/etcd" go.etcd.io/etcd/server/v3)
  mkdir -p "$BIN_DIR"
  cp "$src/bin/etcd" "$BIN_DIR/etcd"
}

provide_k8s() {
  if have_k8s; then
    log "control plane binaries present in $BIN_DIR"
    return
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "no Go toolchain and no binaries in $BIN_DIR: kube-api-test will try to download them itself"
    return
  fi
  [[ -x "$BIN_DIR/etcd" ]] || build_etcd
  [[ -x "$BIN_DIR/kube-apiserver" && -x "$BIN_DIR/kubectl" && -x "$BIN_DIR/kube-controller-manager" ]] || build_kubernetes
  "$BIN_DIR/kube-apiserver" --version >&2
  "$BIN_DIR/etcd" --version | head -1 >&2
}

provide_registry() {
  local missing=()
  command -v docker-registry >/dev/null 2>&1 || [[ -x /usr/bin/docker-registry ]] || missing+=(docker-registry)
  command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
  command -v umoci >/dev/null 2>&1 || missing+=(umoci)
  command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
  if ((${#missing[@]})); then
    log "installing ${missing[*]} with apt-get"
    local sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
  log "registry tools present: $(command -v docker-registry || echo /usr/bin/docker-registry), $(command -v skopeo), $(command -v umoci)"
}

provide_helm() {
  if [[ -x "$HELM_DIR/helm" ]]; then
    log "helm present: $HELM_DIR/helm"
    return
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "no Go toolchain and no helm in $HELM_DIR: the Helm chart tests will fail"
    return
  fi
  # No release binary download is reachable here, only the Go module proxy; helm's own module builds as is.
  log "building helm v$HELM_VERSION from the Go module proxy (first time only; about 2 minutes)"
  # As helm's Makefile does: the Kubernetes version that `helm template` and `helm lint` assume without a cluster is
  # the one of its client-go (v0.N -> 1.N); the source's fallback (1.20) would fail any chart with a newer kubeVersion.
  local gomod k8s_minor
  gomod=$(GOFLAGS=-mod=mod go mod download -json "helm.sh/helm/v3@v$HELM_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  k8s_minor=$(awk '$1 == "k8s.io/client-go" {split($2, v, "."); print v[2]}' "$gomod")
  [[ -n "$k8s_minor" ]] || { log "found no k8s.io/client-go version in $gomod"; exit 1; }
  local ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"
  local pkg
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
  done
  mkdir -p "$HELM_DIR"
  CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$HELM_DIR" \
    go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
  "$HELM_DIR/helm" version --short >&2
}

provide_dive() {
  if [[ -x "$DIVE_DIR/dive" ]]; then
    log "dive present: $DIVE_DIR/dive"
    return
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "no Go toolchain and no dive in $DIVE_DIR: the analysis conformance test will fail"
    return
  fi
  # dive's module builds as is (the proxy lists no versions, but serves this exact one); under a minute on 2 cores.
  log "building dive v$DIVE_VERSION from the Go module proxy (first time only)"
  mkdir -p "$DIVE_DIR"
  CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$DIVE_DIR" \
    go install -trimpath -ldflags "-s -w -X main.version=$DIVE_VERSION" "github.com/wagoodman/dive@v$DIVE_VERSION"
  "$DIVE_DIR/dive" --version >&2
}

provide_promtool() {
  if [[ -x "$PROMTOOL_DIR/promtool" ]]; then
    log "promtool present: $PROMTOOL_DIR/promtool"
    return
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "no Go toolchain and no promtool in $PROMTOOL_DIR: the alerting rule tests will fail"
    return
  fi
  # Prometheus's module builds promtool as is; about 5 minutes on 2 cores, once.
  log "building promtool v$PROMTOOL_VERSION from the Go module proxy (first time only; about 5 minutes)"
  mkdir -p "$PROMTOOL_DIR"
  CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$PROMTOOL_DIR" \
    go install -trimpath -ldflags "-s -w -X github.com/prometheus/common/version.Version=$PROMTOOL_VERSION" \
    "github.com/prometheus/prometheus/cmd/promtool@v$PROMTOOL_VERSION"
  "$PROMTOOL_DIR/promtool" --version | head -1 >&2
}

have_report_crds() {
  local crd
  for crd in "${REPORT_CRDS[@]}"; do
    [[ -s "$REPORT_CRDS_DIR/$crd" ]] || return 1
  done
}

provide_report_crds() {
  if have_report_crds; then
    log "report CRDs present in $REPORT_CRDS_DIR"
    return
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "no Go toolchain and no report CRDs in $REPORT_CRDS_DIR: the PolicyReport tests will fail"
    return
  fi
  log "fetching the openreports.io and wgpolicyk8s.io CRDs from the Go module proxy (first time only)"
  # `go mod download -json MODULE@VERSION` prints the module's directory in the module cache ("Dir"); only the modules
  # themselves are downloaded, not their dependencies.
  local dir='import json,sys; print(json.load(sys.stdin)["Dir"])' openreports kyverno
  openreports=$(GOFLAGS=-mod=mod go mod download -json "github.com/openreports/reports-api@v$OPENREPORTS_VERSION" |
    python3 -c "$dir")
  # Kyverno's go.mod is not in the checksum database
  kyverno=$(GONOSUMDB=github.com/kyverno/kyverno GOFLAGS=-mod=mod \
    go mod download -json "github.com/kyverno/kyverno@v$KYVERNO_VERSION" | python3 -c "$dir")
  mkdir -p "$REPORT_CRDS_DIR"
  cp "$openreports/config/crd/openreports.io_reports.yaml" "$openreports/config/crd/openreports.io_clusterreports.yaml" \
    "$kyverno/config/crds/policyreport/wgpolicyk8s.io_policyreports.yaml" \
    "$kyverno/config/crds/policyreport/wgpolicyk8s.io_clusterpolicyreports.yaml" "$REPORT_CRDS_DIR/"
  chmod u+w "$REPORT_CRDS_DIR"/*.yaml
  have_report_crds || { log "report CRDs missing in $REPORT_CRDS_DIR after the download"; exit 1; }
}

case "${1:-all}" in
  all) provide_registry; provide_k8s; provide_helm; provide_dive; provide_promtool; provide_report_crds ;;
  k8s) provide_k8s ;;
  registry) provide_registry ;;
  helm) provide_helm ;;
  dive) provide_dive ;;
  promtool) provide_promtool ;;
  report-crds) provide_report_crds ;;
  print-dir) echo "$BIN_DIR" ;;
  print-helm) echo "$HELM_DIR/helm" ;;
  print-dive) echo "$DIVE_DIR/dive" ;;
  print-promtool) echo "$PROMTOOL_DIR/promtool" ;;
  print-report-crds) echo "$REPORT_CRDS_DIR" ;;
  *) echo "usage: $0 [all|k8s|registry|helm|dive|promtool|report-crds|print-dir|print-helm|print-dive|print-promtool|print-report-crds]" >&2
     exit 64 ;;
esac
