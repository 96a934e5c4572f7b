#!/usr/bin/env python3
"""mcpwarden end-to-end test client in plain Python (standard library only).

Spawns @modelcontextprotocol/server-filesystem as `node <dist/index.js> ROOT`
with subprocess.Popen over real pipes (not socketpairs, unlike Node clients),
speaks newline-delimited JSON-RPC by hand and records every message sent and
received, in order, as a JSON array of {"dir": "c2s"|"s2c", "msg": {...}}.

Outgoing messages are json.dumps() with default separators (", " and ": ")
and default ensure_ascii, one write()+flush() per message.

See README.md in this folder for options and the record format.
"""

import argparse
import json
import os
import queue
import shutil
import sys
import tempfile
import threading
import time

import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
E2E_DIR = os.path.dirname(HERE)
SERVER_ENTRY = os.path.join(
    E2E_DIR, "node_modules", "@modelcontextprotocol", "server-filesystem", "dist", "index.js"
)
PROTOCOL_VERSION = "2025-06-18"
HOLD_POLL_S = 0.05


class Failure(Exception):
    pass


def log(msg):
    sys.stderr.write("[py_client] %s\n" % msg)
    sys.stderr.flush()


def write_atomic(path, data):
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(data)
    os.replace(tmp, path)


def make_big_text(nbytes):
    # ASCII plus multi-byte UTF-8, so chunk boundaries can land inside sequences.
    parts = []
    size = 0
    i = 0
    while size < nbytes:
        line = 'line %07d\tmcpwarden "big-file" payload \u2713\u00e9 ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 \u2713\u2713 \u00e9\n' % i
        parts.append(line)
        size += len(line.encode("utf-8"))
        i += 1
    return "".join(parts)


