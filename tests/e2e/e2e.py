#!/usr/bin/env python3
"""End-to-end tests: real MCP servers and clients from npm, driven under the real BPF programs.

Each case starts build/mcpwarden with --jsonl, waits for its "ready" record, runs a test client
that records every JSON-RPC message it sent and received, stops the monitor with SIGINT and
asserts that the JSONL holds each recorded message exactly once, in the right direction, tied
to the client process and one session, with every loss counter at zero.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

from harness import (CLIENTS, MCPWARDEN, READY_TIMEOUT_S, STOP_TIMEOUT_S, Failure,
                     Monitor, canon, check, pin_args, remove_pins, run_client, tally)
from policy_e2e import CASES as POLICY_CASES
from enforce_e2e import CASES as ENFORCE_CASES
from http_e2e import CASES as HTTP_CASES
from restart_e2e import CASES as RESTART_CASES
from enforce_state_e2e import CASES as ENFORCE_STATE_CASES
from demo_e2e import CASES as DEMO_CASES


def sdk_cmd(tmp, scenario, launch, extra=()):
    cmd = ["node", os.path.join(CLIENTS, "sdk_client.mjs"), "--scenario", scenario,
           "--launch", launch, "--record", os.path.join(tmp, "record.json"),
           "--pidfile", os.path.join(tmp, "server.pid")]
    if scenario == "filesystem":
        os.makedirs(os.path.join(tmp, "root"), exist_ok=True)
        cmd += ["--root", os.path.join(tmp, "root")]
    return cmd + list(extra)


def py_cmd(tmp, extra=()):
    os.makedirs(os.path.join(tmp, "root"), exist_ok=True)
    return [sys.executable, os.path.join(CLIENTS, "py_client.py"), "--root",
            os.path.join(tmp, "root"), "--record", os.path.join(tmp, "record.json"),
            "--pidfile", os.path.join(tmp, "server.pid")] + list(extra)


def assert_no_loss(recs, truncated=0, client_pid=None):
    stats = [r for r in recs if r["event"] == "stats"]
    check(len(stats) == 1, "expected one stats record, got %d" % len(stats))
    s = stats[0]
    for reason, v in s["kernel_drops"].items():
        check(v["count"] == 0 and v["bytes"] == 0, "kernel loss %s: %r" % (reason, v))
    d = s["decoder"]
    for key in ("gaps", "gap_bytes", "lost_bytes", "backlog", "oom"):
        check(d[key] == 0, "decoder %s = %d" % (key, d[key]))
    check(d["truncated"] == truncated, "decoder truncated = %d, want %d"
          % (d["truncated"], truncated))
    check(s["reader"]["malformed"] == 0, "malformed ring-buffer records")
    check(not [r for r in recs if r["event"] in ("loss", "mcp.gap")], "loss/gap records present")
    # other MCP servers on the host may log anything; this client's server must not garble
    bad = [r for r in recs if r["event"] == "mcp.skipped" and r.get("reason") == "bad_json"
           and r.get("client") and client_pid and r["client"]["pid"] == client_pid]
    check(not bad, "bad JSON on this client's channels: %r" % [r.get("preview") for r in bad])


def mine_of(recs, client_pid, event="mcp.message"):
    return [r for r in recs if r["event"] == event and r.get("client")
            and r["client"]["pid"] == client_pid]


def assert_exactly_once(tmp, recs, client_pid, over=None):
    """Every recorded message appears once in the JSONL, same direction, same client.
    Messages longer than `over` bytes are not expected as mcp.message (truncated or
    shortened); they are returned for the caller to check."""
    sent = json.load(open(os.path.join(tmp, "record.json"), encoding="utf-8"))
    check(len(sent) > 0, "client recorded nothing")
    mine = mine_of(recs, client_pid)
    big = [e for e in sent if over and len(json.dumps(e["msg"], ensure_ascii=False)) > over]
    sent = [e for e in sent if e not in big]
    seen = tally(r for r in mine if not r.get("shortened"))
    want = tally(sent)
    for key, n in want.items():
        check(seen.get(key, 0) == n, "%s message seen %d times, sent %d: %.200s"
              % (key[0], seen.get(key, 0), n, key[1]))
    exact = [r for r in mine if not r.get("shortened")]
    check(len(exact) == len(sent), "JSONL has %d exact messages for this client, client "
          "recorded %d" % (len(exact), len(sent)))
    sessions = {r.get("session") for r in mine}
    check(len(sessions) == 1 and None not in sessions, "messages span sessions %r" % sessions)
    if big:
        mine = (mine, big)
    return mine


def assert_session(tmp, recs, client_pid):
    """One mcp.session record says what the initialize exchange said."""
    sent = json.load(open(os.path.join(tmp, "record.json"), encoding="utf-8"))
    init = next(e["msg"] for e in sent if e["msg"].get("method") == "initialize")
    answer = next(e["msg"] for e in sent if e["dir"] == "s2c" and e["msg"].get("id") == init["id"])
    sess = mine_of(recs, client_pid, "mcp.session")
    check(len(sess) == 1, "expected one mcp.session record, got %d" % len(sess))
    s = sess[0]
    check(s["protocol_version"] == answer["result"]["protocolVersion"], "session version")
    check(s["client_info"] == init["params"]["clientInfo"], "session client_info")
    check(s["server_info"] == answer["result"]["serverInfo"], "session server_info")
    check(s["server_capabilities"] == answer["result"]["capabilities"], "session capabilities")


def assert_correlated(mine):
    """Each answer names the request it answers, with a latency."""
    for r in mine:
        if r["kind"] in ("result", "error") and r.get("id") is not None:
            check("request_method" in r and r["latency_ms"] >= 0,
                  "answer without its request: %.200s" % json.dumps(r))
    init = [r for r in mine if r.get("method") == "initialize"]
    check(init and all(r.get("protocol_version") for r in mine if r["kind"] == "result"),
          "session has no protocol version")


def message_case(name, args, cmd_fn, expect_big=False, expect_server_ids=False):
    def case(tmp):
        mon = Monitor(tmp, args)
        try:
            client_pid = run_client(tmp, cmd_fn(tmp))
        finally:
            recs = mon.stop()
        mine = assert_exactly_once(tmp, recs, client_pid)
        assert_no_loss(recs, client_pid=client_pid)
        assert_correlated(mine)
        assert_session(tmp, recs, client_pid)
        if expect_big:
            big = max(r["size"] for r in mine)
            check(big > 10_000_000, "largest message only %d bytes" % big)
        if expect_server_ids:
            s2c_req = [r for r in mine if r["dir"] == "s2c" and r["kind"] == "request"]
            c2s_ans = [r for r in mine if r["dir"] == "c2s" and r["kind"] == "result"]
            check(s2c_req and c2s_ans, "no server-to-client requests answered")
            check(all(r["request_method"] for r in c2s_ans), "server request not correlated")
        return mine
    case.__name__ = name
    return case


SHORTEN_OVER, SHORTEN_KEEP = 4096, 256


def shorten(v, st):
    """The default payload mode's rule (docs/events.md), to compare the collector with."""
    if isinstance(v, str):
        b = v.encode("utf-8")
        if len(b) <= SHORTEN_OVER:
            return v
        k = SHORTEN_KEEP
        while k and (b[k] & 0xc0) == 0x80:
            k -= 1
        st["strings"] += 1
        st["bytes_removed"] += len(b) - k
        return b[:k].decode("utf-8") + "...[%d bytes]" % len(b)
    if isinstance(v, dict):
        return {k: shorten(x, st) for k, x in v.items()}
    if isinstance(v, list):
        return [shorten(x, st) for x in v]
    return v


