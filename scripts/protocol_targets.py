#!/usr/bin/env python3
"""Checks `tiktok-ads singer` and `tiktok-ads airbyte` against the pinned tools of their ecosystems (run by
scripts/protocol-targets.sh, which installs them and starts the simulator).

Singer: the tap piped into target-jsonl 0.1.4 writes, row for row, the SQLite content of a `sync` over the same
advertisers and range; a second run given the last STATE requests only the lookback window.
Airbyte: every message of spec, check, discover and read validates against airbyte-protocol-models 0.18.0 (and
carries no key the models do not declare); read with a state resumes incrementally, a full-refresh stream ignores it;
a wrong token gives CONNECTION_STATUS FAILED (exit 0) from check and an ERROR trace (exit 1) from read.
Both: standard output holds protocol messages only, and no secret appears in any output, log or file.
"""
import argparse
import collections
import datetime
import json
import os
import shlex
import sqlite3
import subprocess
import sys
import typing
import urllib.request
from decimal import Decimal

from airbyte_protocol.models import AirbyteMessage, ConfiguredAirbyteCatalog
from pydantic import BaseModel

TOKEN, APP_ID, SECRET = "sim-access-token", "sim-app-id", "sim-app-secret"
WRONG_TOKEN = "wrong-token-5d1e8f03aa"
OBJECTS = ["advertiser", "campaigns", "ad_groups", "ads", "audiences", "ad_insights", "ad_insights_hourly",
           "ad_insights_by_country"]
LOOKBACK = 3
HISTORY_DAYS = 12

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(("PASS " if ok else "FAIL ") + name + ("" if ok or not detail else ": " + str(detail)[:2000]), flush=True)
    return ok


class Tool:
    def __init__(self, args):
        self.binary, self.base, self.out = args.tool, args.base, args.out
        self.advertisers = args.advertisers.split(",")
        self.target = args.target
        home = os.path.join(self.out, "home")
        os.makedirs(home, exist_ok=True)
        # Nothing of the machine's user: no credentials file, no TIKTOK_* variables.
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "XDG_CONFIG_HOME": home, "HOME": home}

    def path(self, name):
        return os.path.join(self.out, name)

    def write_json(self, name, value):
        with open(self.path(name), "w") as handle:
            json.dump(value, handle)
        return self.path(name)

    def run(self, name, arguments):
        """Runs the tool; keeps its stdout and stderr as NAME.out / NAME.err; returns (code, stdout lines, stderr)."""
        with open(self.path(name + ".out"), "w") as out, open(self.path(name + ".err"), "w") as err:
            code = subprocess.run([self.binary] + arguments, stdout=out, stderr=err, env=self.env, stdin=subprocess.DEVNULL).returncode
        return code, read_lines(self.path(name + ".out")), open(self.path(name + ".err")).read()

    def control(self, method, path):
        """The simulator's control endpoint (its request log); a simulator that stopped answering ends the checks."""
        request = urllib.request.Request(self.base + "/_simulator/" + path, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read())
        except OSError as error:
            check(f"the simulator answers {method} /_simulator/{path}", False, f"{error}; its log: {self.path('simulator.log')}")
            print(f"{results.count(True)} passed, {results.count(False)} failed")
            sys.exit(1)


def read_lines(path):
    with open(path) as handle:
        return [line for line in handle.read().split("\n") if line]


def parse_messages(lines, allowed):
    """Every line a JSON object whose type is allowed; returns them (numbers as Decimal, exactly as written)."""
    messages, bad = [], []
    for line in lines:
        try:
            message = json.loads(line, parse_float=Decimal)
            if not isinstance(message, dict) or message.get("type") not in allowed:
                bad.append(line[:200])
            messages.append(message)
        except ValueError:
            bad.append(line[:200])
    return messages, bad


# ---------------------------------------------------------------------------------------------------------------
# Comparing rows with SQLite

def catalog_types(tool):
    code, lines, err = tool.run("discover-json", ["discover", "--format", "json"])
    objects = json.loads("\n".join(lines))
    return {o["table"]: {f["name"]: f["type"] for f in o["fields"]} for o in objects}, {o["table"]: o["unique_key"] for o in objects}


def normalize(value, kind, from_sqlite):
    if value is None:
        return None
    if kind in ("decimal", "float"):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    if kind == "integer":
        return int(value)
    if kind == "boolean":
        return bool(value)
    if kind == "datetime":
        return str(value).replace("T", " ")
    if kind == "json":
        parsed = json.loads(value, parse_float=Decimal) if from_sqlite else value
        return json.dumps(parsed, sort_keys=True, default=str)
    return str(value)