class Session:
    def __init__(self, proc, timeout):
        self.proc = proc
        self.timeout = timeout
        self.record = []
        self.next_id = 0
        self.lines = queue.Queue()
        self.max_s2c_line = 0
        self.notifications = []
        self.server_requests = []
        self.errors = []
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.stderr_reader = None
        if proc.stderr is not None:
            self.stderr_reader = threading.Thread(target=self._stderr_loop, daemon=True)
            self.stderr_reader.start()
        self.reader.start()

    def _read_loop(self):
        # Binary readline: splits on b"\n" only; UTF-8 is decoded after reassembly.
        out = self.proc.stdout
        while True:
            line = out.readline()
            if not line:
                self.lines.put(None)
                return
            self.lines.put(line)

    def _stderr_loop(self):
        for line in iter(self.proc.stderr.readline, b""):
            sys.stderr.write("[server stderr] %s" % line.decode("utf-8", "replace"))
            if not line.endswith(b"\n"):
                sys.stderr.write("\n")
            sys.stderr.flush()

    def send(self, msg):
        data = json.dumps(msg)
        if "\n" in data:
            raise Failure("serialized message contains a newline")
        self.record.append({"dir": "c2s", "msg": msg})
        try:
            self.proc.stdin.write(data.encode("utf-8") + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise Failure("cannot write to server stdin: %s" % e)

    def _receive(self, deadline):
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure("timed out waiting for the server")
            try:
                raw = self.lines.get(timeout=remaining)
            except queue.Empty:
                raise Failure("timed out waiting for the server")
            if raw is None:
                raise Failure("server closed stdout (exit code %s)" % self.proc.poll())
            self.max_s2c_line = max(self.max_s2c_line, len(raw))
            text = raw.decode("utf-8").rstrip("\n")
            if text.endswith("\r"):
                text = text[:-1]
            if not text.strip():
                continue
            try:
                msg = json.loads(text)
            except ValueError:
                self.errors.append("unparsable s2c line: %r" % text[:200])
                log("ignoring non-JSON line from server: %r" % text[:200])
                continue
            self.record.append({"dir": "s2c", "msg": msg})
            return msg

    def _handle_unsolicited(self, msg):
        if isinstance(msg, dict) and "method" in msg and "id" in msg:
            # Server->client request: this client declares no capabilities.
            method = msg["method"]
            self.server_requests.append(method)
            if method == "ping":
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": {}})
            else:
                self.send({
                    "jsonrpc": "2.0",
                    "id": msg["id"],
                    "error": {"code": -32601, "message": "Method not found: %s" % method},
                })
        elif isinstance(msg, dict) and "method" in msg:
            self.notifications.append(msg["method"])
        else:
            self.errors.append("unexpected message: %r" % (json.dumps(msg)[:200],))

    def request(self, method, params=None, timeout=None):
        rid = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        t0 = time.monotonic()
        self.send(msg)
        deadline = t0 + (timeout or self.timeout)
        while True:
            reply = self._receive(deadline)
            if isinstance(reply, dict) and "method" not in reply and reply.get("id") == rid:
                if "error" in reply:
                    raise Failure("%s failed: %s" % (method, json.dumps(reply["error"])))
                log("%s -> ok (%d ms)" % (method if method != "tools/call" else "tools/call " + params["name"],
                                         (time.monotonic() - t0) * 1000))
                return reply["result"]
            self._handle_unsolicited(reply)

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def call_tool(self, name, arguments):
        return self.request("tools/call", {"name": name, "arguments": arguments})

    def drain(self, seconds):
        """Read anything the server still sends for a short while."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                msg = self._receive(deadline)
            except Failure:
                return
            self._handle_unsolicited(msg)


def text_of(result):
    return "".join(c.get("text", "") for c in result.get("content", []) if c.get("type") == "text")


def verify_pairing(record):
    problems = []
    pending = {"c2s": {}, "s2c": {}}
    other = {"c2s": "s2c", "s2c": "c2s"}
    for e in record:
        d, m = e["dir"], e["msg"]
        if not isinstance(m, dict):
            problems.append("%s: unexpected batch" % d)
            continue
        if "method" in m and "id" in m:
            key = json.dumps(m["id"])
            if key in pending[d]:
                problems.append("%s: duplicate in-flight id %s" % (d, key))
            pending[d][key] = m["method"]
        elif "method" not in m and ("result" in m or "error" in m):
            key = json.dumps(m.get("id"))
            if key not in pending[other[d]]:
                problems.append("%s: response id %s matches no request" % (d, key))
            pending[other[d]].pop(key, None)
    for d in ("c2s", "s2c"):
        for key, method in pending[d].items():
            problems.append("%s request %s id %s never answered" % (d, method, key))
    return problems


def run_scenario(s, root, big_text):
    init = s.request("initialize", {
        "protocolVersion": PROTOCOL_VERSION,
        "capabilities": {},
        "clientInfo": {"name": "mcpwarden-e2e-py-client", "version": "1.0.0"},
    })
    if "protocolVersion" not in init:
        raise Failure("initialize result has no protocolVersion")
    log("initialized with %s, protocol %s" % (json.dumps(init.get("serverInfo")), init["protocolVersion"]))
    s.notify("notifications/initialized")

    tools = [t["name"] for t in s.request("tools/list")["tools"]]
    read_tool = "read_text_file" if "read_text_file" in tools else "read_file" if "read_file" in tools else None
    if read_tool is None or "list_directory" not in tools:
        raise Failure("server-filesystem lacks list_directory/read tools: %s" % tools)

    small = os.path.join(root, "py-hello.txt")
    small_text = "hello from the mcpwarden python client \u2713\u00e9\n"
    with open(small, "w", encoding="utf-8") as f:
        f.write(small_text)

    r = s.call_tool("list_directory", {"path": root})
    if r.get("isError") or "py-hello.txt" not in text_of(r):
        raise Failure("list_directory failed: %s" % text_of(r))
    r = s.call_tool(read_tool, {"path": small})
    if r.get("isError") or text_of(r) != small_text:
        raise Failure("%s of small file failed: %r" % (read_tool, text_of(r)[:200]))

    s.request("ping")

    if big_text is not None:
        r = s.call_tool(read_tool, {"path": os.path.join(root, "py-big.txt")})
        if r.get("isError") or text_of(r) != big_text:
            raise Failure("%s of big file failed or differs (%d chars)" % (read_tool, len(text_of(r))))
        s.request("ping")
    return tools, read_tool


def main():
    ap = argparse.ArgumentParser(description="mcpwarden e2e stdlib client for server-filesystem (real pipes)")
    ap.add_argument("--record", help="write the JSON record of all messages to FILE")
    ap.add_argument("--root", help="allowed directory (default: fresh temp dir, removed afterwards)")
    ap.add_argument("--pidfile", help="write the server PID (Popen.pid) to FILE")
    ap.add_argument("--hold-file", help="pre-started mode: after spawning and writing --pidfile, "
                    "wait (poll 50 ms, max --hold-timeout-s seconds) until FILE exists before sending anything")
    ap.add_argument("--hold-timeout-s", type=float, default=60.0, help="seconds to wait for --hold-file (default 60)")
    ap.add_argument("--big-mb", type=float, default=0.0,
                    help="also read a text file of N MiB (default 0: off); 5 gives an ~11 MB response line")
    ap.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds (default 30)")
    ap.add_argument("--node", default=shutil.which("node") or "node", help="node executable")
    args = ap.parse_args()

    t_start = time.monotonic()
    temp_root = None
    root = args.root
    if root is None:
        temp_root = tempfile.mkdtemp(prefix="mcpwarden-e2e-py-")
        root = temp_root
    root = os.path.realpath(root)
    if not os.path.isdir(root):
        log("FAILED: --root %s is not a directory" % root)
        return 2
    if not os.path.isfile(SERVER_ENTRY):
        log("FAILED: %s not found; run tests/e2e/install.sh first" % SERVER_ENTRY)
        return 2

    big_text = None
    if args.big_mb > 0:
        big_text = make_big_text(int(args.big_mb * 1024 * 1024))
        with open(os.path.join(root, "py-big.txt"), "w", encoding="utf-8") as f:
            f.write(big_text)

    cmd = [args.node, SERVER_ENTRY, root]
    log("spawning: %s" % " ".join(cmd))
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=E2E_DIR)
    log("server pid %d" % proc.pid)
    if args.pidfile:
        write_atomic(args.pidfile, "%d\n" % proc.pid)
    s = Session(proc, args.timeout)
    rc = 0
    tools, read_tool = [], None
    try:
        if args.hold_file:
            log("holding until %s exists" % args.hold_file)
            deadline = time.monotonic() + args.hold_timeout_s
            while not os.path.exists(args.hold_file):
                if time.monotonic() > deadline:
                    raise Failure("hold file %s did not appear within %g s" % (args.hold_file, args.hold_timeout_s))
                if proc.poll() is not None:
                    raise Failure("server exited with code %s while holding" % proc.returncode)
                time.sleep(HOLD_POLL_S)
            log("hold released")
        tools, read_tool = run_scenario(s, root, big_text)
        s.drain(0.1)
    except Failure as e:
        log("FAILED: %s" % e)
        rc = 1
    finally:
        # Shutdown as the spec says: close stdin, wait, then SIGTERM, then SIGKILL.
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        # Collect anything written before exit.
        s.reader.join(timeout=2)
        while True:
            try:
                raw = s.lines.get_nowait()
            except queue.Empty:
                break
            if raw is None:
                continue
            text = raw.decode("utf-8", "replace").strip()
            if text:
                try:
                    msg = json.loads(text)
                    s.record.append({"dir": "s2c", "msg": msg})
                except ValueError:
                    s.errors.append("unparsable trailing s2c line")
        if s.stderr_reader:
            s.stderr_reader.join(timeout=2)
        problems = s.errors + verify_pairing(s.record)
        if args.record:
            body = ",\n".join(json.dumps(e, ensure_ascii=False) for e in s.record)
            write_atomic(args.record, "[\n%s\n]\n" % body if s.record else "[]\n")
        if temp_root:
            shutil.rmtree(temp_root, ignore_errors=True)

    for p in problems:
        log(("FAILED check: " if rc == 0 else "check: ") + p)
    if problems:
        rc = 1
    c2s = sum(1 for e in s.record if e["dir"] == "c2s")
    summary = {
        "ok": rc == 0,
        "pid": proc.pid,
        "server_exit": proc.returncode,
        "messages": len(s.record),
        "c2s": c2s,
        "s2c": len(s.record) - c2s,
        "maxS2CLineBytes": s.max_s2c_line,
        "tools": tools,
        "readTool": read_tool,
        "notifications": s.notifications,
        "serverRequests": s.server_requests,
        "elapsedMs": int((time.monotonic() - t_start) * 1000),
    }
    log("summary %s" % json.dumps(summary))
    return rc


if __name__ == "__main__":
    sys.exit(main())