def shortened_case(tmp):
    """Default payload mode: the ~11 MB answer is shortened and says so; the rest is exact."""
    mon = Monitor(tmp, ["--no-default-match", "--payload", "short"])
    try:
        client_pid = run_client(tmp, sdk_cmd(tmp, "filesystem", "node"))
    finally:
        recs = mon.stop()
    mine, big = assert_exactly_once(tmp, recs, client_pid, over=1_000_000)
    assert_no_loss(recs, client_pid=client_pid)
    short = [r for r in mine if r.get("shortened")]
    check(len(short) == len(big) == 1, "shortened %d, big sent %d" % (len(short), len(big)))
    r, e = short[0], big[0]
    check(r["dir"] == e["dir"] and r["id"] == e["msg"]["id"], "shortened record is not the big one")
    check(r["size"] > 10_000_000 and r["shortened"]["bytes_removed"] > 10_000_000,
          "shortened record: %r" % r["shortened"])
    check(len(json.dumps(r["msg"])) < 100_000, "shortened msg still large")
    st = {"strings": 0, "bytes_removed": 0}
    check(canon(r["msg"]) == canon(shorten(e["msg"], st)), "shortened msg differs from the rule")
    check(r["shortened"] == dict(st, over=SHORTEN_OVER), "shortened %r, want %r"
          % (r["shortened"], st))