def sqlite_rows(database, table, types):
    connection = sqlite3.connect(database)
    try:
        cursor = connection.execute(f'SELECT * FROM "{table}"')
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    finally:
        connection.close()
    return columns, collections.Counter(tuple((c, normalize(r[c], types.get(c, "string"), True)) for c in sorted(columns)) for r in rows)


def record_rows(records, columns, types):
    return collections.Counter(tuple((c, normalize(r.get(c), types.get(c, "string"), False)) for c in sorted(columns)) for r in records)


def compare_with_sqlite(label, database, streams, types):
    """streams: table -> list of record dicts. Checks every table row for row, and the columns."""
    for table in sorted(types):
        if not any(table == "tiktok_ads_" + o for o in OBJECTS):
            continue
        columns, expected = sqlite_rows(database, table, types[table])
        records = streams.get(table, [])
        extra = sorted({k for r in records for k in r} - set(columns))
        actual = record_rows(records, columns, types[table])
        missing, unexpected = expected - actual, actual - expected
        check(f"{label}: {table} equals the SQLite table row for row ({sum(expected.values())} rows)",
              sum(expected.values()) > 0 and not missing and not unexpected and not extra,
              f"{sum(missing.values())} rows only in SQLite (e.g. {list(missing)[:1]}), {sum(unexpected.values())} only emitted "
              f"(e.g. {list(unexpected)[:1]}), fields not in SQLite: {extra}")


# ---------------------------------------------------------------------------------------------------------------
# The lookback

def report_requests(tool):
    entries = tool.control("GET", "requests")["entries"]
    return [e for e in entries if e["endpoint"] == "report/integrated/get"]


def check_lookback(label, requests, bookmarks):
    """bookmarks: advertiser -> the ad_insights bookmark given to the run."""
    for advertiser, bookmark in sorted(bookmarks.items()):
        daily = [e for e in requests if e.get("advertiser_id") == advertiser and e["query"].get("report_type") == "BASIC"
                 and e["query"].get("data_level") == "AUCTION_AD" and "stat_time_day" in e["query"].get("dimensions", "")]
        starts = sorted(e["query"]["start_date"] for e in daily)
        expected = (datetime.date.fromisoformat(bookmark) - datetime.timedelta(days=LOOKBACK)).isoformat()
        check(f"{label}: advertiser {advertiser}'s ad_insights requests start at bookmark {bookmark} minus {LOOKBACK} days",
              starts and starts[0] == expected, f"starts {starts}, expected {expected}")
    earliest = min(bookmarks.values())
    floor = (datetime.date.fromisoformat(earliest) - datetime.timedelta(days=LOOKBACK + 1)).isoformat()
    early = [e["query"].get("start_date") for e in requests if e["query"].get("start_date", "9999") < floor]
    check(f"{label}: no report request reaches back before the lookback ({len(requests)} report requests)", requests and not early,
          f"early start dates: {early[:5]}")


# ---------------------------------------------------------------------------------------------------------------
# Singer

