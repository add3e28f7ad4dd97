#!/usr/bin/env bash
# The local stack: PostgreSQL primary + streaming replica, etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok, Kafka (KRaft), Apicurio Registry and
# Prometheus, all on loopback with free ports; and a real node (containerd, kubelet,
# kube-proxy, CoreDNS) on a bridge of its own, where pods really run (docs/real-node.md).
# SCHEMASHIFT_REAL_NODE=0 leaves the node out; only one stack per machine can own it.
#
#   hack/stack.sh up       build/fetch what is missing, start everything, write $STACK_DIR/env
#   hack/stack.sh down     stop every process of this stack and remove its data
#   hack/stack.sh status   one line per component
#   hack/stack.sh restart NAME   stop one component and start it again
#
# SCHEMASHIFT_STACK_DIR picks the stack's directory (default: .stack in the checkout), so
# several stacks (a developer's and the test suite's) run side by side. A component's port
# can be pinned with SCHEMASHIFT_PORT_<NAME> (e.g. SCHEMASHIFT_PORT_KAFKA=9092).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK_DIR="${SCHEMASHIFT_STACK_DIR:-$REPO_ROOT/.stack}"
mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"

# Start order; stop runs it backwards.
COMPONENTS=(postgres-primary postgres-replica etcd kube-apiserver kube-controller-manager
  kube-scheduler kwok kafka schema-registry prometheus)
PORT_NAMES=(postgres-primary postgres-replica etcd etcd-peer kube-apiserver
  kube-controller-manager kube-scheduler kwok kafka kafka-controller schema-registry prometheus
  kafka-bridge kubelet kubelet-healthz kube-proxy-healthz kube-proxy-metrics coredns-ready)
# The real node's processes (hack/stack.d/node.sh).
NODE_COMPONENTS=(containerd kubelet kube-proxy coredns bridge-forward)

declare -A PORTS

pid_alive() { [[ -f "$STACK_DIR/pids/$1.pid" ]] && kill -0 "$(cat "$STACK_DIR/pids/$1.pid")" 2>/dev/null; }

