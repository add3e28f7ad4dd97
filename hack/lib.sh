#!/usr/bin/env bash
# Shared helpers for the hack/ scripts: cache location, logging, ports, waiting.
# Sourced, never run.

SCHEMASHIFT_CACHE="${SCHEMASHIFT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/schemashift}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="$SCHEMASHIFT_CACHE/bin"

# Pinned versions: one place to change them.
K8S_VERSION="${K8S_VERSION:-v1.32.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.5.17}"
KWOK_VERSION="${KWOK_VERSION:-v0.7.0}"
HELM_VERSION="${HELM_VERSION:-v3.17.3}"
KAFKA_VERSION="${KAFKA_VERSION:-3.9.1}"
APICURIO_VERSION="${APICURIO_VERSION:-3.0.9}"
COREDNS_VERSION="${COREDNS_VERSION:-1.12.1}"
CRICTL_VERSION="${CRICTL_VERSION:-v1.34.0}"
# Flux 2.7's controllers: the newest Flux line whose supported Kubernetes range (1.32-1.34)
# includes the stack's 1.32, built against client-go 0.34 (docs/gitops.md).
FLUX_KUSTOMIZE_CONTROLLER_VERSION="${FLUX_KUSTOMIZE_CONTROLLER_VERSION:-v1.7.3}"
FLUX_SOURCE_CONTROLLER_VERSION="${FLUX_SOURCE_CONTROLLER_VERSION:-v1.7.3}"
FLUX_DIR="$SCHEMASHIFT_CACHE/flux-kc-$FLUX_KUSTOMIZE_CONTROLLER_VERSION-sc-$FLUX_SOURCE_CONTROLLER_VERSION"

export GOTOOLCHAIN=local
# The module proxy reachable here does not serve the checksum database; the throwaway build
# modules still record go.sum locally.
export GOSUMDB="${GOSUMDB_OVERRIDE:-off}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export GOMODCACHE="${GOMODCACHE_OVERRIDE:-$SCHEMASHIFT_CACHE/go/mod}"
export GOCACHE="${GOCACHE_OVERRIDE:-$SCHEMASHIFT_CACHE/go/build}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# free_port: ask the kernel for a free loopback TCP port.
free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# port_in_use PORT: true when something listens on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_for NAME TIMEOUT LOGFILE CMD...: run CMD until it succeeds; on timeout name the
# component and print the tail of its log, then fail.
wait_for() {
  local name="$1" timeout="$2" logfile="$3"; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      printf '[%s] ERROR: %s did not become ready within %ss\n' "$(date +%H:%M:%S)" "$name" "$timeout" >&2
      if [[ -n "$logfile" && -f "$logfile" ]]; then
        printf -- '--- last lines of %s ---\n' "$logfile" >&2
        tail -n 40 "$logfile" >&2
      fi
      return 1
    fi
    sleep 0.5
  done
}
