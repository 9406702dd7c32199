#!/usr/bin/env bash
# Renders deploy/image-size-operator.yaml, the plain manifests for clusters without Helm, from the chart in
# helm/image-size-operator with its default values (release and namespace image-size-operator, certificates
# managed by the operator). Never edit deploy/ by hand: change the chart and run this; HelmChartIT fails while the
# committed file differs from a fresh render.
# Usage: hack/render-deploy.sh [OUTPUT]   (default: deploy/image-size-operator.yaml; - for standard output)
# HELM picks the helm binary (default: the one hack/test-env.sh provides, built on first use).
set -euo pipefail

cd "$(dirname "$0")/.."
out="${1:-deploy/image-size-operator.yaml}"
helm="${HELM:-}"
if [[ -z "$helm" ]]; then
  hack/test-env.sh helm
  helm=$(hack/test-env.sh print-helm)
fi

render() {
  cat <<'HEADER'
# image-size-operator: plain manifests for clusters without Helm, rendered from helm/image-size-operator with its
# default values by hack/render-deploy.sh (do not edit by hand).
#   kubectl apply -f crds/ && kubectl apply -f deploy/image-size-operator.yaml
# The operator manages its own webhook certificate (a CA and serving certificate in the Secret
# image-size-operator-webhook-tls) and keeps the webhook's caBundle current; use the Helm chart for Helm-generated
# or cert-manager certificates, a strict failurePolicy or other values.
apiVersion: v1
kind: Namespace
metadata:
  name: image-size-operator
HEADER
  "$helm" template image-size-operator helm/image-size-operator --namespace image-size-operator
}

if [[ "$out" == "-" ]]; then
  render
else
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' EXIT
  render > "$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$out"
  trap - EXIT
  echo "rendered $out" >&2
fi
