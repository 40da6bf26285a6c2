#!/usr/bin/env bash
# Syncs two third-party TikTok Ads connectors from PyPI -- singer-io's tap-tiktok-ads
# 1.2.1 and Airbyte's airbyte-source-tiktok-marketing 4.7.0 -- against the TikTok API
# simulator (`tiktok-ads simulate`), to check that connectors written against the real
# API, not by us, sync from it without error.
#
# Usage: scripts/third-party-taps.sh [PATH/TO/tiktok-ads] [runner options...]
#   PATH/TO/tiktok-ads  the built tool (default: .build/debug/tiktok-ads, built if missing)
#   runner options      passed to scripts/third_party_taps.py run, e.g.
#                       --connectors singer | --stream ads_reports_daily | --show-requests
#                       | --include-out-of-scope | --airbyte-default-filters
# Environment: PYTHON (3.10-3.13, default python3), TAPS_VENV (default .venv-taps),
#              TAPS_OUT (artefacts; default a new temporary directory).
#
# Prints one line per stream (records emitted, or the error), then "N passed, M failed";
# exits non-zero if any stream failed.  Needs network access to PyPI only on the first
# run (to fill the virtualenvs); the connectors' requests to TikTok's hosts are re-pointed
# at the local simulator, and any other host is refused.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNNER="$ROOT/scripts/third_party_taps.py"
PYTHON="${PYTHON:-python3}"
# shellcheck source=lib/common.sh
source "$ROOT/scripts/lib/common.sh"
VENV="${TAPS_VENV:-$ROOT/.venv-taps}"
SINGER_PIN="tap-tiktok-ads==1.2.1"
AIRBYTE_PIN="airbyte-source-tiktok-marketing==4.7.0"

BIN=""
if [[ $# -gt 0 && "$1" != -* ]]; then
    BIN="$1"
    shift
fi
if [[ -z "$BIN" ]]; then
    BIN="$ROOT/.build/debug/tiktok-ads"
    if [[ ! -x "$BIN" ]]; then
        echo "== building tiktok-ads (no binary given and $BIN is missing)"
        (cd "$ROOT" && swift build --product tiktok-ads)
    fi
fi
if [[ ! -x "$BIN" ]]; then
    echo "error: $BIN is not an executable" >&2
    exit 2
fi

export THIRD_PARTY_TAPS_STARTED="$(date +%s)"

# 1. Virtualenvs (one per connector: their dependency pins differ).
"$PYTHON" - <<'PY' || { echo "error: $PYTHON must be Python 3.10-3.13 (airbyte-cdk's range)" >&2; exit 2; }
import sys
sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)
PY
ensure_venv "$VENV/singer" "${TAPS_SKIP_ON_INSTALL_FAILURE:-0}" "third-party connector check" "$SINGER_PIN"
ensure_venv "$VENV/airbyte" "${TAPS_SKIP_ON_INSTALL_FAILURE:-0}" "third-party connector check" "$AIRBYTE_PIN"

# 2. The simulator, on a free port (port 0: it prints the one it bound).
OUT="${TAPS_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/third-party-taps.XXXXXX")}"
mkdir -p "$OUT"
SIM_LOG="$OUT/simulator.log"
# The simulated clock stands still at the script's start: every connector, and the tiktok-ads sync the counts are
# compared with, reads the same world (a running clock lets an ad deliver its first impression between two reads).
export THIRD_PARTY_TAPS_NOW="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
start_simulator "$BIN" "$SIM_LOG" "$THIRD_PARTY_TAPS_NOW"
echo "== simulator pid $SIM_PID on port $PORT, advertisers $ADVERTISERS"

# 3. The connectors.
"$VENV/singer/bin/python" "$RUNNER" run \
    --base "http://127.0.0.1:$PORT" \
    --singer-python "$VENV/singer/bin/python" \
    --airbyte-python "$VENV/airbyte/bin/python" \
    --advertisers "$ADVERTISERS" \
    --tool "$BIN" \
    --out "$OUT" "$@"