def truncated_case(tmp):
    """A message over --max-message becomes one mcp.truncated record; decoding resumes."""
    mon = Monitor(tmp, ["--no-default-match", "--max-message", "4M"])
    try:
        client_pid = run_client(tmp, sdk_cmd(tmp, "filesystem", "node"))
    finally:
        recs = mon.stop()
    mine, big = assert_exactly_once(tmp, recs, client_pid, over=4 << 20)
    assert_no_loss(recs, truncated=1, client_pid=client_pid)
    trunc = mine_of(recs, client_pid, "mcp.truncated")
    check(len(big) == 1 and len(trunc) == 1, "big %d, truncated records %d"
          % (len(big), len(trunc)))
    check(trunc[0]["dir"] == "s2c" and trunc[0]["size"] >= 4 << 20, "truncated: %r"
          % {k: v for k, v in trunc[0].items() if k not in ("server", "client")})
    last = mine[-1]
    check(last["dir"] == "s2c" and last.get("request_method") == "ping",
          "the ping after the truncated line was not decoded")


def npx_case(tmp):
    mine = message_case("npx", ["--no-default-match"],
                        lambda t: sdk_cmd(t, "filesystem", "npx"), expect_big=True)(tmp)
    npx_pid = int(open(os.path.join(tmp, "server.pid")).read())
    servers = {r["server"]["pid"] for r in mine}
    check(len(servers) == 1 and npx_pid not in servers,
          "npx chain: payload should come from the grandchild, got %r (npx %d)"
          % (servers, npx_pid))


def prestarted_case(flag_fn, args_extra):
    def case(tmp):
        hold = os.path.join(tmp, "hold")
        holder = {}

        def start_monitor(server_pid):
            holder["mon"] = Monitor(tmp, flag_fn(server_pid) + args_extra)

        try:
            client_pid = run_client(tmp, sdk_cmd(tmp, "everything", "node",
                                                 ["--hold-file", hold]),
                                    hold=hold, on_spawn=start_monitor)
        finally:
            recs = holder["mon"].stop() if "mon" in holder else []
        server_pid = int(open(os.path.join(tmp, "server.pid")).read())
        tracked = [r for r in recs if r["event"] == "process.tracked"]
        check(any(r["process"]["pid"] == server_pid for r in tracked),
              "pre-started server %d not reported as tracked" % server_pid)
        assert_exactly_once(tmp, recs, client_pid)
        assert_no_loss(recs, client_pid=client_pid)
    return case


# ---- timeline: what servers did, tied to the calls in flight ----

def actions_cmd(tmp, scenario, extra=()):
    return ["node", os.path.join(CLIENTS, "actions_client.mjs"), "--scenario", scenario,
            "--root", os.path.join(tmp, "root"), "--record", os.path.join(tmp, "record.json"),
            "--summary", os.path.join(tmp, "summary.json"),
            "--pidfile", os.path.join(tmp, "server.pid")] + list(extra)


def server_tree(recs, server_pid):
    """Events of the server and its descendants."""
    pids = {server_pid}
    for r in recs:
        if r["event"] in ("process.fork", "process.exec") and r["process"]["ppid"] in pids:
            pids.add(r["process"]["pid"])
    return [r for r in recs if r["event"].split(".")[0] in ("file", "net", "process")
            and r.get("process") and r["process"]["pid"] in pids]


