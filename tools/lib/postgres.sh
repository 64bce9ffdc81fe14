# Shell functions to run a private PostgreSQL cluster, sourced by tools/test, tools/run and tools/bench.
# As root, initdb refuses to run, so the cluster belongs to the postgres user.

PG_BIN_DIR="${PG_BIN_DIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"

# Runs a command as the postgres user when we are root, as ourselves otherwise.
pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# pg_init DIR: creates a cluster in DIR/data unless one is there. Extra args: more initdb flags.
pg_init() {
  local dir="$1"
  shift
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_as_owner "$PG_BIN_DIR/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 "$@" \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  fi
}

# pg_start DIR PORT [postgres -c options...]: starts the cluster on 127.0.0.1:PORT, socket in DIR.
pg_start() {
  local dir="$1" port="$2"
  shift 2
  local opts="-k $dir -p $port -c listen_addresses=127.0.0.1"
  local o
  for o in "$@"; do opts="$opts -c $o"; done
  pg_as_owner "$PG_BIN_DIR/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -o "$opts" start \
    >/dev/null || { tail -n 20 "$dir/postgres.log" >&2; return 1; }
}

# pg_stop DIR: stops the cluster (fast shutdown) if it runs.
pg_stop() {
  local dir="$1"
  if [ -f "$dir/data/postmaster.pid" ]; then
    pg_as_owner "$PG_BIN_DIR/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
}
