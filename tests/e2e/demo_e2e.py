"""The newcomer's path: `make demo` (tests/demo/escape_route.sh) drives the vulnerable
server-filesystem into a path escape, and mcpwarden with no options (as `make run` starts it)
raises the alerts naming the call."""
import json
import os
import subprocess

from harness import HERE, Monitor, check
from policy_e2e import alerts_of, find_alert

DEMO = os.path.join(os.path.dirname(HERE), "demo", "escape_route.sh")
DEMO_TIMEOUT_S = 120


def demo_escape_route_case(tmp):
    d = os.path.join(os.path.realpath(tmp), "demo")
    mon = Monitor(tmp, [])
    try:
        out = subprocess.run([DEMO, d], capture_output=True, text=True, timeout=DEMO_TIMEOUT_S)
    finally:
        recs = mon.stop()
    check(out.returncode == 0, "demo failed: %s" % out.stderr[-2000:])
    check("demo-not-a-real-key" in out.stdout, "the demo did not show the escape: %s" % out.stdout)
    summ = json.load(open(os.path.join(d, "summary.json")))
    env = os.path.join(d, "allowed_evil", ".env")
    call = summ["calls"][1]
    for rule in ("file.out_of_scope", "file.sensitive"):
        a = find_alert(alerts_of(recs, summ["serverPid"]), rule,
                       lambda a: a["evidence"]["path"] == env)
        check([(c["id"], c["tool"]) for c in a["calls"]] == [(call["id"], "read_file")],
              "%s alert names %r" % (rule, a["calls"]))
    others = [a for a in alerts_of(recs, summ["serverPid"]) if a["evidence"].get("path") != env]
    check(not others, "alerts for other paths: %r" % [(a["rule"], a["evidence"]) for a in others])


CASES = [demo_escape_route_case]
for c in CASES:
    c.__name__ = c.__name__[:-len("_case")]
