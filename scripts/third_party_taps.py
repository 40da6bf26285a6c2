#!/usr/bin/env python3
"""Run two third-party TikTok Ads connectors from PyPI against the TikTok API simulator.

The connectors are used exactly as installed (nothing in their files is edited):

* singer-io ``tap-tiktok-ads`` (module ``tap_tiktok_ads``), and
* Airbyte ``airbyte-source-tiktok-marketing`` (module ``source_tiktok_marketing``).

Both hard-code the production host ``https://business-api.tiktok.com`` (the sandbox
host ``https://sandbox-ads.tiktok.com`` is the only alternative they know), and both
send their HTTP traffic through ``requests``.  The ``exec`` mode of this file
therefore patches ``requests.adapters.HTTPAdapter.send`` -- the last step before a
request hits the socket -- so that a URL on one of those two hosts is re-pointed at
the simulator (path and query untouched), logs every request and answer to a JSONL
file, refuses any other host (nothing leaves the machine), and then calls the
connector's own entry point with its own command-line arguments.

The ``run`` mode drives both connectors: discovery, then a sync of every stream
(singer: one process per stream, because the tap stops at its first error;
Airbyte: one read of all streams, per-stream status from its STREAM_STATUS/ERROR
trace messages), and prints one line per stream with the records emitted or the
error, then ``N passed, M failed``.  Exit status 1 when any stream failed.

Usage (see scripts/third-party-taps.sh, which starts the simulator):

    python third_party_taps.py run --base http://127.0.0.1:PORT \
        --singer-python .venv-taps/singer/bin/python \
        --airbyte-python .venv-taps/airbyte/bin/python \
        --advertisers ID1,ID2 --out /tmp/taps
"""
from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import re
import subprocess
import sys
import threading
import time
from urllib.parse import parse_qsl, urlsplit

PRODUCTION_HOSTS = ("https://business-api.tiktok.com", "https://sandbox-ads.tiktok.com")

# Airbyte streams whose endpoints are outside the simulator's documented scope
# (/work/shared/tiktok-api.md covers advertisers, campaigns, ad groups, ads,
# report/integrated/get, custom audiences and OAuth).  Skipped unless asked for.
# The creative library's videos and images (file/video/ad/search/, file/image/ad/search/) are in scope: tiktok-ads
# imports them as creative_assets_videos / creative_assets_images.
AIRBYTE_OUT_OF_SCOPE = {
    "creative_assets_music": "file/music/get/ (music for ads, not the ads' own creatives)",
    "creative_assets_portfolios": "creative/portfolio/list/ (creative portfolios, not named by ad/get)",
    "spark_ads": "tt_video/list/",
    "pixels": "pixel/list/",
    "pixel_instant_page_events": "pixel/instant_page/event/",
    "pixel_events_statistics": "pixel/event/stats/",
}


# ---------------------------------------------------------------------------
# exec mode: runs inside the connector's own virtualenv
# ---------------------------------------------------------------------------

