# The real node: containerd + runc, a kubelet, kube-proxy (iptables) and CoreDNS, on a bridge
# pod network of its own, so pods really run. Sourced by stack.sh. docs/real-node.md says what
# runs where and how to look at it.
#
# The kubelet and containerd use fixed machine-wide paths, so one stack per machine owns the
# node: the owner's directory is written to $NODE_OWNER_FILE, and a second stack that asks for
# a node is refused with that directory named. SCHEMASHIFT_REAL_NODE=0 leaves the node out.
#
# Up:   node_claim (owner file, kernel settings recorded, bridge) before anything binds to the
#       bridge address; node_up (containerd, kubelet, kube-proxy, CoreDNS, the relay, the
#       stack's Services) once the API server runs.
# Down: node_down, with the controllers already stopped and the API server still running:
#       pods deleted, sandboxes removed, kubelet stopped, kube-proxy --cleanup, containerd and
#       shims stopped, mounts, network namespaces, cgroups, iptables chains and the bridge
#       removed, kernel settings put back.

# A stack keeps the choice it was first brought up with (in $STACK_DIR/real-node), so a
# `restart COMPONENT` or a second `up` without the variable does not change it.
if [[ -z "${SCHEMASHIFT_REAL_NODE:-}" && -f "$STACK_DIR/real-node" ]]; then
  REAL_NODE="$(cat "$STACK_DIR/real-node")"
else
  REAL_NODE="${SCHEMASHIFT_REAL_NODE:-1}"
fi
echo "$REAL_NODE" >"$STACK_DIR/real-node"
NODE_OWNER_FILE=/run/schemashift/real-node.owner
NODE_NAME=schemashift-node
NODE_BRIDGE=schemashift0
NODE_IP=10.0.2.1
NODE_POD_CIDR=10.0.2.0/24
NODE_SERVICE_CIDR=10.0.0.0/24
NODE_DNS_IP=10.0.0.10
NODE_SERVICES_NAMESPACE=schemashift-stack
NODE_PAUSE_IMAGE=schemashift.local/pause:1
NODE_GUARD_CHAIN=SCHEMASHIFT-NODE
# What the kubelet changes on the machine (kubelet/cm setupKernelTunables), plus forwarding
# (the bridge plugin's gateway) and route_localnet (kube-proxy's localhost node ports).
NODE_SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward
  net.ipv4.conf.all.route_localnet)
# Fixed paths the kubelet, containerd and CNI use whatever their configuration says.
NODE_FIXED_PATHS=(/var/lib/kubelet /var/log/containers /var/log/pods /var/lib/cni /run/containerd
  /run/netns /var/run/netns /etc/cni)

node_dir() { echo "$STACK_DIR/node"; }
node_sock() { echo "$STACK_DIR/node/containerd/containerd.sock"; }
node_crictl() { "$TOOLS_BIN/crictl" --runtime-endpoint "unix://$(node_sock)" --image-endpoint "unix://$(node_sock)" --timeout 20s "$@"; }
node_kubectl() { KUBECONFIG="$STACK_DIR/kubeconfig" kubectl "$@"; }
node_owner() { cat "$NODE_OWNER_FILE" 2>/dev/null || true; }
node_enabled() { [[ "$REAL_NODE" != 0 ]]; }

