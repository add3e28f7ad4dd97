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
# The fault suites, by test program (FAULT_FILTER, a gtest filter, applies to each).
SUITES=(
  "integration_tests *CrashSafety*:BackfillFaults.*:DatabaseFaults.*:SchemaMigrationE2E.ARollingRestart*:SchemaMigrationE2E.Sigkill*:SchemaMigrationE2E.TwoOperators*:LeaderElection*:HostileDatabase*:MigrationFaults.*"
  "service_integration_tests Faults.*:Outbox.*:DeadLetters.*"
  "services_e2e_tests ServicesOnTheNode.*"
)
# C2 restarts its own server 10 times here (2 in make test).
export SCHEMASHIFT_FAULT_C2_RESTARTS="${SCHEMASHIFT_FAULT_C2_RESTARTS:-10}"
# C3 holds its blocker on the table this long during expand and again during contract (5 s in
# make test; the matrix asks 10 min, SCHEMASHIFT_FAULT_C3_HOLD_S=600 make faults runs that).
export SCHEMASHIFT_FAULT_C3_HOLD_S="${SCHEMASHIFT_FAULT_C3_HOLD_S:-60}"
export SCHEMASHIFT_STACK_DIR="$build/faults-stack"
trap 'bash "$REPO_ROOT/hack/stack.sh" down >/dev/null 2>&1 || true' EXIT
bash "$REPO_ROOT/hack/stack.sh" up
export SCHEMASHIFT_STACK_ENV="$SCHEMASHIFT_STACK_DIR/env"
# The pod suites need the images in the node and the charts' library dependency.
bash "$REPO_ROOT/hack/image.sh" all "$build"
bash "$REPO_ROOT/hack/services.sh" deps

rc=0 reports=()
rm -f "$out"/gtest-*.json
for ((round = 1; round <= ${FAULT_REPEAT:-3}; round++)); do
  for suite in "${SUITES[@]}"; do
    read -r prog filter <<<"$suite"
    log "== round $round of ${FAULT_REPEAT:-3}: $prog"
    "$build/bin/$prog" --gtest_filter="${FAULT_FILTER:-$filter}" \
      --gtest_output="json:$out/gtest-$round-$prog.json" || rc=$?
    reports+=("$out/gtest-$round-$prog.json")
  done
done
python3 "$REPO_ROOT/hack/faults_summary.py" "$out/summary.json" "$out/summary.md" "${reports[@]}"
log "the matrix as measured: $out/summary.md (and summary.json)"
exit "$rc"