def install_redirect(base: str, log_path: str | None) -> None:
    """Re-point TikTok's production/sandbox hosts at `base` for every requests call."""
    import requests
    import requests.adapters

    base = base.rstrip("/")
    original_send = requests.adapters.HTTPAdapter.send
    lock = threading.Lock()
    log_file = open(log_path, "a", encoding="utf-8") if log_path else None

    def send(self, request, *args, **kwargs):
        original_url = request.url
        for host in PRODUCTION_HOSTS:
            if original_url.startswith(host + "/") or original_url == host:
                request.url = base + original_url[len(host):]
                break
        else:
            raise requests.exceptions.ConnectionError(
                f"third_party_taps: refusing a request outside TikTok's API hosts: {original_url}")
        started = time.monotonic()
        error = None
        response = None
        try:
            response = original_send(self, request, *args, **kwargs)
            return response
        except Exception as exc:  # logged, then re-raised unchanged
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            if log_file is not None:
                parts = urlsplit(original_url)
                entry = {
                    "method": request.method,
                    "host": f"{parts.scheme}://{parts.netloc}",
                    "path": parts.path,
                    "params": parse_qsl(parts.query, keep_blank_values=True),
                    "headers": {k: ("<token>" if k.lower() == "access-token" else v)
                                for k, v in request.headers.items()
                                if k.lower() in ("access-token", "content-type", "authorization")},
                    "body": _text(request.body),
                    "ms": round((time.monotonic() - started) * 1000, 1),
                }
                if error:
                    entry["error"] = error
                if response is not None:
                    entry["status"] = response.status_code
                    try:
                        payload = json.loads(response.content)
                        entry["code"] = payload.get("code")
                        entry["message"] = payload.get("message")
                        data = payload.get("data") or {}
                        if isinstance(data, dict):
                            if isinstance(data.get("list"), list):
                                entry["rows"] = len(data["list"])
                            if isinstance(data.get("page_info"), dict):
                                entry["page_info"] = data["page_info"]
                    except Exception:
                        entry["body_head"] = response.content[:200].decode("utf-8", "replace")
                with lock:
                    log_file.write(json.dumps(entry) + "\n")
                    log_file.flush()

    requests.adapters.HTTPAdapter.send = send


def _text(body) -> str | None:
    if body is None:
        return None
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return str(body)


def exec_connector(args: argparse.Namespace) -> None:
    install_redirect(args.base, args.log)
    connector_args = list(args.connector_args)
    if args.connector == "singer":
        sys.argv = ["tap-tiktok-ads"] + connector_args
        if args.full_catalog:
            # Discovery normally probes each stream and silently drops those that answer
            # with an error; skip the probe so that every stream can be synced and its
            # error seen.
            # (the package re-exports the function `discover`, which shadows the submodule
            # as an attribute, so take the module from sys.modules)
            import tap_tiktok_ads.discover  # noqa: F401
            discover_module = sys.modules["tap_tiktok_ads.discover"]
            discover_module._apply_access_checks = lambda client, schemas, field_metadata: None
        from tap_tiktok_ads import main
        main()
    else:
        sys.argv = ["source-tiktok-marketing"] + connector_args
        from source_tiktok_marketing.run import run
        run()


# ---------------------------------------------------------------------------
# run mode: orchestrates both connectors
# ---------------------------------------------------------------------------

class Result:
    def __init__(self, connector: str, stream: str):
        self.connector = connector
        self.stream = stream
        self.records = 0
        self.error: str | None = None
        self.note: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_exec(python: str, connector: str, base: str, log: str, connector_args: list[str],
             stdout_path: str, stderr_path: str, timeout: float, extra: tuple[str, ...] = ()) -> int:
    cmd = [python, os.path.abspath(__file__), "exec", connector, "--base", base, "--log", log, *extra,
           "--", *connector_args]
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    with open(stdout_path, "w") as out, open(stderr_path, "w") as err:
        try:
            proc = subprocess.run(cmd, stdout=out, stderr=err, timeout=timeout, env=env,
                                  cwd=os.path.dirname(stdout_path))
            return proc.returncode
        except subprocess.TimeoutExpired:
            err.write(f"\nthird_party_taps: timed out after {timeout:.0f}s\n")
            return 124


def last_error_line(stderr_path: str) -> str:
    with open(stderr_path, encoding="utf-8", errors="replace") as f:
        lines = [line.rstrip() for line in f if line.strip()]
    for line in reversed(lines):
        if "CRITICAL" in line or "timed out" in line:
            return line.split("CRITICAL", 1)[-1].strip()
    for line in reversed(lines):
        if "Error" in line or "Exception" in line:
            return line.strip()
    return lines[-1] if lines else "no output"


SINGER_ENTITY_STREAMS = {"advertisers", "campaigns", "adgroups", "ads"}