# Takes the node for this stack (or finds it already ours), records the kernel settings and
# the fixed paths as they are, and creates the bridge the servers bind to.
node_claim() {
  node_enabled || return 0
  mkdir -p /run/schemashift
  local owner
  if ! (set -o noclobber; echo "$STACK_DIR" >"$NODE_OWNER_FILE") 2>/dev/null; then
    owner=$(node_owner)
    if [[ "$owner" != "$STACK_DIR" ]]; then
      if [[ -d "$owner/node" ]]; then
        die "real node: the stack in $owner holds this machine's real node ($NODE_OWNER_FILE). Take it down first (SCHEMASHIFT_STACK_DIR=$owner hack/stack.sh down), or start this stack without a node (SCHEMASHIFT_REAL_NODE=0)"
      fi
      log "real node: $owner holds it in $NODE_OWNER_FILE but has no node directory any more; taking it over"
      echo "$STACK_DIR" >"$NODE_OWNER_FILE"
    fi
  fi
  local n; n=$(node_dir)
  mkdir -p "$n"
  if [[ ! -f "$n/sysctl.saved" ]]; then
    local k
    for k in "${NODE_SYSCTLS[@]}"; do echo "$k $(sysctl -n "$k")"; done >"$n/sysctl.saved.tmp"
    mv "$n/sysctl.saved.tmp" "$n/sysctl.saved"
    local p
    for p in "${NODE_FIXED_PATHS[@]}"; do [[ -e "$p" || -L "$p" ]] || echo "$p"; done >"$n/created-paths"
  fi
  if ! ip link show "$NODE_BRIDGE" >/dev/null 2>&1; then
    ip link add "$NODE_BRIDGE" type bridge
  fi
  # Read whole first: under pipefail, grep -q closing the pipe early can fail `ip addr show`
  # (SIGPIPE), and the address that is there would be added again ("already assigned").
  [[ "$(ip addr show dev "$NODE_BRIDGE")" == *"inet $NODE_IP/"* ]] ||
    ip addr add "$NODE_IP/24" dev "$NODE_BRIDGE"
  ip link set "$NODE_BRIDGE" up
  # Traffic stays on the machine: nothing is forwarded between the bridge and another link.
  iptables -w -N "$NODE_GUARD_CHAIN" 2>/dev/null || true
  iptables -w -F "$NODE_GUARD_CHAIN"
  iptables -w -A "$NODE_GUARD_CHAIN" -i "$NODE_BRIDGE" ! -o "$NODE_BRIDGE" -j DROP
  iptables -w -A "$NODE_GUARD_CHAIN" -o "$NODE_BRIDGE" ! -i "$NODE_BRIDGE" -j DROP
  iptables -w -C FORWARD -j "$NODE_GUARD_CHAIN" 2>/dev/null || iptables -w -I FORWARD 1 -j "$NODE_GUARD_CHAIN"
}

# The addresses servers listen on: loopback, and the bridge when this stack has the node.
node_listen_ips() { if node_enabled; then echo "127.0.0.1 $NODE_IP"; else echo 127.0.0.1; fi; }

node_pki() {
  local d="$STACK_DIR/pki"
  [[ -f "$d/kubelet-serving.crt" ]] && return 0
  pki_issue_client kubelet "system:node:$NODE_NAME" system:nodes
  pki_issue_client kube-proxy system:kube-proxy system:node-proxier
  pki_issue_client coredns schemashift:coredns schemashift:coredns
  openssl req -new -newkey rsa:2048 -nodes -keyout "$d/kubelet-serving.key" -out "$d/kubelet-serving.csr" \
    -subj "/CN=$NODE_NAME" 2>/dev/null
  openssl x509 -req -in "$d/kubelet-serving.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
    -days 365 -out "$d/kubelet-serving.crt" -extfile <(printf '%s\n' \
      "subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME" 'extendedKeyUsage=serverAuth' \
      'keyUsage=digitalSignature,keyEncipherment') 2>/dev/null
  rm -f "$d/kubelet-serving.csr"
}

