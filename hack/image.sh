#!/usr/bin/env bash
# Images without Docker or a registry: packs a binary, the shared libraries it links, CA
# certificates and a non-root user into an image tarball (hack/node/image.py), and imports
# tarballs into the real node's containerd. Pods use them with imagePullPolicy: Never.
#
#   hack/image.sh build TAG OUT.tar ENTRYPOINT-BINARY   one image whose entrypoint is the binary
#   hack/image.sh import OUT.tar...                     into the node's containerd (k8s.io)
#   hack/image.sh all BUILD_DIR [BINARY...]             the project's images, from BUILD_DIR/bin,
#                                                       into BUILD_DIR/images, imported when a
#                                                       real node runs on this machine; with
#                                                       names, only the images of those binaries
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The project's images: tag, binary under BUILD_DIR/bin, path inside the image.
IMAGES=(
  "schemashift.local/operator:dev schemashift-operator /usr/local/bin/schemashift-operator"
  "schemashift.local/smoke:dev smoke-server /usr/local/bin/smoke-server"
  "schemashift.local/customers:dev customers-service /usr/local/bin/customers-service"
  "schemashift.local/orders:dev orders-service /usr/local/bin/orders-service"
  "schemashift.local/fulfillment:dev fulfillment-service /usr/local/bin/fulfillment-service"
)
NODE_OWNER_FILE=/run/schemashift/real-node.owner

image_build() { # tag out binary [dest]
  local tag="$1" out="$2" binary="$3" dest="${4:-/usr/local/bin/$(basename "$3")}"
  [[ -x "$binary" ]] || die "image $tag: no binary $binary (build it first: make build)"
  mkdir -p "$(dirname "$out")"
  python3 "$REPO_ROOT/hack/node/image.py" --tag "$tag" --out "$out" \
    --binary "$binary:$dest" --entrypoint "$dest"
}

# The real node's containerd socket, whichever stack owns the node ("" when none runs).
node_socket() {
  local owner sock
  owner=$(cat "$NODE_OWNER_FILE" 2>/dev/null) || return 0
  sock="$owner/node/containerd/containerd.sock"
  [[ -S "$sock" ]] && ctr --address "$sock" version >/dev/null 2>&1 && echo "$sock"
  return 0
}

image_import() {
  local sock; sock=$(node_socket)
  [[ -n "$sock" ]] || die "no real node runs on this machine (start one: make stack-up)"
  local t
  for t in "$@"; do
    ctr --address "$sock" -n k8s.io images import "$t" >/dev/null
    log "imported $(basename "$t") into the real node ($sock)"
  done
}

image_all() {
  local build="${1:?usage: $0 all BUILD_DIR [BINARY...]}" spec tag bin dest name tars=() only=" ${*:2} "
  build="$(cd "$build" && pwd)"
  for name in "${@:2}"; do
    printf '%s\n' "${IMAGES[@]}" | grep -q " $name " || die "no image for binary '$name' in IMAGES"
  done
  for spec in "${IMAGES[@]}"; do
    read -r tag bin dest <<<"$spec"
    [[ "$only" == "  " || "$only" == *" $bin "* ]] || continue
    local out="$build/images/${bin}.tar"
    # Rebuilt only when the binary is newer than its image.
    if [[ ! -f "$out" || "$build/bin/$bin" -nt "$out" ]]; then
      image_build "$tag" "$out" "$build/bin/$bin" "$dest" >&2
    fi
    tars+=("$out")
  done
  if [[ -n "$(node_socket)" ]]; then
    image_import "${tars[@]}"
  else
    log "images built in $build/images; no real node runs here, so nothing was imported"
  fi
}

case "${1:-}" in
  build) shift; image_build "$@" ;;
  import) shift; image_import "$@" ;;
  all) shift; image_all "$@" ;;
  *) echo "usage: $0 build TAG OUT.tar BINARY | import OUT.tar... | all BUILD_DIR [BINARY...]" >&2; exit 2 ;;
esac
