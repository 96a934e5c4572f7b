"""End-to-end tests of the edges of enforcement: a descendant that outlives its MCP server is
still judged under the server's policy entry and roots; a path too long to report in full, or
too deep for the kernel's walk, is still judged in the kernel."""
import json
import os
import sys
import time

from harness import Monitor, check
from enforce_e2e import (EAGER_SERVER, client_under_stopped_collector, eager_policy,
                         escape_fixture, wait_held, write_policy)
from policy_e2e import VULNERABLE_FS, alerts_of, find_alert, policy_client

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


LONG_NAME = "d" * 100
DEEP = 60                       # components: more than the kernel walks (MW_PATH_DEPTH, 48)


def deep_file(d, parts, name):
    """d/parts.../name holding a secret, made by relative steps (no single path is longer
    than PATH_MAX); returns its path."""
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts:
            os.mkdir(part, dir_fd=fd)
            nfd = os.open(part, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        wfd = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(wfd, b"TOP-SECRET-CONTENT\n")
        os.close(wfd)
    finally:
        os.close(fd)
    return os.path.join(d, *parts, name)


def read_killed(tmp, allowed, far, rule):
    """The vulnerable server-filesystem reads far: killed by the kernel at the open, the alert
    for rule (the one the kernel judged broken) with the path as the record shows it."""
    calls = [{"tool": "read_file", "arguments": {"path": far}}]
    mon = Monitor(tmp, ["--no-default-match", "--policy", write_policy(tmp, "enforce")])
    try:
        summ = policy_client(tmp, calls, ["node", VULNERABLE_FS, allowed], allow_fail=True)
    finally:
        recs = mon.stop()
    check("TOP-SECRET" not in json.dumps(summ) and
          "TOP-SECRET" not in open(os.path.join(tmp, "record.json")).read(),
          "the secret reached the client")
    a = find_alert(alerts_of(recs), rule, lambda a: a["trigger"]["event"] ==
                   "file.open" and a["trigger"].get("truncated") is True)
    check(a["action"] == "killed" and a["enforcement"]["by"] == "kernel", "alert %r" % a)
    ex = [r for r in recs if r["event"] == "process.exit" and r["process"]["pid"] == summ["serverPid"]]
    check(ex and ex[0].get("signal_name") == "KILL", "server exit: %r" % ex)
    return recs


def long_path_run(tmp, parts):
    """The vulnerable server-filesystem reads a file outside its root (the prefix-colliding
    sibling) under parts more directories: killed by the kernel at the open."""
    allowed, secret = escape_fixture(tmp)
    far = deep_file(os.path.dirname(secret), parts, "secret.txt")
    read_killed(tmp, allowed, far, "file.out_of_scope")


def long_sensitive_kill_case(tmp):
    """A .env inside the root under a path longer than the kernel reports: the kernel judged
    the whole path and killed for file.sensitive; user space, seeing only the start of the
    path, found nothing wrong, and the alert names the kernel's rule (not out of scope)."""
    tmp = os.path.realpath(tmp)
    allowed, _ = escape_fixture(tmp)
    far = deep_file(allowed, [LONG_NAME] * 6, ".env")
    recs = read_killed(tmp, allowed, far, "file.sensitive")
    wrong = [a for a in alerts_of(recs) if a["rule"] == "file.out_of_scope"]
    check(not wrong, "out_of_scope alerts for a file inside the root: %r" % wrong)


def long_path_kill_case(tmp):
    """A path longer than the kernel reports (MW_RPATH_MAX) but walked whole: judged whole."""
    long_path_run(os.path.realpath(tmp), [LONG_NAME] * 6)


def deep_path_kill_case(tmp):
    """A path deeper than the kernel walks: no root seen in the part walked, judged outside
    (fail closed)."""
    long_path_run(os.path.realpath(tmp), ["d%d" % i for i in range(DEEP)])


def moved_run(tmp, tool, src, dst, marker):
    """The eager server renames (or hard-links) src to dst in a tool call, then creates
    marker; returns the client's summary and the records."""
    mon = Monitor(tmp, ["--no-default-match", "--policy", eager_policy(tmp)])
    try:
        summ = policy_client(tmp, [{"tool": "noop", "arguments": {}},
                                   {"tool": tool, "arguments": {"src": src, "dst": dst,
                                                                "marker": marker}}],
                             [sys.executable, EAGER_SERVER, os.path.dirname(marker)],
                             allow_fail=True)
    finally:
        recs = mon.stop()
    return summ, recs


def check_held_kill(summ, recs, marker, event, path):
    check(not os.path.exists(marker), "the server ran on after its %s" % event)
    a = find_alert(alerts_of(recs), "file.out_of_scope", lambda a: a["trigger"]["event"] == event
                   and a["evidence"]["path"] == path)
    check(a["action"] == "killed" and a["enforcement"]["by"] == "kernel hold" and
          a["trigger"].get("held") is True, "alert %r" % a)
    check([c["tool"] for c in a["calls"]] in (["move"], ["link"]), "calls %r" % a["calls"])
    ex = [r for r in recs if r["event"] == "process.exit" and r["process"]["pid"] == summ["serverPid"]]
    check(ex and ex[0].get("signal_name") == "KILL", "server exit: %r" % ex)
    stats = [r for r in recs if r["event"] == "stats"][-1]
    check(stats["holds"]["killed"] >= 1 and stats["holds"]["errors"] == 0, "holds %r"
          % stats["holds"])


def rename_out_kill_case(tmp):
    """A rename of a file in the root onto a path outside it: the process is stopped at the
    rename's exit, judged by the collector, killed; it never runs on (the rename itself is
    done: the file is at its new place)."""
    tmp = os.path.realpath(tmp)
    allowed, _ = escape_fixture(tmp)
    src, dst = os.path.join(allowed, "notes.txt"), os.path.join(tmp, "outside-notes.txt")
    marker = os.path.join(allowed, "after")
    summ, recs = moved_run(tmp, "move", src, dst, marker)
    check(os.path.exists(dst), "the rename did not happen")
    check_held_kill(summ, recs, marker, "file.rename", dst)


def link_in_kill_case(tmp):
    """A hard link inside the root to a file outside it (the file would then be read through
    an inode inside the root): held at the link's exit and killed."""
    tmp = os.path.realpath(tmp)
    allowed, secret = escape_fixture(tmp)
    dst, marker = os.path.join(allowed, "innocent.txt"), os.path.join(allowed, "after")
    summ, recs = moved_run(tmp, "link", secret, dst, marker)
    check_held_kill(summ, recs, marker, "file.link", secret)


def rename_inside_released_case(tmp):
    """A rename within the root: held, judged fine, released; the server runs on."""
    tmp = os.path.realpath(tmp)
    allowed, _ = escape_fixture(tmp)
    src, dst = os.path.join(allowed, "notes.txt"), os.path.join(allowed, "renamed.txt")
    marker = os.path.join(allowed, "after")
    summ, recs = moved_run(tmp, "move", src, dst, marker)
    check(summ["ok"] and os.path.exists(marker), "the server did not run on: %r" % summ)
    check(not alerts_of(recs), "alerts: %r" % [a["rule"] for a in alerts_of(recs)])
    mv = [r for r in recs if r["event"] == "file.rename" and r["process"]["pid"] == summ["serverPid"]]
    check(len(mv) == 1 and mv[0].get("held") is True, "file.rename records %r" % mv)
    stats = [r for r in recs if r["event"] == "stats"][-1]
    check(stats["holds"]["released"] >= 1 and stats["holds"]["killed"] == 0 and
          stats["holds"]["errors"] == 0, "holds %r" % stats["holds"])


def process_state(pid):
    try:
        stat = open("/proc/%d/stat" % pid).read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()[0]


def orphan_hold_case(tmp):
    """The collector dies (SIGKILL) while the kernel holds a process for its verdict: the
    process stays stopped with no collector, and the next mcpwarden started on the same pinned
    maps kills it (fail closed: the record that would have decided is gone) and says so in an
    enforce.orphan_hold record."""
    tmp = os.path.realpath(tmp)
    allowed, secret = escape_fixture(tmp)
    out = os.path.join(allowed, "stolen.txt")
    policy = eager_policy(tmp)
    mon = Monitor(tmp, ["--no-default-match", "--policy", policy])
    cmd = [sys.executable, EAGER_SERVER, allowed, "--read", secret, "--out", out]
    held = None
    t, _ = client_under_stopped_collector(tmp, mon, cmd)
    try:
        held = wait_held(os.path.join(tmp, "server.pid"))
    finally:
        mon.proc.kill()
        mon.proc.wait()
        mon.log.close()
    check(held is not None, "no process of the server was held while the collector was stopped")
    time.sleep(0.5)
    check(process_state(held) == "T", "the held process %d is not stopped any more" % held)
    second = os.path.join(tmp, "second")
    os.makedirs(second)
    mon = Monitor(second, ["--no-default-match", "--policy", policy], pin_tmp=tmp)
    try:
        check(wait_gone(held, ORPHAN_WAIT_S), "the held process %d still exists" % held)
    finally:
        recs = mon.stop()
        t.join()
    check(recs[0]["pin"]["maps"].get("enf_held") == "reused", "pins %r" % recs[0]["pin"])
    orphans = [r for r in recs if r["event"] == "enforce.orphan_hold"]
    check(len(orphans) == 1 and orphans[0]["pid"] == held and orphans[0]["action"] == "killed"
          and orphans[0]["process"]["pid"] == held, "orphan records %r" % orphans)
    check(not os.path.exists(out) or "TOP-SECRET" not in open(out).read(),
          "the held server ran on and copied the secret")


CASES = [orphan_kill_case, long_path_kill_case, deep_path_kill_case, rename_out_kill_case,
         link_in_kill_case, rename_inside_released_case, orphan_hold_case,
         long_sensitive_kill_case]
for c in CASES:
    c.__name__ = "enforce_" + c.__name__[:-len("_case")]
