"""End-to-end tests of the HTTP transports: server-everything in Streamable HTTP and in legacy
SSE mode on 127.0.0.1, driven by the official SDK client and by a Python standard-library
client; the JSONL must hold every message the client recorded exactly once, in the right
direction, decoded from the server's TCP traffic, with the transport, the HTTP envelope and
one session. The SDK runs must show progress (s2c), cancellation (c2s) and the server's roots,
sampling and elicitation requests (s2c, answered c2s); the Python run checks Origin,
Authorization (present, its token never written), each answer's status, a DELETE ending the
session, and one tools/call whose Mcp-Name header lies (one http.header_mismatch alert)."""
import json
import os
import socket
import subprocess
import time

from harness import (CLIENTS, HERE, READY_TIMEOUT_S, Monitor, canon, check, run_client,
                     tally)

JWT_BYTES = 1536                # a long Bearer JWT: the request line is >1 KiB from the body
SERVER_EVERYTHING = os.path.join(HERE, "node_modules", "@modelcontextprotocol",
                                 "server-everything", "dist", "index.js")


def server_messages(recs, server_pid):
    return [r for r in recs if r["event"] == "mcp.message" and r["server"]
            and r["server"]["pid"] == server_pid]


def client_messages(recs, client_pid):
    return [r for r in recs if r["event"] == "mcp.message" and r["client"]
            and r["client"]["pid"] == client_pid]


def check_exactly_once(tmp, recs, server_pid, transport, client_pid=None):
    """Every message the client recorded, once, among the messages of the server's capture
    (or of the client's, with client_pid)."""
    sent = json.load(open(os.path.join(tmp, "record.json"), encoding="utf-8"))
    check(len(sent) > 10, "the client recorded only %d messages" % len(sent))
    mine = (client_messages(recs, client_pid) if client_pid
            else server_messages(recs, server_pid))
    seen, want = tally(mine), tally(sent)
    for key, n in want.items():
        check(seen.get(key, 0) == n, "%s message seen %d times, sent %d: %.200s"
              % (key[0], seen.get(key, 0), n, key[1]))
    check(len(mine) == len(sent), "JSONL has %d messages of the server, the client recorded %d"
          % (len(mine), len(sent)))
    check({r["transport"] for r in mine} == {transport}, "transports %r"
          % {r["transport"] for r in mine})
    sessions = {r.get("session") for r in mine}
    check(len(sessions) == 1 and None not in sessions, "messages span sessions %r" % sessions)
    return mine


# (method, direction, kind) the SDK scenario must yield; a server request also needs the
# client's answer (c2s result correlated to it)
SDK_FLOWS = [("notifications/progress", "s2c", "notification"),
             ("notifications/cancelled", "c2s", "notification"),
             ("roots/list", "s2c", "request"),
             ("sampling/createMessage", "s2c", "request"),
             ("elicitation/create", "s2c", "request")]


def check_flows(tmp, mine, summ):
    """Progress, cancellation, and the server's roots, sampling and elicitation requests: each
    in the JSONL with its direction, as often as the client recorded it."""
    sent = json.load(open(os.path.join(tmp, "record.json"), encoding="utf-8"))
    for method, d, kind in SDK_FLOWS:
        want = [e for e in sent if e["dir"] == d and e["msg"].get("method") == method]
        got = [r for r in mine if r["dir"] == d and r.get("method") == method]
        check(want and len(got) == len(want), "%s %s: JSONL %d, client %d"
              % (d, method, len(got), len(want)))
        check(all(r["kind"] == kind for r in got), "%s kinds %r" % (method, {r["kind"]
                                                                      for r in got}))
        if kind == "request":
            answers = [r for r in mine if r["dir"] == "c2s" and r["kind"] == "result"
                       and r.get("request_method") == method]
            check(len(answers) == len(got) and not any(r["is_error"] for r in answers),
                  "answers to %s: %r" % (method, answers))
    calls = {r["id"] for r in mine if r["dir"] == "c2s" and r.get("method") == "tools/call"}
    cancelled = [r["msg"]["params"]["requestId"] for r in mine
                 if r.get("method") == "notifications/cancelled"]
    check(summ["cancelled"] and all(i in calls for i in cancelled),
          "cancelled %r, tools/call ids %r" % (cancelled, calls))


