#!/usr/bin/env bash
# The Singer tap and the Airbyte source against the pinned third-party tools their users run:
#   - `tiktok-ads singer` from the simulator piped into Singer's target-jsonl 0.1.4 (PyPI) writes, row for row, what
#     `tiktok-ads sync` loads into SQLite over the same advertisers and range; a second run given the last STATE
#     requests only the lookback window (the simulator's request log);
#   - every message of `tiktok-ads airbyte spec|check|discover|read` validates against airbyte-protocol-models 0.18.0
#     (PyPI); `read` with the state resumes incrementally; a wrong token gives CONNECTION_STATUS FAILED from `check`
#     (exit 0) and an ERROR trace from `read` (exit 1);
#   - no secret appears in any message, log, error or target file.
#
# Usage: scripts/protocol-targets.sh [PATH/TO/tiktok-ads]   (default .build/debug/tiktok-ads, built if missing)
# Environment: PYTHON (default python3), PROTOCOLS_VENV (default .venv-protocols), PROTOCOLS_OUT (artefacts; default a
#              new temporary directory), PROTOCOLS_SKIP_ON_INSTALL_FAILURE=1 (skip, not fail, when PyPI is unreachable).
# Prints one line per check, then "N passed, M failed"; exits non-zero if any check failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="${PROTOCOLS_VENV:-$ROOT/.venv-protocols}"
TARGET_PIN="target-jsonl==0.1.4"
MODELS_PIN="airbyte-protocol-models==0.18.0"

BIN="${1:-$ROOT/.build/debug/tiktok-ads}"
if [[ ! -x "$BIN" ]]; then
    echo "== building tiktok-ads ($BIN is missing)"
    (cd "$ROOT" && swift build --product tiktok-ads)
fi

# 1. One virtualenv with both pins (target-jsonl's singer-python and the pydantic models do not conflict).
if ! "$VENV/bin/python" - <<'PY' 2>/dev/null; then
import importlib.metadata as m, sys
sys.exit(0 if (m.version("target-jsonl"), m.version("airbyte-protocol-models")) == ("0.1.4", "0.18.0") else 1)
PY
    echo "== installing $TARGET_PIN and $MODELS_PIN into $VENV"
    rm -rf "$VENV"
    if ! { "$PYTHON" -m venv "$VENV" && "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$TARGET_PIN" "$MODELS_PIN"; }; then
        if [[ "${PROTOCOLS_SKIP_ON_INSTALL_FAILURE:-0}" == 1 ]]; then
            echo "protocol checks skipped: could not install $TARGET_PIN and $MODELS_PIN from PyPI"
            exit 0
        fi
        echo "error: could not install $TARGET_PIN and $MODELS_PIN from PyPI" >&2
        exit 2
    fi
fi

# 2. The simulator on a free port, its clock fixed at the start (every run below sees the same data).
OUT="${PROTOCOLS_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/protocol-targets.XXXXXX")}"
mkdir -p "$OUT"
SIM_LOG="$OUT/simulator.log"
SIM_PID=""
cleanup() {
    if [[ -n "$SIM_PID" ]] && kill -0 "$SIM_PID" 2>/dev/null; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

: >"$SIM_LOG"  # exists before the simulator's shell opens it, so the first look below never fails
"$BIN" simulate --port 0 --seed 42 --advertisers 2 --now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$SIM_LOG" 2>&1 &
SIM_PID=$!
PORT=""
ADVERTISERS=""
for _ in $(seq 1 150); do
    if ! kill -0 "$SIM_PID" 2>/dev/null; then
        echo "error: the simulator exited at start:" >&2
        cat "$SIM_LOG" >&2
        exit 2
    fi
    PORT="$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\)/open_api/.*#\1#p' "$SIM_LOG" | head -n 1)"
    ADVERTISERS="$(sed -n 's/^advertisers: //p' "$SIM_LOG" | head -n 1 | tr -d ' ')"
    [[ -n "$PORT" && -n "$ADVERTISERS" ]] && break
    sleep 0.2
done
if [[ -z "$PORT" || -z "$ADVERTISERS" ]]; then
    echo "error: the simulator did not print its port and advertisers within 30 s:" >&2
    cat "$SIM_LOG" >&2
    exit 2
fi
echo "== simulator pid $SIM_PID on port $PORT, advertisers $ADVERTISERS; artefacts in $OUT"

# 3. The checks.
status=0
"$VENV/bin/python" "$ROOT/scripts/protocol_targets.py" --tool "$BIN" --base "http://127.0.0.1:$PORT" \
    --advertisers "$ADVERTISERS" --target "$VENV/bin/target-jsonl" --out "$OUT" || status=$?
if ! kill -0 "$SIM_PID" 2>/dev/null; then
    simulator_status=0
    wait "$SIM_PID" 2>/dev/null || simulator_status=$?
    echo "error: the simulator (pid $SIM_PID) stopped during the checks with status $simulator_status; its log:" >&2
    cat "$SIM_LOG" >&2
    SIM_PID=""
elif [[ "$status" != 0 ]]; then
    echo "the simulator (pid $SIM_PID) is still running: $(ps -o stat=,etime=,nlwp= -p "$SIM_PID" 2>/dev/null), $(ls "/proc/$SIM_PID/fd" 2>/dev/null | wc -l) open files" >&2
fi
exit "$status"
