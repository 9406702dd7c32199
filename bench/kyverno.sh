#!/usr/bin/env bash
# Side by side: this operator and Kyverno's `block-large-images` policy, out of cluster, against one real
# kube-apiserver (+ etcd) and one real Distribution registry on loopback, interleaved over ROUNDS rounds
# (ours, Kyverno, ours, Kyverno ...), each round a fresh process. Prints one Markdown table and leaves the raw
# figures in $RUN_DIR (default target/bench/kyverno). Not part of the default test run; takes about 5 minutes.
#
# For each process: RSS idle (ready, no admission yet), registry requests (GET and HEAD) per 1,000 admissions (1,000 reviews over 10
# images from cold, then 1,000 warm), the CPU a new TLS connection costs it (TLS_CONNECTIONS handshakes one after
# another, twice, then reviews over one kept connection), open-loop load with vegeta at RATES reviews/s for SECONDS s
# each over CONNECTIONS connections (p50/p99/p99.9 of HTTPS admissions sent straight to the webhook), and RSS after the
# load. Each rate's tail is taken apart (bench/open_loop.py): its first second, while vegeta opens its connections, and
# the rest; for ours, the connections the webhook accepted and the GC pauses in that run; for both, the CPU per review
# of the server and of the load generator, which share the machine. Kyverno stops
# at the first rate it cannot sustain (under 99 % answered, or under 90 % of the offered rate).
# Ours runs with the chart's JVM settings (-XX:MaxRAM=512m, the container limit, -XX:MaxRAMPercentage=70
# -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -XX:TrimNativeHeapInterval=1000, MALLOC_ARENA_MAX=2) plus $OPERATOR_JAVA_OPTS. Kyverno runs with its policy in Enforce, admission and
# policy reports off, events off, and its registry client allowed to use the plain-HTTP registry.
#
# Usage: bench/kyverno.sh            (ROUNDS=2 RATES="1000 5000 10000" SECONDS_PER_RATE=10 CONNECTIONS=100)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS="${ROUNDS:-2}"
RATES="${RATES:-1000 5000 10000}"
KYVERNO_RATES="${KYVERNO_RATES:-100 $RATES}"
SECONDS_PER_RATE="${SECONDS_PER_RATE:-10}"
CONNECTIONS="${CONNECTIONS:-100}"
TLS_CONNECTIONS="${TLS_CONNECTIONS:-500}" # new TLS connections, one after another, before the load (0: none)
SYSTEMS="${SYSTEMS:-ours kyverno}"
RUN_DIR="${RUN_DIR:-$ROOT/target/bench/kyverno}"
OPERATOR_APP="${OPERATOR_APP:-$ROOT/target/quarkus-app}" # another build's quarkus-app, to compare two builds
OPERATOR_MEMORY="${OPERATOR_MEMORY:-512m}"
CHART_JVM=(-XX:MaxRAM="$OPERATOR_MEMORY" -XX:MaxRAMPercentage=70 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError
  -XX:TrimNativeHeapInterval=1000)
export MALLOC_ARENA_MAX=2 # as the chart sets it; Kyverno (Go) does not use glibc malloc

