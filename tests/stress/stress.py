#!/usr/bin/env python3
"""Stress cases: many concurrent stdio sessions, garbage on monitored streams, a server killed
mid-message, an 11 MB answer among small ones. Each case runs the real collector
($MCPWARDEN, default build/mcpwarden) and real server processes, and compares the JSONL with
what this process really sent and received. The collector must not crash or hang, must stop
cleanly on SIGINT, and must account for every byte it did not decode.

    stress.py [--scale N] [CASE...]

--scale multiplies the sizes (sessions, calls, garbage); make test runs scale 1, make stress
a larger one.
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.join(os.path.dirname(HERE), "e2e")
sys.path.insert(0, E2E)

from harness import Failure, Monitor, canon, check, remove_pins, tally  # noqa: E402

SERVER = os.path.join(E2E, "servers", "eager_server.py")
PROTOCOL_VERSION = "2025-06-18"
ANSWER_TIMEOUT_S = 120
SEED = 20261126


class Session:
    """One stdio MCP session with a fresh server over pipes; records every message."""

    def __init__(self, name):
        self.name = name
        self.proc = subprocess.Popen([sys.executable, SERVER],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.rec = []
        self.next_id = 0

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, msg):
        self.rec.append({"dir": "c2s", "msg": msg})
        self.send_raw(json.dumps(msg).encode() + b"\n")

    def receive(self, want_id):
        """The server's answer to request want_id; lines before it that are not that answer
        (garbage the server printed) are skipped, unrecorded."""
        while True:
            line = self.proc.stdout.readline()
            check(line, "%s: the server closed its output" % self.name)
            try:
                msg = json.loads(line)
            except (ValueError, RecursionError):
                continue
            if isinstance(msg, dict) and msg.get("id") == want_id and "method" not in msg:
                self.rec.append({"dir": "s2c", "msg": msg})
                return msg

    def request(self, method, params):
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.next_id += 1
        self.send(msg)
        return self.receive(msg["id"])

    def start(self):
        self.request("initialize", {"protocolVersion": PROTOCOL_VERSION, "capabilities": {},
                                    "clientInfo": {"name": "mcpwarden-stress", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        self.request("tools/list", {})

    def call(self, name, arguments):
        return self.request("tools/call", {"name": name, "arguments": arguments})

    def close(self):
        self.proc.stdin.close()
        self.proc.stdout.read()
        return self.proc.wait(ANSWER_TIMEOUT_S)


def run_monitored(tmp, body):
    """Run body() under a fresh collector found-by-traffic only; the collector's records."""
    mon = Monitor(tmp, ["--no-default-match"])
    try:
        body()
    finally:
        recs = mon.stop()
    return recs


def messages_of(recs, pid):
    return [r for r in recs if r["event"] == "mcp.message" and r["server"]["pid"] == pid]


def assert_session_exact(recs, s):
    """The JSONL holds exactly the messages this session exchanged."""
    seen, want = tally(messages_of(recs, s.pid)), tally(s.rec)
    for key, n in want.items():
        check(seen.get(key, 0) == n, "%s: %s message seen %d times, sent %d: %.200s"
              % (s.name, key[0], seen.get(key, 0), n, key[1]))
    check(sum(seen.values()) == sum(want.values()), "%s: %d messages in the JSONL, %d exchanged"
          % (s.name, sum(seen.values()), sum(want.values())))


def stats_of(recs):
    stats = [r for r in recs if r["event"] == "stats"]
    check(len(stats) == 1, "expected one stats record, got %d" % len(stats))
    return stats[0]


def assert_no_kernel_loss(stats):
    for reason, v in stats["kernel_drops"].items():
        check(v["count"] == 0, "kernel loss %s: %r" % (reason, v))
    check(stats["reader"]["malformed"] == 0, "malformed ring-buffer records")


# ---- cases ----

def concurrent_sessions_case(tmp, scale):
    """200 x scale stdio sessions at once, each with its own server, calls interleaved across
    threads: every message of every session is in the JSONL exactly once, in its session."""
    n, calls = 200 * scale, 5
    sessions = []

    errors = []

    def one(i):
        try:
            s = Session("s%d" % i)
            sessions.append(s)
            s.start()
            for k in range(calls):
                s.call("noop", {"session": i, "call": k, "pad": "x" * (i % 97)})
            check(s.close() == 0, "%s exited badly" % s.name)
        except (Failure, OSError) as e:
            errors.append(e)

    def body():
        threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(ANSWER_TIMEOUT_S)
        check(len(sessions) == n, "only %d of %d sessions started" % (len(sessions), n))
        if errors:
            raise errors[0]

    recs = run_monitored(tmp, body)
    stats = stats_of(recs)
    assert_no_kernel_loss(stats)
    for s in sessions:
        assert_session_exact(recs, s)
    pids = {s.pid for s in sessions}
    sess = [r for r in recs if r["event"] == "mcp.session" and r["server"]["pid"] in pids]
    check(len(sess) == n and len({r["server"]["pid"] for r in sess}) == n,
          "%d mcp.session records for %d sessions" % (len(sess), n))
    odd = [r for r in recs if r["event"] in ("mcp.skipped", "mcp.gap", "mcp.truncated")
           and r["server"]["pid"] in pids]
    check(not odd, "skipped or lost lines in the sessions: %r" % odd[:3])