node_write_containerd_config() {
  local n; n=$(node_dir)
  mkdir -p "$n/containerd" "$n/cni/net.d" "$n/cni/ipam"
  cat >"$n/containerd/config.toml" <<TOML
version = 2
root = "$n/containerd/root"
state = "$n/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$(node_sock)"
[ttrpc]
  address = "$(node_sock).ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$n/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$NODE_PAUSE_IMAGE"
  # runc cannot lower oom_score_adj without CAP_SYS_RESOURCE, which root lacks here.
  restrict_oom_score_adj = true
  disable_apparmor = true
  disable_hugetlb_controller = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$n/cni/net.d"
    max_conf_num = 1
TOML
  # The pod network: the stack's bridge, addresses from host-local, no masquerade, and routes
  # only to the bridge's /24 (on link) and the Service range: nothing beyond the machine.
  cat >"$n/cni/net.d/10-schemashift.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "schemashift",
  "plugins": [
    {
      "type": "bridge", "bridge": "$NODE_BRIDGE", "isGateway": true, "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$n/cni/ipam",
        "ranges": [[{"subnet": "$NODE_POD_CIDR", "rangeStart": "10.0.2.10", "rangeEnd": "10.0.2.250", "gateway": "$NODE_IP"}]],
        "routes": [{"dst": "$NODE_SERVICE_CIDR"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
}

node_write_kubelet_config() {
  local n; n=$(node_dir) pki="$STACK_DIR/pki"
  mkdir -p "$n/kubelet" "$n/pod-logs"
  echo "nameserver $NODE_IP" >"$n/resolv.conf"
  cat >"$n/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: ${PORTS[kubelet]}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${PORTS[kubelet-healthz]}
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
failSwapOn: false
containerRuntimeEndpoint: unix://$(node_sock)
imageServiceEndpoint: unix://$(node_sock)
clusterDNS: [$NODE_DNS_IP]
clusterDomain: cluster.local
resolvConf: $n/resolv.conf
podLogsDir: $n/pod-logs
# Images here cannot be pulled again: never collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2%}
serializeImagePulls: false
rotateCertificates: false
serverTLSBootstrap: false
maxPods: 110
YAML
}

node_write_proxy_config() {
  local n; n=$(node_dir)
  mkdir -p "$n/kube-proxy"
  cat >"$n/kube-proxy/config.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $STACK_DIR/kubeconfig-kube-proxy}
mode: iptables
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
clusterCIDR: $NODE_POD_CIDR
healthzBindAddress: 127.0.0.1:${PORTS[kube-proxy-healthz]}
metricsBindAddress: 127.0.0.1:${PORTS[kube-proxy-metrics]}
nodePortAddresses: ["$NODE_IP/32"]
# Leave the machine's conntrack settings and route_localnet alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {localhostNodePorts: false, masqueradeAll: false}
YAML
}

node_write_corefile() {
  local n; n=$(node_dir)
  mkdir -p "$n/coredns"
  # Only the cluster's zones: a name outside the cluster is refused, never forwarded.
  cat >"$n/coredns/Corefile" <<COREFILE
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind $NODE_IP
    errors
    ready 127.0.0.1:${PORTS[coredns-ready]}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig $STACK_DIR/kubeconfig-coredns local
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
    loadbalance
}
COREFILE
}

# The pause image: a static C program of the project's own, packed and imported.
node_import_pause() {
  local out="$SCHEMASHIFT_CACHE/images" src="$REPO_ROOT/hack/node/pause.c"
  local sum; sum=$(sha256sum "$src" "$REPO_ROOT/hack/node/image.py" | sha256sum | cut -c1-12)
  local tar="$out/pause-$sum.tar"
  if [[ ! -f "$tar" ]]; then
    mkdir -p "$out"
    cc -static -O2 -o "$out/pause-$sum" "$src"
    python3 "$REPO_ROOT/hack/node/image.py" --tag "$NODE_PAUSE_IMAGE" --out "$tar" --root \
      --binary "$out/pause-$sum:/pause" --entrypoint /pause >/dev/null
    rm -f "$out/pause-$sum"
  fi
  ctr --address "$(node_sock)" -n k8s.io images import "$tar" >/dev/null
}

node_up() {
  node_enabled || return 0
  local n pki="$STACK_DIR/pki" bin="$TOOLS_BIN"
  n=$(node_dir)
  node_pki
  kube_kubeconfig "$STACK_DIR/kubeconfig-kubelet" "system:node:$NODE_NAME" "$pki/kubelet.crt" "$pki/kubelet.key"
  kube_kubeconfig "$STACK_DIR/kubeconfig-kube-proxy" system:kube-proxy "$pki/kube-proxy.crt" "$pki/kube-proxy.key"
  kube_kubeconfig "$STACK_DIR/kubeconfig-coredns" schemashift:coredns "$pki/coredns.crt" "$pki/coredns.key"
  node_rbac

  node_write_containerd_config
  start_component containerd "ctr --address '$(node_sock)' version" 60 \
    containerd --config "$n/containerd/config.toml"
  node_import_pause

  node_write_kubelet_config
  start_component kubelet \
    "curl -sf --max-time 2 http://127.0.0.1:${PORTS[kubelet-healthz]}/healthz" 90 \
    "$bin/kubelet" --config="$n/kubelet/config.yaml" --kubeconfig="$STACK_DIR/kubeconfig-kubelet" \
    --root-dir="$n/kubelet" --cert-dir="$n/kubelet/pki" --hostname-override="$NODE_NAME" \
    --node-ip="$NODE_IP" --node-labels=schemashift.io/node=real --v=1

  node_write_proxy_config
  start_component kube-proxy \
    "curl -sf --max-time 2 http://127.0.0.1:${PORTS[kube-proxy-healthz]}/healthz" 60 \
    "$bin/kube-proxy" --config="$n/kube-proxy/config.yaml" --v=1

  node_write_corefile
  start_component coredns "curl -sf --max-time 2 http://127.0.0.1:${PORTS[coredns-ready]}/ready" 60 \
    "$bin/coredns" -conf "$n/coredns/Corefile"

  start_component bridge-forward "node_relay_ready" 30 \
    python3 "$REPO_ROOT/hack/node/bridge-forward.py" "$NODE_IP" \
    "${PORTS[kube-apiserver]}" "${PORTS[schema-registry]}" "${PORTS[prometheus]}"

  wait_for "real node Ready" 90 "$STACK_DIR/logs/kubelet.log" \
    bash -c "KUBECONFIG='$STACK_DIR/kubeconfig' kubectl get node $NODE_NAME -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -q True"
  node_services
  # kwok stays for scale: its node takes only pods that tolerate its taint.
  node_kubectl taint node kwok-node-0 kwok.x-k8s.io/node=fake:NoSchedule --overwrite >/dev/null
}

node_relay_ready() {
  (exec 3<>"/dev/tcp/$NODE_IP/${PORTS[kube-apiserver]}") 2>/dev/null
}

# The node's API permissions beyond the defaults: the API server reaching kubelets, CoreDNS
# reading Services.
node_rbac() {
  node_kubectl apply -f - >/dev/null <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: schemashift:apiserver-kubelet-client}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:kubelet-api-admin}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: schemashift:coredns}
rules:
  - {apiGroups: [""], resources: [endpoints, services, pods, namespaces], verbs: [list, watch]}
  - {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: schemashift:coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: schemashift:coredns}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: schemashift:coredns}]