def call_ids(r):
    return sorted((c["id"], c["tool"]) for c in r["calls"])


def find_events(events, event, pred):
    return [r for r in events if r["event"] == event and pred(r)]


def check_one_call(r, call, what):
    check(call_ids(r) == [(call["id"], call["tool"])],
          "%s: calls %r, want id %d %s" % (what, r["calls"], call["id"], call["tool"]))


def sequence_case(tmp, prestarted=False):
    """Each action of a tool call carries that call; paths are the kernel's."""
    if prestarted:
        hold, holder = os.path.join(tmp, "hold"), {}

        def start(pid):
            holder["mon"] = Monitor(tmp, ["--pid", str(pid), "--no-detect",
                                          "--no-default-match"])
        try:
            run_client(tmp, actions_cmd(tmp, "sequence", ["--hold-file", hold]), hold=hold,
                       on_spawn=start)
        finally:
            recs = holder["mon"].stop() if "mon" in holder else []
    else:
        mon = Monitor(tmp, ["--no-default-match"])
        try:
            run_client(tmp, actions_cmd(tmp, "sequence"))
        finally:
            recs = mon.stop()
    summ = json.load(open(os.path.join(tmp, "summary.json")))
    ev = server_tree(recs, summ["serverPid"])
    calls = {c["tool"]: c for c in summ["calls"]}
    link = summ["prepared"]["link"]
    opens = find_events(ev, "file.open", lambda r: r["requested"] == link["path"])
    check(len(opens) == 1, "open through the symlink: %d records" % len(opens))
    check(opens[0]["resolved"] == os.path.realpath(link["target"]),
          "symlink open resolved to %r" % opens[0]["resolved"])
    check_one_call(opens[0], next(c for c in summ["calls"] if c["tool"] == "open_file"
                                  and c["arguments"]["path"] == link["path"]), "symlink open")
    ren = find_events(ev, "file.rename", lambda r: True)
    want = calls["write_via_rename"]["arguments"]["path"]
    check(ren and ren[0]["path"] == want, "rename onto %r not recorded: %r"
          % (want, [r["path"] for r in ren]))
    check_one_call(ren[0], calls["write_via_rename"], "rename")
    execs = find_events(ev, "process.exec", lambda r: r["argv"] == ["/bin/echo", "hello"])
    check(len(execs) == 1, "spawned /bin/echo: %d exec records" % len(execs))
    check_one_call(execs[0], calls["spawn"], "exec")
    check(execs[0]["exe"] == os.path.realpath("/bin/echo"), "exec exe %r" % execs[0]["exe"])
    port = summ["clientListeners"]["tcp"]["port"]
    conn = find_events(ev, "net.connect", lambda r: r.get("remote", {}).get("port") == port)
    check(len(conn) == 1 and conn[0]["remote"]["addr"] == "127.0.0.1", "connect: %r" % conn)
    check_one_call(conn[0], calls["connect"], "connect")
    check(conn[0]["result"]["ok"] or conn[0].get("in_progress"), "connect result")
    lst = find_events(ev, "net.listen", lambda r: True)
    check(lst and lst[0]["local"]["addr"] == "127.0.0.1", "listen: %r" % lst)
    check_one_call(lst[0], calls["listen"], "listen")
    acc = find_events(ev, "net.accept", lambda r: True)
    check(acc and acc[0]["remote"]["addr"] == "127.0.0.1", "accept: %r" % acc)
    check_one_call(acc[0], calls["accept_one"], "accept")
    assert_no_loss(recs)


