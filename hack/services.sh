#!/usr/bin/env bash
# `make services`: the shop's three services (customers, orders, fulfillment) as real pods on
# the local stack's real node (docs/services.md).
#
#   hack/services.sh [up] [BUILD_DIR]   build the binaries and images, import them into the
#                                       node, create the database Secrets from the stack's
#                                       in-cluster DSNs, install the three charts, wait for
#                                       every Deployment Available, print how to reach them
#   hack/services.sh down               uninstall the three releases and the namespace
#   hack/services.sh deps               `helm dependency build` of the three charts only
#                                       (their shared library chart, offline: file://)
#
# The stack is $SCHEMASHIFT_STACK_DIR (default .stack), brought up by `make stack-up` with
# the real node. SERVICES_NAMESPACE (default shop) is where the charts go.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK_DIR="${SCHEMASHIFT_STACK_DIR:-$REPO_ROOT/.stack}"
NAMESPACE="${SERVICES_NAMESPACE:-shop}"
# Install order: fulfillment reads customers, so customers comes first.
SERVICES=(customers orders fulfillment)
JOBS="${JOBS:-2}"

load_stack() {
  [[ -f "$STACK_DIR/env" ]] || die "no stack in $STACK_DIR (start one: make stack-up)"
  # shellcheck disable=SC1091
  source "$STACK_DIR/env"
  [[ "${REAL_NODE:-0}" == 1 ]] ||
    die "the stack in $STACK_DIR has no real node, so the services' pods would never run (make stack-down; make stack-up without SCHEMASHIFT_REAL_NODE=0)"
}

helm_() { "$HELM_BIN" "$@"; }

# The charts share templates through charts/service-lib (a file:// dependency); `helm
# dependency build` packs it into each chart's charts/ (git-ignored). No network is needed.
charts_deps() {
  local helm="${HELM_BIN:-$TOOLS_BIN/helm}" svc
  [[ -x "$helm" ]] || die "no helm at $helm (make tools)"
  for svc in "${SERVICES[@]}"; do
    "$helm" dependency build "$REPO_ROOT/charts/$svc" >/dev/null ||
      die "helm dependency build charts/$svc failed"
  done
  log "charts: service-lib packed into charts/{$(IFS=,; echo "${SERVICES[*]}")}/charts/"
}

build_images() {
  local build="$1"
  [[ -f "$build/build.ninja" ]] || cmake -S "$REPO_ROOT" -B "$build" -G Ninja
  log "building the services (and the operator, whose image runs the charts' helm test)"
  cmake --build "$build" -j "$JOBS" --target customers-service orders-service \
    fulfillment-service schemashift-operator
  bash "$REPO_ROOT/hack/image.sh" all "$build" customers-service orders-service \
    fulfillment-service schemashift-operator
}

# One Secret per service with key dsn: the stack's DSN as a pod reaches it (10.0.2.1, never
# 127.0.0.1). Applied from stdin, so the password is never on a command line or printed.
apply_secret() { # service dsn
  printf '%s' "$2" |
    kubectl -n "$NAMESPACE" create secret generic "$1-db" --from-file=dsn=/dev/stdin \
      --dry-run=client -o yaml | kubectl apply -f - >/dev/null
}