# Ports are chosen once per stack and kept in $STACK_DIR/ports, so an `up` on a running
# stack finds its components where they are.
load_ports() {
  local name var saved
  for name in "${PORT_NAMES[@]}"; do
    var="SCHEMASHIFT_PORT_$(echo "${name//-/_}" | tr '[:lower:]' '[:upper:]')"
    saved=""
    [[ -f "$STACK_DIR/ports" ]] && saved=$(awk -v n="$name" '$1 == n {print $2}' "$STACK_DIR/ports")
    PORTS[$name]="${!var:-${saved:-$(free_port)}}"
  done
  : >"$STACK_DIR/ports"
  for name in "${PORT_NAMES[@]}"; do echo "$name ${PORTS[$name]}" >>"$STACK_DIR/ports"; done
}

# Refuse to start when another process holds a port this stack needs, naming the component.
check_ports_free() {
  [[ "${SCHEMASHIFT_SKIP_PORT_CHECK:-}" == 1 ]] && return 0  # tests exercise the start-up failure path
  local name owner
  for name in "${PORT_NAMES[@]}"; do
    owner="${name%-peer}"; owner="${owner%-controller}"; owner="${owner%-bridge}"
    owner="${owner%-healthz}"; owner="${owner%-metrics}"; owner="${owner%-ready}"
    [[ "$name" == kube-controller-manager ]] && owner=$name
    [[ "$owner" == postgres-* ]] && [[ -f "$STACK_DIR/pg.path" ]] && continue
    pid_alive "$owner" && continue
    if port_in_use "${PORTS[$name]}"; then
      die "$owner: port ${PORTS[$name]} (${name}) on 127.0.0.1 is already in use by another process; free it or pick another with SCHEMASHIFT_PORT_$(echo "${name//-/_}" | tr '[:lower:]' '[:upper:]')"
    fi
  done
}

# start_component NAME READY_CMD TIMEOUT CMD...: start CMD in its own process group unless
# it already runs, then wait until READY_CMD succeeds. A process that exits early, or never
# becomes ready, stops the script with the component's name and the tail of its log.
start_component() {
  local name="$1" ready="$2" timeout="$3"; shift 3
  local log="$STACK_DIR/logs/$name.log"
  if pid_alive "$name" && (eval "$ready") >/dev/null 2>&1; then
    return 0
  fi
  log "starting $name"
  setsid "$@" >"$log" 2>&1 </dev/null &
  echo $! >"$STACK_DIR/pids/$name.pid"
  local deadline=$((SECONDS + timeout))
  until (eval "$ready") >/dev/null 2>&1; do
    if ! pid_alive "$name"; then
      printf -- '--- last lines of %s ---\n' "$log" >&2; tail -n 40 "$log" >&2
      die "$name exited during start-up (log: $log)"
    fi
    if ((SECONDS >= deadline)); then
      printf -- '--- last lines of %s ---\n' "$log" >&2; tail -n 40 "$log" >&2
      die "$name did not become ready within ${timeout}s (log: $log)"
    fi
    sleep 0.3
  done
  log "$name ready on 127.0.0.1:${PORTS[$name]:-?}"
}

stop_component() {
  local name="$1" f="$STACK_DIR/pids/$1.pid"
  [[ -f "$f" ]] || return 0
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

source "$(dirname "${BASH_SOURCE[0]}")/stack.d/pki.sh"
source "$(dirname "${BASH_SOURCE[0]}")/stack.d/postgres.sh"
source "$(dirname "${BASH_SOURCE[0]}")/stack.d/kube.sh"
source "$(dirname "${BASH_SOURCE[0]}")/stack.d/kafka.sh"
source "$(dirname "${BASH_SOURCE[0]}")/stack.d/registry.sh"
source "$(dirname "${BASH_SOURCE[0]}")/stack.d/prometheus.sh"
source "$(dirname "${BASH_SOURCE[0]}")/stack.d/node.sh"

write_env() {
  local pw="$PG_PASSWORD" pp="${PORTS[postgres-primary]}" rp="${PORTS[postgres-replica]}"
  local f="$STACK_DIR/env"
  cat >"$f.tmp" <<ENV
# Written by hack/stack.sh up. Use it with: source $f
export SCHEMASHIFT_STACK_DIR='$STACK_DIR'
export PATH='$TOOLS_BIN':"\$PATH"
export KUBECONFIG='$STACK_DIR/kubeconfig'
export KUBE_APISERVER='https://127.0.0.1:${PORTS[kube-apiserver]}'
export ETCD_ENDPOINT='http://127.0.0.1:${PORTS[etcd]}'
export KUBE_CA_FILE='$STACK_DIR/pki/ca.crt'
export KUBE_ADMIN_CERT='$STACK_DIR/pki/admin.crt'
export KUBE_ADMIN_KEY='$STACK_DIR/pki/admin.key'
export PG_PRIMARY_DSN='postgresql://postgres:$pw@127.0.0.1:$pp/postgres'
export PG_REPLICA_DSN='postgresql://postgres:$pw@127.0.0.1:$rp/postgres'
export PG_ORDERS_DSN='postgresql://migrator:$pw@127.0.0.1:$pp/orders'
export PG_CUSTOMERS_DSN='postgresql://migrator:$pw@127.0.0.1:$pp/customers'
export PG_FULFILLMENT_DSN='postgresql://migrator:$pw@127.0.0.1:$pp/fulfillment'
export PG_REPLICA_ORDERS_DSN='postgresql://migrator:$pw@127.0.0.1:$rp/orders'
export KAFKA_BOOTSTRAP='127.0.0.1:${PORTS[kafka]}'
export SCHEMA_REGISTRY_URL='http://127.0.0.1:${PORTS[schema-registry]}/apis/ccompat/v7'
export PROMETHEUS_URL='http://127.0.0.1:${PORTS[prometheus]}'
export PROMETHEUS_TARGETS_DIR='$STACK_DIR/prometheus/targets'
export HELM_BIN='$TOOLS_BIN/helm'
export KUBECTL_BIN='$(command -v kubectl)'
export KWOK_BIN='$TOOLS_BIN/kwok'
export FLUX_DIR='$FLUX_DIR'
export HELM_CACHE_HOME='$STACK_DIR/helm/cache'
export HELM_CONFIG_HOME='$STACK_DIR/helm/config'
export HELM_DATA_HOME='$STACK_DIR/helm/data'
ENV
  node_write_env "$f.tmp"
  chmod 600 "$f.tmp"
  mv "$f.tmp" "$f"
}

cmd_up() {
  local t0=$SECONDS
  bash "$REPO_ROOT/hack/setup.sh"
  bash "$REPO_ROOT/hack/tools.sh" all
  mkdir -p "$STACK_DIR"/{logs,pids,data}
  if [[ ! -f "$STACK_DIR/secrets" ]]; then
    (umask 077; echo "PG_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(12))')" >"$STACK_DIR/secrets")
  fi
  source "$STACK_DIR/secrets"
  load_ports
  check_ports_free
  pki_up
  node_claim
  postgres_up
  kube_up
  node_up
  kafka_up
  registry_up
  prometheus_up
  write_env
  log "stack up in $((SECONDS - t0))s; use it with: source $STACK_DIR/env"
}

cmd_down() {
  local i
  # Nothing may recreate the real node's pods while it is taken down.
  stop_component kube-scheduler
  stop_component kube-controller-manager
  node_down
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    case "${COMPONENTS[$i]}" in
      postgres-*) ;;
      *) stop_component "${COMPONENTS[$i]}" ;;
    esac
  done
  postgres_down
  rm -rf "$STACK_DIR"/{data,pids,pki,helm,prometheus,env,ports,secrets,kubeconfig*,kafka*.properties,real-node}
  log "stack in $STACK_DIR is down"
}

cmd_status() {
  [[ -f "$STACK_DIR/ports" ]] || { echo "no stack in $STACK_DIR"; return 0; }
  load_ports >/dev/null
  local c state
  for c in "${COMPONENTS[@]}"; do
    case "$c" in
      postgres-*) pg_ready "${PORTS[$c]}" && state=up || state=down ;;
      *) pid_alive "$c" && state=up || state=down ;;
    esac
    printf '%-26s %-5s 127.0.0.1:%s\n' "$c" "$state" "${PORTS[$c]}"
  done
  node_status
}

# Stops one component and starts whatever is not running (tests of restarts use it).
cmd_restart() {
  local name="${1:?usage: $0 restart COMPONENT}"
  [[ " ${COMPONENTS[*]} ${NODE_COMPONENTS[*]} " == *" $name "* ]] \
    || die "unknown component '$name' (one of: ${COMPONENTS[*]} ${NODE_COMPONENTS[*]})"
  [[ "$name" == postgres-* ]] && die "restart of $name is not supported; use down/up"
  stop_component "$name"
  cmd_up
}

case "${1:-}" in
  up) cmd_up ;;
  restart) shift; cmd_restart "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status|restart COMPONENT" >&2; exit 2 ;;
esac