def write_json(path: str, value) -> str:
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
    return path


def run_singer(args: argparse.Namespace, out: str) -> list[Result]:
    work = os.path.join(out, "singer")
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "requests.jsonl")
    base_config = {
        "access_token": args.token,
        "accounts": ",".join(args.advertisers),
        # "true" would add a second, deleted-only query per advertiser, but the tap keeps
        # that filter in a class-level params dict, so the next advertiser's main query
        # silently returns deleted rows only (a bug of the tap): keep its default.
        "include_deleted": "false",
        "request_timeout": 60,
    }
    # Reports: the short window.  Entities and advertisers: the tap emits only rows
    # modified (created, for advertisers) after start_date, so give it the long one.
    report_config = write_json(os.path.join(work, "config.json"),
                               {**base_config, "start_date": args.start_date + "T00:00:00Z"})
    entity_config = write_json(os.path.join(work, "config-entities.json"),
                               {**base_config, "start_date": args.entity_start_date + "T00:00:00Z"})

    results: list[Result] = []
    # 1. The tap's own discovery, which probes each stream and drops the ones that fail.
    discover_stderr = os.path.join(work, "discover.stderr")
    rc = run_exec(args.singer_python, "singer", args.base, log, ["--config", report_config, "--discover"],
                  os.path.join(work, "catalog-discovered.json"), discover_stderr, args.timeout)
    r = Result("singer", "discover")
    if rc != 0:
        r.error = last_error_line(discover_stderr)
        return [r]
    dropped = []
    with open(discover_stderr, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.search(r"Unauthorized Stream: (\w+), excluding from catalog\. HTTP-Error-Message: '(.*)'", line)
            if m:
                dropped.append(f"{m.group(1)} ({m.group(2)})")
    if dropped:
        r.error = "its access probe dropped " + "; ".join(dropped)
    results.append(r)

    # 2. The full catalog (no probe), so that every stream is synced and its own error seen.
    catalog_path = os.path.join(work, "catalog.json")
    rc = run_exec(args.singer_python, "singer", args.base, log, ["--config", report_config, "--discover"],
                  catalog_path, os.path.join(work, "discover-full.stderr"), args.timeout, ("--full-catalog",))
    if rc != 0:
        r = Result("singer", "discover (full catalog)")
        r.error = last_error_line(os.path.join(work, "discover-full.stderr"))
        return results + [r]
    with open(catalog_path) as f:
        catalog = json.load(f)

    for name in [s["tap_stream_id"] for s in catalog["streams"]]:
        if args.streams and name not in args.streams:
            continue
        selected = json.loads(json.dumps(catalog))
        for entry in selected["streams"]:
            for md in entry["metadata"]:
                if md["breadcrumb"] == []:
                    md["metadata"]["selected"] = entry["tap_stream_id"] == name
        stream_catalog = write_json(os.path.join(work, f"catalog-{name}.json"), selected)
        stdout_path = os.path.join(work, f"sync-{name}.jsonl")
        stderr_path = os.path.join(work, f"sync-{name}.stderr")
        config = entity_config if name in SINGER_ENTITY_STREAMS else report_config
        rc = run_exec(args.singer_python, "singer", args.base, log,
                      ["--config", config, "--catalog", stream_catalog],
                      stdout_path, stderr_path, args.timeout, ("--full-catalog",))
        r = Result("singer", name)
        with open(stdout_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                if msg.get("type") == "RECORD" and msg.get("stream") == name:
                    r.records += 1
        if rc != 0:
            r.error = last_error_line(stderr_path)
        results.append(r)
    return results


def run_airbyte(args: argparse.Namespace, out: str) -> list[Result]:
    work = os.path.join(out, "airbyte")
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "requests.jsonl")
    base_config = {
        "credentials": {
            "auth_type": "oauth2.0",
            "app_id": args.app_id,
            "secret": args.secret,
            "access_token": args.token,
        },
        "attribution_window": 3,
        "include_deleted": not args.airbyte_default_filters,
    }
    # Reports read the short window; entity streams filter client-side on
    # modify_time >= start_date, so they get the long one (all entities).
    config_path = write_json(os.path.join(work, "config.json"), {**base_config, "start_date": args.start_date})
    entity_config_path = write_json(os.path.join(work, "config-entities.json"),
                                    {**base_config, "start_date": args.entity_start_date})

    results: list[Result] = []
    # check: the connector's own connection test (reads the advertisers stream).
    check_out = os.path.join(work, "check.jsonl")
    run_exec(args.airbyte_python, "airbyte", args.base, log, ["check", "--config", config_path],
             check_out, os.path.join(work, "check.stderr"), args.timeout)
    r = Result("airbyte", "check")
    status = None
    for msg in _airbyte_messages(check_out):
        if msg.get("type") == "CONNECTION_STATUS":
            status = msg["connectionStatus"]
    if not status or status.get("status") != "SUCCEEDED":
        r.error = (status or {}).get("message") or last_error_line(os.path.join(work, "check.stderr"))
    results.append(r)

    discover_out = os.path.join(work, "discover.jsonl")
    run_exec(args.airbyte_python, "airbyte", args.base, log, ["discover", "--config", config_path],
             discover_out, os.path.join(work, "discover.stderr"), args.timeout)
    catalog = None
    for msg in _airbyte_messages(discover_out):
        if msg.get("type") == "CATALOG":
            catalog = msg["catalog"]
    r = Result("airbyte", "discover")
    if catalog is None:
        r.error = _airbyte_trace_error(discover_out) or last_error_line(os.path.join(work, "discover.stderr"))
        return results + [r]
    results.append(r)

    groups: dict[str, list] = {"entities": [], "reports": []}
    skipped = []
    for stream in catalog["streams"]:
        name = stream["name"]
        if args.streams and name not in args.streams:
            continue
        if name in AIRBYTE_OUT_OF_SCOPE and not args.include_out_of_scope:
            skipped.append(name)
            continue
        incremental = "incremental" in stream.get("supported_sync_modes", [])
        entry = {
            "stream": stream,
            "sync_mode": "incremental" if incremental else "full_refresh",
            "destination_sync_mode": "append",
        }
        if incremental and stream.get("default_cursor_field"):
            entry["cursor_field"] = stream["default_cursor_field"]
        groups["reports" if "_reports_" in name else "entities"].append(entry)

    for group, configured in groups.items():
        if not configured:
            continue
        configured_path = write_json(os.path.join(work, f"configured_catalog-{group}.json"), {"streams": configured})
        read_out = os.path.join(work, f"read-{group}.jsonl")
        run_exec(args.airbyte_python, "airbyte", args.base, log,
                 ["read", "--config", entity_config_path if group == "entities" else config_path,
                  "--catalog", configured_path],
                 read_out, os.path.join(work, f"read-{group}.stderr"), args.timeout)
        counts: dict[str, int] = collections.Counter()
        statuses: dict[str, str] = {}
        errors: dict[str, str] = {}
        global_errors: list[str] = []
        for msg in _airbyte_messages(read_out):
            kind = msg.get("type")
            if kind == "RECORD":
                counts[msg["record"]["stream"]] += 1
            elif kind == "TRACE":
                trace = msg["trace"]
                if trace.get("type") == "STREAM_STATUS":
                    ss = trace["stream_status"]
                    statuses[ss["stream_descriptor"]["name"]] = ss["status"]
                elif trace.get("type") == "ERROR":
                    err = trace["error"]
                    name = (err.get("stream_descriptor") or {}).get("name")
                    text = err.get("message") or err.get("internal_message") or "error without a message"
                    if name:
                        errors.setdefault(name, text)
                    else:
                        global_errors.append(text)
        if not statuses and not counts:
            global_errors.append(last_error_line(os.path.join(work, f"read-{group}.stderr")))
        for entry in configured:
            name = entry["stream"]["name"]
            r = Result("airbyte", name)
            r.records = counts.get(name, 0)
            status = statuses.get(name)
            if name in errors:
                r.error = errors[name]
            elif status != "COMPLETE":
                r.error = f"stream status {status or 'never reported'}" + (
                    f"; {global_errors[-1]}" if global_errors else "")
            results.append(r)
    for name in skipped:
        r = Result("airbyte", name)
        r.note = f"skipped: {AIRBYTE_OUT_OF_SCOPE[name]} is outside the simulator's documented scope"
        results.append(r)
    return results


# ---------------------------------------------------------------------------
# comparison: Airbyte's record counts against tiktok-ads' rows, same advertisers and range
# ---------------------------------------------------------------------------

# Airbyte stream -> the tiktok-ads object holding the same rows (same report type, level and dimensions).
AIRBYTE_LEVELS = [
    # (tiktok-ads prefix, Airbyte report prefix, Airbyte audience prefix)
    ("ad", "ads", "ads"),
    ("adgroup", "ad_groups", "ad_group"),
    ("campaign", "campaigns", "campaigns"),
    ("advertiser", "advertisers", "advertisers"),
]
COMPARED_STREAMS: dict[str, str] = {}
for _ours, _reports, _audience in AIRBYTE_LEVELS:
    COMPARED_STREAMS[f"{_reports}_reports_lifetime"] = f"{_ours}_insights_lifetime"
    COMPARED_STREAMS[f"{_audience}_audience_reports_by_country_daily"] = f"{_ours}_insights_by_country"
    COMPARED_STREAMS[f"{_audience}_audience_reports_daily"] = f"{_ours}_insights_by_age_gender"
    COMPARED_STREAMS[f"{_audience}_audience_reports_by_platform_daily"] = f"{_ours}_insights_by_platform"
COMPARED_STREAMS["creative_assets_videos"] = "creative_assets_videos"
COMPARED_STREAMS["creative_assets_images"] = "creative_assets_images"


def compare_with_tool(args: argparse.Namespace, out: str, results: list[Result]) -> list[Result]:
    """Syncs the compared objects with tiktok-ads from the same simulator (whose clock stands still), for the
    advertisers and the range Airbyte read (start_date .. today in UTC), and compares each Airbyte stream's record
    count with the rows of the matching table."""
    import sqlite3

    airbyte = {r.stream: r for r in results if r.connector == "airbyte" and r.ok and not r.note}
    streams = [s for s in COMPARED_STREAMS if s in airbyte]
    if not streams:
        return []
    work = os.path.join(out, "tiktok-ads")
    os.makedirs(work, exist_ok=True)
    database = os.path.join(work, "compare.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(database + suffix):
            os.remove(database + suffix)
    objects = sorted({COMPARED_STREAMS[s] for s in streams})
    today_utc = dt.datetime.now(dt.timezone.utc).date().isoformat()
    cmd = [args.tool, "sync", "--api-base-url", args.base.rstrip("/") + "/open_api/", "--access-token", args.token,
           "--advertiser-ids", ",".join(args.advertisers), "--objects", ",".join(objects),
           "--start-date", args.start_date, "--end-date", today_utc, "--sqlite", database, "--quiet"]
    # No --include-deleted: Airbyte 4.7.0 sends its include_deleted status filter in a `filters` parameter, which
    # report/integrated/get does not document (its parameter is `filtering`), so the simulator answers Airbyte's report
    # requests with the default rows (deleted objects left out), as tiktok-ads gets them without the option.
    if os.environ.get("THIRD_PARTY_TAPS_NOW"):
        # The simulator's frozen clock (scripts/third-party-taps.sh): the accounts' today is the one the connectors saw.
        cmd += ["--now", os.environ["THIRD_PARTY_TAPS_NOW"]]
    with open(os.path.join(work, "sync.stdout"), "w") as so, open(os.path.join(work, "sync.stderr"), "w") as se:
        rc = subprocess.run(cmd, stdout=so, stderr=se, timeout=args.timeout, cwd=work).returncode
    compared: list[Result] = []
    if rc != 0:
        r = Result("compare", "tiktok-ads sync")
        r.error = f"exit {rc}: " + last_error_line(os.path.join(work, "sync.stderr"))
        return [r]
    connection = sqlite3.connect(database)
    try:
        for stream in streams:
            ours = COMPARED_STREAMS[stream]
            r = Result("compare", f"{stream} = {ours}")
            (rows,) = connection.execute(f'SELECT COUNT(*) FROM "tiktok_ads_{ours}"').fetchone()
            r.records = rows
            if rows != airbyte[stream].records:
                r.error = f"Airbyte emitted {airbyte[stream].records} records, tiktok-ads holds {rows} rows"
            compared.append(r)
    finally:
        connection.close()
    return compared


def _airbyte_messages(path: str):
    try:
        f = open(path, encoding="utf-8", errors="replace")
    except OSError:
        return
    with f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                yield json.loads(line)
            except ValueError:
                continue


def _airbyte_trace_error(path: str) -> str | None:
    for msg in _airbyte_messages(path):
        if msg.get("type") == "TRACE" and msg["trace"].get("type") == "ERROR":
            return msg["trace"]["error"].get("message")
    return None


def summarize_requests(out: str) -> None:
    """One line per distinct (connector, endpoint, parameter names) seen in the request logs."""
    for connector in ("singer", "airbyte"):
        log = os.path.join(out, connector, "requests.jsonl")
        if not os.path.exists(log):
            continue
        seen: dict[tuple, list] = {}
        with open(log) as f:
            for line in f:
                e = json.loads(line)
                key = (e["method"], e["path"], tuple(sorted({k for k, _ in e["params"]})))
                slot = seen.setdefault(key, [0, collections.Counter()])
                slot[0] += 1
                slot[1][(e.get("status"), e.get("code"))] += 1
        print(f"[{connector}] requests (method path: parameter names -> (HTTP status, code) counts):")
        for (method, path, names), (n, outcomes) in sorted(seen.items()):
            shown = ", ".join(f"{s}/{c}x{k}" for (s, c), k in sorted(outcomes.items(), key=str))
            print(f"  {n:5d} {method} {path} [{', '.join(names)}] -> {shown}")


def run_all(args: argparse.Namespace) -> int:
    out = os.path.abspath(args.out)
    args.singer_python = os.path.abspath(args.singer_python)
    args.airbyte_python = os.path.abspath(args.airbyte_python)
    if args.tool:
        args.tool = os.path.abspath(args.tool)
    os.makedirs(out, exist_ok=True)
    for connector in ("singer", "airbyte"):
        log = os.path.join(out, connector, "requests.jsonl")
        if os.path.exists(log):
            os.remove(log)
    if args.advertisers_arg:
        args.advertisers = [a.strip() for a in args.advertisers_arg.split(",") if a.strip()]
    else:
        args.advertisers = []
    if not args.start_date:
        args.start_date = (dt.date.today() - dt.timedelta(days=6)).isoformat()
    if not args.entity_start_date:
        args.entity_start_date = (dt.date.today() - dt.timedelta(days=730)).isoformat()
    args.streams = set(args.stream or [])

    results: list[Result] = []
    started = time.monotonic()
    if "singer" in args.connectors:
        t0 = time.monotonic()
        results += run_singer(args, out)
        print(f"singer tap-tiktok-ads finished in {time.monotonic() - t0:.1f}s", flush=True)
    if "airbyte" in args.connectors:
        t0 = time.monotonic()
        results += run_airbyte(args, out)
        print(f"airbyte source-tiktok-marketing finished in {time.monotonic() - t0:.1f}s", flush=True)
        if args.tool:
            t0 = time.monotonic()
            results += compare_with_tool(args, out, results)
            print(f"tiktok-ads comparison sync finished in {time.monotonic() - t0:.1f}s", flush=True)

    if args.show_requests:
        summarize_requests(out)

    passed = failed = 0
    for r in results:
        label = f"{r.connector}/{r.stream}"
        if r.note:
            print(f"SKIP {label}: {r.note}")
        elif r.ok:
            passed += 1
            if r.stream in ("check", "discover"):
                print(f"PASS {label}")
            elif r.connector == "compare":
                print(f"PASS {label}: {r.records} records in both")
            else:
                print(f"PASS {label}: {r.records} records" + ("" if r.records else " (none emitted)"))
        else:
            failed += 1
            print(f"FAIL {label}: {r.records} records, error: {r.error}")
    print(f"artefacts (configs, catalogs, connector output, request logs): {out}")
    line = f"connectors took {time.monotonic() - started:.1f}s"
    script_start = os.environ.get("THIRD_PARTY_TAPS_STARTED")
    if script_start:
        try:
            line += f", whole script {time.time() - float(script_start):.1f}s"
        except ValueError:
            pass
    print(line)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)

    ex = sub.add_parser("exec", help="run one connector (inside its virtualenv) with TikTok's hosts re-pointed")
    ex.add_argument("connector", choices=["singer", "airbyte"])
    ex.add_argument("--base", required=True, help="simulator base, e.g. http://127.0.0.1:18080")
    ex.add_argument("--log", help="append one JSON line per HTTP request here")
    ex.add_argument("--full-catalog", action="store_true",
                    help="singer: skip the per-stream access probe of discovery (keeps every stream)")
    # the connector's own arguments follow a literal "--" (split off before parsing)

    run = sub.add_parser("run", help="discover and sync every stream of both connectors")
    run.add_argument("--base", required=True)
    run.add_argument("--singer-python", required=True)
    run.add_argument("--airbyte-python", required=True)
    run.add_argument("--connectors", default="singer,airbyte")
    run.add_argument("--token", default="sim-access-token")
    run.add_argument("--app-id", default="sim-app-id")
    run.add_argument("--secret", default="sim-app-secret")
    run.add_argument("--advertisers", dest="advertisers_arg", required=True,
                     help="comma-separated advertiser ids (the singer tap needs them in its config)")
    run.add_argument("--start-date", help="YYYY-MM-DD (default: 6 days ago)")
    run.add_argument("--stream", action="append", help="only this stream (repeatable)")
    run.add_argument("--entity-start-date",
                     help="YYYY-MM-DD for entity/advertiser streams, which filter on modify/create time "
                          "(default: 730 days ago)")
    run.add_argument("--airbyte-default-filters", action="store_true",
                     help="leave Airbyte's include_deleted off (by default it is on: status filters on every request)")
    run.add_argument("--include-out-of-scope", action="store_true",
                     help="also sync Airbyte streams whose endpoints the simulator does not model")
    run.add_argument("--show-requests", action="store_true", help="summarise the requests each connector made")
    run.add_argument("--tool", help="the built tiktok-ads: sync the objects matching Airbyte's lifetime, audience "
                                    "and creative-asset streams and compare record counts (compare/... lines)")
    run.add_argument("--timeout", type=float, default=400, help="seconds per connector process")
    run.add_argument("--out", default="third-party-taps-out")

    argv = sys.argv[1:]
    connector_args: list[str] = []
    if argv[:1] == ["exec"] and "--" in argv:
        cut = argv.index("--")
        argv, connector_args = argv[:cut], argv[cut + 1:]
    args = parser.parse_args(argv)
    if args.mode == "exec":
        args.connector_args = connector_args
        exec_connector(args)
        return 0
    args.connectors = [c.strip() for c in args.connectors.split(",")]
    return run_all(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
