#!/usr/bin/env bash
# Starts, stops and reports on a local BigQuery emulator (bqemulator 1.4.0 from PyPI) for the
# BigQuery destination's tests and benchmark. Works on a fresh machine: the first `start` creates
# the virtualenv .venv-bq (git-ignored) from PyPI, then everything runs offline.
#
# Usage:
#   scripts/bqemulator.sh start [PORT]   # prints the emulator URL (e.g. http://127.0.0.1:40123) on stdout
#   scripts/bqemulator.sh stop           # stops the emulator this script started
#   scripts/bqemulator.sh status         # prints the URL and exits 0 if it runs, exits 1 otherwise
#   scripts/bqemulator.sh install        # only creates/updates the virtualenv
#
#   export BIGQUERY_EMULATOR_HOST="$(scripts/bqemulator.sh start)"
#
# Environment: PYTHON (default python3), BQEMU_VENV (default .venv-bq), BQEMU_STATE_DIR (pid, port
# and log; default .build/bqemulator), BQEMU_READY_TIMEOUT (seconds to wait for /readyz, default 60),
# BQEMU_PROJECT (default project, default test-proj).
#
# Offline fixes applied (see ../shared/destinations.md §1.2): duckdb pinned to 1.5.5 with the
# `spatial` extension installed from the PyPI wheel duckdb-extension-spatial (or, if that fails,
# the emulator's spatial loader patched out: only GEOGRAPHY is lost); BQEMU_ENABLE_FORMAT_EXTENSIONS=false
# (no avro download); numpy installed (needed at boot, undeclared).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="${BQEMU_VENV:-$ROOT/.venv-bq}"
STATE="${BQEMU_STATE_DIR:-$ROOT/.build/bqemulator}"
READY_TIMEOUT="${BQEMU_READY_TIMEOUT:-60}"
PROJECT="${BQEMU_PROJECT:-test-proj}"
PINS=(bqemulator==1.4.0 duckdb==1.5.5 duckdb-extension-spatial==1.5.5 numpy)
PINS_ID="${PINS[*]}"

say() { echo "bqemulator: $*" >&2; }
die() { say "error: $*"; exit 1; }

ensure_venv() {
    if [[ -x "$VENV/bin/python" && -f "$VENV/.tiktok-ads-pins" && "$(cat "$VENV/.tiktok-ads-pins")" == "$PINS_ID" ]]; then
        return 0
    fi
    local started=$SECONDS
    say "installing ${PINS_ID} into $VENV (first start only)"
    "$PYTHON" -m venv "$VENV" || die "cannot create the virtualenv $VENV with $PYTHON (is python3-venv installed?)"
    "$VENV/bin/pip" install --quiet "${PINS[@]}" >&2 \
        || die "pip could not install ${PINS_ID}; PyPI must be reachable for the first start"
    echo "$PINS_ID" > "$VENV/.tiktok-ads-pins"
    say "installed in $((SECONDS - started)) s"
}

# Copies the spatial extension from the PyPI wheel into ~/.duckdb so the emulator's own
# `INSTALL spatial` finds it offline. Prints "ok" or "fallback".
ensure_spatial() {
    "$VENV/bin/python" - <<'PY' 2>>"$STATE/install.log" || echo fallback
import glob, os, duckdb, duckdb_extension_spatial
version = duckdb.__version__
con = duckdb.connect()
try:
    con.execute("LOAD spatial")
except Exception:
    root = os.path.dirname(duckdb_extension_spatial.__file__)
    files = glob.glob(os.path.join(root, "**", "spatial.duckdb_extension"), recursive=True)
    files = [f for f in files if f"v{version}" in f] or files
    if not files:
        raise SystemExit(f"no spatial.duckdb_extension in {root}")
    con.execute(f"INSTALL '{files[0]}'")
    con.execute("LOAD spatial")
print("ok")
PY
}

free_port() {
    "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

answers() { # port
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/" 2>/dev/null && return 0
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

running_pid() {
    [[ -f "$STATE/pid" ]] || return 1
    local pid
    pid="$(cat "$STATE/pid")"
    kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

start() {
    local port="${1:-}"
    mkdir -p "$STATE"
    if pid="$(running_pid)"; then
        die "already running (pid $pid) at http://127.0.0.1:$(cat "$STATE/port"); run '$0 stop' first"
    fi
    ensure_venv
    if [[ -z "$port" ]]; then port="$(free_port)"; fi
    [[ "$port" =~ ^[0-9]+$ ]] || die "the port must be a number, not '$port'"
    if answers "$port"; then
        die "something already answers on 127.0.0.1:$port; choose another port or stop it"
    fi
    local spatial
    spatial="$(ensure_spatial)"
    local -a launch
    if [[ "$spatial" == ok ]]; then
        launch=("$VENV/bin/bqemulator")
    else
        say "warning: the spatial extension could not be installed from the wheel (see $STATE/install.log); starting without GEOGRAPHY support"
        launch=("$VENV/bin/python" -c 'import sys
from bqemulator.storage.engine import DuckDBEngine
DuckDBEngine._load_spatial = lambda *a, **k: None
from bqemulator.cli import main
sys.argv[0] = "bqemulator"
sys.exit(main())')
    fi
    : > "$STATE/emulator.log"
    BQEMU_ENABLE_FORMAT_EXTENSIONS=false setsid nohup "${launch[@]}" start \
        --rest-host 127.0.0.1 --rest-port "$port" --grpc-port 0 --project "$PROJECT" \
        --ephemeral --log-level warning >>"$STATE/emulator.log" 2>&1 < /dev/null &
    local pid=$!
    echo "$pid" > "$STATE/pid"
    echo "$port" > "$STATE/port"
    local deadline=$((SECONDS + READY_TIMEOUT)) started=$SECONDS
    until curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$port/readyz"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$STATE/emulator.log" >&2 || true
            rm -f "$STATE/pid"
            die "the emulator exited during start-up (log above, full log in $STATE/emulator.log)"
        fi
        if (( SECONDS >= deadline )); then
            tail -n 30 "$STATE/emulator.log" >&2 || true
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
            rm -f "$STATE/pid"
            die "not ready after ${READY_TIMEOUT}s (log above); raise BQEMU_READY_TIMEOUT if the machine is slow"
        fi
        sleep 0.2
    done
    say "ready in $((SECONDS - started)) s (pid $pid, log $STATE/emulator.log)"
    echo "http://127.0.0.1:$port"
}

stop() {
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$STATE/pid"
        say "not running"
        return 0
    fi
    # setsid made the emulator a process-group leader: signal its whole group.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$STATE/pid"
    say "stopped (pid $pid)"
}

status() {
    local pid
    if pid="$(running_pid)"; then
        echo "http://127.0.0.1:$(cat "$STATE/port")"
        say "running (pid $pid)"
    else
        say "not running"
        return 1
    fi
}

case "${1:-}" in
    start) shift; start "${1:-}" ;;
    stop) stop ;;
    status) status ;;
    install) mkdir -p "$STATE"; ensure_venv ;;
    *) echo "usage: $0 start [PORT] | stop | status | install" >&2; exit 2 ;;
esac