def check_clean(recs):
    stats = [r for r in recs if r["event"] == "stats"][-1]
    for reason, v in stats["kernel_drops"].items():
        check(v["count"] == 0, "kernel loss %s: %r" % (reason, v))
    ab = [r for r in recs if r["event"] == "http.abandoned"]
    check(not ab, "abandoned connections: %r" % ab)


def sdk_http_case(transport, tname, auth_bytes=0):
    """auth_bytes: a Bearer token that long on every request (the server is still found by
    its initialize POST, its body far from the request line)."""
    def case(tmp):
        summary = os.path.join(tmp, "summary.json")
        mon = Monitor(tmp, ["--no-default-match"])
        auth = ["--auth-bytes", str(auth_bytes)] if auth_bytes else []
        try:
            run_client(tmp, ["node", os.path.join(CLIENTS, "http_client.mjs"), "--transport",
                             transport, "--record", os.path.join(tmp, "record.json"),
                             "--summary", summary] + auth)
        finally:
            recs = mon.stop()
        summ = json.load(open(summary))
        tracked = [r for r in recs if r["event"] == "process.tracked"
                   and r["process"]["pid"] == summ["serverPid"]]
        check(len(tracked) == 1 and tracked[0]["reason"] == "traffic",
              "the server was not found by its traffic: %r" % tracked)
        mine = check_exactly_once(tmp, recs, summ["serverPid"], tname)
        check_flows(tmp, mine, summ)
        if auth_bytes:
            check(all(r["http"]["authorization"] for r in mine
                      if r["http"]["method"] == "POST"), "Authorization header not seen")
        check(any(len(json.dumps(r["msg"])) > 1024 * 1024 for r in mine),
              "the ~1 MiB message is missing")
        http = [r["http"] for r in mine]
        # a stream opened before the server was tracked has no headers to show
        check(all(h["host"] == "127.0.0.1:%d" % summ["port"] for h in http
                  if h["method"] == "POST"), "Host header")
        check(any(h["method"] == "POST" for h in http), "no POST exchange")
        stats = [r for r in recs if r["event"] == "stats"][-1]["http"]
        if transport == "streamable":
            check(all(h["session_id"] for h in http), "messages without Mcp-Session-Id")
            check(stats["sessions_ended"] == 1, "terminateSession's DELETE: %r" % stats)
            check(any(h["method"] == "GET" and h["content_type"] == "text/event-stream"
                      for h in http), "no message from the standalone GET stream")
        else:
            check(any(h["method"] == "GET" for h in http), "nothing on the SSE stream")
            check(stats["adopted"] == 1, "the GET stream (opened before tracking) was "
                  "not joined: %r" % stats)
            check(stats["sessions_ended"] == 0, "legacy sessions have no DELETE: %r" % stats)
            posts = [h for h in http if h["method"] == "POST"]
            check(posts and all(h["path"].startswith("/message") for h in posts),
                  "legacy POSTs: %r" % {h["path"] for h in posts})
        check_clean(recs)
    case.__name__ = "http_sdk_" + transport + ("_long_auth" if auth_bytes else "")
    return case


def check_envelope(mine, sent, summ):
    """Origin and Authorization presence on every message, the answer's status on each."""
    for r in mine:
        h = r["http"]
        check(h.get("origin") == summ["origin"] and h.get("authorization") is True,
              "envelope %r" % h)
    status = {}
    for r in mine:
        status.setdefault((r["dir"], canon(r["msg"])), set()).add(r["http"]["status"])
    for e in sent:
        got = status.get((e["dir"], canon(e["msg"])))
        check(got == {e["status"]}, "status of %s %.100s: JSONL %r, client %d"
              % (e["dir"], canon(e["msg"]), got, e["status"]))


