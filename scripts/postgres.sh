#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL server for the PostgreSQL destination's tests and benchmark: a new
# cluster in a temporary directory, on a free local port, listening on 127.0.0.1 only, with a password
# (SCRAM) for its test user, so the password path is what the tests use.
#
# Usage:
#   scripts/postgres.sh start [PORT]   # prints the connection URL (postgres://tiktok_test:PASSWORD@127.0.0.1:PORT/tiktok_ads_test)
#   scripts/postgres.sh stop           # stops the server this script started and deletes its cluster (idempotent)
#   scripts/postgres.sh status         # prints the URL and exits 0 if it runs, exits 1 otherwise
#
#   export POSTGRES_TEST_URL="$(scripts/postgres.sh start)"
#
# The test user owns the test database (it may create schemas in it) and may create roles (the tests make
# a role without privileges to check the refusal). PostgreSQL refuses to run as root: as root the cluster is
# owned by PG_RUN_USER (default: `postgres`, created with useradd if missing); otherwise by the caller.
#
# Environment: PG_BIN (the server's bin directory; default: the newest /usr/lib/postgresql/*/bin, else the
# directory of `initdb` on PATH), PG_STATE_DIR (pid, port, URL and the cluster's path; default
# .build/postgres), PG_RUN_USER (see above).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${PG_STATE_DIR:-$ROOT/.build/postgres}"
USER_NAME=tiktok_test
DATABASE=tiktok_ads_test

say() { echo "postgres: $*" >&2; }
die() { say "error: $*"; exit 1; }

find_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then echo "$PG_BIN"; return 0; fi
    local newest
    newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$newest" && -x "$newest/initdb" ]]; then echo "$newest"; return 0; fi
    local initdb
    initdb="$(command -v initdb || true)"
    [[ -n "$initdb" ]] || return 1
    dirname "$(readlink -f "$initdb")"
}

# Runs a command as the cluster's owner.
as_owner() {
    if [[ -n "$RUN_USER" ]]; then runuser -u "$RUN_USER" -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
        || echo $((20000 + RANDOM % 20000))
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running() {
    [[ -f "$STATE/data" && -f "$STATE/url" ]] || return 1
    local data
    data="$(cat "$STATE/data")"
    [[ -f "$data/cluster/postmaster.pid" ]] || return 1
    kill -0 "$(head -n 1 "$data/cluster/postmaster.pid")" 2>/dev/null
}

start() {
    local port="${1:-}"
    mkdir -p "$STATE"
    if running; then
        die "already running at $(sed -E 's#//([^:]*):[^@]*@#//\1@#' "$STATE/url"); run '$0 stop' first"
    fi
    local bin
    bin="$(find_bin)" || die "no PostgreSQL server found (initdb); install Debian's postgresql package, or set PG_BIN"
    RUN_USER=""
    if [[ "$(id -u)" == 0 ]]; then
        RUN_USER="${PG_RUN_USER:-postgres}"
        if ! id "$RUN_USER" >/dev/null 2>&1; then
            useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_USER" || die "cannot create the user $RUN_USER to own the cluster"
        fi
    fi
    if [[ -z "$port" ]]; then port="$(free_port)"; fi
    [[ "$port" =~ ^[0-9]+$ ]] || die "the port must be a number, not '$port'"
    answers "$port" && die "something already answers on 127.0.0.1:$port; choose another port or stop it"

    local data password
    data="$(mktemp -d "${TMPDIR:-/tmp}/tiktok-ads-pg.XXXXXX")"
    password="$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    [[ -n "$RUN_USER" ]] && chown "$RUN_USER" "$data"
    chmod 700 "$data"
    echo "$data" > "$STATE/data"
    local pwfile="$data/.pw"
    ( umask 077; echo "$password" > "$pwfile" )
    [[ -n "$RUN_USER" ]] && chown "$RUN_USER" "$pwfile"
    as_owner "$bin/initdb" -D "$data/cluster" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >"$data/initdb.log" 2>&1 \
        || { cat "$data/initdb.log" >&2; die "initdb failed"; }
    {
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $port"
        echo "unix_socket_directories = '$data'"
        echo "max_connections = 200"
        echo "password_encryption = 'scram-sha-256'"
    } >> "$data/cluster/postgresql.conf"
    as_owner "$bin/pg_ctl" -D "$data/cluster" -l "$data/server.log" -w -t 60 start >&2 \
        || { tail -n 30 "$data/server.log" >&2 || true; die "the server did not start (log above)"; }
    local psql=("$bin/psql" -h "$data" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q)
    as_owner "${psql[@]}" -c "CREATE ROLE $USER_NAME LOGIN CREATEROLE PASSWORD '$password'" \
        -c "CREATE DATABASE $DATABASE OWNER $USER_NAME" >&2 || die "cannot create the test user and database"
    rm -f "$pwfile"
    echo "postgres://$USER_NAME:$password@127.0.0.1:$port/$DATABASE" > "$STATE/url"
    chmod 600 "$STATE/url"
    echo "$port" > "$STATE/port"
    echo "$bin" > "$STATE/bin"
    echo "$RUN_USER" > "$STATE/owner"
    say "ready on 127.0.0.1:$port (cluster $data/cluster, log $data/server.log)"
    cat "$STATE/url"
}

stop() {
    if [[ ! -f "$STATE/data" ]]; then
        say "not running"
        return 0
    fi
    local data bin
    data="$(cat "$STATE/data")"
    bin="$(cat "$STATE/bin" 2>/dev/null || find_bin || true)"
    RUN_USER="$(cat "$STATE/owner" 2>/dev/null || true)"
    if [[ -f "$data/cluster/postmaster.pid" && -n "$bin" ]]; then
        as_owner "$bin/pg_ctl" -D "$data/cluster" -m fast -w -t 60 stop >&2 || true
    fi
    if [[ -f "$data/cluster/postmaster.pid" ]]; then
        local pid
        pid="$(head -n 1 "$data/cluster/postmaster.pid")"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    case "$data" in
        */tiktok-ads-pg.*) rm -rf "$data" ;;
    esac
    rm -f "$STATE/data" "$STATE/url" "$STATE/port" "$STATE/bin" "$STATE/owner"
    say "stopped"
}

status() {
    if running; then
        cat "$STATE/url"
        say "running"
    else
        say "not running"
        return 1
    fi
}

case "${1:-}" in
    start) shift; start "${1:-}" ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start [PORT] | stop | status" >&2; exit 2 ;;
esac
