#!/usr/bin/env bash
# Deletes the kind cluster kind/up.sh made (and everything in it). The images stay in Docker.
set -euo pipefail
CLUSTER="${KIND_CLUSTER:-schemashift}"
command -v kind >/dev/null || { echo "kind/down.sh: kind is not installed" >&2; exit 1; }
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  kind delete cluster --name "$CLUSTER"
else
  echo "no kind cluster named $CLUSTER"
fi
