#!/usr/bin/env bash
# `make demo`: brings the local stack up (installing and building what is missing, with
# progress), installs the shop's three services on the real node (hack/services.sh), and shows
# how to use them. The scenario runner (issue 12) will take this over.
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

Stop it with: make stack-down
TXT