def concurrent_case(tmp):
    """Concurrent calls: both are candidates; an action outside any call carries none."""
    mon = Monitor(tmp, ["--no-default-match", "--match", "*actions_server.mjs*"])
    try:
        run_client(tmp, actions_cmd(tmp, "concurrent"))
    finally:
        recs = mon.stop()
    summ = json.load(open(os.path.join(tmp, "summary.json")))
    check(summ["checks"]["bothRequestsBeforeFirstResponse"], "client did not overlap the calls")
    ev = server_tree(recs, summ["serverPid"])
    slow = [c for c in summ["calls"] if c["tool"] == "slow_open"]
    want = sorted((c["id"], c["tool"]) for c in slow)
    for c in slow:
        opens = find_events(ev, "file.open", lambda r, c=c: r["requested"] == c["arguments"]["path"])
        check(len(opens) == 1, "open of %s: %d records" % (c["arguments"]["path"], len(opens)))
        check(call_ids(opens[0]) == want, "concurrent open calls %r, want %r"
              % (opens[0]["calls"], want))
    marker = summ["outsideCalls"][0]["path"]
    opens = find_events(ev, "file.open", lambda r: r["requested"] == marker)
    check(len(opens) == 1 and opens[0]["calls"] == [], "startup open: %r"
          % [r["calls"] for r in opens])
    assert_no_loss(recs)


def filesystem_timeline_case(tmp):
    """The real server-filesystem: a write is a temp file renamed onto the target, and a read
    through a symlink shows the file really opened."""
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "sub"))
    with open(os.path.join(root, "sub", "real.txt"), "w") as f:
        f.write("real\n")
    os.symlink(os.path.join(root, "sub", "real.txt"), os.path.join(root, "alias.txt"))
    with open(os.path.join(root, "hello.txt"), "w") as f:
        f.write("old\n")            # an existing file is replaced through a temp file
    mon = Monitor(tmp, ["--no-default-match"])
    try:
        client_pid = run_client(tmp, sdk_cmd(tmp, "filesystem", "node",
                                             ["--big-mb", "0", "--read-path",
                                              os.path.join(root, "alias.txt")]))
    finally:
        recs = mon.stop()
    server = int(open(os.path.join(tmp, "server.pid")).read())
    ev = server_tree(recs, server)
    msgs = mine_of(recs, client_pid)
    by_id = {r["id"]: r for r in msgs if r["dir"] == "c2s" and r["kind"] == "request"}
    ren = find_events(ev, "file.rename", lambda r: True)
    check(len(ren) == 1 and ren[0]["path"] == os.path.realpath(os.path.join(root, "hello.txt")),
          "write_file rename: %r" % [(r["requested"], r["path"]) for r in ren])
    write = [i for i, r in by_id.items() if r.get("tool") == "write_file"]
    check(call_ids(ren[0]) == [(write[0], "write_file")], "rename calls %r" % ren[0]["calls"])
    alias = find_events(ev, "file.open", lambda r: r["requested"].endswith("alias.txt")
                        or r.get("resolved", "").endswith("real.txt"))
    check(alias and all(r["resolved"] == os.path.realpath(os.path.join(root, "sub", "real.txt"))
                        for r in alias), "alias read: %r" % [(r["requested"], r.get("resolved"))
                                                            for r in alias])
    check(all(r["calls"] and r["calls"][0]["tool"] == "read_text_file" for r in alias),
          "alias read not tied to read_text_file")


def prestarted_sequence_case(tmp):
    sequence_case(tmp, prestarted=True)


def npx_tree_case(tmp):
    """npx -> sh -> node: the chain is recorded under the matched npx process, and the
    grandchild's file actions are tied to the calls the session carried."""
    root = os.path.join(tmp, "root")
    os.makedirs(root)
    with open(os.path.join(root, "hello.txt"), "w") as f:
        f.write("old\n")
    mon = Monitor(tmp, [])           # the built-in patterns match the npx command line
    try:
        client_pid = run_client(tmp, sdk_cmd(tmp, "filesystem", "npx", ["--big-mb", "0"]))
    finally:
        recs = mon.stop()
    npx = int(open(os.path.join(tmp, "server.pid")).read())
    ev = server_tree(recs, npx)
    execs = [r for r in ev if r["event"] == "process.exec"]
    check(len(execs) >= 2 and all(r["server_pid"] == npx for r in execs),
          "npx chain execs: %r" % [(r["process"]["pid"], r["argv"][:2], r["server_pid"])
                                   for r in execs])
    node = [r for r in execs if "mcp-server-filesystem" in " ".join(r["argv"])]
    check(node, "the grandchild's exec is missing: %r" % [r["argv"] for r in execs])
    msgs = mine_of(recs, client_pid)
    check(msgs and all(r["server"]["pid"] == node[-1]["process"]["pid"] for r in msgs),
          "messages not from the grandchild")
    ren = find_events(ev, "file.rename", lambda r: True)
    check(len(ren) == 1 and ren[0]["calls"] and ren[0]["calls"][0]["tool"] == "write_file",
          "grandchild rename not tied to write_file: %r" % [r["calls"] for r in ren])


