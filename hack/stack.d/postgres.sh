# PostgreSQL 15: a primary with pg_stat_statements and the three service databases, and a
# streaming replica made with pg_basebackup -R. Sourced by stack.sh.
#
# PostgreSQL refuses to run as root, so as root the servers run as the 'postgres' user, with
# their data in a private directory under /tmp (the checkout may not be reachable by that user).

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || dirname "$(command -v initdb)")}"

pg_as() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_datadir() {
  if [[ ! -f "$STACK_DIR/pg.path" ]]; then
    local d; d=$(mktemp -d /tmp/schemashift-pg.XXXXXX)
    chmod 755 "$d"
    [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$d"
    echo "$d" >"$STACK_DIR/pg.path"
  fi
  cat "$STACK_DIR/pg.path"
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1"; }

pg_start() { # name datadir port
  local name="$1" data="$2" port="$3" log="$STACK_DIR/logs/$1.log"
  pg_ready "$port" && return 0
  touch "$log"; [[ $(id -u) -eq 0 ]] && chown postgres "$log"
  pg_as "$PG_BIN/pg_ctl" -D "$data" -l "$log" -o "-p $port -k $data" -w -t 60 start >/dev/null \
    || { tail -n 40 "$log" >&2; die "$name did not start on port $port (log: $log)"; }
  wait_for "$name" 60 "$log" pg_ready "$port"
}

postgres_up() {
  local root; root=$(pg_datadir)
  local primary="$root/primary" replica="$root/replica"
  local pport="${PORTS[postgres-primary]}" rport="${PORTS[postgres-replica]}"
  if [[ ! -f "$primary/PG_VERSION" ]]; then
    log "postgres-primary: initdb"
    local pw="$root/pw"; printf '%s\n' "$PG_PASSWORD" >"$pw"; chmod 644 "$pw"
    pg_as "$PG_BIN/initdb" -D "$primary" -U postgres --pwfile="$pw" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$STACK_DIR/logs/initdb.log" 2>&1 \
      || { tail -n 20 "$STACK_DIR/logs/initdb.log" >&2; die "postgres-primary: initdb failed"; }
    rm -f "$pw"
    cat >>"$primary/postgresql.conf" <<CONF
listen_addresses = '$(node_listen_ips | tr ' ' ',')'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
track_io_timing = on
fsync = off
synchronous_commit = on
full_page_writes = off
max_connections = 300
shared_buffers = 256MB
log_min_messages = warning
CONF
    # The first matching line wins, so the file is written whole: local socket trusted (the
    # stack's own admin), replication from loopback trusted, everything else by password.
    cat >"$primary/pg_hba.conf" <<HBA
local all all trust
host replication replicator 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
host all all $NODE_POD_CIDR scram-sha-256
HBA
  fi
  pg_start postgres-primary "$primary" "$pport"
  # The role is not named like the state schema (schemashift): with the default search_path
  # ("$user", public) a migration's unqualified CREATE TABLE would land in that schema.
  if ! pg_as "$PG_BIN/psql" -w -h "$primary" -p "$pport" -U postgres -Atqc "select 1 from pg_roles where rolname='migrator'" | grep -q 1; then
    pg_as "$PG_BIN/psql" -w -h "$primary" -p "$pport" -U postgres -v ON_ERROR_STOP=1 -q <<SQL >/dev/null
CREATE ROLE replicator WITH REPLICATION LOGIN;
CREATE ROLE migrator WITH LOGIN SUPERUSER PASSWORD '$PG_PASSWORD';
CREATE DATABASE orders OWNER migrator;
CREATE DATABASE customers OWNER migrator;
CREATE DATABASE fulfillment OWNER migrator;
SQL
    local db
    for db in postgres orders customers fulfillment; do
      pg_as "$PG_BIN/psql" -w -h "$primary" -p "$pport" -U postgres -d "$db" -qc \
        'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
    done
  fi
  if [[ ! -f "$replica/PG_VERSION" ]]; then
    log "postgres-replica: pg_basebackup from the primary"
    # A physical slot keeps the WAL the replica still needs, so a replica that was stopped (or
    # fell behind during a big backfill) catches up instead of asking for removed segments.
    pg_as "$PG_BIN/psql" -w -h "$primary" -p "$pport" -U postgres -Atqc \
      "SELECT pg_drop_replication_slot('schemashift_replica') FROM pg_replication_slots WHERE slot_name = 'schemashift_replica'" >/dev/null
    pg_as "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U replicator -D "$replica" -R -X stream \
      -C -S schemashift_replica \
      -c fast -w </dev/null >"$STACK_DIR/logs/basebackup.log" 2>&1 \
      || { tail -n 20 "$STACK_DIR/logs/basebackup.log" >&2; die "postgres-replica: pg_basebackup failed"; }
  fi
  pg_start postgres-replica "$replica" "$rport"
  wait_for postgres-replica-streaming 60 "$STACK_DIR/logs/postgres-replica.log" \
    bash -c "[[ \$(PGPASSWORD='$PG_PASSWORD' psql -w -h 127.0.0.1 -p $pport -U postgres -d postgres -Atc 'select count(*) from pg_stat_replication where state = '\''streaming'\''') -ge 1 ]]"
}

postgres_down() {
  [[ -f "$STACK_DIR/pg.path" ]] || return 0
  local root; root=$(cat "$STACK_DIR/pg.path")
  local d
  for d in "$root/replica" "$root/primary"; do
    [[ -f "$d/postmaster.pid" ]] && pg_as "$PG_BIN/pg_ctl" -D "$d" -m immediate -w -t 30 stop >/dev/null 2>&1
  done
  rm -rf "$root"
  rm -f "$STACK_DIR/pg.path"
}