log() { printf '[bench/kyverno] %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=hack/lib/local-cluster.sh
source hack/lib/local-cluster.sh
# shellcheck source=hack/lib/oci-layer.sh
source hack/lib/oci-layer.sh
local_cluster_alive() { [[ -z "$system_pid" ]] || kill -0 "$system_pid" 2>/dev/null; } # the system under test
wait_for() { wait_until "$@" || exit 1; } # wait_for DESCRIPTION SECONDS COMMAND...
rss_mib() { # "exited" when the process is gone (Kyverno exits when overload costs it its leader lease)
  awk '/^VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo exited
}

hack/test-env.sh k8s registry
hack/bench-tools.sh all
BIN="$(hack/test-env.sh print-dir)"
VEGETA="$(hack/bench-tools.sh print-vegeta)"
KYVERNO="$(hack/bench-tools.sh print-kyverno)"
KYVERNO_SRC="$(hack/bench-tools.sh print-kyverno-src)"
KUBECTL="$BIN/kubectl"
[[ -f "$OPERATOR_APP/quarkus-run.jar" ]] || ./mvnw -B -q package -DskipTests

pids=()
system_pid=""
metrics_url=""
stop_pid() { # stop_pid PID: TERM, up to 15 s, then KILL
  local p=$1
  kill "$p" 2>/dev/null || return 0
  for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
cleanup() {
  trap - EXIT INT TERM HUP
  [[ -n "$system_pid" ]] && stop_pid "$system_pid"
  local p
  for p in "${pids[@]}"; do stop_pid "$p"; done
}
trap cleanup EXIT INT TERM HUP

rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR"
start_control_plane # etcd and kube-apiserver, an admin token in system:masters
# the registry; its access log (registry.log) is counted per phase
start_registry
registry_gets() { grep -cE '"(GET|HEAD) /v2/' "$RUN_DIR/registry.log" || true; } # pings, manifests, blobs
registry_cpu_ticks() { awk '{print $14 + $15}' "/proc/$REGISTRY_PID/stat"; }

# Ten small single-layer OCI images; a fresh set (new repositories) per process, so every process starts cold.
push_images() { # push_images SET
  local set=$1 layout="$RUN_DIR/oci"
  [[ -d "$layout" ]] || {
    umoci init --layout "$layout" >/dev/null
    umoci new --image "$layout:base" >/dev/null
  }
  for i in $(seq 0 9); do
    head -c $((100000 + i)) /dev/urandom > "$RUN_DIR/layer.bin"
    add_file_layer "$layout:base" "$RUN_DIR/layer.bin" /data/layer.bin "s$set-$i"
    skopeo copy --quiet --dest-tls-verify=false "oci:$layout:s$set-$i" "docker://$REGISTRY/bench/img-$set$i:1.0"
  done
}

# --- what both enforce: images larger than 50 KiB are refused in namespace bench (each image here is about 100 KB,
# so every review is a denial: the full path, message included) --------------------------------
"$KUBECTL" apply -f crds/ >/dev/null
"$KUBECTL" create namespace bench >/dev/null
"$KUBECTL" create namespace image-size-operator >/dev/null
"$KUBECTL" apply -f - >/dev/null <<YAML
apiVersion: imagesize.dev/v1alpha1
kind: ImageSizePolicy
metadata: {name: bench, namespace: bench}
spec: {action: Enforce, maxImageSize: 50Ki}
YAML
"$KUBECTL" apply --server-side -f "$KYVERNO_SRC/config/crds/kyverno/" >/dev/null
"$KUBECTL" apply --server-side -f "$KYVERNO_SRC/config/crds/policies.kyverno.io/" >/dev/null
"$KUBECTL" apply --server-side -f "$KYVERNO_SRC/config/crds/reports/" >/dev/null
"$KUBECTL" apply --server-side -f "$KYVERNO_SRC/config/crds/policyreport/" >/dev/null
"$KUBECTL" create namespace kyverno >/dev/null
"$KUBECTL" -n kyverno create configmap kyverno >/dev/null
"$KUBECTL" -n kyverno create configmap kyverno-metrics >/dev/null
# Kyverno's sample policy block-large-images (kyverno/policies, other/block-large-images), switched to Enforce
# and to admission only, with the same limit as ours (it sums the layers; ours adds the config blob).
"$KUBECTL" apply -f - >/dev/null <<'YAML'
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: block-large-images}
spec:
  background: false
  rules:
  - name: block-over-limit
    match:
      any:
      - resources: {kinds: [Pod], namespaces: [bench]}
    preconditions:
      all:
      - {key: "{{request.operation || 'BACKGROUND'}}", operator: NotEquals, value: DELETE}
    validate:
      failureAction: Enforce
      message: "Images may not exceed 50Ki."
      foreach:
      - list: "request.object.spec.containers"
        context:
        - name: imageSize
          imageRegistry:
            reference: "{{ element.image }}"
            jmesPath: "sum(manifest.layers[*].size)"
        deny:
          conditions:
            all:
            - {key: "{{imageSize}}", operator: GreaterThan, value: 51200} # 50Ki, as a number of bytes
YAML

# --- load: vegeta targets, one AdmissionReview per image, round robin ---------------------------------------------
write_targets() { # write_targets URL SET FILE
  python3 - "$1" "$2" "$3" "$REGISTRY" <<'PY'
import base64, json, sys
url, image_set, out, registry = sys.argv[1:]
with open(out, "w") as f:
    for i in range(10):
        image = f"{registry}/bench/img-{image_set}{i}:1.0"
        review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
            "uid": f"00000000-0000-0000-0000-00000000000{i}",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
            "requestResource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": "bench", "name": f"p-{i}", "operation": "CREATE", "dryRun": False,
            "userInfo": {"username": "admin", "groups": ["system:masters", "system:authenticated"]},
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
            "object": {"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"name": f"p-{i}", "namespace": "bench", "labels": {"app": "bench"}},
                       "spec": {"containers": [{"name": "app", "image": image}]}}}}
        body = base64.b64encode(json.dumps(review).encode()).decode()
        f.write(json.dumps({"method": "POST", "url": url, "body": body,
                            "header": {"Content-Type": ["application/json"]}}) + "\n")