YAML
}

# A Service without a selector plus its Endpoints, for something on the bridge address.
node_external_service() { # namespace name port target-port [protocol...]
  local ns="$1" name="$2" port="$3" target="$4"; shift 4
  local protos=("${@:-TCP}") sports="" eports="" p lower
  for p in "${protos[@]}"; do
    lower=$(echo "$p" | tr '[:upper:]' '[:lower:]')
    sports+="    - {name: $lower, port: $port, targetPort: $target, protocol: $p}"$'\n'
    eports+="      - {name: $lower, port: $target, protocol: $p}"$'\n'
  done
  local ip_line=""
  [[ "$name" == kube-dns ]] && ip_line="  clusterIP: $NODE_DNS_IP"
  node_kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Service
metadata: {name: $name, namespace: $ns, labels: {schemashift.io/stack: "true"}}
spec:
$ip_line
  ports:
$sports---
apiVersion: v1
kind: Endpoints
metadata: {name: $name, namespace: $ns, labels: {schemashift.io/stack: "true"}}
subsets:
  - addresses: [{ip: $NODE_IP}]
    ports:
$eports
YAML
}

# Names for what pods reach on the bridge: kube-dns for cluster DNS, and the stack's servers in
# $NODE_SERVICES_NAMESPACE (postgres-primary:5432, postgres-replica:5432, kafka:9092,
# schema-registry:8080, prometheus:9090).
node_services() {
  node_external_service kube-system kube-dns 53 53 UDP TCP
  node_kubectl get namespace "$NODE_SERVICES_NAMESPACE" >/dev/null 2>&1 \
    || node_kubectl create namespace "$NODE_SERVICES_NAMESPACE" >/dev/null
  node_external_service "$NODE_SERVICES_NAMESPACE" postgres-primary 5432 "${PORTS[postgres-primary]}"
  node_external_service "$NODE_SERVICES_NAMESPACE" postgres-replica 5432 "${PORTS[postgres-replica]}"
  node_external_service "$NODE_SERVICES_NAMESPACE" kafka 9092 "${PORTS[kafka-bridge]}"
  node_external_service "$NODE_SERVICES_NAMESPACE" schema-registry 8080 "${PORTS[schema-registry]}"
  node_external_service "$NODE_SERVICES_NAMESPACE" prometheus 9090 "${PORTS[prometheus]}"
}