def singer(tool, config, database, types):
    def pipeline(name, extra):
        directory = tool.path(name + "-target")
        target_config = tool.write_json(name + "-target.json", {"destination_path": directory, "do_timestamp_file": False})
        command = (f"set -o pipefail; {shlex.quote(tool.binary)} singer --config {shlex.quote(config)} {extra} "
                   f"2>{shlex.quote(tool.path(name + '.err'))} | tee {shlex.quote(tool.path(name + '.out'))} | "
                   f"{shlex.quote(tool.target)} --config {shlex.quote(target_config)} "
                   f">{shlex.quote(tool.path(name + '.target-state'))} 2>{shlex.quote(tool.path(name + '.target-err'))}")
        code = subprocess.run(["bash", "-c", command], env=tool.env, stdin=subprocess.DEVNULL).returncode
        streams = {}
        if os.path.isdir(directory):
            for file in os.listdir(directory):
                streams[file[:-len(".jsonl")]] = [json.loads(line, parse_float=Decimal) for line in read_lines(os.path.join(directory, file))]
        messages, bad = parse_messages(read_lines(tool.path(name + ".out")), {"SCHEMA", "RECORD", "STATE"})
        return code, streams, messages, bad

    code, streams, messages, bad = pipeline("singer-1", "")
    check("singer: the tap and target-jsonl exit 0", code == 0, open(tool.path("singer-1.err")).read()[-1500:] + open(tool.path("singer-1.target-err")).read()[-1500:])
    check("singer: standard output holds SCHEMA, RECORD and STATE messages only", not bad and messages, bad[:3])
    types_seen = [m["type"] for m in messages]
    first_record = types_seen.index("RECORD") if "RECORD" in types_seen else len(types_seen)
    check("singer: every stream is declared (SCHEMA) before the first RECORD",
          {m["stream"] for m in messages if m["type"] == "SCHEMA"} == {"tiktok_ads_" + o for o in OBJECTS}
          and all(t == "SCHEMA" for t in types_seen[:len(OBJECTS)]) and first_record == len(OBJECTS), types_seen[:12])
    check("singer: the last message is a STATE", types_seen and types_seen[-1] == "STATE")
    compare_with_sqlite("singer → target-jsonl", database, streams, types)
    # The target wrote exactly what the tap sent, money's digits included (2.60 stays 2.60, never 2.6).
    sent = collections.Counter(json.dumps(m["record"], sort_keys=True, default=str) for m in messages if m["type"] == "RECORD")
    written = collections.Counter(json.dumps(r, sort_keys=True, default=str) for rows in streams.values() for r in rows)
    padded = sum(1 for m in messages if m["type"] == "RECORD" for k, v in m["record"].items() if isinstance(v, Decimal) and str(v).endswith("0") and "." in str(v))
    check(f"singer: target-jsonl's files hold the tap's records exactly, digits of money included ({padded} values with a trailing zero)",
          sent == written and padded > 0, f"{sum((sent - written).values())} records differ")

    states = [m["value"] for m in messages if m["type"] == "STATE"]
    last = states[-1] if states else {}
    emitted = read_lines(tool.path("singer-1.target-state"))
    check("singer: target-jsonl hands back the tap's last STATE", emitted and json.loads(emitted[-1], parse_float=Decimal) == last, emitted[-1:])
    connection = sqlite3.connect(database)
    committed = {(a, o): b for a, o, b in connection.execute("SELECT advertiser_id, object, bookmark FROM _tiktok_ads_state")}
    connection.close()
    given = {(a, stream[len("tiktok_ads_"):]): e["bookmark"] for stream, by in last.get("bookmarks", {}).items() for a, e in by.items()}
    check("singer: the last STATE holds the bookmarks the SQLite sync committed", given == committed and given, f"{given} vs {committed}")
    # STATE only after the records it covers: a stream's bookmark appears after that stream's records for the advertiser.
    seen, early = set(), []
    with_records = {(m["stream"], m["record"].get("advertiser_id")) for m in messages if m["type"] == "RECORD"}
    for message in messages:
        if message["type"] == "RECORD":
            seen.add((message["stream"], message["record"].get("advertiser_id")))
        elif message["type"] == "STATE":
            for stream, by in message["value"]["bookmarks"].items():
                for advertiser, entry in by.items():
                    if entry["bookmark"] and (stream, advertiser) in with_records and (stream, advertiser) not in seen:
                        early.append((stream, advertiser))
    check("singer: no STATE names a report bookmark before the stream's records", not early, early[:3])

    # The second run, given the last STATE, asks TikTok only for the lookback window.
    state_file = tool.write_json("singer-state.json", last)
    tool.control("DELETE", "requests")
    code, streams2, messages2, bad2 = pipeline("singer-2", f"--state {shlex.quote(state_file)}")
    check("singer: the run given the state exits 0, messages only", code == 0 and not bad2, open(tool.path("singer-2.err")).read()[-1500:])
    requests = report_requests(tool)
    bookmarks = {a: e["bookmark"] for a, e in last["bookmarks"]["tiktok_ads_ad_insights"].items()}
    check_lookback("singer resume", requests, bookmarks)
    low = min(bookmarks.values())
    floor = (datetime.date.fromisoformat(low) - datetime.timedelta(days=LOOKBACK)).isoformat()
    rows = streams2.get("tiktok_ads_ad_insights", [])
    check("singer resume: the re-read ad_insights rows are all in the lookback window", rows and all(r["stat_time_day"] >= floor for r in rows),
          f"{len(rows)} rows, earliest {min((r['stat_time_day'] for r in rows), default=None)}")


# ---------------------------------------------------------------------------------------------------------------
# Airbyte

def strict_problems(model, data, path):
    """Keys the pinned models do not declare (they allow extra keys, so parse_obj alone would accept typos)."""
    problems = []
    fields = {f.alias: f for f in model.__fields__.values()}
    for key, value in data.items():
        if key not in fields:
            problems.append(f"{path}.{key} is not a field of {model.__name__}")
            continue
        problems += strict_value(fields[key].outer_type_, value, f"{path}.{key}")
    return problems


