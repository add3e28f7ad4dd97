#!/usr/bin/env bash
# The test suite's stack.up: records the machine (machine_snapshot.sh) before the stack with
# its real node comes up, so stack.down_leaves_machine_as_found can compare.
set -euo pipefail
repo="$1" snapshot="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# A snapshot from an earlier run whose stack is still up would record the stack itself.
if [[ ! -f "$snapshot" || ! -f "${SCHEMASHIFT_STACK_DIR:?}/env" ]]; then
  "$here/machine_snapshot.sh" >"$snapshot"
fi
exec "$repo/hack/stack.sh" up