# The in-cluster half of the env file: how a pod reaches each server.
node_write_env() { # env-file
  node_enabled || return 0
  local f="$1" ip="$NODE_IP" pp="${PORTS[postgres-primary]}" rp="${PORTS[postgres-replica]}"
  {
    echo "# The real node (docs/real-node.md). *_INCLUSTER: the same servers as seen from a pod."
    echo "export REAL_NODE=1"
    echo "export NODE_NAME='$NODE_NAME'"
    echo "export NODE_BRIDGE_IP='$ip'"
    echo "export NODE_POD_CIDR='$NODE_POD_CIDR'"
    echo "export CONTAINERD_ADDRESS='$(node_sock)'"
    echo "export CONTAINER_RUNTIME_ENDPOINT='unix://$(node_sock)'"
    echo "export IMAGE_SERVICE_ENDPOINT='unix://$(node_sock)'"
    echo "export STACK_SERVICES_NAMESPACE='$NODE_SERVICES_NAMESPACE'"
    echo "export KUBE_APISERVER_INCLUSTER='https://kubernetes.default.svc'"
    echo "export PG_PRIMARY_HOST_INCLUSTER='$ip'"
    echo "export PG_PRIMARY_PORT_INCLUSTER='$pp'"
    echo "export PG_REPLICA_HOST_INCLUSTER='$ip'"
    echo "export PG_REPLICA_PORT_INCLUSTER='$rp'"
    # Each host DSN with the bridge address in place of loopback (whatever the role is called).
    sed -n -E "s/^export (PG_[A-Z_]*DSN)='(.*)@127\.0\.0\.1:([0-9]+)\/(.*)'$/export \1_INCLUSTER='\2@$ip:\3\/\4'/p" "$f"
    echo "export KAFKA_BOOTSTRAP_INCLUSTER='$ip:${PORTS[kafka-bridge]}'"
    echo "export SCHEMA_REGISTRY_URL_INCLUSTER='http://$ip:${PORTS[schema-registry]}/apis/ccompat/v7'"
    echo "export PROMETHEUS_URL_INCLUSTER='http://$ip:${PORTS[prometheus]}'"
  } >>"$f"
}

# Everything below tolerates a half-started or half-stopped node, so `down` always cleans.
node_down() {
  local n; n=$(node_dir)
  local owner; owner=$(node_owner)
  [[ -d "$n" || "$owner" == "$STACK_DIR" ]] || return 0
  if [[ -n "$owner" && "$owner" != "$STACK_DIR" ]]; then
    log "real node: held by $owner, not by this stack; leaving it alone"
    return 0
  fi
  log "real node: stopping pods, kubelet, kube-proxy, CoreDNS and containerd"
  [[ -f "$STACK_DIR/ports" ]] && load_ports  # the API server's port, to delete pods through it
  # 1. Pods go through the kubelet, so their volumes are unmounted and their sandboxes torn down.
  if pid_alive kubelet && apiserver_ready; then
    node_kubectl delete pods --all-namespaces --field-selector "spec.nodeName=$NODE_NAME" \
      --grace-period=1 --wait=true --timeout=45s >/dev/null 2>&1 \
      || log "real node: not every pod was gone within 45s; removing the sandboxes directly"
  fi
  # 2. Sandboxes removed through the CRI, so CNI releases addresses and network namespaces.
  if pid_alive containerd; then
    node_crictl rmp -fa >/dev/null 2>&1 || true
  fi
  stop_component kubelet
  stop_component kube-proxy
  [[ -x "$TOOLS_BIN/kube-proxy" ]] && "$TOOLS_BIN/kube-proxy" --cleanup --v=0 >/dev/null 2>&1 || true
  stop_component coredns
  stop_component bridge-forward
  if pid_alive containerd; then
    node_crictl rmp -fa >/dev/null 2>&1 || true
  fi
  stop_component containerd
  node_kill_leftovers
  node_unmount
  node_remove_cgroups
  node_remove_iptables
  ip link del "$NODE_BRIDGE" 2>/dev/null || true
  node_restore_sysctls
  if [[ -f "$n/created-paths" ]]; then
    local p
    while read -r p; do [[ -n "$p" ]] && rm -rf "$p"; done <"$n/created-paths"
  fi
  rm -rf "$n" 2>/dev/null || { node_unmount; rm -rf "$n"; }
  rm -f "$NODE_OWNER_FILE"
  rmdir /run/schemashift 2>/dev/null || true
  log "real node: released"
}

