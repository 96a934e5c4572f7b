"""End-to-end tests of how long a server's enforcement state lives: a descendant that outlives
its MCP server is still judged under the server's policy entry and roots."""
import json
import os
import sys
import time

from harness import Monitor, check
from enforce_e2e import EAGER_SERVER, eager_policy, escape_fixture
from policy_e2e import alerts_of, find_alert, policy_client

ORPHAN_WAIT_S = 20


def wait_gone(pid, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def orphan_kill_case(tmp):
    """A tool call forks a child that waits for the server to exit, then opens a file outside
    the server's root: under enforce it dies by SIGKILL at that open (the server's roots and
    entry outlive the server while its tree lives), and the alert says killed."""
    tmp = os.path.realpath(tmp)
    allowed, secret = escape_fixture(tmp)
    out = os.path.join(allowed, "stolen.txt")
    mon = Monitor(tmp, ["--no-default-match", "--policy", eager_policy(tmp)])
    try:
        summ = policy_client(tmp, [{"tool": "noop", "arguments": {}},
                                   {"tool": "orphan", "arguments": {"read": secret, "out": out}}],
                             [sys.executable, EAGER_SERVER, allowed])
        check(os.path.exists(out + ".pid"), "the orphan did not start")
        child = int(open(out + ".pid").read())
        check(wait_gone(child, ORPHAN_WAIT_S), "the orphan %d still runs" % child)
    finally:
        recs = mon.stop()
    check(not os.path.exists(out) or "TOP-SECRET" not in open(out).read(),
          "the orphan read the secret after its server exited")
    ex = [r for r in recs if r["event"] == "process.exit" and r["process"]["pid"] == summ["serverPid"]]
    check(ex and ex[0].get("signal_name") is None, "the server itself was not to die: %r" % ex)
    a = find_alert(alerts_of(recs), "file.out_of_scope", lambda a: a["evidence"]["path"] == secret)
    check(a["action"] == "killed" and a["process"]["pid"] == child and
          a["enforcement"]["by"] == "kernel", "alert %r" % a)
    ex = [r for r in recs if r["event"] == "process.exit" and r["process"]["pid"] == child]
    check(ex and ex[0].get("signal_name") == "KILL", "orphan exit: %r" % ex)


CASES = [orphan_kill_case]
for c in CASES:
    c.__name__ = "enforce_" + c.__name__[:-len("_case")]
