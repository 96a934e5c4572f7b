#!/usr/bin/env python3
"""Validate and summarise a record file written by sdk_client.mjs or py_client.py.

usage: check_record.py RECORD.json [--json] [--min-line-bytes N]

Checks: the file is a JSON array of {"dir": "c2s"|"s2c", "msg": object}; every
message is JSON-RPC 2.0; every request (either direction, separate id spaces)
gets exactly one response; initialize comes first (if present) and is followed
by notifications/initialized. Prints a summary (counts per direction and
method, largest message as compact JSON in UTF-8 bytes). Exit 0 if valid.
"""

import argparse
import json
import sys
from collections import Counter


def compact_len(msg):
    return len(json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def check(entries):
    problems = []
    if not isinstance(entries, list):
        return ["record is not a JSON array"], {}
    pending = {"c2s": {}, "s2c": {}}
    other = {"c2s": "s2c", "s2c": "c2s"}
    counts = Counter()
    methods = Counter()
    largest = (0, None)
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or set(e) != {"dir", "msg"} or e["dir"] not in ("c2s", "s2c"):
            problems.append("entry %d is not {dir, msg}" % i)
            continue
        d, m = e["dir"], e["msg"]
        counts[d] += 1
        if not isinstance(m, dict):
            problems.append("entry %d: msg is not an object" % i)
            continue
        if m.get("jsonrpc") != "2.0":
            problems.append("entry %d: jsonrpc is not \"2.0\"" % i)
        size = compact_len(m)
        if size > largest[0]:
            largest = (size, "%s %s" % (d, m.get("method") or "response id %s" % json.dumps(m.get("id"))))
        if "method" in m:
            kind = "request" if "id" in m else "notification"
            methods["%s %s %s" % (d, kind, m["method"])] += 1
            if kind == "request":
                key = json.dumps(m["id"])
                if key in pending[d]:
                    problems.append("entry %d: duplicate in-flight %s id %s" % (i, d, key))
                pending[d][key] = m["method"]
        elif "result" in m or "error" in m:
            methods["%s %s" % (d, "error" if "error" in m else "result")] += 1
            key = json.dumps(m.get("id"))
            if key not in pending[other[d]]:
                problems.append("entry %d: %s response id %s answers no request" % (i, d, key))
            pending[other[d]].pop(key, None)
        else:
            problems.append("entry %d: neither request, notification nor response" % i)
    for d in ("c2s", "s2c"):
        for key, method in pending[d].items():
            problems.append("%s request %s id %s never answered" % (d, method, key))
    msgs = [e.get("msg") for e in entries if isinstance(e, dict)]
    if msgs and isinstance(msgs[0], dict) and msgs[0].get("method") == "initialize":
        init_id = msgs[0].get("id")
        inited = [j for j, m in enumerate(msgs) if isinstance(m, dict) and m.get("method") == "notifications/initialized"]
        answered = [j for j, m in enumerate(msgs)
                    if isinstance(m, dict) and "method" not in m and m.get("id") == init_id]
        if not inited:
            problems.append("initialize without notifications/initialized")
        elif answered and inited[0] < answered[0]:
            problems.append("notifications/initialized sent before the initialize response")
    summary = {
        "messages": len(entries),
        "c2s": counts["c2s"],
        "s2c": counts["s2c"],
        "largest_msg_bytes": largest[0],
        "largest_msg": largest[1],
        "by_method": dict(sorted(methods.items())),
    }
    return problems, summary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("record")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument("--min-line-bytes", type=int, default=0,
                    help="fail unless the largest message is at least this many bytes")
    args = ap.parse_args()
    with open(args.record, encoding="utf-8") as f:
        entries = json.load(f)
    problems, summary = check(entries)
    if summary and summary["largest_msg_bytes"] < args.min_line_bytes:
        problems.append("largest message %d bytes < %d" % (summary["largest_msg_bytes"], args.min_line_bytes))
    if args.json:
        print(json.dumps({"ok": not problems, "problems": problems, **summary}, indent=2))
    else:
        for k, v in summary.items():
            if k != "by_method":
                print("%s: %s" % (k, v))
        for k, v in summary.get("by_method", {}).items():
            print("  %4d  %s" % (v, k))
        for p in problems:
            print("PROBLEM: %s" % p)
        print("OK" if not problems else "INVALID")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
