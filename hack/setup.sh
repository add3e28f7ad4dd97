#!/usr/bin/env bash
# Installs the Debian packages schemashift builds and tests with. Idempotent: packages that
# are already installed are not touched, and apt-get runs only when something is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGES=(
  g++ cmake ninja-build pkg-config make
  libcpp-httplib-dev nlohmann-json3-dev libpqxx-dev librdkafka-dev libyaml-cpp-dev
  libspdlog-dev libgtest-dev libgmock-dev libssl-dev
  postgresql postgresql-contrib
  openssl curl python3 python3-venv maven openjdk-17-jre-headless kcat clang-format prometheus
  ccache libpg-query-dev
  libcli11-dev prometheus-cpp-dev
  gnuplot-nox  # scenario-report's latency pictures (tests/scenarios/report)
  shellcheck  # kind/'s scripts (tests/kind/static_checks.sh)
  chromium chromium-driver  # the dashboard's browser test (tests/e2e/dashboard_browser_test.cpp)
  containerd runc containernetworking-plugins iptables conntrack  # the real node (hack/stack.d/node.sh)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || die "go is required (Go toolchain on PATH) to build the Kubernetes control plane, kwok and helm"
log "Debian packages present"