def check_smuggled(recs, mine, summ):
    """The tools/call with a wrong Mcp-Name: one alert, and its message decoded once."""
    alerts = [r for r in recs if r["event"] == "alert" and r["rule"] == "http.header_mismatch"]
    check(len(alerts) == 1, "http.header_mismatch alerts: %r" % alerts)
    ev = alerts[0]["evidence"]
    want = {"header": "Mcp-Name", "header_value": summ["wrong_name"], "body_value": "echo",
            "http_method": "POST", "path": "/mcp", "session_id": summ["session"]}
    check(all(ev.get(k) == v for k, v in want.items()), "evidence %r, want %r" % (ev, want))
    check(alerts[0]["server"]["pid"] == summ["serverPid"], "alert server %r"
          % alerts[0]["server"])
    calls = [r for r in mine if r["dir"] == "c2s" and r["msg"].get("id") == 5]
    check(len(calls) == 1 and calls[0]["msg"]["params"]["name"] == "echo",
          "the smuggling tools/call: %r" % calls)
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_everything_http(tmp, port):
    """server-everything in Streamable HTTP mode on 127.0.0.1:port, started by the harness."""
    log = open(os.path.join(tmp, "server.stderr"), "w")
    proc = subprocess.Popen(["node", SERVER_EVERYTHING, "streamableHttp"], cwd=HERE,
                            env=dict(os.environ, PORT=str(port)), stdout=log, stderr=log)
    deadline = time.time() + READY_TIMEOUT_S
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)


def client_side_case(tmp):
    """The server is elsewhere: only the SDK client is tracked (--pid, no detection), and its
    own TCP traffic is decoded, labelled with it as the client."""
    summary, pidfile = os.path.join(tmp, "summary.json"), os.path.join(tmp, "client.pid")
    hold = os.path.join(tmp, "hold")
    port = free_port()
    server = start_everything_http(tmp, port)
    holder = {}

    def start_monitor(client_pid):
        holder["mon"] = Monitor(tmp, ["--no-detect", "--no-default-match",
                                      "--pid", str(client_pid)])

    try:
        run_client(tmp, ["node", os.path.join(CLIENTS, "http_client.mjs"), "--transport",
                         "streamable", "--url", "http://127.0.0.1:%d/mcp" % port,
                         "--record", os.path.join(tmp, "record.json"), "--summary", summary,
                         "--pidfile", pidfile, "--hold-file", hold],
                   hold=hold, on_spawn=start_monitor)
    finally:
        recs = holder["mon"].stop() if "mon" in holder else []
        server.terminate()
        server.wait()
    summ = json.load(open(summary))
    client_pid = summ["clientPid"]
    check(client_pid == int(open(pidfile).read()), "the tracked pid is not the client's")
    tracked = {r["process"]["pid"] for r in recs if r["event"] == "process.tracked"}
    check(tracked == {client_pid}, "tracked %r, want only the client %d" % (tracked, client_pid))
    mine = check_exactly_once(tmp, recs, None, "streamable-http", client_pid=client_pid)
    msgs = [r for r in recs if r["event"] == "mcp.message"]
    check(len(msgs) == len(mine), "messages of other processes: %d" % (len(msgs) - len(mine)))
    check(all(r["server"] is None for r in mine), "a tracked client labelled as the server")
    check(all(r["channel"].startswith("tcp:127.0.0.1:") and
              r["channel"].endswith("->127.0.0.1:%d" % port) for r in mine),
          "channels (the client's end first) %r" % {r["channel"] for r in mine})
    check(any(len(json.dumps(r["msg"])) > 1024 * 1024 for r in mine),
          "the ~1 MiB message is missing")
    http = [r["http"] for r in mine]
    check(all(h["session_id"] for h in http), "messages without Mcp-Session-Id")
    check(any(h["method"] == "GET" for h in http), "nothing on the standalone GET stream")
    sessions = [r for r in recs if r["event"] == "mcp.session"]
    check(len(sessions) == 1 and sessions[0]["client"]["pid"] == client_pid
          and sessions[0]["server"] is None, "session record %r" % sessions)
    check_clean(recs)