PY
}

# attack NAME TARGETS RATE SECONDS: open loop, CONNECTIONS connections; prints what `bench/open_loop.py latency` prints
attack() {
  local name=$1 targets=$2 rate=$3 secs=$4
  /usr/bin/time -f "%U %S" -o "$RUN_DIR/$name.vegeta-cpu" \
    "$VEGETA" attack -format=json -targets="$targets" -rate="$rate/s" -duration="${secs}s" -insecure \
    -connections="$CONNECTIONS" -max-connections="$CONNECTIONS" -timeout=10s -keepalive=true \
    > "$RUN_DIR/$name.bin"
  "$VEGETA" encode -to csv < "$RUN_DIR/$name.bin" > "$RUN_DIR/$name.csv"
  python3 bench/open_loop.py latency "$RUN_DIR/$name.csv" "$rate"
}
generator_cpu_ms() { awk '{printf "%d", ($1 + $2) * 1000}' "$RUN_DIR/$1.vegeta-cpu"; } # generator_cpu_ms NAME
cpu_ms() { awk -v tck="$(getconf CLK_TCK)" '{printf "%d", ($14 + $15) * 1000 / tck}' "/proc/$1/stat" 2>/dev/null || echo 0; }
connections_opened() { # ours only: the webhook's own counter
  curl -fsS "$metrics_url" | awk '/^imagesize_webhook_connections_opened_total/ {n = $2} END {printf "%d", n}'
}

# --- the two systems ------------------------------------------------------------------------------------------
start_ours() { # sets system_pid and url
  local webhook_port http_port
  webhook_port=$(free_port); http_port=$(free_port)
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$RUN_DIR/pki/ours.key" -out "$RUN_DIR/pki/ours.crt" 2>/dev/null
  # shellcheck disable=SC2086 # OPERATOR_JAVA_OPTS is a list of options
  java "${CHART_JVM[@]}" -Xlog:gc:file="$RUN_DIR/$1-gc.log":utctime ${OPERATOR_JAVA_OPTS:-} -Dquarkus.log.level=WARN \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$http_port" \
    -Dimagesize.webhook.host=127.0.0.1 -Dimagesize.webhook.port="$webhook_port" \
    -Dimagesize.webhook.tls.cert-file="$RUN_DIR/pki/ours.crt" -Dimagesize.webhook.tls.key-file="$RUN_DIR/pki/ours.key" \
    -Dimagesize.leader-election.lease-namespace=image-size-operator \
    -Dimagesize.registry.insecure-registries="$REGISTRY" \
    -jar "$OPERATOR_APP/quarkus-run.jar" >"$RUN_DIR/$1.log" 2>&1 &
  system_pid=$!
  url="https://127.0.0.1:$webhook_port/validate"
  metrics_url="http://127.0.0.1:$http_port/q/metrics"
  wait_for "the operator" 120 curl -fsS "http://127.0.0.1:$http_port/q/health/ready"
}

