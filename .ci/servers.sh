# Throwaway PostgreSQL and Chroma servers for the `servers` test suites (sourced, not run).
#
#   source .ci/servers.sh && start_test_servers   # exports TUTOR_TEST_DATABASE_URL, TUTOR_TEST_CHROMA_URL
#   .venv/bin/pytest -m servers
#   stop_test_servers
#
# PostgreSQL comes from Debian's `postgresql` package (installed with apt when no initdb is
# found); the cluster lives in a temporary folder, listens on a free loopback port and trusts
# local connections. initdb refuses to run as root, so as root the cluster belongs to the
# `postgres` user the package creates. Chroma is `chroma run` from the chromadb package in .venv.

_free_port() {
  .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; fi
}

_as_owner() {  # run a command as the cluster's owner
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start_test_servers() {
  # Under /tmp: as root the cluster's owner must reach it, which a private TMPDIR may forbid.
  TEST_SERVERS_DIR=$(mktemp -d /tmp/tutor-servers.XXXXXX)
  chmod 755 "$TEST_SERVERS_DIR"
  local pg_bin pg_port chroma_port
  pg_bin=$(_pg_bin)
  if [ -z "$pg_bin" ]; then
    echo "installing postgresql (apt)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pg_bin=$(_pg_bin)
  fi
  [ -n "$pg_bin" ] || { echo "error: no PostgreSQL binaries (initdb) after installing" >&2; return 1; }

  PG_DATA="$TEST_SERVERS_DIR/pg"
  mkdir "$PG_DATA"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_DATA"
  fi
  _as_owner "$pg_bin/initdb" -D "$PG_DATA" -U tutor -A trust -E UTF8 --no-sync >/dev/null
  pg_port=$(_free_port)
  # fsync off: a throwaway cluster; max_connections for two replicas plus the test processes.
  _as_owner "$pg_bin/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $pg_port -k $PG_DATA -F -c max_connections=200" start >/dev/null
  PG_CTL="$pg_bin/pg_ctl"
  _as_owner "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U tutor tutor
  export TUTOR_TEST_DATABASE_URL="postgresql+psycopg://tutor@127.0.0.1:$pg_port/tutor"

  chroma_port=$(_free_port)
  .venv/bin/chroma run --path "$TEST_SERVERS_DIR/chroma" --host 127.0.0.1 --port "$chroma_port" \
    >"$TEST_SERVERS_DIR/chroma.log" 2>&1 &
  CHROMA_PID=$!
  local tries=0
  until .venv/bin/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$chroma_port/api/v2/heartbeat', timeout=1)" 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 120 ] || ! kill -0 "$CHROMA_PID" 2>/dev/null; then
      echo "error: chroma run did not start:" >&2; cat "$TEST_SERVERS_DIR/chroma.log" >&2; return 1
    fi
    sleep 0.5
  done
  export TUTOR_TEST_CHROMA_URL="http://127.0.0.1:$chroma_port"
  echo "test servers: $TUTOR_TEST_DATABASE_URL $TUTOR_TEST_CHROMA_URL"
}

stop_test_servers() {
  if [ -n "${CHROMA_PID:-}" ]; then kill "$CHROMA_PID" 2>/dev/null || true; wait "$CHROMA_PID" 2>/dev/null || true; fi
  if [ -n "${PG_CTL:-}" ]; then _as_owner "$PG_CTL" -D "$PG_DATA" -m fast -w stop >/dev/null || true; fi
  if [ -n "${TEST_SERVERS_DIR:-}" ]; then rm -rf "$TEST_SERVERS_DIR"; fi
  unset CHROMA_PID PG_CTL PG_DATA TEST_SERVERS_DIR
}
