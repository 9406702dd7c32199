#!/usr/bin/env bash
# CLI start-up against skopeo, in one run: `imagesize check` of one small image in a local Distribution registry
# (started here on a free loopback port, stopped at the end) next to `skopeo inspect --raw` of the same image, each
# RUNS times (default 5), interleaved; prints the medians of wall time, CPU time and peak RSS as a Markdown table.
# Rows: the jar run plainly (`java -jar`), bin/imagesize without its class-data-sharing archive, bin/imagesize, and
# with JAVA25_HOME set (a JDK 25 or later), bin/imagesize on that JVM (its AOT cache instead of AppCDS).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=hack/lib/oci-layer.sh
source hack/lib/oci-layer.sh
RUNS="${RUNS:-5}"
hack/test-env.sh registry
[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -q package -DskipTests
# shellcheck source=hack/lib/local-cluster.sh
source hack/lib/local-cluster.sh
dir="$(mktemp -d)"
RUN_DIR="$dir"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
start_registry
(cd "$dir" && head -c 200000 /dev/urandom > layer.bin && umoci init --layout oci >/dev/null &&
  umoci new --image oci:one >/dev/null && add_file_layer oci:one layer.bin /data/layer.bin)
skopeo copy --quiet --dest-tls-verify=false "oci:$dir/oci:one" "docker://$REGISTRY/demo/one:1.0"

image="$REGISTRY/demo/one:1.0"
check=(check "$image" --max 10Mi --insecure-registry "$REGISTRY")
bin/imagesize "${check[@]}" > /dev/null # writes the archive if this jar has none yet
names=("skopeo inspect --raw" "java -jar quarkus-run.jar check" "bin/imagesize check, IMAGESIZE_CDS=off" "bin/imagesize check")
rows=(0 1 2 3)
if [[ -n "${JAVA25_HOME:-}" ]]; then
  PATH="$JAVA25_HOME/bin:$PATH" bin/imagesize "${check[@]}" > /dev/null # writes its AOT cache
  names+=("bin/imagesize check on $("$JAVA25_HOME/bin/java" -version 2>&1 | head -n 1 | cut -d'"' -f2) (AOT cache)")
  rows+=(4)
fi
run() { # run INDEX
  case $1 in
    0) skopeo inspect --raw --tls-verify=false "docker://$image" ;;
    1) java -jar target/quarkus-app/quarkus-run.jar "${check[@]}" ;;
    2) IMAGESIZE_CDS=off bin/imagesize "${check[@]}" ;;
    3) bin/imagesize "${check[@]}" ;;
    4) PATH="$JAVA25_HOME/bin:$PATH" bin/imagesize "${check[@]}" ;;
  esac
}
for _ in $(seq 1 "$RUNS"); do
  for i in "${rows[@]}"; do
    /usr/bin/time -f "$i	%e	%U	%S	%M" -a -o "$dir/times.tsv" bash -c "$(declare -p image check); JAVA25_HOME='${JAVA25_HOME:-}'; $(declare -f run); run $i" > /dev/null
  done
done
python3 - "$dir/times.tsv" "${names[@]}" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import collections, statistics, sys
path, *names, load = sys.argv[1:]
rows = collections.defaultdict(list)
for line in open(path):
    i, wall, user, system, rss = line.split("\t")
    rows[int(i)].append((float(wall), float(user) + float(system), int(rss) / 1024))
print(f"Median of {len(rows[0])} runs each, interleaved; load average {load}.\n")
print("| command | wall s | CPU s | peak RSS MiB |")
print("|---|---|---|---|")
for i, name in enumerate(names):
    v = rows[i]
    print(f"| {name} | {statistics.median(x[0] for x in v):.2f} | {statistics.median(x[1] for x in v):.2f} | "
          f"{statistics.median(x[2] for x in v):.0f} |")
PY