start_kyverno() { # sets system_pid and url
  local webhook_port metrics_port profile_port
  webhook_port=$(free_port); metrics_port=$(free_port); profile_port=$(free_port)
  KYVERNO_NAMESPACE=kyverno KYVERNO_POD_NAME=kyverno-bench KYVERNO_SERVICEACCOUNT_NAME=kyverno \
    KYVERNO_DEPLOYMENT=kyverno KYVERNO_SVC=kyverno-svc INIT_CONFIG=kyverno METRICS_CONFIG=kyverno-metrics \
    "$KYVERNO" --kubeconfig "$KUBECONFIG" --serverIP "127.0.0.1:$webhook_port" \
    --webhookServerPort "$webhook_port" --webhookServerHost 127.0.0.1 --metricsPort "$metrics_port" \
    --profilePort "$profile_port" --caSecretName kyverno-bench-ca --tlsSecretName kyverno-bench-tls \
    --allowInsecureRegistry --admissionReports=false --enableReporting= \
    --omitEvents=PolicyApplied,PolicyViolation,PolicyError,PolicySkipped \
    --leaderElectionRetryPeriod=1s -v=1 >"$RUN_DIR/$1.log" 2>&1 &
  system_pid=$!
  url="https://127.0.0.1:$webhook_port/validate/fail"
  wait_for "Kyverno's webhook" 180 curl -fsSk "https://127.0.0.1:$webhook_port/health/readiness"
  wait_for "Kyverno's validating webhook registration" 120 \
    "$KUBECTL" get validatingwebhookconfiguration kyverno-resource-validating-webhook-cfg
}

stop_system() {
  stop_pid "$system_pid"; system_pid=""
  # Kyverno leaves its webhook configurations behind; the API server must not call a stopped process.
  "$KUBECTL" delete validatingwebhookconfiguration,mutatingwebhookconfiguration \
    -l webhook.kyverno.io/managed-by=kyverno --ignore-not-found >/dev/null 2>&1 || true
}

# verdict URL TARGETS: the decision of the first review, so a silent misconfiguration shows in the output
verdict() {
  head -1 "$2" | python3 -c 'import base64,json,sys; sys.stdout.buffer.write(base64.b64decode(json.load(sys.stdin)["body"]))' |
    curl -sk -H 'Content-Type: application/json' --data-binary @- "$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["response"]; print("allowed" if r["allowed"] else "denied: " + " ".join(r.get("status",{}).get("message","").split())[:60].replace("|", "/") + "...")'
}

RESULTS="$RUN_DIR/results.tsv"
: > "$RESULTS"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$RESULTS"; } # system round key value

