#!/usr/bin/env bash
# The Python tools the tests use, in a virtualenv in the cache (never in the checkout):
# openapi-spec-validator (is an OpenAPI document valid?) and jsonschema (does a response
# match the document's schema?). Idempotent; prints the venv's python.
#
#   hack/py-tools.sh          make or reuse the venv, print the path of its python
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PY_TOOLS_REQUIREMENTS=(
  "openapi-spec-validator==0.7.1"
  "jsonschema>=4.18,<5"
)
VENV="$SCHEMASHIFT_CACHE/py-tools"
STAMP="$VENV/.requirements"
WANT="$(printf '%s\n' "${PY_TOOLS_REQUIREMENTS[@]}")"

mkdir -p "$SCHEMASHIFT_CACHE"
# One installer at a time: tests may ask concurrently.
exec 9>"$SCHEMASHIFT_CACHE/py-tools.lock"
flock 9
if [[ ! -x "$VENV/bin/python" ]] || [[ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]]; then
  log "making the Python tools venv in $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: python3-venv)"
  "$VENV/bin/python" -m pip install -q "${PY_TOOLS_REQUIREMENTS[@]}" >&2 ||
    die "pip could not install ${PY_TOOLS_REQUIREMENTS[*]}"
  "$VENV/bin/python" -c "import openapi_spec_validator, jsonschema" ||
    die "the Python tools do not import"
  printf '%s' "$WANT" >"$STAMP"
fi
echo "$VENV/bin/python"