cmd_up() {
  local build="${1:-$REPO_ROOT/build}" t0=$SECONDS
  load_stack
  build_images "$build"
  charts_deps
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata:
  name: $NAMESPACE
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/warn: restricted
YAML
  apply_secret customers "${PG_CUSTOMERS_DSN_INCLUSTER:?}"
  apply_secret orders "${PG_ORDERS_DSN_INCLUSTER:?}"
  apply_secret fulfillment "${PG_FULFILLMENT_DSN_INCLUSTER:?}"

  local svc common image_id
  for svc in "${SERVICES[@]}"; do
    common=(--namespace "$NAMESPACE" --set "database.existingSecret=$svc-db")
    # The tag stays :dev; a rebuilt image changes this annotation, so its pods are replaced.
    image_id=$(sha256sum "$build/images/$svc-service.tar" | cut -c1-16)
    common+=(--set-string "podAnnotations.schemashift\.io/image=$image_id")
    case $svc in
      orders | fulfillment)
        common+=(--set "kafka.bootstrap=$KAFKA_BOOTSTRAP_INCLUSTER"
          --set "schemaRegistry.url=$SCHEMA_REGISTRY_URL_INCLUSTER") ;;
    esac
    log "helm upgrade --install $svc (namespace $NAMESPACE)"
    helm_ upgrade --install "$svc" "$REPO_ROOT/charts/$svc" "${common[@]}" >/dev/null
  done

  log "waiting for the Deployments to be Available"
  if ! kubectl -n "$NAMESPACE" wait --for=condition=Available --timeout=180s \
    "${SERVICES[@]/#/deployment/}" >/dev/null; then
    kubectl -n "$NAMESPACE" get pods -o wide >&2 || true
    kubectl -n "$NAMESPACE" get events --sort-by=.lastTimestamp 2>/dev/null | tail -n 20 >&2 || true
    for svc in "${SERVICES[@]}"; do
      printf -- '--- logs of %s ---\n' "$svc" >&2
      kubectl -n "$NAMESPACE" logs "deployment/$svc" --tail=20 >&2 || true
    done
    die "the services did not become Available within 180 s"
  fi
  log "services up in $((SECONDS - t0)) s"
  print_access
}

print_access() {
  local svc ip
  echo
  echo "The shop's services run in namespace $NAMESPACE on the real node:"
  kubectl -n "$NAMESPACE" get deployments -o wide
  echo
  echo "From this machine (kube-proxy routes Service IPs here; or: kubectl -n $NAMESPACE port-forward svc/NAME 8080):"
  for svc in "${SERVICES[@]}"; do
    ip=$(kubectl -n "$NAMESPACE" get service "$svc" -o jsonpath='{.spec.clusterIP}')
    printf '  %-12s http://%s:8080   (metrics: http://%s:9090/metrics)\n' "$svc" "$ip" "$ip"
  done
  local c o f
  c=$(kubectl -n "$NAMESPACE" get service customers -o jsonpath='{.spec.clusterIP}')
  o=$(kubectl -n "$NAMESPACE" get service orders -o jsonpath='{.spec.clusterIP}')
  f=$(kubectl -n "$NAMESPACE" get service fulfillment -o jsonpath='{.spec.clusterIP}')
  cat <<TXT

For example: a customer, an order of theirs, and the shipment fulfillment made from its event:
  curl -s -XPOST http://$c:8080/v1/customers -d '{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.org","street":"12 St James Sq","city":"London","postal_code":"SW1Y 4JH","country":"GB"}'
  curl -s -XPOST http://$o:8080/v1/orders -d '{"customer_id":1,"amount_cents":1234}'
  curl -s http://$f:8080/v1/shipments/1
  curl -s http://$c:8080/v2/openapi.json
  helm test orders -n $NAMESPACE
  kubectl -n $NAMESPACE logs deployment/fulfillment -f
(source $STACK_DIR/env first for kubectl and helm.)
Remove them with: hack/services.sh down
TXT
}

cmd_down() {
  load_stack
  local svc
  for svc in "${SERVICES[@]}"; do
    helm_ uninstall "$svc" --namespace "$NAMESPACE" --wait >/dev/null 2>&1 || true
  done
  kubectl delete namespace "$NAMESPACE" --ignore-not-found --wait=true --timeout=120s >/dev/null
  log "services removed (namespace $NAMESPACE)"
}

case "${1:-up}" in
  up) shift || true; cmd_up "$@" ;;
  down) cmd_down ;;
  deps) charts_deps ;;
  /* | build* | ./*) cmd_up "$1" ;;
  *) echo "usage: $0 [up [BUILD_DIR]] | down | deps" >&2; exit 2 ;;
esac