def strict_value(kind, value, path):
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return strict_problems(kind, value, path) if isinstance(value, dict) and kind.__name__ != "AirbyteStateBlob" else []
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin is typing.Union:
        inner = [a for a in arguments if a is not type(None)]
        return strict_value(inner[0], value, path) if len(inner) == 1 else []
    if origin in (list, typing.List) and isinstance(value, list) and arguments:
        return [p for index, item in enumerate(value) for p in strict_value(arguments[0], item, f"{path}[{index}]")]
    return []


def validate(label, lines, expected_types):
    """Every line an AirbyteMessage of the expected types, with its type's payload; returns the parsed dicts."""
    messages, problems = [], []
    for line in lines:
        try:
            raw = json.loads(line, parse_float=Decimal)
            message = AirbyteMessage.parse_obj(json.loads(line))
            payload = {"RECORD": message.record, "STATE": message.state, "TRACE": message.trace, "SPEC": message.spec,
                       "CATALOG": message.catalog, "CONNECTION_STATUS": message.connectionStatus, "LOG": message.log}
            if message.type.value not in expected_types or payload.get(message.type.value) is None:
                problems.append(f"unexpected {message.type.value}: {line[:160]}")
            problems += strict_problems(AirbyteMessage, json.loads(line), "message")
            messages.append(raw)
        except Exception as error:  # noqa: BLE001 -- any failure is a validation failure to report
            problems.append(f"{type(error).__name__}: {str(error)[:300]} in {line[:160]}")
    check(f"airbyte {label}: {len(lines)} messages validate against airbyte-protocol-models 0.18.0", lines and not problems, problems[:4])
    return messages


def airbyte(tool, config, wrong_config, database, types):
    code, lines, err = tool.run("airbyte-spec", ["airbyte", "spec"])
    spec = validate("spec", lines, {"SPEC"})
    properties = spec[0]["spec"]["connectionSpecification"]["properties"] if spec else {}
    check("airbyte spec: exit 0; the token and the app secret are airbyte_secret", code == 0 and properties.get("access_token", {}).get("airbyte_secret")
          and properties.get("app_secret", {}).get("airbyte_secret"))

    code, lines, err = tool.run("airbyte-check", ["airbyte", "check", "--config", config])
    status = validate("check", lines, {"CONNECTION_STATUS"})
    check("airbyte check: SUCCEEDED, exit 0", code == 0 and status and status[-1]["connectionStatus"]["status"] == "SUCCEEDED", lines + [err[-500:]])
    code, lines, err = tool.run("airbyte-check-wrong", ["airbyte", "check", "--config", wrong_config])
    status = validate("check (wrong token)", lines, {"CONNECTION_STATUS"})
    check("airbyte check with a wrong token: FAILED, exit 0", code == 0 and status and status[-1]["connectionStatus"]["status"] == "FAILED", lines)

    code, lines, err = tool.run("airbyte-discover", ["airbyte", "discover", "--config", config])
    catalog = validate("discover", lines, {"CATALOG"})
    streams = catalog[0]["catalog"]["streams"] if catalog else []
    configured = {"streams": [{
        "stream": s, "sync_mode": "incremental" if "incremental" in s["supported_sync_modes"] else "full_refresh",
        "destination_sync_mode": "append_dedup" if "incremental" in s["supported_sync_modes"] else "overwrite",
        "cursor_field": s.get("default_cursor_field", []), "primary_key": s["source_defined_primary_key"],
    } for s in json.loads(json.dumps(streams, default=float)) if s["name"][len("tiktok_ads_"):] in OBJECTS]}
    ConfiguredAirbyteCatalog.parse_obj(configured)
    check("airbyte discover: exit 0; every configured stream is offered, reports incremental with a source-defined cursor",
          code == 0 and len(configured["streams"]) == len(OBJECTS)
          and all(s["stream"]["source_defined_cursor"] for s in configured["streams"] if s["sync_mode"] == "incremental"))
    catalog_path = tool.write_json("airbyte-catalog.json", configured)

    def read(name, state=None, catalog=catalog_path):
        code, lines, err = tool.run(name, ["airbyte", "read", "--config", config, "--catalog", catalog] + (["--state", state] if state else []))
        return code, validate(name[len("airbyte-"):], lines, {"RECORD", "STATE", "TRACE"}), err

    code, messages, err = read("airbyte-read")
    check("airbyte read: exit 0", code == 0, err[-1500:])
    records = collections.defaultdict(list)
    for m in messages:
        if m["type"] == "RECORD":
            records[m["record"]["stream"]].append(m["record"]["data"])
    compare_with_sqlite("airbyte read", database, records, types)
    statuses = collections.defaultdict(list)
    for m in messages:
        if m["type"] == "TRACE" and m["trace"]["type"] == "STREAM_STATUS":
            statuses[m["trace"]["stream_status"]["stream_descriptor"]["name"]].append(m["trace"]["stream_status"]["status"])
    check("airbyte read: each stream goes STARTED, RUNNING, COMPLETE",
          len(statuses) == len(OBJECTS) and all(s == ["STARTED", "RUNNING", "COMPLETE"] for s in statuses.values()), dict(statuses))
    last_state = {}
    for m in messages:
        if m["type"] == "STATE":
            last_state[m["state"]["stream"]["stream_descriptor"]["name"]] = m["state"]
    check("airbyte read: a per-stream STATE for every stream", set(last_state) == {"tiktok_ads_" + o for o in OBJECTS}, sorted(last_state))
    state_path = tool.write_json("airbyte-state.json", json.loads(json.dumps(list(last_state.values()), default=float)))

    tool.control("DELETE", "requests")
    code, messages2, err = read("airbyte-read-incremental", state_path)
    check("airbyte read with the state: exit 0", code == 0, err[-1500:])
    bookmarks = {a: e["bookmark"] for a, e in last_state["tiktok_ads_ad_insights"]["stream"]["stream_state"]["advertisers"].items()}
    check_lookback("airbyte incremental", report_requests(tool), bookmarks)

    # A full-refresh stream ignores its state: ad_insights read again from start_date.
    full = json.loads(json.dumps(configured))
    for s in full["streams"]:
        if s["stream"]["name"] == "tiktok_ads_ad_insights":
            s["sync_mode"], s["destination_sync_mode"] = "full_refresh", "overwrite"
    tool.control("DELETE", "requests")
    code, messages3, err = read("airbyte-read-full-refresh", state_path, tool.write_json("airbyte-catalog-full.json", full))
    starts = sorted(e["query"]["start_date"] for e in report_requests(tool)
                    if e["query"].get("data_level") == "AUCTION_AD" and e["query"].get("report_type") == "BASIC"
                    and "stat_time_day" in e["query"].get("dimensions", ""))
    check("airbyte full refresh: ad_insights is read from start_date despite its state", code == 0 and starts and starts[0] == START_DATE,
          f"exit {code}, starts {starts[:3]}")

    code, lines, err = tool.run("airbyte-read-wrong", ["airbyte", "read", "--config", wrong_config, "--catalog", catalog_path])
    traces = validate("read (wrong token)", lines, {"TRACE"})
    errors = [t["trace"]["error"] for t in traces if t["trace"]["type"] == "ERROR"]
    check("airbyte read with a wrong token: an ERROR trace (config_error, a message and an internal_message), exit 1",
          code == 1 and errors and errors[0]["failure_type"] == "config_error" and errors[0]["message"] and errors[0].get("internal_message"),
          f"exit {code}: {lines}")


