#!/usr/bin/env bash
# Runs the operator on this machine with no cluster needed: starts a local control plane (etcd, kube-apiserver,
# kube-controller-manager built by hack/test-env.sh) and a local registry, applies the CRDs, then runs the operator
# in the foreground against them. Every port is picked free. When the operator exits (Ctrl-C, a crash, or this script
# being stopped) everything the script started is stopped too. State lives in ${RUN_DIR:-/tmp/image-size-operator-local}.
# The operator runs with the JVM options of the chart: a heap that follows the memory limit (OPERATOR_MEMORY, 512m by
# default, as the chart's container limit), the serial collector, two malloc arenas and an exit on OutOfMemoryError.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN_DIR="${RUN_DIR:-/tmp/image-size-operator-local}"

hack/test-env.sh all
BIN="$(hack/test-env.sh print-dir)"

# shellcheck source=hack/lib/local-cluster.sh
source hack/lib/local-cluster.sh
# shellcheck source=hack/lib/oci-layer.sh
source hack/lib/oci-layer.sh

pids=()
cleanup() {
  trap - EXIT INT TERM HUP
  local p
  # the operator first (it releases its Lease through the API server), then what it ran against
  if [[ -n "${operator_pid:-}" ]]; then
    kill "$operator_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$operator_pid" 2>/dev/null || break; sleep 0.25; done
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 40); do # up to 10 s for a clean stop, then SIGKILL
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    (( alive )) || break
    sleep 0.25
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM HUP

rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR"
start_control_plane

# Namespace deletion, Deployments -> ReplicaSets -> Pods (Pods stay Pending: there is no kubelet).
setsid "$BIN/kube-controller-manager" --kubeconfig "$KUBECONFIG" --leader-elect=false --bind-address 127.0.0.1 \
  --secure-port 0 --service-account-private-key-file "$RUN_DIR/pki/sa.key" --use-service-account-credentials=false \
  --controllers '*,-serviceaccount-token' >"$RUN_DIR/kube-controller-manager.log" 2>&1 &
pids+=($!)

start_registry

"$BIN/kubectl" apply -f crds/ >/dev/null
"$BIN/kubectl" create namespace image-size-operator >/dev/null

# Two demo images of known size in the local registry: demo/small (~1 MiB) and demo/large (~30 MiB).
push_demo() { # push_demo NAME BYTES
  local layout="$RUN_DIR/oci-$1"
  umoci init --layout "$layout" >/dev/null
  umoci new --image "$layout:$1" >/dev/null
  head -c "$2" /dev/urandom > "$RUN_DIR/$1.bin"
  add_file_layer "$layout:$1" "$RUN_DIR/$1.bin" "/data/$1.bin"
  skopeo copy --quiet --dest-tls-verify=false "oci:$layout:$1" "docker://$REGISTRY/demo/$1:1.0"
}
push_demo small 1000000
push_demo large 30000000

# The webhook, registered by URL on loopback; the operator issues its certificate and fills in the caBundle.
WEBHOOK_PORT=$(free_port); HTTP_PORT=$(free_port)
"$BIN/kubectl" apply -f - >/dev/null <<YAML
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: image-size-operator}
webhooks:
- name: validate.imagesize.dev
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Ignore
  timeoutSeconds: 5
  clientConfig: {url: "https://127.0.0.1:$WEBHOOK_PORT/validate"}
  namespaceSelector:
    matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, image-size-operator]}]
  rules:
  - {apiGroups: [""], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods, pods/ephemeralcontainers, replicationcontrollers]}
  - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments, statefulsets, daemonsets, replicasets]}
  - {apiGroups: [batch], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [jobs, cronjobs]}
YAML

[[ -f target/quarkus-app/quarkus-run.jar ]] || ./mvnw -B -q package -DskipTests

cat <<MSG

[run-local] control plane and registry are up. In another terminal:

    export KUBECONFIG=$KUBECONFIG
    kubectl apply -f examples/demo-budget.yaml                                          # 10Mi, Enforce
    kubectl create deployment small --image=$REGISTRY/demo/small:1.0   # ~1 MiB: created
    kubectl create deployment large --image=$REGISTRY/demo/large:1.0   # ~29 MiB: refused
    kubectl get isp; kubectl get deployment small -o yaml | grep imagesize.dev

  The same verdict without a cluster:
    bin/imagesize check $REGISTRY/demo/large:1.0 --max 10Mi --insecure-registry $REGISTRY

  local registry (plain HTTP): $REGISTRY   webhook: https://127.0.0.1:$WEBHOOK_PORT/validate
  metrics: http://127.0.0.1:$HTTP_PORT/q/metrics   health: http://127.0.0.1:$HTTP_PORT/q/health/ready
  logs: $RUN_DIR/*.log; starting the operator now; Ctrl-C stops it and everything above.

MSG
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
MALLOC_ARENA_MAX=2 java -XX:MaxRAM="${OPERATOR_MEMORY:-512m}" -XX:MaxRAMPercentage=70 -XX:+UseSerialGC -XX:TrimNativeHeapInterval=1000 \
  -XX:+ExitOnOutOfMemoryError ${JAVA_OPTS:-} \
  -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$HTTP_PORT" \
  -Dimagesize.webhook.host=127.0.0.1 -Dimagesize.webhook.port="$WEBHOOK_PORT" \
  -Dimagesize.webhook.tls.mode=self-managed -Dimagesize.webhook.tls.secret-namespace=image-size-operator \
  -Dimagesize.webhook.tls.dns-names=127.0.0.1 -Dimagesize.leader-election.lease-namespace=image-size-operator \
  -Dimagesize.registry.insecure-registries="$REGISTRY" \
  -jar "$ROOT/target/quarkus-app/quarkus-run.jar" &
operator_pid=$!
pids+=("$operator_pid")
status=0
wait "$operator_pid" || status=$?
echo "[run-local] the operator exited ($status); stopping everything it ran against" >&2
exit "$status"
