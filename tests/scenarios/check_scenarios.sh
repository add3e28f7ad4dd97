#!/usr/bin/env bash
# Keeps scenarios/ honest (docs/scenarios.md): the eight folders are there, each with its
# migration.yaml, its naive change and its README, and each manifest is one the project's
# own tools accept.
#   check_scenarios.sh plan SOURCE_DIR PLUGIN      no cluster: `kubectl-schemashift plan` of
#       every migration.yaml (the operator's parser and lint) must not refuse it; its flag
#       keys are keys a service declares, its Secrets the three hack/services.sh creates; the
#       naive files have their header, naive.patch still applies to the source, every README
#       is linked from scenarios/README.md and says how to apply its manifest.
#   check_scenarios.sh dry-run SOURCE_DIR          against the stack in SCHEMASHIFT_STACK_ENV:
#       `kubectl apply --dry-run=server` of every manifest in namespace shop (created for the
#       check if missing), so the CRD's own schema and CEL rules judge it; a warning fails too.
set -euo pipefail
MODE="${1:?plan or dry-run}" SRC="${2:?source dir}"
DIR="$SRC/scenarios"
SCENARIOS=(01-add-nullable-column 02-add-not-null-column 03-change-column-type 04-split-table
  05-rename-field 06-restructure-nested-object 07-deprecate-endpoint 08-evolve-event-payload)
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

# Every folder under scenarios/ is one of the eight, and each of the eight is there.
for d in "$DIR"/*/; do
  name="$(basename "$d")"
  [[ " ${SCENARIOS[*]} " == *" $name "* ]] || fail "scenarios/$name is not one of the eight"
done
for s in "${SCENARIOS[@]}"; do
  [[ -f "$DIR/$s/migration.yaml" ]] || fail "scenarios/$s/migration.yaml is missing"
done

check_static() {
  local s="$1" f out naive=0
  for f in "$DIR/$s"/naive.sql "$DIR/$s"/naive-flags.sql "$DIR/$s"/naive.env; do
    [[ -f "$f" ]] || continue
    naive=1
    # The header says what the naive change does, before any statement.
    head -n 1 "$f" | grep -Eq '^(--|#) Scenario [0-9]+, the naive' ||
      fail "scenarios/$s/$(basename "$f"): no header (a first line '-- Scenario N, the naive ...')"
  done
  if [[ -f "$DIR/$s/naive.patch" ]]; then
    naive=1
    head -n 1 "$DIR/$s/naive.patch" | grep -Eq '^Scenario [0-9]+, the naive' ||
      fail "scenarios/$s/naive.patch: no header"
    # The naive deploy is a change to today's code: it must still apply to it.
    (cd "$SRC" && git apply --check "$DIR/$s/naive.patch") ||
      fail "scenarios/$s/naive.patch no longer applies to the source"
  fi
  ((naive)) || fail "scenarios/$s has no naive change (naive.sql, naive-flags.sql, naive.env or naive.patch)"
  if [[ ! -f "$DIR/$s/README.md" ]]; then
    fail "scenarios/$s/README.md is missing"
  else
    grep -q "kubectl apply -f scenarios/$s/migration.yaml" "$DIR/$s/README.md" ||
      fail "scenarios/$s/README.md does not say how to apply scenarios/$s/migration.yaml"
    for f in "$DIR/$s"/naive*; do
      grep -q "$(basename "$f")" "$DIR/$s/README.md" ||
        fail "scenarios/$s/README.md does not mention $(basename "$f")"
    done
  fi
  grep -q "($s/)" "$DIR/README.md" || fail "scenarios/README.md does not link $s/"
  # The manifest fits the real services: each flag key is one a service declares, each
  # Secret one that hack/services.sh creates.
  local key ref
  while read -r key; do
    grep -rqF "\"$key\"" "$SRC"/services/*/*.h ||
      fail "scenarios/$s: flagKey $key is not a key any service declares (services/*/*.h)"
  done < <(sed -n 's/^ *flagKey: *\([^ #]*\).*/\1/p' "$DIR/$s/migration.yaml")
  while read -r ref; do
    [[ "$ref" =~ ^(customers|orders|fulfillment)-db$ ]] ||
      fail "scenarios/$s: Secret $ref is not one of customers-db, orders-db, fulfillment-db"
  done < <(grep -o 'secretRef: {name: [^,}]*' "$DIR/$s/migration.yaml" | sed 's/.*name: //')
}

case "$MODE" in
  plan)
    PLUGIN="${3:?the kubectl-schemashift binary}"
    [[ -f "$DIR/README.md" ]] || fail "scenarios/README.md is missing"
    for s in "${SCENARIOS[@]}"; do
      [[ -f "$DIR/$s/migration.yaml" ]] || continue
      check_static "$s"
      if ! out="$("$PLUGIN" plan "$DIR/$s/migration.yaml" 2>&1)"; then
        fail "kubectl-schemashift plan refused scenarios/$s/migration.yaml:"
        echo "$out" >&2
        continue
      fi
      # Every manifest is a migration in the shop namespace, with nothing left to lint.
      grep -q '^SchemaMigration shop/' <<<"$out" || fail "scenarios/$s: not in namespace shop"
      grep -q '^  Lint: no finding$' <<<"$out" || { fail "scenarios/$s: lint findings:"; echo "$out" >&2; }
      echo "$s: planned, no lint finding"
    done
    ;;
  dry-run)
    # shellcheck disable=SC1090
    source "${SCHEMASHIFT_STACK_ENV:?the test stack env}"
    # The CRD as other tests install it, so the manifests meet this source's validation.
    kubectl apply -f "$SRC/crds/" >/dev/null
    kubectl wait --for=condition=Established --timeout=60s crd/schemamigrations.schemashift.io >/dev/null
    created=""
    if ! kubectl get namespace shop >/dev/null 2>&1; then
      kubectl create namespace shop >/dev/null
      created=shop
    fi
    # shellcheck disable=SC2317  # run by the trap
    cleanup() { if [[ -n "$created" ]]; then kubectl delete namespace "$created" --wait=false >/dev/null; fi; }
    trap cleanup EXIT
    work="$(mktemp -d)"
    for s in "${SCENARIOS[@]}"; do
      [[ -f "$DIR/$s/migration.yaml" ]] || continue
      if ! kubectl apply --dry-run=server -f "$DIR/$s/migration.yaml" >"$work/out" 2>&1; then
        fail "the API server refused scenarios/$s/migration.yaml:"
        cat "$work/out" >&2
        continue
      fi
      if grep -qi warning "$work/out"; then
        fail "scenarios/$s/migration.yaml drew warnings:"
        grep -i warning "$work/out" >&2
        continue
      fi
      echo "$s: $(cat "$work/out")"
    done
    rm -rf "$work"
    ;;
  *)
    echo "usage: $0 plan SOURCE_DIR PLUGIN | dry-run SOURCE_DIR" >&2
    exit 2
    ;;
esac
exit "$failed"