START_DATE = ""


def main():
    global START_DATE
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--advertisers", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--out", required=True)
    tool = Tool(parser.parse_args())
    START_DATE = (datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=HISTORY_DAYS)).isoformat()
    settings = {"access_token": TOKEN, "app_id": APP_ID, "app_secret": SECRET, "api_base_url": tool.base + "/open_api/",
                "advertiser_ids": tool.advertisers, "objects": OBJECTS, "start_date": START_DATE, "lookback_days": LOOKBACK}
    config = tool.write_json("config.json", settings)
    wrong_config = tool.write_json("config-wrong-token.json", dict(settings, access_token=WRONG_TOKEN))
    types, _ = catalog_types(tool)

    database = tool.path("sync.sqlite")
    code, lines, err = tool.run("sync", ["sync", "--config", config, "--sqlite", database, "--quiet"])
    if check("sync into SQLite over the same advertisers and range: exit 0", code == 0, err[-1500:]):
        singer(tool, config, database, types)
        airbyte(tool, config, wrong_config, database, types)

    # No secret in anything the tool wrote: messages, logs, errors, the target's files (the inputs are left out).
    inputs = {"config.json", "config-wrong-token.json", "simulator.log"}
    leaks = []
    for directory, _, files in os.walk(tool.out):
        for file in files:
            if file in inputs:
                continue
            with open(os.path.join(directory, file), "rb") as handle:
                data = handle.read()
            leaks += [f"{file}: {secret[:4]}…" for secret in (TOKEN, SECRET, WRONG_TOKEN) if secret.encode() in data]
    check("no secret in any message, log, error or target file", not leaks, leaks[:5])

    failed = results.count(False)
    print(f"{results.count(True)} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
