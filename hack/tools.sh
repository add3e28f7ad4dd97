#!/usr/bin/env bash
# Builds or fetches every external component of the local stack into the cache
# ($SCHEMASHIFT_CACHE, outside the repo). Each tool is rebuilt only when its pinned version
# changes, so a second run takes seconds.
#   hack/tools.sh [all|k8s|etcd|kwok|helm|coredns|crictl|kafka|apicurio|flux]...
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$TOOLS_BIN" "$SCHEMASHIFT_CACHE/src"

# One build at a time per cache: a second checkout (or CI beside a developer) waits for the
# first instead of writing the same files at once, then finds them built.
exec 9>"$SCHEMASHIFT_CACHE/tools.lock"
if ! flock -n 9; then
  log "another hack/tools.sh is building into $SCHEMASHIFT_CACHE; waiting for it"
  flock 9
fi

stamp_ok() { [[ -f "$SCHEMASHIFT_CACHE/stamps/$1" && "$(cat "$SCHEMASHIFT_CACHE/stamps/$1")" == "$2" ]]; }
stamp_set() { mkdir -p "$SCHEMASHIFT_CACHE/stamps"; echo "$2" >"$SCHEMASHIFT_CACHE/stamps/$1"; }

# kube-apiserver, kube-controller-manager, kube-scheduler, and the real node's kubelet and
# kube-proxy, from k8s.io/kubernetes in one `go build` (one warm cache). Its go.mod
# replaces the staging modules (k8s.io/api, ...) with local paths, so a throwaway module
# requires k8s.io/kubernetes and replaces each of them with the published v0.<minor>.<patch>.
build_k8s() {
  local v="$K8S_VERSION" stage="v0${K8S_VERSION#v1}"
  stamp_ok k8s "$v" && [[ -x "$TOOLS_BIN/kube-apiserver" && -x "$TOOLS_BIN/kubelet" && -x "$TOOLS_BIN/kube-proxy" ]] && return 0
  log "building kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy $v (cold: many minutes)"
  local dir="$SCHEMASHIFT_CACHE/src/k8s-$v"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  go mod init schemashift.local/k8s-build >/dev/null 2>&1
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@$v" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  go mod edit -require="k8s.io/kubernetes@$v"
  # Every k8s.io module required at v0.0.0 is a staging module: pin it to the published tag.
  local m
  for m in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "$gomod" | sort -u); do
    go mod edit -replace="$m=$m@$stage"
  done
  cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
)
GO
  GOFLAGS="$GOFLAGS -mod=mod" go get "k8s.io/kubernetes/cmd/kube-apiserver@$v" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@$v" "k8s.io/kubernetes/cmd/kube-scheduler@$v" \
    "k8s.io/kubernetes/cmd/kubelet@$v" "k8s.io/kubernetes/cmd/kube-proxy@$v" >/dev/null
  local minor="${v#v1.}"; minor="${minor%%.*}"
  local ld="" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=2025-01-01T00:00:00Z"
  done
  GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "-s -w $ld" -o "$TOOLS_BIN/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
  stamp_set k8s "$v"
}

# etcd 3.5 from its server module (no replace lines needed).
build_etcd() {
  local v="$ETCD_VERSION"
  stamp_ok etcd "$v" && [[ -x "$TOOLS_BIN/etcd" ]] && return 0
  log "building etcd $v"
  local dir="$SCHEMASHIFT_CACHE/src/etcd-$v"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  go mod init schemashift.local/etcd-build >/dev/null 2>&1
  GOFLAGS="$GOFLAGS -mod=mod" go get "go.etcd.io/etcd/server/v3@$v" >/dev/null
  GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "-s -w" -o "$TOOLS_BIN/etcd" go.etcd.io/etcd/server/v3
  stamp_set etcd "$v"
}

build_kwok() {
  local v="$KWOK_VERSION"
  stamp_ok kwok "$v" && [[ -x "$TOOLS_BIN/kwok" ]] && return 0
  log "building kwok $v"
  GOBIN="$TOOLS_BIN" go install -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$v" \
    "sigs.k8s.io/kwok/cmd/kwok@$v"
  stamp_set kwok "$v"
}

build_helm() {
  local v="$HELM_VERSION" kminor="${K8S_VERSION#v1.}"; kminor="${kminor%%.*}"
  stamp_ok helm "$v" && [[ -x "$TOOLS_BIN/helm" ]] && return 0
  log "building helm $v"
  local ld="-s -w -X helm.sh/helm/v3/internal/version.version=$v -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  ld+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$kminor"
  ld+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$kminor"
  GOBIN="$TOOLS_BIN" go install -trimpath -ldflags "$ld" "helm.sh/helm/v3/cmd/helm@$v"
  stamp_set helm "$v"
}

# CoreDNS serves cluster DNS for the real node's pods.
build_coredns() {
  local v="$COREDNS_VERSION"
  stamp_ok coredns "$v" && [[ -x "$TOOLS_BIN/coredns" ]] && return 0
  log "building CoreDNS $v"
  GOBIN="$TOOLS_BIN" go install -trimpath -ldflags "-s -w -X github.com/coredns/coredns/coremain.GitCommit=v$v" \
    "github.com/coredns/coredns@v$v"
  stamp_set coredns "$v"
}

