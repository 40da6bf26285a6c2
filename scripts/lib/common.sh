# Shared by the scripts that check tiktok-ads against third-party tools from PyPI (third-party-taps.sh,
# protocol-targets.sh): a pinned virtualenv, and the simulator on a free port. Source it; it defines functions only.

# ensure_venv DIR SKIP LABEL REQUIREMENT...: DIR holds exactly the pinned NAME==VERSION requirements, installed from
# PyPI when it does not. An install that fails exits 0 with "LABEL skipped: …" when SKIP is 1, else exits 2.
ensure_venv() {
    local dir="$1" skip="$2" label="$3"
    shift 3
    local wanted="$*"
    if [[ -x "$dir/bin/python" ]] && "$dir/bin/python" - "$@" <<'PY' 2>/dev/null; then
import importlib.metadata as m, sys
sys.exit(0 if all(m.version(name) == version for name, version in (r.split("==") for r in sys.argv[1:])) else 1)
PY
        return 0
    fi
    echo "== installing ${wanted// / and } into $dir"
    rm -rf "$dir"
    if ! { "$PYTHON" -m venv "$dir" && "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$@"; }; then
        if [[ "$skip" == 1 ]]; then
            echo "$label skipped: could not install ${wanted// / and } from PyPI"
            exit 0
        fi
        echo "error: could not install ${wanted// / and } from PyPI" >&2
        exit 2
    fi
}

# start_simulator BIN LOG NOW: `BIN simulate` on a free port with its clock fixed at NOW, logging to LOG; sets SIM_PID,
# PORT and ADVERTISERS (comma-separated) once it has printed them, and stops it when the script exits.
SIM_PID=""
stop_simulator() {
    if [[ -n "$SIM_PID" ]] && kill -0 "$SIM_PID" 2>/dev/null; then
        kill "$SIM_PID" 2>/dev/null || true
        wait "$SIM_PID" 2>/dev/null || true
    fi
}
start_simulator() {
    local bin="$1" log="$2" now="$3"
    trap stop_simulator EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    : >"$log"  # exists before the simulator's shell opens it, so the first look below never fails
    "$bin" simulate --port 0 --seed 42 --advertisers 2 --now "$now" >"$log" 2>&1 &
    SIM_PID=$!
    PORT=""
    ADVERTISERS=""
    for _ in $(seq 1 150); do
        if ! kill -0 "$SIM_PID" 2>/dev/null; then
            echo "error: the simulator exited at start:" >&2
            cat "$log" >&2
            exit 2
        fi
        PORT="$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\)/open_api/.*#\1#p' "$log" | head -n 1)"
        ADVERTISERS="$(sed -n 's/^advertisers: //p' "$log" | head -n 1 | tr -d ' ')"
        [[ -n "$PORT" && -n "$ADVERTISERS" ]] && return 0
        sleep 0.2
    done
    echo "error: the simulator did not print its port and advertisers within 30 s:" >&2
    cat "$log" >&2
    exit 2
}
