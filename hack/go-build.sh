#!/usr/bin/env bash
# go-build.sh MODULE_DIR OUT_DIR: builds every command of a Go module of the project's own
# (the GitOps test harnesses) with the module and build caches outside the checkout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$1"
GOFLAGS="-mod=mod -buildvcs=false" go build -o "$2/" ./cmd/...
