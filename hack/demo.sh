#!/usr/bin/env bash
# `make demo`: brings the local stack up (installing and building what is missing, with
# progress), installs the shop's three services on the real node (hack/services.sh), then runs
# the eight scenarios (docs/scenarios.md) with build/bin/scenario-runner: the safe rollouts in
# order, then the naive changes, then the fault run, each under the same load on a shop of its
# own, and prints the comparison table (build/scenarios/results.md) and where the pictures are.
#   SCENARIO=3   only that scenario        SIZE=full   docs/scenarios.md's full size
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash "$REPO_ROOT/hack/stack.sh" up
STACK_DIR="${SCHEMASHIFT_STACK_DIR:-$REPO_ROOT/.stack}"
source "$STACK_DIR/env"
echo
bash "$REPO_ROOT/hack/stack.sh" status
echo
kubectl get nodes -o wide
if [[ -f "$STACK_DIR/real-node" && "$(cat "$STACK_DIR/real-node")" != 0 ]]; then
  echo
  bash "$REPO_ROOT/hack/services.sh" "${BUILD_DIR:-$REPO_ROOT/build}"
else
  log "this stack runs without the real node (SCHEMASHIFT_REAL_NODE=0): the services need it, so they are not installed"
fi
BUILD="${BUILD_DIR:-$REPO_ROOT/build}"
OUT="$BUILD/scenarios"
if [[ -f "$STACK_DIR/real-node" && "$(cat "$STACK_DIR/real-node")" != 0 ]]; then
  export SCHEMASHIFT_STACK_ENV="$STACK_DIR/env"
  only=()
  [[ -n "${SCENARIO:-}" ]] && only=(--scenario "$SCENARIO")
  size=(--size "${SIZE:-small}")
  echo
  log "the safe rollouts, through the operator (${SCENARIO:+scenario $SCENARIO, }size ${SIZE:-small})"
  "$BUILD/bin/scenario-runner" "${only[@]}" "${size[@]}" --runs safe --out "$OUT"
  log "the naive changes, under the same load"
  "$BUILD/bin/scenario-runner" "${only[@]}" "${size[@]}" --runs naive --out "$OUT"
  if [[ -z "${SCENARIO:-}" || "${SCENARIO:-}" == 5 ]]; then
    log "the fault run: an SLO breach injected mid-backfill (scenario 5)"
    "$BUILD/bin/scenario-runner" --scenario 5 "${size[@]}" --runs none --fault --out "$OUT"
  fi
  echo
  "$BUILD/bin/scenario-report" --dir "$OUT"
fi
cat <<TXT

The local stack is up. In your shell:

  source $STACK_DIR/env
  kubectl get nodes                       # the real node (pods run there) and kwok's node
  kubectl -n shop get pods                # customers, orders, fulfillment
  psql "\$PG_ORDERS_DSN"                    # the orders database (primary)
  psql "\$PG_REPLICA_DSN" -c 'select pg_is_in_recovery()'   # the streaming replica
  helm list -A
  kcat -b "\$KAFKA_BOOTSTRAP" -L           # the Kafka broker
  curl "\$SCHEMA_REGISTRY_URL/subjects"     # the schema registry (Confluent API)

  less $OUT/results.md                    # the comparison table; pictures: $OUT/NN/latency.svg
  $BUILD/bin/scenario-runner --help       # one scenario again: --scenario 3 --runs safe
  kubectl -n shop get smig                # apply a scenario by hand: scenarios/README.md

Stop it with: make stack-down
TXT
