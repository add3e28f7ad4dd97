#!/usr/bin/env bash
# `make bench`: runs every benchmark program in build/bin (bench_*), each writing its figures
# to build/bench/<id>.json. Benchmarks print ratios against a baseline measured in the same
# run (see ../shared/design/benchmarks.md); they are not pass/fail tests.
set -euo pipefail
build="${1:-build}"
mkdir -p "$build/bench"
shopt -s nullglob
progs=("$build"/bin/bench_*)
if ((${#progs[@]} == 0)); then
  echo "no benchmark programs in $build/bin" >&2
  exit 1
fi
for p in "${progs[@]}"; do
  echo "== $(basename "$p")"
  "$p" --out-dir "$build/bench"
done