LINGER_S = 12          # past HTTPMCP_IDLE_NS (5 s) and one sweep period (5 s)


def closed_connections_case(tmp):
    """A new TCP connection per request, and the server runs on after the last one: the
    collector frees each connection its server closed (idle 5 s, gone from the server's
    descriptors) instead of holding them all until the server exits; every message is still
    captured exactly once."""
    recs, summ = python_http_case(tmp, ["--reconnect", "--linger", str(LINGER_S)])
    check(summ["connections"] >= 7, "only %d connections" % summ["connections"])
    stats = [r for r in recs if r["event"] == "stats"][-1]["http"]
    check(stats["connections"] >= summ["connections"], "connections %r" % stats)
    check(stats["connections_closed"] >= summ["connections"] - 1 and
          stats["connections_open"] <= 1, "closed connections not freed: %r" % stats)


def python_http_case(tmp, extra=()):
    """Raw standard-library requests: a batch, an invalid body and a header mismatch included;
    the envelope (Origin, Authorization, status) on every message, the token never written."""
    summary = os.path.join(tmp, "summary.json")
    mon = Monitor(tmp, ["--no-default-match"])
    try:
        run_client(tmp, ["python3", os.path.join(CLIENTS, "py_http_client.py"), "--record",
                         os.path.join(tmp, "record.json"), "--summary", summary] + list(extra))
    finally:
        recs = mon.stop()
    summ = json.load(open(summary))
    check(summ["ok"], "client: %r" % summ)
    sent = json.load(open(os.path.join(tmp, "record.json")))
    mine = server_messages(recs, summ["serverPid"])
    got = sorted((r["dir"], canon(r["msg"])) for r in mine)
    want = sorted((e["dir"], canon(e["msg"])) for e in sent)
    check(got == want, "messages differ: JSONL %d, client %d; missing %r" % (
        len(got), len(want), [w for w in want if w not in got][:3]))
    batch = [r for r in mine if r.get("batch")]
    check(len(batch) == 2 and all(r["batch"]["size"] == 2 for r in batch), "batch %r"
          % [r.get("batch") for r in batch])
    err = [r for r in mine if r["kind"] == "error"]
    check(err and err[0]["http"]["status"] >= 400, "invalid body answer %r" % err)
    sessions = {r.get("session") for r in mine}
    check(len(sessions) == 1 and None not in sessions, "messages span sessions %r" % sessions)
    check({r["http"]["session_id"] for r in mine} == {summ["session"]}, "Mcp-Session-Id %r"
          % {r["http"]["session_id"] for r in mine})
    check_envelope(mine, sent, summ)
    check_smuggled(recs, mine, summ)
    stats = [r for r in recs if r["event"] == "stats"][-1]["http"]
    check(summ["delete_status"] == 200 and stats["sessions_ended"] == 1,
          "the DELETE (answered %r) ended %r sessions" % (summ["delete_status"], stats))
    check(stats["header_mismatches"] == 1, "header mismatches %r" % stats)
    for name in ("out.jsonl", "mcpwarden.stderr"):
        with open(os.path.join(tmp, name), encoding="utf-8") as f:
            check(summ["token"] not in f.read(), "the Authorization token is in %s" % name)
    check_clean(recs)
    return recs, summ


CASES = [sdk_http_case("streamable", "streamable-http"), sdk_http_case("sse", "sse"),
         python_http_case, client_side_case, closed_connections_case,
         sdk_http_case("streamable", "streamable-http", auth_bytes=JWT_BYTES)]
python_http_case.__name__ = "http_python_streamable"
client_side_case.__name__ = "http_sdk_client_side"
closed_connections_case.__name__ = "http_closed_connections_freed"
