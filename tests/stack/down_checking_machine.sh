#!/usr/bin/env bash
# The test suite's stack.down: takes the stack down, then fails unless the machine is as
# stack.up found it (no pod, sandbox, shim, mount, network namespace, kubepods cgroup,
# iptables rule or bridge left; kernel settings put back).
set -euo pipefail
repo="$1" snapshot="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$repo/hack/stack.sh" down
[[ -f "$snapshot" ]] || { echo "FAIL: no snapshot $snapshot from stack.up"; exit 1; }
after="${snapshot%.txt}-after.txt"
"$here/machine_snapshot.sh" >"$after"
if ! diff -u "$snapshot" "$after"; then
  echo "FAIL: the machine differs after stack down (- before up, + after down)"
  exit 1
fi
rm -f "$snapshot"
echo "ok: after down the machine is as before up ($(grep -c . "$after") facts compared)"