# A launcher name the kernel cuts mid-character in comm (16 bytes; comm keeps 15), with a byte
# that is not UTF-8 in the command line: records must still be written, the bytes as U+FFFD.
ODD_NAME = b"no" + "\u00e9".encode() * 7 + b"\xff"
ODD_COMM = "no" + "\u00e9" * 6 + "\ufffd"


def not_utf8_names_case(tmp):
    link = os.path.join(os.fsencode(tmp), ODD_NAME)
    os.symlink(shutil.which("node"), link)
    mon = Monitor(tmp, ["--no-default-match"])
    try:
        client_pid = run_client(tmp, py_cmd(tmp, ["--node", os.fsdecode(link)]))
    finally:
        recs = mon.stop()
    mine = assert_exactly_once(tmp, recs, client_pid)
    assert_no_loss(recs, client_pid=client_pid)
    stats = [r for r in recs if r["event"] == "stats"][0]
    check(stats["output_write_errors"] == 0, "records lost: %r" % stats["output_write_errors"])
    server = mine[0]["server"]
    want_cmd = link.decode("utf-8", "replace") + " "
    check(server["comm"] == ODD_COMM, "comm %r, want %r" % (server["comm"], ODD_COMM))
    check(server["cmdline"].startswith(want_cmd), "cmdline %r" % server["cmdline"])
    tracked = [r for r in recs if r["event"] == "process.tracked"
               and r["process"]["pid"] == server["pid"]]
    check(len(tracked) == 1 and tracked[0]["process"]["comm"] == ODD_COMM,
          "process.tracked of the server: %r" % tracked)