# crictl: a look at the node's containerd the way Kubernetes sees it (no Debian package).
build_crictl() {
  local v="$CRICTL_VERSION"
  stamp_ok crictl "$v" && [[ -x "$TOOLS_BIN/crictl" ]] && return 0
  log "building crictl $v"
  GOBIN="$TOOLS_BIN" go install -trimpath -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$v" \
    "sigs.k8s.io/cri-tools/cmd/crictl@$v"
  stamp_set crictl "$v"
}

# Flux's kustomize-controller and source-controller, built from their Go modules in one
# throwaway module (one `go build`, shared dependencies compiled once). Their go.mod files
# replace their own api/ submodules with local paths, which `go install pkg@version` refuses:
# the throwaway module requires each api module at the controller's version instead, and
# copies every versioned replace line of both. Their CRDs come from the same module source
# (config/crd/bases) and are kept beside the binaries, in $FLUX_DIR/crds.
build_flux() {
  local kc="$FLUX_KUSTOMIZE_CONTROLLER_VERSION" sc="$FLUX_SOURCE_CONTROLLER_VERSION"
  local key="kustomize-controller@$kc source-controller@$sc"
  stamp_ok flux "$key" && [[ -x "$FLUX_DIR/bin/kustomize-controller" && -x "$FLUX_DIR/bin/source-controller" \
    && -d "$FLUX_DIR/crds" ]] && return 0
  log "building Flux kustomize-controller $kc and source-controller $sc (cold: several minutes)"
  local dir="$SCHEMASHIFT_CACHE/src/flux-$kc-$sc"
  rm -rf "$dir" "$FLUX_DIR" && mkdir -p "$dir" "$FLUX_DIR/bin" "$FLUX_DIR/crds" && cd "$dir"
  go mod init schemashift.local/flux-build >/dev/null 2>&1
  local m v gomod
  for m in kustomize-controller@$kc source-controller@$sc; do
    gomod=$(go mod download -json "github.com/fluxcd/$m" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
    go mod edit -require="github.com/fluxcd/$m" -require="github.com/fluxcd/${m%@*}/api@${m#*@}"
    go mod edit -json "$gomod" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    if r["New"].get("Version"):
        print("%s=%s@%s" % (r["Old"]["Path"], r["New"]["Path"], r["New"]["Version"]))' |
      while read -r v; do go mod edit -replace="$v"; done
  done
  cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "github.com/fluxcd/kustomize-controller"
	_ "github.com/fluxcd/source-controller"
)
GO
  GOFLAGS="$GOFLAGS -mod=mod" go get "github.com/fluxcd/kustomize-controller@$kc" \
    "github.com/fluxcd/source-controller@$sc" >/dev/null
  GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "-s -w" -o "$FLUX_DIR/bin/" \
    github.com/fluxcd/kustomize-controller github.com/fluxcd/source-controller
  for m in kustomize-controller@$kc source-controller@$sc; do
    cp "$(go env GOMODCACHE)/github.com/fluxcd/$m"/config/crd/bases/*.yaml "$FLUX_DIR/crds/"
  done
  chmod u+w "$FLUX_DIR"/crds/*.yaml
  stamp_set flux "$key"
}

MVN=(mvn -B -q "-Dmaven.repo.local=$SCHEMASHIFT_CACHE/m2")

# Kafka broker: the runtime classpath of kafka_2.13 plus a logging backend.
fetch_kafka() {
  local v="$KAFKA_VERSION" dir="$SCHEMASHIFT_CACHE/kafka-$KAFKA_VERSION"
  stamp_ok kafka "$v" && [[ -d "$dir/libs" ]] && return 0
  log "fetching Kafka $v from Maven Central"
  rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
  cat >pom.xml <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.schemashift</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$v</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$v</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>
  </dependencies>
</project>
POM
  "${MVN[@]}" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/libs"
  stamp_set kafka "$v"
}

# Apicurio Registry: the whole application ships as one tar.gz on Maven Central.
fetch_apicurio() {
  local v="$APICURIO_VERSION" dir="$SCHEMASHIFT_CACHE/apicurio-$APICURIO_VERSION"
  stamp_ok apicurio "$v" && [[ -d "$dir/app" ]] && return 0
  log "fetching Apicurio Registry $v from Maven Central"
  rm -rf "$dir" && mkdir -p "$dir/app" && cd "$dir"
  "${MVN[@]}" dependency:copy "-Dartifact=io.apicurio:apicurio-registry-app:$v:tar.gz:all" -DoutputDirectory="$dir"
  tar -xzf "$dir"/apicurio-registry-app-*.tar.gz -C "$dir/app"
  rm -f "$dir"/apicurio-registry-app-*.tar.gz
  stamp_set apicurio "$v"
}

main() {
  local targets=("$@")
  ((${#targets[@]})) || targets=(all)
  for t in "${targets[@]}"; do
    case "$t" in
      all) main etcd kwok helm k8s coredns crictl kafka apicurio flux ;;
      k8s) (build_k8s) ;;
      etcd) (build_etcd) ;;
      kwok) (build_kwok) ;;
      helm) (build_helm) ;;
      kafka) (fetch_kafka) ;;
      apicurio) (fetch_apicurio) ;;
      coredns) (build_coredns) ;;
      crictl) (build_crictl) ;;
      flux) (build_flux) ;;
      *) die "unknown tool '$t' (expected all, k8s, etcd, kwok, helm, coredns, crictl, kafka, apicurio, flux)" ;;
    esac
  done
}
main "$@"
