"""End-to-end tests of restarts: mcpwarden stopped and started again while MCP servers run.

A server found by its traffic (it read an `initialize`) is tracked in the kernel's tracked map
only; the map is pinned in bpffs, so the next mcpwarden finds the server again (`process.tracked`
with reason `pinned`) and decodes what it says from then on. The channels map is pinned too: the
new run joins each channel where the old one stopped, and a line written across the restart is
reported once as `mcp.joined` instead of as bad JSON. With `--no-pin` the new run does not see
the server at all.
"""
import json
import os
import subprocess
import sys
import time

from harness import HERE, Monitor, check, pin_args, pin_dir, tally

EAGER_SERVER = os.path.join(HERE, "servers", "eager_server.py")
PROTOCOL = "2025-06-18"
READ_SETTLE_S = 0.3         # for the server to read what was written before mcpwarden stops
CHILD_TIMEOUT_S = 10


class Session:
    """An MCP client holding a session open with eager_server.py over pipes, recording each
    message it sends and receives with the phase it belongs to."""

    def __init__(self, tmp, server=EAGER_SERVER):
        self.proc = subprocess.Popen([sys.executable, server, tmp], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.phase = "before"
        self.log = []           # (phase, dir, msg)
        self.next_id = 0

    def write(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, msg):
        self.write(json.dumps(msg).encode() + b"\n")
        self.log.append((self.phase, "c2s", msg))

    def receive(self):
        line = self.proc.stdout.readline()
        check(line, "server %d closed its stdout" % self.pid)
        msg = json.loads(line)
        self.log.append((self.phase, "s2c", msg))
        return msg

    def request(self, method, params):
        self.next_id += 1
        req = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.send(req)
        return self.answer(req)

    def answer(self, req):
        msg = self.receive()
        check(msg.get("id") == req["id"] and "result" in msg, "answer to %r: %r" % (req, msg))
        return msg

    def open(self):
        self.request("initialize", {"protocolVersion": PROTOCOL, "capabilities": {},
                                    "clientInfo": {"name": "restart-e2e", "version": "1"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        self.request("tools/list", {})

    def call(self, n):
        return self.request("tools/call", {"name": "noop", "arguments": {"n": n}})

    def split_call(self, n):
        """A tools/call whose line is written in two parts; returns the request and its
        second part (write it with finish())."""
        self.next_id += 1
        req = {"jsonrpc": "2.0", "id": self.next_id, "method": "tools/call",
               "params": {"name": "noop", "arguments": {"n": n, "pad": "x" * 40}}}
        line = json.dumps(req).encode() + b"\n"
        cut = line.index(b'"params"')
        self.write(line[:cut])
        return req, line[cut:]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def sent(self, phase):
        return [{"dir": d, "msg": m} for p, d, m in self.log if p == phase]


def of_server(recs, pid, event="mcp.message"):
    return [r for r in recs if r["event"] == event and r.get("server")
            and r["server"]["pid"] == pid]


def tracked_as(recs, pid):
    return [r for r in recs if r["event"] == "process.tracked" and r["process"]["pid"] == pid]


def assert_messages(recs, pid, want, what):
    """The run's mcp.message records of the server are exactly want (dir and JSON)."""
    mine = of_server(recs, pid)
    got = tally(mine)
    check(got == tally(want), "%s: messages differ\n got %r\nwant %r"
          % (what, sorted(got.items()), sorted(tally(want).items())))
    check(not [r for r in mine if r.get("shortened")], "%s: shortened messages" % what)
    return mine


def assert_clean(recs, pid, what):
    """No loss, no gap, no bad line on the server's channels."""
    bad = [r for r in recs if r["event"] in ("mcp.skipped", "mcp.gap", "mcp.truncated")
           and r.get("server") and r["server"]["pid"] == pid]
    check(not bad, "%s: %r" % (what, bad))
    stats = [r for r in recs if r["event"] == "stats"]
    check(len(stats) == 1, "%s: %d stats records" % (what, len(stats)))
    for reason, v in stats[0]["kernel_drops"].items():
        check(v["count"] == 0, "%s: kernel loss %s: %r" % (what, reason, v))
    d = stats[0]["decoder"]
    check(d["gaps"] == 0 and d["lost_bytes"] == 0, "%s: decoder gaps %r" % (what, d))
    return stats[0]


def run_dir(tmp, name):
    path = os.path.join(tmp, name)
    os.makedirs(path)
    return path


def across_restart(tmp, args, before, downtime, after, server=EAGER_SERVER):
    """Run 1 of mcpwarden while before(session) talks to a server it finds, downtime(session)
    while none runs, run 2 while after(session) talks; the session ends before run 2 stops.
    Returns the session and both runs' records."""
    first = Monitor(run_dir(tmp, "run1"), args)
    srv = None
    try:
        try:
            srv = Session(tmp, server)
            before(srv)
        finally:
            recs1 = first.stop()
        downtime(srv)
        second = Monitor(run_dir(tmp, "run2"), args)
        try:
            srv.phase = "after"
            after(srv)
            srv.close()
        finally:
            recs2 = second.stop()
    finally:
        if srv:
            srv.kill()
    return srv, recs1, recs2


def restart_case(tmp):
    """A traffic-found server is found again by the next run, which decodes it from there."""
    state = {}

    def before(srv):
        state["gone"] = gone = Session(tmp)
        srv.open()
        gone.open()
        srv.call(1)
        state["split"], state["tail"] = srv.split_call(2)
        time.sleep(READ_SETTLE_S)

    def after(srv):
        srv.write(state["tail"])
        srv.answer(state["split"])
        srv.call(3)
        srv.call(4)

    try:
        srv, recs1, recs2 = across_restart(tmp, ["--no-default-match"] + pin_args(tmp), before,
                                           lambda srv: state["gone"].close(), after)
    finally:
        if "gone" in state:
            state["gone"].kill()
    check_first_run(recs1, srv, state["gone"])
    check_second_run(recs1, recs2, srv, state["gone"], state["tail"])


def check_first_run(recs, srv, gone):
    for s in (srv, gone):
        t = tracked_as(recs, s.pid)
        check(len(t) == 1 and t[0]["reason"] == "traffic", "run 1: tracked %r" % t)
    assert_messages(recs, srv.pid, srv.sent("before"), "run 1")
    assert_clean(recs, srv.pid, "run 1")
    pin = recs[0]["pin"]
    check(pin and pin["maps"] == {"tracked": "created", "channels": "created",
                                  "writers": "created", "enf_held": "created"},
          "run 1: pin %r" % pin)


def check_second_run(recs1, recs, srv, gone, tail):
    pin = recs[0]["pin"]
    check(pin["maps"] == {"tracked": "reused", "channels": "reused", "writers": "reused",
                          "enf_held": "reused"}, "run 2: pin %r" % pin)
    check(pin["processes_gone"] >= 1, "run 2: the exited server was not dropped: %r" % pin)
    t = tracked_as(recs, srv.pid)
    check(len(t) == 1 and t[0]["reason"] == "pinned" and t[0]["pinned_reason"] == "traffic",
          "run 2: server tracked as %r" % t)
    check(not tracked_as(recs, gone.pid), "run 2: the exited server is tracked")
    mine = assert_messages(recs, srv.pid, expected_after(srv.sent("after")), "run 2")
    joined = of_server(recs, srv.pid, "mcp.joined")
    check(len(joined) == 1 and joined[0]["dir"] == "c2s" and joined[0]["size"] == len(tail) - 1,
          "run 2: joined records %r (tail %d bytes)" % (joined, len(tail)))
    stats = assert_clean(recs, srv.pid, "run 2")
    check(stats["decoder"]["joined_bytes"] >= len(tail) - 1, "run 2: stats %r" % stats["decoder"])
    check_offsets_continue(recs1, mine, srv.pid)
    exits = [r for r in recs if r["event"] == "process.exit" and r["process"]["pid"] == srv.pid]
    check(len(exits) == 1, "run 2: the server's exit was not recorded: %d" % len(exits))


def expected_after(after):
    """What run 2 can decode: everything after the restart but the request written across
    it (its start went to run 1, which never saw its end)."""
    split_id = after[0]["msg"]["id"]
    return [e for e in after if not (e["dir"] == "c2s" and e["msg"].get("id") == split_id)]


def check_offsets_continue(recs1, mine, pid):
    """The server's first answer in run 2 sits where its answers in run 1 ended."""
    before = of_server(recs1, pid)
    last = max((r for r in before if r["dir"] == "s2c"), key=lambda r: r["offset"])
    first = min((r for r in mine if r["dir"] == "s2c"), key=lambda r: r["offset"])
    check(first["stream"] == last["stream"] and
          first["offset"] == last["offset"] + last["size"] + 1,
          "run 2: s2c offset %d on %s, run 1 ended at %d + %d on %s"
          % (first["offset"], first["channel"], last["offset"], last["size"], last["channel"]))


def no_pin_case(tmp):
    """Without the pins the next run does not see the server: the pins make the difference."""
    def before(srv):
        srv.open()
        srv.call(1)

    def after(srv):
        srv.call(2)
        srv.call(3)

    srv, recs1, recs2 = across_restart(tmp, ["--no-default-match", "--no-pin"], before,
                                       lambda srv: None, after)
    check(len(tracked_as(recs1, srv.pid)) == 1, "run 1 did not track the server")
    assert_messages(recs1, srv.pid, srv.sent("before"), "run 1")
    check(recs1[0]["pin"] is None and recs2[0]["pin"] is None, "pins with --no-pin")
    check(not tracked_as(recs2, srv.pid), "run 2 tracks the server without pins")
    check(not of_server(recs2, srv.pid), "run 2 decoded the server without pins")
    check(not os.path.exists(pin_dir(tmp)), "--no-pin created %s" % pin_dir(tmp))


# A server whose `fork` tool leaves a child behind that waits for the file `go`, then creates
# the file `touch` and exits.
FORK_SERVER = """
import json, os, sys, time
for line in sys.stdin:
    req = json.loads(line)
    if req.get("method") == "tools/call" and req["params"]["name"] == "fork":
        args = req["params"]["arguments"]
        if os.fork() == 0:
            while not os.path.exists(args["go"]):
                time.sleep(0.05)
            open(args["touch"], "w").close()
            os._exit(0)
    if "id" in req:
        print(json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": {}}), flush=True)
"""


def downtime_child_case(tmp):
    """A child a pinned server forked while no mcpwarden ran is tracked by the next run (found
    by the /proc scan under its pinned parent): what it does is recorded under the server."""
    server = os.path.join(tmp, "fork_server.py")
    with open(server, "w") as f:
        f.write(FORK_SERVER)
    go, touch = os.path.join(tmp, "go"), os.path.join(tmp, "touched")

    def after(srv):
        open(go, "w").close()
        deadline = time.time() + CHILD_TIMEOUT_S
        while not os.path.exists(touch) and time.time() < deadline:
            time.sleep(0.05)

    srv, recs1, recs2 = across_restart(
        tmp, ["--no-default-match"] + pin_args(tmp), lambda srv: srv.open(),
        lambda srv: srv.request("tools/call", {"name": "fork",
                                               "arguments": {"go": go, "touch": touch}}),
        after, server)
    check(len(tracked_as(recs1, srv.pid)) == 1, "run 1 did not track the server")
    check(tracked_as(recs2, srv.pid)[0]["reason"] == "pinned", "run 2 did not find the server")
    opens = [r for r in recs2 if r["event"] == "file.open" and r["requested"] == touch]
    check(len(opens) == 1 and opens[0]["server_pid"] == srv.pid
          and opens[0]["process"]["pid"] != srv.pid and opens[0]["process"]["ppid"] == srv.pid,
          "the child's open of %s: %r" % (touch, opens))


def incompatible_pin_case(tmp):
    """A pinned map of another layout (another build's ABI) is replaced, and said so; the
    maps are reused together or not at all."""
    d = pin_dir(tmp)
    os.makedirs(d)
    subprocess.run(["bpftool", "map", "create", os.path.join(d, "tracked"), "type", "hash",
                    "key", "4", "value", "8", "entries", "16", "name", "tracked"], check=True)
    mon = Monitor(tmp, ["--no-default-match"] + pin_args(tmp))
    recs = mon.stop()
    pin = recs[0]["pin"]
    check(pin["maps"] == {"tracked": "replaced", "channels": "created", "writers": "created",
                          "enf_held": "created"},
          "pin %r" % pin)
    err = mon.stderr()
    check("replaced the pinned map %s/tracked" % d in err and "value 8 B" in err
          and "value 16 B" in err, "stderr: %r" % err)
    again = Monitor(tmp, ["--no-default-match"] + pin_args(tmp))
    check(again.stop()[0]["pin"]["maps"] == {"tracked": "reused", "channels": "reused",
                                             "writers": "reused", "enf_held": "reused"},
          "the replacement was not pinned")
    os.unlink(os.path.join(d, "channels"))     # one pin missing: neither is reused
    third = Monitor(tmp, ["--no-default-match"] + pin_args(tmp))
    pin = third.stop()[0]["pin"]
    check(pin["maps"] == {"tracked": "replaced", "channels": "created", "writers": "replaced",
                          "enf_held": "replaced"},
          "pin %r" % pin)
    check("goes with the pinned channels, which is missing" in third.stderr(),
          "stderr: %r" % third.stderr())


CASES = [restart_case, no_pin_case, downtime_child_case, incompatible_pin_case]
for _c in CASES:
    _c.__name__ = "restart_" + _c.__name__[:-len("_case")]
CASES[0].__name__ = "restart_found_again_by_pin"
