#!/usr/bin/env python3
"""Reads a tiktok-ads files destination with Python's own csv and json modules (an independent parser), checks its
layout, and prints one JSON document on stdout:

  {"tables": {TABLE: [ROW, ...]},           every data row as {column: value}; CSV values are text ("" read as null),
                                            JSON Lines values as json.loads gives them
   "types": {TABLE: {COLUMN: [TYPE, ...]}}, the Python types seen per column (JSON Lines; "str" for CSV)
   "state": [ROW, ...],                      _tiktok_ads_state.json
   "runs": [ROW, ...],                       _tiktok_ads_runs.jsonl
   "leftovers": [PATH, ...],                 temporary or staging files
   "problems": [TEXT, ...]}                  files or rows that break the layout

Usage: read-files-destination.py DIRECTORY csv|jsonl
"""
import csv
import json
import os
import re
import sys


def rows_of(path, fmt):
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8") as handle:
            return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle)]
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main():
    directory, fmt = sys.argv[1], sys.argv[2]
    out = {"tables": {}, "types": {}, "state": [], "runs": [], "leftovers": [], "problems": []}
    day = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for root, _, names in os.walk(directory):
        for name in names:
            if name.endswith(".tiktok-ads-tmp") or name.endswith(".tiktok-ads-staging"):
                out["leftovers"].append(os.path.join(root, name))
    state = os.path.join(directory, "_tiktok_ads_state.json")
    if os.path.exists(state):
        with open(state, encoding="utf-8") as handle:
            out["state"] = json.load(handle)
    runs = os.path.join(directory, "_tiktok_ads_runs.jsonl")
    if os.path.exists(runs):
        out["runs"] = rows_of(runs, "jsonl")
    for table in sorted(os.listdir(directory)):
        top = os.path.join(directory, table)
        if table.startswith((".", "_")) or not os.path.isdir(top):
            continue
        rows = out["tables"].setdefault(table, [])
        types = out["types"].setdefault(table, {})
        for entry in sorted(os.listdir(top)):
            if entry.startswith("."):
                continue
            path = os.path.join(top, entry)
            if os.path.isdir(path):
                partitions = [(os.path.join(path, f), entry, f[: -len(fmt) - 1]) for f in sorted(os.listdir(path)) if not f.startswith(".")]
            else:
                partitions = [(path, entry[: -len(fmt) - 1], None)]
            for file, advertiser, date in partitions:
                if not file.endswith("." + fmt) or (date is not None and not day.match(date)):
                    out["problems"].append("not a partition of the layout: " + file)
                    continue
                for row in rows_of(file, fmt):
                    if "advertiser_id" in row and row["advertiser_id"] != advertiser:
                        out["problems"].append("%s: a row of advertiser %s" % (file, row.get("advertiser_id")))
                    times = [v for k, v in row.items() if k.startswith("stat_time")]
                    if date is not None and not any(isinstance(v, str) and v[:10] == date for v in times):
                        out["problems"].append("%s: a row dated %s" % (file, times))
                    for column, value in row.items():
                        seen = types.setdefault(column, [])
                        if type(value).__name__ not in seen:
                            seen.append(type(value).__name__)
                    rows.append(row)
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
