#!/usr/bin/env bash
# The operator must pass a budget of its own: builds its image (hack/build-image.sh) into a throw-away local
# registry and gates it with the project's own CLI: its size, and every layer readable. The budget (IMAGE_BUDGET,
# 40Mi) is the image's size, 37.7 MiB compressed on the jlink-ed base, plus room for a few small dependencies: a
# larger growth fails CI and needs a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=hack/lib/local-cluster.sh
source hack/lib/local-cluster.sh
RUN_DIR="$(mktemp -d)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$RUN_DIR"' EXIT
start_registry
image="$(hack/build-image.sh "$REGISTRY/imagesize" ci | tail -n 1)"
bin/imagesize check "$image" --max "${IMAGE_BUDGET:-40Mi}" --insecure-registry "$REGISTRY"
# Every layer must be a whole tar stream, as a node's runtime unpacks it: the analysis reads each one and exits 2
# naming the layer when one is not (and shows what the image holds).
bin/imagesize analyze "$image" --insecure-registry "$REGISTRY"
