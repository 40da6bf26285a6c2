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
# shellcheck source=lib/common.sh
source "$ROOT/scripts/lib/common.sh"
VENV="${PROTOCOLS_VENV:-$ROOT/.venv-protocols}"
TARGET_PIN="target-jsonl==0.1.4"
MODELS_PIN="airbyte-protocol-models==0.18.0"

BIN="${1:-$ROOT/.build/debug/tiktok-ads}"
if [[ ! -x "$BIN" ]]; then
    echo "== building tiktok-ads ($BIN is missing)"
    (cd "$ROOT" && swift build --product tiktok-ads)
fi

# 1. One virtualenv with both pins (target-jsonl's singer-python and the pydantic models do not conflict).
ensure_venv "$VENV" "${PROTOCOLS_SKIP_ON_INSTALL_FAILURE:-0}" "protocol checks" "$TARGET_PIN" "$MODELS_PIN"

# 2. The simulator on a free port, its clock fixed at the start (every run below sees the same data).
OUT="${PROTOCOLS_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/protocol-targets.XXXXXX")}"
mkdir -p "$OUT"
SIM_LOG="$OUT/simulator.log"
start_simulator "$BIN" "$SIM_LOG" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
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
