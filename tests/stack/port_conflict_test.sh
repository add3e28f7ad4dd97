#!/usr/bin/env bash
# A port that another process already holds stops `hack/stack.sh up` with a message naming
# the component, both when caught before start (the pre-flight check) and when the component
# itself fails to bind (the pre-flight check bypassed).
set -euo pipefail
repo="$1" dir="$2"
rm -rf "$dir"; mkdir -p "$dir"

holder_port() { # starts a listener on a free port; prints its port, pid in $dir/holder.pid
  python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
time.sleep(300)' >"$dir/holder.port" &
  echo $! >"$dir/holder.pid"
  for _ in $(seq 1 50); do [[ -s "$dir/holder.port" ]] && break; sleep 0.1; done
  cat "$dir/holder.port"
}
cleanup() {
  kill "$(cat "$dir/holder.pid" 2>/dev/null)" 2>/dev/null || true
  SCHEMASHIFT_STACK_DIR="$dir/stack" "$repo/hack/stack.sh" down >/dev/null 2>&1 || true
}
trap cleanup EXIT

port=$(holder_port)
set +e
out=$(SCHEMASHIFT_REAL_NODE=0 SCHEMASHIFT_STACK_DIR="$dir/stack" SCHEMASHIFT_PORT_KAFKA="$port" "$repo/hack/stack.sh" up 2>&1)
rc=$?
set -e
if [[ $rc -eq 0 ]]; then echo "FAIL: stack came up although kafka's port $port was taken"; exit 1; fi
if ! grep -q "kafka: port $port .* already in use" <<<"$out"; then
  echo "FAIL: the message does not name kafka and its port:"; echo "$out"; exit 1
fi
echo "ok: pre-flight names the component: $(grep 'already in use' <<<"$out")"

# Bypass the pre-flight: PostgreSQL itself fails to bind, and the script names it.
set +e
out=$(SCHEMASHIFT_REAL_NODE=0 SCHEMASHIFT_STACK_DIR="$dir/stack" SCHEMASHIFT_SKIP_PORT_CHECK=1 SCHEMASHIFT_PORT_POSTGRES_PRIMARY="$port" \
  "$repo/hack/stack.sh" up 2>&1)
rc=$?
set -e
if [[ $rc -eq 0 ]]; then echo "FAIL: stack came up although postgres-primary's port $port was taken"; exit 1; fi
if ! grep -q "postgres-primary did not start on port $port" <<<"$out"; then
  echo "FAIL: the start-up failure does not name postgres-primary:"; echo "$out"; exit 1
fi
echo "ok: start-up failure names the component and shows its log"
