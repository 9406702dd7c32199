# Sourced by hack/run-local.sh and bench/kyverno.sh: a control plane (etcd + kube-apiserver, the binaries of
# hack/test-env.sh) and a Distribution registry on loopback, on free ports, with their state and logs in $RUN_DIR.
# The caller sets RUN_DIR and BIN, declares the array `pids` (every process started here is appended to it, for the
# caller's cleanup) and may define `local_cluster_alive` to abort a wait when a process it watches has exited.
# Each process runs in a session of its own (setsid), so a Ctrl-C in the terminal reaches the caller only: the caller
# stops the operator first, while the API server it releases its Lease through is still up.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_until DESCRIPTION SECONDS COMMAND...: runs COMMAND every half second until it succeeds; fails naming the logs.
wait_until() {
  local what=$1 limit=$2; shift 2
  local deadline=$((SECONDS + limit))
  while ((SECONDS < deadline)); do
    "$@" >/dev/null 2>&1 && return 0
    if declare -F local_cluster_alive >/dev/null && ! local_cluster_alive; then
      echo "$what: the process exited; see $RUN_DIR/*.log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "$what did not come up within ${limit}s; see $RUN_DIR/*.log" >&2
  return 1
}

# start_control_plane: etcd and kube-apiserver with an admin token in system:masters. Sets API_PORT and exports
# KUBECONFIG ($RUN_DIR/kubeconfig); returns when the API server is ready.
start_control_plane() {
  mkdir -p "$RUN_DIR/pki" "$RUN_DIR/etcd"
  local etcd_port etcd_peer_port token
  etcd_port=$(free_port); etcd_peer_port=$(free_port); API_PORT=$(free_port)
  openssl genrsa -out "$RUN_DIR/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$RUN_DIR/pki/sa.key" -pubout -out "$RUN_DIR/pki/sa.pub" 2>/dev/null
  token=$(openssl rand -hex 24)
  echo "$token,admin,admin,system:masters" > "$RUN_DIR/pki/tokens.csv"

  setsid "$BIN/etcd" --data-dir "$RUN_DIR/etcd" --listen-client-urls "http://127.0.0.1:$etcd_port" \
    --advertise-client-urls "http://127.0.0.1:$etcd_port" --listen-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer_port" \
    --initial-cluster "default=http://127.0.0.1:$etcd_peer_port" >"$RUN_DIR/etcd.log" 2>&1 &
  pids+=($!)
  setsid "$BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" --bind-address 127.0.0.1 \
    --advertise-address 127.0.0.1 --secure-port "$API_PORT" --cert-dir "$RUN_DIR/pki" \
    --token-auth-file "$RUN_DIR/pki/tokens.csv" --authorization-mode RBAC \
    --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$RUN_DIR/pki/sa.pub" \
    --service-account-signing-key-file "$RUN_DIR/pki/sa.key" --service-cluster-ip-range 10.96.0.0/16 \
    >"$RUN_DIR/kube-apiserver.log" 2>&1 &
  pids+=($!)

  export KUBECONFIG="$RUN_DIR/kubeconfig"
  cat > "$KUBECONFIG" <<KC
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "https://127.0.0.1:$API_PORT", insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: "$token"}
contexts:
- name: local
  context: {cluster: local, user: admin}
current-context: local
KC
  wait_until kube-apiserver 120 "$BIN/kubectl" get --raw /readyz
}

# start_registry: a plain-HTTP Distribution registry (deletes allowed) whose access log is $RUN_DIR/registry.log.
# Sets REGISTRY (host:port) and REGISTRY_PID; returns when it answers.
start_registry() {
  mkdir -p "$RUN_DIR/registry"
  REGISTRY="127.0.0.1:$(free_port)"
  cat > "$RUN_DIR/registry.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $RUN_DIR/registry}, delete: {enabled: true}}
http: {addr: "$REGISTRY"}
YML
  setsid docker-registry serve "$RUN_DIR/registry.yml" >"$RUN_DIR/registry.log" 2>&1 &
  REGISTRY_PID=$!
  pids+=("$REGISTRY_PID")
  wait_until registry 30 curl -fsS "http://$REGISTRY/v2/"
}
