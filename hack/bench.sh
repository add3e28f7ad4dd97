#!/usr/bin/env bash
# `make bench`: runs every benchmark program in build/bin (bench_*), each writing its figures
# to build/bench/<id>.json and printing each figure beside its target (see
# docs/benchmarks.md). A program exits 2 when it missed a target and 1 when it
# could not run; this script runs them all, then names every benchmark that missed or failed
# and exits non-zero. Those that need the real components get a stack of their own
# (build/bench-stack), taken down afterwards. BENCH_ONLY="bench_b3 bench_b6" runs a subset.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build="$(cd "${1:-build}" && pwd)"
mkdir -p "$build/bench"
shopt -s nullglob
progs=("$build"/bin/bench_*)
if [[ -n "${BENCH_ONLY:-}" ]]; then
  progs=()
  for name in $BENCH_ONLY; do progs+=("$build/bin/$name"); done
fi
((${#progs[@]})) || die "no benchmark programs in $build/bin (run make build)"

export SCHEMASHIFT_STACK_DIR="$build/bench-stack"
trap 'bash "$REPO_ROOT/hack/stack.sh" down >/dev/null 2>&1 || true' EXIT
bash "$REPO_ROOT/hack/stack.sh" up
export SCHEMASHIFT_STACK_ENV="$SCHEMASHIFT_STACK_DIR/env"

missed=() failed=()
for p in "${progs[@]}"; do
  log "== $(basename "$p")"
  rc=0
  "$p" --out-dir "$build/bench" || rc=$?
  case $rc in
    0) ;;
    2) missed+=("$(basename "$p")") ;;
    *) failed+=("$(basename "$p") (exit $rc)") ;;
  esac
done
log "figures written to $build/bench/"
if ((${#missed[@]} + ${#failed[@]})); then
  ((${#missed[@]})) && log "MISSED a target: ${missed[*]}"
  ((${#failed[@]})) && log "FAILED to run: ${failed[*]}"
  exit 1
fi
log "every benchmark met its targets"