def run_mcpwarden(args, user=None, timeout=60):
    cmd = [MCPWARDEN] + args
    if user:
        cmd = ["setpriv", "--reuid", str(user), "--regid", str(user), "--clear-groups",
               "--inh-caps=-all"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def cli_errors_case(tmp):
    """Bad input and missing privilege: one clear line, non-zero exit, no crash."""
    cases = [
        (["--ringbuf-mb", "3"], 2, "--ringbuf-mb must be a power of 2"),
        (["--max-message", "12x"], 2, "invalid value '12x' for --max-message"),
        (["--pid", "0"], 2, "invalid value '0' for --pid"),
        (["--bogus"], 2, "see --help"),
        (["frobnicate"], 2, "unexpected argument 'frobnicate'"),
        (["--pid", "2147483600", "--quiet"], 1, "no process with pid 2147483600 (--pid)"),
        (["--jsonl", os.path.join(tmp, "no", "such", "dir.jsonl")], 1, "cannot open '"),
    ]
    for args, rc, text in cases:
        r = run_mcpwarden(args + pin_args(tmp))
        check(r.returncode == rc, "%r: exit %d, want %d (%s)" % (args, r.returncode, rc, r.stderr))
        check(text in r.stderr, "%r: stderr lacks %r: %r" % (args, text, r.stderr))
    r = run_mcpwarden(["--quiet", "--duration", "1"], user=65534)   # nobody
    check(r.returncode == 1 and "not enough privilege" in r.stderr,
          "unprivileged: exit %d: %r" % (r.returncode, r.stderr))
    r = run_mcpwarden(["--help"])
    check(r.returncode == 0 and "--jsonl" in r.stdout, "--help")


def jsonl_stdout_sigterm_case(tmp):
    """--jsonl - writes records on stdout (console to stderr); SIGTERM stops cleanly."""
    out = open(os.path.join(tmp, "stdout"), "w+")
    proc = subprocess.Popen([MCPWARDEN, "--jsonl", "-", "--color", "never"] + pin_args(tmp),
                            stdout=out, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + READY_TIMEOUT_S
    while time.time() < deadline and os.path.getsize(out.name) == 0:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=STOP_TIMEOUT_S)
    check(proc.returncode == 0, "SIGTERM: exit %d: %s" % (proc.returncode, err))
    out.seek(0)
    recs = [json.loads(line) for line in out.read().splitlines()]
    check(recs[0]["event"] == "ready" and recs[-1]["event"] == "stats",
          "stdout holds %r" % [r["event"] for r in recs])
    check(recs[0].get("kernel_reads") in ("direct", "helper"),
          "ready: kernel_reads %r" % recs[0].get("kernel_reads"))
    check("mcpwarden ready" in err, "console line not on stderr: %r" % err)


def duration_case(tmp):
    r = run_mcpwarden(["--quiet", "--duration", "1", "--jsonl", os.path.join(tmp, "o.jsonl")]
                      + pin_args(tmp))
    check(r.returncode == 0, "--duration 1: exit %d: %s" % (r.returncode, r.stderr))
    recs = [json.loads(x) for x in open(os.path.join(tmp, "o.jsonl"))]
    check(recs[-1]["event"] == "stats", "no stats record at the end")


CASES = [
    message_case("sdk_filesystem_node_detected", ["--no-default-match"],
                 lambda t: sdk_cmd(t, "filesystem", "node"), expect_big=True),
    message_case("sdk_filesystem_node_default", [],
                 lambda t: sdk_cmd(t, "filesystem", "node"), expect_big=True),
    shortened_case,
    truncated_case,
    npx_case,
    message_case("sdk_everything_node", ["--no-default-match"],
                 lambda t: sdk_cmd(t, "everything", "node", ["--server-requests"]),
                 expect_server_ids=True),
    message_case("sdk_everything_npx", [],
                 lambda t: sdk_cmd(t, "everything", "npx", ["--server-requests"]),
                 expect_server_ids=True),
    message_case("python_filesystem_pipes", ["--no-default-match"],
                 lambda t: py_cmd(t, ["--big-mb", "5"]), expect_big=True),
    prestarted_case(lambda pid: ["--pid", str(pid)], ["--no-detect", "--no-default-match"]),
    prestarted_case(lambda pid: ["--match", "*server-everything/dist/index.js*"],
                    ["--no-detect", "--no-default-match"]),
]
CASES += [cli_errors_case, jsonl_stdout_sigterm_case, duration_case, sequence_case,
          concurrent_case, filesystem_timeline_case, prestarted_sequence_case, npx_tree_case,
          not_utf8_names_case]
CASES[2].__name__ = "payload_short_shortens_big_strings"
CASES[3].__name__ = "max_message_truncates_and_resyncs"
CASES[4].__name__ = "sdk_filesystem_npx_grandchild"
CASES[8].__name__ = "prestarted_server_by_pid"
CASES[9].__name__ = "prestarted_server_by_match"
CASES += POLICY_CASES + ENFORCE_CASES + ENFORCE_STATE_CASES + HTTP_CASES + RESTART_CASES + DEMO_CASES


def main():
    if os.geteuid() != 0:
        print("e2e: must run as root (loads BPF programs)", file=sys.stderr)
        return 1
    only = sys.argv[1:]
    passed = failed = 0
    for case in CASES:
        if only and case.__name__ not in only:
            continue
        tmp = tempfile.mkdtemp(prefix="mcpwarden-e2e-")
        t0 = time.time()
        try:
            case(tmp)
            passed += 1
            print("PASS %-34s %5.1fs" % (case.__name__, time.time() - t0), flush=True)
        except Exception as e:    # noqa: BLE001 - every failure is reported, never skipped
            failed += 1
            print("FAIL %-34s %s (artifacts in %s)" % (case.__name__, e, tmp), flush=True)
            if not isinstance(e, Failure):
                traceback.print_exc()
        finally:
            remove_pins(tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
