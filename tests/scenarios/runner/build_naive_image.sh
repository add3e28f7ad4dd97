#!/usr/bin/env bash
# The naive build of a service for a scenario whose naive change is code (scenario 6's
# naive.patch): the checkout's tracked files copied aside, the patch applied as the hurried
# team would, the service compiled in the copy's build/ (the same relative paths as the
# checkout's build/, so ccache serves every file but the patched one), packed into
# schemashift.local/SERVICE:TAG and imported into the real node. Rebuilt only when the patch or
# the sources change.
#   build_naive_image.sh SOURCE_DIR BUILD_DIR SLUG PATCH SERVICE TAG
set -euo pipefail
SRC="$1" BUILD="$2" SLUG="$3" PATCH="$4" SERVICE="$5" TAG="$6"
WORK="$BUILD/scenarios/naive-src/$SLUG"
stamp_of() { (cd "$SRC" && git ls-files -s services operator CMakeLists.txt; cat "scenarios/$SLUG/$PATCH") | sha256sum | cut -c1-16; }
stamp="$WORK/.built-$(stamp_of)"
if [[ ! -f "$stamp" ]]; then
  rm -rf "$WORK"
  mkdir -p "$WORK/src"
  (cd "$SRC" && git ls-files -z | xargs -0 cp --parents -t "$WORK/src")
  patch -s -p1 -d "$WORK/src" <"$SRC/scenarios/$SLUG/$PATCH"
  cmake -S "$WORK/src" -B "$WORK/src/build" -G Ninja -DSCHEMASHIFT_TESTS=OFF >/dev/null
  nice cmake --build "$WORK/src/build" --target "$SERVICE-service" >/dev/null
  touch "$stamp"
fi
bash "$SRC/hack/image.sh" build "schemashift.local/$SERVICE:$TAG" "$WORK/$SERVICE-$TAG.tar" \
  "$WORK/src/build/bin/$SERVICE-service" >/dev/null
bash "$SRC/hack/image.sh" import "$WORK/$SERVICE-$TAG.tar" >/dev/null
