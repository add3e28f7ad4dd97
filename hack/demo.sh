#!/usr/bin/env bash
# `make demo`: brings the local stack up (installing and building what is missing, with
# progress) and shows how to use it. The scenario runner will take this over.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bash "$REPO_ROOT/hack/stack.sh" up
STACK_DIR="${SCHEMASHIFT_STACK_DIR:-$REPO_ROOT/.stack}"
source "$STACK_DIR/env"
echo
bash "$REPO_ROOT/hack/stack.sh" status
echo
kubectl get nodes -o wide
cat <<TXT

The local stack is up. In your shell:

  source $STACK_DIR/env
  kubectl get nodes                       # the control plane, with one kwok node
  psql "\$PG_ORDERS_DSN"                    # the orders database (primary)
  psql "\$PG_REPLICA_DSN" -c 'select pg_is_in_recovery()'   # the streaming replica
  helm list -A
  kcat -b "\$KAFKA_BOOTSTRAP" -L           # the Kafka broker
  curl "\$SCHEMA_REGISTRY_URL/subjects"     # the schema registry (Confluent API)

Stop it with: make stack-down
TXT
