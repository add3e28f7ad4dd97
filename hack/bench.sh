#!/usr/bin/env bash
# `make bench`: runs every benchmark program in build/bin (bench_*), each writing its figures
# to build/bench/<id>.json. Benchmarks print ratios against a baseline measured in the same
# run (see docs/benchmarks.md); they are not pass/fail tests. Those that need the
# real components get a stack of their own (build/bench-stack), taken down afterwards.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build="$(cd "${1:-build}" && pwd)"
mkdir -p "$build/bench"
shopt -s nullglob
progs=("$build"/bin/bench_*)
((${#progs[@]})) || die "no benchmark programs in $build/bin (run make build)"

export SCHEMASHIFT_STACK_DIR="$build/bench-stack"
trap 'bash "$REPO_ROOT/hack/stack.sh" down >/dev/null 2>&1 || true' EXIT
bash "$REPO_ROOT/hack/stack.sh" up
export SCHEMASHIFT_STACK_ENV="$SCHEMASHIFT_STACK_DIR/env"

for p in "${progs[@]}"; do
  log "== $(basename "$p")"
  "$p" --out-dir "$build/bench"
done
log "figures written to $build/bench/"
