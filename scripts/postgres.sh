#!/usr/bin/env bash
# A throwaway PostgreSQL server for the receipt centre's tests and load runs: installs Debian's
# postgresql when missing, starts a private cluster on a free loopback port (trust auth, data in a
# temporary folder), runs the given command with IDPHOTO_TEST_POSTGRES set to its URL, then
# stops the server and removes its data.
# Usage: bash scripts/postgres.sh COMMAND [ARGS...]
set -euo pipefail

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pgbin)" ] || ! command -v psql >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing postgresql from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq postgresql >/dev/null \
    || { $sudo apt-get update -qq && $sudo apt-get install -y -qq postgresql >/dev/null; }
fi
BIN="$(pgbin)"

# PostgreSQL refuses to run as root: as root, the server runs as the package's postgres user
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}
DATA="$(mktemp -d /tmp/idphoto-pg.XXXXXX)"
[ "$(id -u)" -eq 0 ] && chown postgres "$DATA"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
as_pg "'$BIN/initdb' -D '$DATA/db' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >/dev/null
as_pg "'$BIN/pg_ctl' -D '$DATA/db' -l '$DATA/log' -w -o \"-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=on\" start" >/dev/null
stop() {
  as_pg "'$BIN/pg_ctl' -D '$DATA/db' -m fast -w stop" >/dev/null 2>&1 || true
  rm -rf "$DATA"
}
trap stop EXIT
export IDPHOTO_TEST_POSTGRES="postgres://postgres@127.0.0.1:$PORT/postgres"
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT"
"$@"
