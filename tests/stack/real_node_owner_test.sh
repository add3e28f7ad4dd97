#!/usr/bin/env bash
# One real node per machine: while the test stack holds it, a second stack asking for a node
# is refused with a message naming the holder's directory, and starts none of the node's
# processes; the same stack without a node (SCHEMASHIFT_REAL_NODE=0) is not refused at the node.
set -euo pipefail
repo="$1" holder="$2" dir="$3"
rm -rf "$dir"
cleanup() { SCHEMASHIFT_STACK_DIR="$dir" "$repo/hack/stack.sh" down >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
[[ "$(cat /run/schemashift/real-node.owner)" == "$holder" ]] \
  || { echo "FAIL: the test stack $holder does not hold the node: $(cat /run/schemashift/real-node.owner 2>&1)"; exit 1; }
kubelets_before=$(pgrep -c -x kubelet || true)
set +e
out=$(SCHEMASHIFT_STACK_DIR="$dir" "$repo/hack/stack.sh" up 2>&1)
rc=$?
set -e
[[ $rc -ne 0 ]] || { echo "FAIL: a second stack came up with a real node"; exit 1; }
grep -q "real node: the stack in $holder holds" <<<"$out" \
  || { echo "FAIL: the refusal does not name $holder:"; echo "$out"; exit 1; }
[[ "$(pgrep -c -x kubelet || true)" == "$kubelets_before" ]] || { echo "FAIL: a second kubelet started"; exit 1; }
[[ "$(cat /run/schemashift/real-node.owner)" == "$holder" ]] || { echo "FAIL: the owner file changed"; exit 1; }
[[ ! -d "$dir/node" ]] || { echo "FAIL: the refused stack made a node directory"; exit 1; }
echo "ok: refused: $(grep 'real node:' <<<"$out")"
# Its down must not touch the holder's node.
SCHEMASHIFT_STACK_DIR="$dir" "$repo/hack/stack.sh" down >/dev/null 2>&1
[[ "$(cat /run/schemashift/real-node.owner)" == "$holder" ]] || { echo "FAIL: the refused stack's down released the node"; exit 1; }
pgrep -x kubelet >/dev/null || { echo "FAIL: the refused stack's down stopped the kubelet"; exit 1; }
echo "ok: the refused stack's down leaves the holder's node running"
