#!/usr/bin/env python3
"""A minimal stdio MCP server (standard library only) whose one tool, `sockops`, runs a list of
socket operations in order on this thread and answers with each one's outcome, so a test can
reach the socket layer by paths a Node server does not take.

    {"ops": [{"op": "fastopen", "host": H, "port": P}, {"op": "connect", "host": H, "port": P}]}

  fastopen  a TCP socket's first sendto(MSG_FASTOPEN) to H:P (the connect happens inside
            sendto, not in a connect() call)
  connect   an ordinary TCP connect() to H:P

Each outcome is {"op", "ok"} plus "errno" (its name) when the call failed. Everything is
imported before stdin is read.
"""
import errno
import json
import socket
import sys

TIMEOUT_S = 5


def run_op(op):
    s = socket.socket(socket.AF_INET6 if ":" in op["host"] else socket.AF_INET)
    s.settimeout(TIMEOUT_S)
    try:
        if op["op"] == "fastopen":
            s.sendto(b"ping\n", socket.MSG_FASTOPEN, (op["host"], op["port"]))
        else:
            s.connect((op["host"], op["port"]))
        return {"op": op["op"], "ok": True}
    except OSError as e:
        return {"op": op["op"], "ok": False, "errno": errno.errorcode.get(e.errno, str(e))}
    finally:
        s.close()


def answer(req):
    method = req.get("method")
    if method == "initialize":
        return {"protocolVersion": req["params"]["protocolVersion"],
                "capabilities": {"tools": {}}, "serverInfo": {"name": "sockops", "version": "1"}}
    if method == "tools/list":
        return {"tools": [{"name": "sockops", "description": "socket operations in order",
                           "inputSchema": {"type": "object",
                                           "properties": {"ops": {"type": "array"}}}}]}
    if method == "tools/call":
        ops = (req["params"].get("arguments") or {}).get("ops") or []
        text = json.dumps([run_op(op) for op in ops])
        return {"content": [{"type": "text", "text": text}], "isError": False}
    return None


def main():
    for line in sys.stdin.buffer:
        try:
            req = json.loads(line)
        except ValueError:
            continue
        if not isinstance(req, dict) or "method" not in req or "id" not in req:
            continue
        result = answer(req)
        out = {"jsonrpc": "2.0", "id": req["id"]}
        if result is None:
            out["error"] = {"code": -32601, "message": "method not found"}
        else:
            out["result"] = result
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
