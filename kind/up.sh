#!/usr/bin/env bash
# schemashift on a kind cluster, for a machine with Docker: creates the cluster, builds and loads
# the images, installs PostgreSQL (primary + streaming replica), Kafka and the schema registry,
# the operator and the three services, and applies a first migration. docs/kind.md walks
# through it. Tear down with kind/down.sh.
#
#   kind/up.sh                 everything, on a cluster named "schemashift"
#   kind/up.sh --render DIR    write every manifest the script would apply into DIR and stop
#                              (no Docker or kind needed: the static checks use this)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER="${KIND_CLUSTER:-schemashift}"
IMAGES_TAG="${IMAGES_TAG:-dev}"
SERVICES=(customers orders fulfillment)
# Where `kubectl port-forward` puts each service on the host, in the closing message.
declare -A HOST_PORT=([customers]=8081 [orders]=8082 [fulfillment]=8083)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'kind/up.sh: %s\n' "$*" >&2; exit 1; }

# The database password: kept in the cluster once made, so a second run reuses it.
password() {
  if [[ -n "${RENDER_DIR:-}" ]]; then echo "render-only-password"; return; fi
  local existing
  existing=$(kubectl -n stack get secret postgres -o jsonpath='{.data.password}' 2>/dev/null || true)
  if [[ -n "$existing" ]]; then base64 -d <<<"$existing"; else head -c 18 /dev/urandom | base64 | tr -d '/+='; fi
}

# The Secrets: the dependencies' password, and one connection string per service database
# (in the services' namespace, where the services and the migrations read them).
secrets_manifest() {
  local pw="$1" db
  kubectl create secret generic postgres -n stack --from-literal=password="$pw" \
    --dry-run=client -o yaml
  for db in "${SERVICES[@]}"; do
    echo "---"
    kubectl create secret generic "$db-db" -n shop \
      --from-literal=dsn="postgresql://migrator:$pw@postgres-primary.stack.svc:5432/$db" \
      --dry-run=client -o yaml
  done
}

operator_manifest() {
  helm template schemashift "$ROOT/charts/schemashift" --namespace schemashift-system \
    --set image.pullPolicy=IfNotPresent --set image.tag="$IMAGES_TAG" --include-crds --skip-tests
}

# A service chart, configured for the dependencies in `stack` (orders and fulfillment use Kafka
# and the registry; customers only its database).
service_manifest() {
  local svc="$1" events=()
  if [[ "$svc" != customers ]]; then
    events=(--set kafka.bootstrap=kafka.stack.svc:9092
      --set schemaRegistry.url=http://schema-registry.stack.svc:8080/apis/ccompat/v7)
  fi
  helm dependency build "$ROOT/charts/$svc" >/dev/null
  helm template "$svc" "$ROOT/charts/$svc" --namespace shop --skip-tests \
    --set image.pullPolicy=IfNotPresent --set image.tag="$IMAGES_TAG" \
    --set database.existingSecret="$svc-db" \
    "${events[@]}"
}

render() { # dir: every manifest, in the order they are applied
  local dir="$1" pw="$2" svc
  mkdir -p "$dir"
  cp "$ROOT"/kind/manifests/*.yaml "$dir/"
  secrets_manifest "$pw" >"$dir/40-secrets.yaml"
  operator_manifest >"$dir/50-operator.yaml"
  local n=60
  for svc in "${SERVICES[@]}"; do
    service_manifest "$svc" >"$dir/$n-$svc.yaml"
    n=$((n + 1))
  done
  cp "$ROOT/kind/first-migration.yaml" "$dir/90-first-migration.yaml"
}

build_and_load_images() {
  say "building the images (the first build compiles the project: several minutes)"
  docker build -f "$ROOT/kind/Dockerfile.operator" -t "schemashift.local/operator:$IMAGES_TAG" "$ROOT"
  local svc
  for svc in "${SERVICES[@]}"; do
    docker build -f "$ROOT/kind/Dockerfile.service" --build-arg SERVICE="$svc" \
      -t "schemashift.local/$svc:$IMAGES_TAG" "$ROOT"
  done
  say "loading the images into kind"
  kind load docker-image --name "$CLUSTER" "schemashift.local/operator:$IMAGES_TAG" \
    "${SERVICES[@]/#/schemashift.local/}"
}

main() {
  if [[ "${1:-}" == "--render" ]]; then
    RENDER_DIR="${2:?usage: kind/up.sh --render DIR}"
    render "$RENDER_DIR" "$(password)"
    echo "$RENDER_DIR"
    return
  fi
  local tool
  for tool in docker kind kubectl helm; do
    command -v "$tool" >/dev/null || die "$tool is required (docs/kind.md lists the versions)"
  done
  if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
    say "creating the kind cluster $CLUSTER"
    kind create cluster --name "$CLUSTER" --config "$ROOT/kind/cluster.yaml"
  fi
  kubectl config use-context "kind-$CLUSTER" >/dev/null
  build_and_load_images

  local dir pw
  dir="$(mktemp -d)"
  trap 'rm -rf "$dir"' EXIT
  pw="$(password)"
  render "$dir" "$pw"

  say "PostgreSQL (primary and replica), Kafka and the schema registry"
  kubectl apply -f "$dir/00-namespaces.yaml" -f "$dir/40-secrets.yaml"
  kubectl apply -f "$dir/10-postgres.yaml" -f "$dir/20-kafka.yaml" -f "$dir/30-schema-registry.yaml"
  kubectl -n stack rollout status statefulset/postgres-primary statefulset/postgres-replica \
    statefulset/kafka deployment/schema-registry --timeout=10m

  say "the operator"
  kubectl apply --server-side -f "$dir/50-operator.yaml"
  kubectl -n schemashift-system rollout status deployment/schemashift --timeout=5m

  say "the services"
  local svc
  for svc in "${SERVICES[@]}"; do kubectl apply -f "$dir"/6?-"$svc".yaml; done
  for svc in "${SERVICES[@]}"; do kubectl -n shop rollout status "deployment/$svc" --timeout=5m; done

  say "a first migration: orders.metadata, a nullable jsonb column (scenarios/01)"
  kubectl apply -f "$dir/90-first-migration.yaml"
  kubectl -n shop wait --for=condition=Ready smig/orders-metadata --timeout=5m

  cat <<EOF

schemashift runs on kind cluster "$CLUSTER".
  kubectl -n shop get smig                                  the migrations
  kubectl -n shop port-forward svc/customers ${HOST_PORT[customers]}:8080 &   then: curl localhost:${HOST_PORT[customers]}/v1/customers
  kubectl -n shop port-forward svc/orders ${HOST_PORT[orders]}:8080 &      then: curl localhost:${HOST_PORT[orders]}/v2/orders
  kubectl -n shop port-forward svc/fulfillment ${HOST_PORT[fulfillment]}:8080 & then: curl localhost:${HOST_PORT[fulfillment]}/readyz
  kind/down.sh                                              delete the cluster
EOF
}

main "$@"