# Shims (they outlive containerd on purpose) and anything still in the kubepods cgroups.
node_kill_leftovers() {
  local sock pid
  sock=$(node_sock)
  for pid in $(pgrep -f -- "containerd-shim-runc-v2 .*-address $sock" || true); do kill -KILL "$pid" 2>/dev/null || true; done
  local procs
  for procs in $(find /sys/fs/cgroup/*/kubepods -name cgroup.procs 2>/dev/null); do
    for pid in $(cat "$procs" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  sleep 0.3
}

# Every mount under the node directory, and the network namespaces containerd pinned.
node_unmount() {
  local n m; n=$(node_dir)
  for m in $(findmnt -rn -o TARGET | awk -v n="$n/" -v s="$STACK_DIR/node" 'index($0, n) == 1 || $0 == s' | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  for m in $(findmnt -rn -o TARGET | grep -E '^(/var)?/run/netns/cni-' | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    rm -f "$m"
  done
  for m in $(findmnt -rn -o TARGET | grep -E '^/run/containerd/' | sort -r); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
}

node_remove_cgroups() {
  local root
  for root in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d "$root" ]] || continue
    find "$root" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

# kube-proxy --cleanup removes its own chains; this removes ours, the kubelet's canaries and
# CNI's portmap chains, in both families.
node_remove_iptables() {
  local ipt
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    "$ipt" -w -D FORWARD -j "$NODE_GUARD_CHAIN" 2>/dev/null || true
    local table chain rule
    for table in filter nat mangle; do
      "$ipt" -w -t "$table" -S >/dev/null 2>&1 || continue
      # Rules in built-in chains that jump to our chains go first, then the chains themselves.
      while read -r rule; do
        [[ -n "$rule" ]] || continue
        eval "$ipt -w -t $table ${rule/-A /-D }" 2>/dev/null || true
      done < <("$ipt" -w -t "$table" -S 2>/dev/null | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) ' \
        | grep -E -- "-j (KUBE-|CNI-|$NODE_GUARD_CHAIN)" || true)
      for chain in $("$ipt" -w -t "$table" -S 2>/dev/null | awk '$1 == "-N" {print $2}' | grep -E "^(KUBE-|CNI-|$NODE_GUARD_CHAIN)" || true); do
        "$ipt" -w -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$ipt" -w -t "$table" -S 2>/dev/null | awk '$1 == "-N" {print $2}' | grep -E "^(KUBE-|CNI-|$NODE_GUARD_CHAIN)" || true); do
        "$ipt" -w -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

node_restore_sysctls() {
  local f; f="$(node_dir)/sysctl.saved"
  [[ -f "$f" ]] || return 0
  local k v
  while read -r k v; do
    [[ -n "$k" ]] && sysctl -q -w "$k=$v" >/dev/null 2>&1 || true
  done <"$f"
}

node_status() {
  node_enabled || [[ -d "$(node_dir)" ]] || return 0
  local c state
  for c in containerd kubelet kube-proxy coredns bridge-forward; do
    pid_alive "$c" && state=up || state=down
    printf '%-26s %-5s %s\n' "$c" "$state" "$NODE_IP (node $NODE_NAME, owner $(node_owner))"
  done
}