set_no=0
for round in $(seq 1 "$ROUNDS"); do
  for system in $SYSTEMS; do
    set_no=$((set_no + 1))
    name="$system-r$round"
    push_images "$set_no"
    log "round $round: $system"
    "start_$system" "$name"
    sleep 5
    record "$system" "$round" rss_idle "$(rss_mib "$system_pid")"
    targets="$RUN_DIR/$name.targets"
    write_targets "$url" "$set_no" "$targets"
    # 1,000 admissions from cold, then 1,000 warm: registry GETs and the registry's CPU for each
    for phase in cold warm; do
      gets=$(registry_gets); ticks=$(registry_cpu_ticks)
      read -r sent ok _ <<<"$(attack "$name-$phase" "$targets" 200 5)"
      record "$system" "$round" "gets_$phase" "$(( ($(registry_gets) - gets) * 1000 / sent ))"
      record "$system" "$round" "registry_cpu_ms_$phase" "$(( ($(registry_cpu_ticks) - ticks) * 1000 / $(getconf CLK_TCK) ))"
      record "$system" "$round" "ok_$phase" "$ok"
    done
    record "$system" "$round" verdict "$(verdict "$url" "$targets")"
    # what a new TLS connection costs each server, before the load (the load opens up to CONNECTIONS of them)
    if (( TLS_CONNECTIONS > 0 )); then
      record "$system" "$round" tls \
        "$(python3 bench/open_loop.py connections "$url" "$targets" "$system_pid" "$TLS_CONNECTIONS")"
    fi
    rates=$RATES; [[ $system == kyverno ]] && rates=$KYVERNO_RATES
    for rate in $rates; do
      cpu=$(cpu_ms "$system_pid"); opened=0
      [[ $system == ours ]] && opened=$(connections_opened)
      read -r sent ok throughput p50 p99 p999 max first_p50 first_p99 p50_after p99_after p999_after from to \
        <<<"$(attack "$name-$rate" "$targets" "$rate" "$SECONDS_PER_RATE")"
      record "$system" "$round" "rate_$rate" "$ok $throughput $p50 $p99 $p999 $max $(rss_mib "$system_pid")"
      record "$system" "$round" "first_$rate" "$first_p50 $first_p99"
      record "$system" "$round" "after_$rate" "$p50_after $p99_after $p999_after"
      if kill -0 "$system_pid" 2>/dev/null; then
        record "$system" "$round" "cpu_us_$rate" "$(( ($(cpu_ms "$system_pid") - cpu) * 1000 / sent ))"
      else
        record "$system" "$round" "cpu_us_$rate" exited
      fi
      record "$system" "$round" "generator_cpu_us_$rate" "$(( $(generator_cpu_ms "$name-$rate") * 1000 / sent ))"
      if [[ $system == ours ]]; then
        record "$system" "$round" "opened_$rate" "$(( $(connections_opened) - opened ))"
        record "$system" "$round" "gc_$rate" "$(python3 bench/open_loop.py gc "$RUN_DIR/$name-gc.log" "$from" "$to")"
      fi
      log "  $rate/s: $ok% ok, $throughput/s, p50 $p50 p99 $p99 p99.9 $p999 max $max ms; after the first second p99 $p99_after ms"
      if [[ $system == kyverno ]] &&
        ! python3 -c "import sys; sys.exit(0 if float('$ok') >= 99 and float('$throughput') >= 0.9 * $rate else 1)"; then
        break # Kyverno cannot take this rate; higher ones would only queue
      fi
    done
    record "$system" "$round" rss_load "$(rss_mib "$system_pid")"
    record "$system" "$round" threads "$(awk '/^Threads/ {print $2}' "/proc/$system_pid/status" 2>/dev/null || echo exited)"
    record "$system" "$round" load "$(cut -d' ' -f1 /proc/loadavg)"
    if [[ $system == ours ]]; then # one source of the tail: stop-the-world pauses over the process's life
      record "$system" "$round" gc "$(python3 -c '
import re, sys
p = [float(m) for m in re.findall(r"Pause.* ([0-9.]+)ms$", open(sys.argv[1]).read(), re.M)]
print(f"{len(p)} pauses, max {max(p, default=0):.1f} ms, total {sum(p):.0f} ms")' "$RUN_DIR/$name-gc.log")"
    fi
    if [[ $system == ours && "${OPERATOR_JAVA_OPTS:-}" == *NativeMemoryTracking* ]]; then
      jcmd "$system_pid" VM.native_memory summary > "$RUN_DIR/$name.nmt" 2>&1 || true # where the RSS goes
    fi
    stop_system
  done
done

# --- the table ----------------------------------------------------------------------------------------------------
python3 - "$RESULTS" "$RATES" "$KYVERNO_RATES" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" \
  "${CHART_JVM[*]} ${OPERATOR_JAVA_OPTS:-}" "$TLS_CONNECTIONS" <<'PY'
import collections, sys
path, rates, krates, load, cores, jvm, tls_connections = sys.argv[1:]
data = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(path):
    system, rnd, key, value = line.rstrip("\n").split("\t")
    data[key][system].append(value)
