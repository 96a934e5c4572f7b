#!/usr/bin/env python3
"""mcpwarden e2e: a Python standard-library client speaking Streamable HTTP with raw requests
to server-everything (started here on a free 127.0.0.1 port): initialize, initialized, a batch
POST, a tools/call, a tools/call whose Mcp-Name header disagrees with its body, an invalid
body, DELETE, all on one keep-alive connection. Every request carries an Origin and an
Authorization header (ORIGIN, TOKEN). Records every JSON-RPC message sent and received as
{"dir", "msg", "status"} (batch elements one by one; status: of the HTTP answer it came in or
was answered by).

usage: py_http_client.py --record FILE --summary FILE
"""
import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(os.path.dirname(HERE), "node_modules", "@modelcontextprotocol",
                      "server-everything", "dist", "index.js")
LISTEN_TIMEOUT_S = 15
PROTOCOL = "2025-06-18"
ORIGIN = "http://mw-test.example"
TOKEN = "mw-secret-XYZ"         # must never reach mcpwarden's output
WRONG_NAME = "wrong_tool"       # the Mcp-Name header of the smuggling tools/call


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port, proc):
    deadline = time.time() + LISTEN_TIMEOUT_S
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %d" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server not listening")


def sse_events(body):
    """data: payloads of an SSE body (any line ending)."""
    out, data = [], []
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line == "":
            if data:
                out.append("\n".join(data))
            data = []
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" ") if line[5:6] == " " else line[5:])
    if data:
        out.append("\n".join(data))
    return out


class Client:
    def __init__(self, port, reconnect=False):
        self.port = port
        self.reconnect = reconnect
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.session = None
        self.record = []
        self.connections = 0 if reconnect else 1     # TCP connections used

    def fresh(self):
        """With --reconnect, every request on a new TCP connection (the last one closed)."""
        if self.reconnect:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connections += 1

    def headers(self):
        h = {"MCP-Protocol-Version": PROTOCOL, "Origin": ORIGIN,
             "Authorization": "Bearer " + TOKEN}
        if self.session:
            h["Mcp-Session-Id"] = self.session
        return h

    def post(self, body, raw=None, extra=None):
        headers = dict(self.headers(), **{"Content-Type": "application/json",
                                          "Accept": "application/json, text/event-stream"})
        headers.update(extra or {})
        data = raw if raw is not None else json.dumps(body).encode()
        sent = []
        if raw is None:
            for m in body if isinstance(body, list) else [body]:
                sent.append({"dir": "c2s", "msg": m})
        self.fresh()
        self.conn.request("POST", "/mcp", body=data, headers=headers)
        return self.answer(sent)

    def answer(self, sent):
        r = self.conn.getresponse()
        text = r.read().decode()
        self.session = r.getheader("mcp-session-id") or self.session
        got = []
        if r.getheader("content-type", "").startswith("text/event-stream"):
            got = [json.loads(d) for d in sse_events(text) if d.strip()]
        elif text.strip().startswith(("{", "[")):
            v = json.loads(text)
            got = v if isinstance(v, list) else [v]
        for e in sent + [{"dir": "s2c", "msg": m} for m in got]:
            self.record.append(dict(e, status=r.status))
        return r.status, got

    def delete(self):
        self.fresh()
        self.conn.request("DELETE", "/mcp", headers=self.headers())
        r = self.conn.getresponse()
        r.read()
        return r.status


def run(c):
    st, got = c.post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": PROTOCOL, "capabilities": {},
        "clientInfo": {"name": "mcpwarden-e2e-py-http", "version": "1.0"}}})
    assert st == 200 and got and "result" in got[0], (st, got)
    st, _ = c.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
    assert st == 202, st
    st, got = c.post([{"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                      {"jsonrpc": "2.0", "id": 3, "method": "ping"}])
    assert st == 200 and len(got) == 2, (st, got)
    st, got = c.post({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                      "params": {"name": "echo", "arguments": {"message": "from python"}}})
    assert st == 200 and "from python" in json.dumps(got), (st, got)
    st, got = c.post({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                      "params": {"name": "echo", "arguments": {"message": "smuggled"}}},
                     extra={"Mcp-Method": "tools/call", "Mcp-Name": WRONG_NAME})
    assert got, (st, got)
    st, got = c.post(None, raw=b"{this is not json")
    assert st >= 400, st
    return c.delete()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", required=True)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--pidfile")
    ap.add_argument("--reconnect", action="store_true",
                    help="a new TCP connection for every request")
    ap.add_argument("--linger", type=float, default=0.0,
                    help="seconds the server keeps running after the last request")
    a = ap.parse_args()
    port = free_port()
    proc = subprocess.Popen(["node", SERVER, "streamableHttp"], env=dict(os.environ, PORT=str(port)),
                            stdout=subprocess.DEVNULL, stderr=sys.stderr)
    if a.pidfile:
        with open(a.pidfile, "w") as f:
            f.write("%d\n" % proc.pid)
    summary = {"ok": False, "serverPid": proc.pid, "port": port, "origin": ORIGIN,
               "token": TOKEN, "wrong_name": WRONG_NAME}
    c = None
    try:
        wait_listening(port, proc)
        c = Client(port, a.reconnect)
        summary["delete_status"] = run(c)
        summary["session"] = c.session
        summary["connections"] = c.connections
        c.conn.close()
        time.sleep(a.linger)
        summary["ok"] = True
    except Exception as e:     # noqa: BLE001 - reported in the summary and the exit status
        summary["error"] = repr(e)
    finally:
        proc.terminate()
        proc.wait(10)
        with open(a.record, "w") as f:
            json.dump(c.record if c else [], f)
        with open(a.summary, "w") as f:
            json.dump(summary, f)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