def garbage_lines(rng, n):
    """Lines an MCP stream should not carry: binary (invalid UTF-8), broken and hostile JSON,
    huge lines. Text, one character per byte (Latin-1)."""
    out = []
    for i in range(n):
        kind = i % 8
        if kind == 0:
            out.append(bytes(rng.randrange(1, 256) for _ in range(rng.randrange(1, 300)))
                       .replace(b"\n", b" ").decode("latin-1"))
        elif kind == 1:
            out.append('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":' % i)
        elif kind == 2:
            out.append("[" * 5000 + "]" * 5000)
        elif kind == 3:
            out.append('{"jsonrpc":"2.0","result":{"x":"\\ud800\\udc00\\u0000"},"id":null}')
        elif kind == 4:
            out.append('{"not":"jsonrpc","id":%d}' % i)
        elif kind == 5:
            out.append("console output %d: \x1b[31mred\x1b[0m" % i)
        elif kind == 6:
            out.append('{"jsonrpc":"2.0","id":' + "9" * 400 + ',"result":{}}')
        else:
            out.append('"' + "\\u00e9" * rng.randrange(1, 2000) + '"')
    return out


def garbage_case(tmp, scale):
    """Garbage in both directions between valid messages: the collector survives, skips and
    counts the garbage, and decodes every valid message around it exactly."""
    rng = random.Random(SEED)
    lines = garbage_lines(rng, 64 * scale)
    holder = {}

    def body():
        s = Session("garbage")
        holder["s"] = s
        s.start()
        for chunk in range(0, len(lines), 16):
            batch = lines[chunk:chunk + 16]
            s.send_raw(b"".join(x.encode("latin-1") + b"\n" for x in batch))
            s.call("noop", {"after": chunk})
            s.call("spew", {"lines": batch})
        s.send_raw(b'{"jsonrpc":"2.0","id":77,"method":"tools/ca')    # truncated, then close
        check(s.close() == 0, "the server exited badly")

    recs = run_monitored(tmp, body)
    s = holder["s"]
    stats = stats_of(recs)
    assert_no_kernel_loss(stats)
    # garbage that happens to be a JSON-RPC message is one (both ways: sent and spewed)
    as_json = set()
    for x in lines:
        try:
            as_json.add(canon(json.loads(x)))
        except (ValueError, RecursionError):
            pass
    extra = [r for r in messages_of(recs, s.pid) if (r["dir"], canon(r["msg"])) not in tally(s.rec)]
    check(all(canon(r["msg"]) in as_json for r in extra), "unexpected messages %r"
          % [r["msg"] for r in extra if canon(r["msg"]) not in as_json][:3])
    s.rec += [{"dir": r["dir"], "msg": r["msg"]} for r in extra]
    assert_session_exact(recs, s)
    d = stats["decoder"]
    skipped = [r for r in recs if r["event"] == "mcp.skipped" and r["server"]["pid"] == s.pid]
    check(len(skipped) >= len(lines), "%d skipped records for %d garbage lines each way"
          % (len(skipped), len(lines)))
    check(d["lines_not_json"] + d["lines_bad_json"] + d["lines_not_jsonrpc"] >= len(lines),
          "decoder %r" % d)
    check(d["unterminated_bytes"] >= len('{"jsonrpc":"2.0","id":77,"method":"tools/ca'),
          "the unterminated last line was not counted: %r" % d)


def killed_mid_message_case(tmp, scale):
    """A server killed halfway through writing its answer: the half line is counted as
    unterminated, the call is not reported as answered, and the next session decodes fine."""
    holder = {}

    def body():
        s = Session("killed")
        holder["s"] = s
        s.start()
        s.call("noop", {"before": 1})
        msg = {"jsonrpc": "2.0", "id": s.next_id, "method": "tools/call",
               "params": {"name": "half", "arguments": {"pad": "y" * 5000 * scale}}}
        s.send(msg)
        check(s.proc.stdout.read() != b"", "no half answer")
        check(s.proc.wait(ANSWER_TIMEOUT_S) == -9, "the server was not killed")
        after = Session("after")
        holder["after"] = after
        after.start()
        after.call("noop", {"after": 1})
        check(after.close() == 0, "the next server exited badly")

    recs = run_monitored(tmp, body)
    s, after = holder["s"], holder["after"]
    stats = stats_of(recs)
    assert_no_kernel_loss(stats)
    assert_session_exact(recs, s)
    assert_session_exact(recs, after)
    check(stats["decoder"]["unterminated_bytes"] > 5000 * scale // 2,
          "the half answer was not counted: %r" % stats["decoder"])
    ex = [r for r in recs if r["event"] == "process.exit" and r["process"]["pid"] == s.pid]
    check(ex and ex[0].get("signal_name") == "KILL", "exit record %r" % ex)


CASES = [concurrent_sessions_case, garbage_case, killed_mid_message_case]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("cases", nargs="*")
    opts = ap.parse_args()
    if os.geteuid() != 0:
        print("stress: must run as root (loads BPF programs)", file=sys.stderr)
        return 1
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 8 * 200 * opts.scale + 256           # pipes of every session, and some
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    passed = failed = 0
    for case in CASES:
        name = case.__name__[:-len("_case")]
        if opts.cases and name not in opts.cases:
            continue
        tmp = tempfile.mkdtemp(prefix="mcpwarden-stress-")
        t0 = time.time()
        try:
            case(tmp, opts.scale)
        except (Failure, OSError) as e:
            failed += 1
            print("FAIL %-28s %s (artifacts in %s)" % (name, e, tmp))
            continue
        finally:
            remove_pins(tmp)
        passed += 1
        print("PASS %-28s %5.1fs" % (name, time.time() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
