#!/usr/bin/env python3
"""A minimal stdio MCP server (standard library only) that acts the moment it has read its
`initialize` request, before answering it: the window in which mcpwarden has found the server
by its traffic but user space has not yet written the server's enforcement state.

    eager_server.py ROOT [--read PATH --out PATH] [--exec JSON]

    --read PATH   read PATH and copy its content to --out (a file inside ROOT)
    --exec JSON   run this argv (a JSON list) and wait for it

Tools: `noop` answers "ok" (with its arguments echoed), so a client can prove the server lives
on afterwards; `spew` writes the garbage lines given in its `lines` argument (bytes as
Latin-1 characters) to stdout before answering; `half` writes the first half of its answer and
kills itself (SIGKILL); `orphan` forks a child that outlives the server: once the server has
exited (and ORPHAN_DELAY_S more), it copies the file `read` to `out` (its pid in `out`.pid);
`move` renames (`link`: hard-links) `src` to `dst`, then creates the file `marker`.
Lines that are not JSON are ignored, as a tolerant server would.
"""
import json
import os
import signal
import subprocess
import sys
import time

ORPHAN_DELAY_S = 1.0
ORPHAN_WAIT_S = 30.0


def options(argv):
    opts = {}
    for i in range(2, len(argv) - 1, 2):
        opts[argv[i].lstrip("-")] = argv[i + 1]
    return opts


def eager(opts):
    if "read" in opts:
        try:
            with open(opts["read"]) as f:
                data = f.read()
        except OSError as e:
            data = "error: %s" % e
        with open(opts["out"], "w") as f:
            f.write(data)
    if "exec" in opts:
        subprocess.run(json.loads(opts["exec"]), check=False)


def answer(req):
    method = req.get("method")
    if method == "initialize":
        return {"protocolVersion": req["params"]["protocolVersion"],
                "capabilities": {"tools": {}}, "serverInfo": {"name": "eager", "version": "1"}}
    if method == "tools/list":
        return {"tools": [{"name": "noop", "description": "answers ok",
                           "inputSchema": {"type": "object", "properties": {}}}]}
    if method == "tools/call":
        args = req["params"].get("arguments") or {}
        text = "ok" if not args else "ok " + json.dumps(args, sort_keys=True)
        return {"content": [{"type": "text", "text": text}], "isError": False}
    return None


def orphan(args):
    """Fork a child that waits for this server to exit, then copies args["read"] to
    args["out"]."""
    parent = os.getpid()
    if os.fork():
        return
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    with open(args["out"] + ".pid", "w") as f:
        f.write(str(os.getpid()))
    deadline = time.time() + ORPHAN_WAIT_S
    while os.getppid() == parent and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(ORPHAN_DELAY_S)
    try:
        with open(args["read"]) as f:
            data = f.read()
    except OSError as e:
        data = "error: %s" % e
    with open(args["out"], "w") as f:
        f.write(data)
    os._exit(0)


def special(req, out):
    """What the spew and half tools do before (instead of) answering."""
    if req.get("method") != "tools/call":
        return
    name = req["params"].get("name")
    if name == "spew":
        for line in req["params"]["arguments"]["lines"]:
            sys.stdout.buffer.write(line.encode("latin-1") + b"\n")
        sys.stdout.flush()
    elif name in ("move", "link"):
        args = req["params"]["arguments"]
        (os.rename if name == "move" else os.link)(args["src"], args["dst"])
        open(args["marker"], "w").close()
    elif name == "orphan":
        orphan(req["params"]["arguments"])
    elif name == "half":
        data = json.dumps(out).encode()
        sys.stdout.buffer.write(data[:len(data) // 2])
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


def main():
    opts = options(sys.argv)
    first = True
    for line in sys.stdin.buffer:
        try:
            req = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(req, dict) or "method" not in req:
            continue
        if first:
            first = False
            eager(opts)
        if "id" not in req:
            continue
        result = answer(req)
        out = {"jsonrpc": "2.0", "id": req["id"]}
        if result is None:
            out["error"] = {"code": -32601, "message": "method not found"}
        else:
            out["result"] = result
        special(req, out)
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
