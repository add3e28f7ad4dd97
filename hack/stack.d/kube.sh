# The Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler
# and kwok with one simulated node, plus an admin kubeconfig. Sourced by stack.sh.

kube_kubeconfig() { # file user cert key
  local f="$1" user="$2" cert="$3" key="$4" server="https://127.0.0.1:${PORTS[kube-apiserver]}"
  rm -f "$f"
  KUBECONFIG="$f" kubectl config set-cluster local --server="$server" \
    --certificate-authority="$STACK_DIR/pki/ca.crt" --embed-certs=true >/dev/null
  KUBECONFIG="$f" kubectl config set-credentials "$user" --client-certificate="$cert" \
    --client-key="$key" --embed-certs=true >/dev/null
  KUBECONFIG="$f" kubectl config set-context local --cluster=local --user="$user" --namespace=default >/dev/null
  KUBECONFIG="$f" kubectl config use-context local >/dev/null
}

apiserver_ready() {
  curl -sf --max-time 2 --cacert "$STACK_DIR/pki/ca.crt" --cert "$STACK_DIR/pki/admin.crt" \
    --key "$STACK_DIR/pki/admin.key" "https://127.0.0.1:${PORTS[kube-apiserver]}/readyz" | grep -q ok
}

kube_up() {
  local pki="$STACK_DIR/pki" bin="$TOOLS_BIN"
  start_component etcd "curl -sf --max-time 2 http://127.0.0.1:${PORTS[etcd]}/health" 60 \
    "$bin/etcd" --name=default --data-dir="$STACK_DIR/data/etcd" \
    --listen-client-urls="http://127.0.0.1:${PORTS[etcd]}" \
    --advertise-client-urls="http://127.0.0.1:${PORTS[etcd]}" \
    --listen-peer-urls="http://127.0.0.1:${PORTS[etcd-peer]}" \
    --initial-advertise-peer-urls="http://127.0.0.1:${PORTS[etcd-peer]}" \
    --initial-cluster="default=http://127.0.0.1:${PORTS[etcd-peer]}" \
    --listen-metrics-urls="" --unsafe-no-fsync --log-level=warn

  # With the real node, the `kubernetes` Service points at the bridge address (pods reach the
  # API server there through hack/node/bridge-forward.py); without it, it has no endpoints.
  local advertise=(--advertise-address=127.0.0.1 --endpoint-reconciler-type=none)
  node_enabled && advertise=(--advertise-address="$NODE_IP" --endpoint-reconciler-type=lease)
  start_component kube-apiserver apiserver_ready 120 \
    "$bin/kube-apiserver" --etcd-servers="http://127.0.0.1:${PORTS[etcd]}" \
    --bind-address=127.0.0.1 "${advertise[@]}" --secure-port="${PORTS[kube-apiserver]}" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$pki/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer=https://kubernetes.default.svc --api-audiences=https://kubernetes.default.svc \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=true \
    --enable-priority-and-fairness=false --profiling=false --v=0

  kube_kubeconfig "$STACK_DIR/kubeconfig" admin "$pki/admin.crt" "$pki/admin.key"
  kube_kubeconfig "$STACK_DIR/kubeconfig-controller-manager" system:kube-controller-manager \
    "$pki/controller-manager.crt" "$pki/controller-manager.key"
  kube_kubeconfig "$STACK_DIR/kubeconfig-scheduler" system:kube-scheduler "$pki/scheduler.crt" "$pki/scheduler.key"
  kube_kubeconfig "$STACK_DIR/kubeconfig-kwok" kwok "$pki/kwok.crt" "$pki/kwok.key"

  start_component kube-controller-manager \
    "curl -skf --max-time 2 https://127.0.0.1:${PORTS[kube-controller-manager]}/healthz" 60 \
    "$bin/kube-controller-manager" --kubeconfig="$STACK_DIR/kubeconfig-controller-manager" \
    --authentication-kubeconfig="$STACK_DIR/kubeconfig-controller-manager" \
    --authorization-kubeconfig="$STACK_DIR/kubeconfig-controller-manager" \
    --leader-elect=false --bind-address=127.0.0.1 --secure-port="${PORTS[kube-controller-manager]}" \
    --cert-dir="$STACK_DIR/data/controller-manager" \
    --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/sa.key" \
    --use-service-account-credentials=true --controllers='*,-nodeipam,-cloud-node-lifecycle,-route,-service' \
    --v=0

  start_component kube-scheduler \
    "curl -skf --max-time 2 https://127.0.0.1:${PORTS[kube-scheduler]}/healthz" 60 \
    "$bin/kube-scheduler" --kubeconfig="$STACK_DIR/kubeconfig-scheduler" \
    --authentication-kubeconfig="$STACK_DIR/kubeconfig-scheduler" \
    --authorization-kubeconfig="$STACK_DIR/kubeconfig-scheduler" \
    --leader-elect=false --bind-address=127.0.0.1 --secure-port="${PORTS[kube-scheduler]}" \
    --cert-dir="$STACK_DIR/data/scheduler" --v=0

  # A node lease keeps the kwok node's heartbeat inside the node-lifecycle grace period; its
  # status updates alone come about once a minute, and pods bound during the gap were marked
  # NotReady for good (kwok never marks them Ready again).
  start_component kwok "curl -sf --max-time 2 http://127.0.0.1:${PORTS[kwok]}/healthz" 60 \
    "$bin/kwok" --kubeconfig="$STACK_DIR/kubeconfig-kwok" --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=127.0.0.1 --cidr=10.0.1.0/24 --server-address="127.0.0.1:${PORTS[kwok]}" \
    --node-lease-duration-seconds=40

  KUBECONFIG="$STACK_DIR/kubeconfig" kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-0
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: kwok-node-0
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
spec: {}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
YAML
  wait_for "kwok node Ready" 60 "$STACK_DIR/logs/kwok.log" \
    bash -c "KUBECONFIG='$STACK_DIR/kubeconfig' kubectl get node kwok-node-0 -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -q True"
  # The node-lifecycle controller lifts the not-ready taint once kwok reports the node Ready
  # (the real node, when there is one, adds a kwok taint of its own later).
  wait_for "kwok node schedulable (no not-ready taint)" 60 "$STACK_DIR/logs/kube-controller-manager.log" \
    bash -c "! KUBECONFIG='$STACK_DIR/kubeconfig' kubectl get node kwok-node-0 -o jsonpath='{.spec.taints[*].key}' | grep -q node.kubernetes.io/"
  wait_for "default ServiceAccount" 60 "$STACK_DIR/logs/kube-controller-manager.log" \
    env KUBECONFIG="$STACK_DIR/kubeconfig" kubectl -n default get serviceaccount default
}
