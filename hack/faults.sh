#!/usr/bin/env bash
# `make faults`: the fault matrix (docs/reliability.md) at the sizes this machine allows. Runs
# the fault suites of the integration tests on a stack of their own (build/faults-stack), each
# trial repeated FAULT_REPEAT times (default 3), and writes what the tests measured — trials,
# passes, and the figures each test records as gtest properties (rows missed or redone, DDL
# repeated, time to recover) — to build/faults/summary.json and as a table to
# build/faults/summary.md. Exits non-zero when any trial failed.
#   FAULT_FILTER='CrashSafety*' make faults     a subset (a gtest filter)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build="$(cd "${1:-build}" && pwd)"
out="$build/faults"
mkdir -p "$out"
# Each suite and the matrix row it answers.
FILTER="${FAULT_FILTER:-*CrashSafety*:SchemaMigrationE2E.Sigkill*:SchemaMigrationE2E.TwoOperators*:LeaderElection*:HostileDatabase*:*Fault*}"

export SCHEMASHIFT_STACK_DIR="$build/faults-stack"
trap 'bash "$REPO_ROOT/hack/stack.sh" down >/dev/null 2>&1 || true' EXIT
bash "$REPO_ROOT/hack/stack.sh" up
export SCHEMASHIFT_STACK_ENV="$SCHEMASHIFT_STACK_DIR/env"
bash "$REPO_ROOT/hack/image.sh" all "$build" >/dev/null 2>&1 || true  # for suites that run pods

rc=0 reports=()
rm -f "$out"/gtest-*.json
for ((round = 1; round <= ${FAULT_REPEAT:-3}; round++)); do
  log "== round $round of ${FAULT_REPEAT:-3}"
  "$build/bin/integration_tests" --gtest_filter="$FILTER" \
    --gtest_output="json:$out/gtest-$round.json" || rc=$?
  reports+=("$out/gtest-$round.json")
done
python3 "$REPO_ROOT/hack/faults_summary.py" "$out/summary.json" "$out/summary.md" "${reports[@]}"
log "the matrix as measured: $out/summary.md (and summary.json)"
exit "$rc"