def cell(key, system, f=lambda v: v):
    values = data[key].get(system)
    return " / ".join(f(v) for v in values) if values else "not run"
print(f"Side by side, {cores} cores, load average at the end {load}; values per round (ours, Kyverno interleaved); "
      f"ours with `{jvm.strip()}`.\n")
print("| figure | ours | Kyverno |")
print("|---|---|---|")
print(f"| verdict on a 100 KB image (limit 50Ki) | {cell('verdict', 'ours')} | {cell('verdict', 'kyverno')} |")
print(f"| RSS idle, MiB | {cell('rss_idle', 'ours')} | {cell('rss_idle', 'kyverno')} |")
print(f"| RSS after the load below, MiB | {cell('rss_load', 'ours')} | {cell('rss_load', 'kyverno')} |")
print(f"| threads after the load | {cell('threads', 'ours')} | {cell('threads', 'kyverno')} |")
print(f"| GC pauses over the whole run | {cell('gc', 'ours')} | (Go: concurrent) |")
print(f"| 1-minute load average after the load | {cell('load', 'ours')} | {cell('load', 'kyverno')} |")
for phase in ("cold", "warm"):
    print(f"| registry requests per 1,000 admissions over 10 images, {phase} | {cell('gets_' + phase, 'ours')} | "
          f"{cell('gets_' + phase, 'kyverno')} |")
    print(f"| registry CPU for those 1,000 admissions, ms, {phase} | {cell('registry_cpu_ms_' + phase, 'ours')} | "
          f"{cell('registry_cpu_ms_' + phase, 'kyverno')} |")
def lat(v):
    ok, thr, p50, p99, p999, mx, rss = v.split()
    note = "" if float(ok) >= 99.95 else f", {ok} % answered"
    rss = f"RSS {rss} MiB" if rss.isdigit() else "then the process had exited"
    return f"{p50} / {p99} / {p999} ms ({thr}/s{note}; {rss})"
def tls(v):
    first, second, kept = v.split()
    return f"{first} / {second} ms; {kept} ms"
if data['tls']:
    print(f"| CPU per new TLS connection (handshake and one review), {tls_connections} one after another, then "
          f"{tls_connections} more; CPU per review over one kept-alive connection | {cell('tls', 'ours', tls)} | {cell('tls', 'kyverno', tls)} |")
def first(v):
    p50, p99 = v.split()
    return f"{p50} / {p99} ms"
def after(v):
    return " / ".join(v.split()) + " ms"
def gc(v):
    count, longest, total, allocated = v.split()
    return f"{count}, longest {longest} ms, {total} ms in all; {allocated} MiB allocated"
for rate in sorted({int(r) for r in (rates + " " + krates).split()}):
    print(f"| open loop {rate:,}/s, p50 / p99 / p99.9 | {cell(f'rate_{rate}', 'ours', lat)} | "
          f"{cell(f'rate_{rate}', 'kyverno', lat)} |")
    print(f"| - its first second (new connections): p50 / p99 | {cell(f'first_{rate}', 'ours', first)} | "
          f"{cell(f'first_{rate}', 'kyverno', first)} |")
    print(f"| - after the first second: p50 / p99 / p99.9 | {cell(f'after_{rate}', 'ours', after)} | "
          f"{cell(f'after_{rate}', 'kyverno', after)} |")
    print(f"| - connections the webhook accepted | {cell(f'opened_{rate}', 'ours')} | (not counted) |")
    print(f"| - GC pauses during the run; memory allocated | {cell(f'gc_{rate}', 'ours', gc)} | (Go: concurrent) |")
    print(f"| - CPU per review, µs: the server's; the load generator's | "
          f"{cell(f'cpu_us_{rate}', 'ours')}; {cell(f'generator_cpu_us_{rate}', 'ours')} | "
          f"{cell(f'cpu_us_{rate}', 'kyverno')}; {cell(f'generator_cpu_us_{rate}', 'kyverno')} |")
PY
