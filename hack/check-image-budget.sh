#!/usr/bin/env bash
# The operator must pass a budget of its own: builds its image (hack/build-image.sh) into a throw-away local
# registry and gates it with the project's own CLI: its size, and every layer readable. The budget (IMAGE_BUDGET,
# 40Mi) is the image's size, 37.7 MiB compressed on the jlink-ed base, plus room for a few small dependencies: a
# larger growth fails CI and needs a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$dir/config.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $dir/data}}
http: {addr: "127.0.0.1:$port"}
YML
docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
registry=$!
trap 'kill $registry 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.2; done
image="$(hack/build-image.sh "127.0.0.1:$port/imagesize" ci | tail -n 1)"
bin/imagesize check "$image" --max "${IMAGE_BUDGET:-40Mi}" --insecure-registry "127.0.0.1:$port"
# Every layer must be a whole tar stream, as a node's runtime unpacks it: the analysis reads each one and exits 2
# naming the layer when one is not (and shows what the image holds).
bin/imagesize analyze "$image" --insecure-registry "127.0.0.1:$port"
