"""End-to-end tests of the policy: real servers driven into the situations each rule is for,
checked against the alert records mcpwarden writes (rule, the tool call by id, evidence)."""
import json
import os
import re
import socket
import threading

from harness import CLIENTS, HERE, MCPWARDEN, Failure, Monitor, check, run_client

VULNERABLE_FS = os.path.join(HERE, "vulnerable", "node_modules", "@modelcontextprotocol",
                             "server-filesystem", "dist", "index.js")
CURRENT_FS = os.path.join(HERE, "node_modules", "@modelcontextprotocol", "server-filesystem",
                          "dist", "index.js")
ACTIONS_SERVER = os.path.join(HERE, "servers", "actions_server.mjs")


def policy_client(tmp, calls, server_cmd, roots=None, allow_fail=False):
    """Run the policy client; returns its summary (calls with their JSON-RPC ids)."""
    spec_file = os.path.join(tmp, "spec.json")
    summary_file = os.path.join(tmp, "summary.json")
    with open(spec_file, "w") as f:
        json.dump({"server": server_cmd, "calls": calls, "roots": roots}, f)
    try:
        run_client(tmp, ["node", os.path.join(CLIENTS, "policy_client.mjs"), "--spec",
                         spec_file, "--summary", summary_file, "--record",
                         os.path.join(tmp, "record.json"), "--pidfile",
                         os.path.join(tmp, "server.pid")])
    except Failure:
        if not allow_fail:
            raise
    summ = json.load(open(summary_file))
    check(summ["ok"] or allow_fail, "policy client failed: %r" % summ.get("error"))
    return summ


def alerts_of(recs, server_pid=None):
    return [r for r in recs if r["event"] == "alert"
            and (server_pid is None or r["server"]["pid"] == server_pid)]


def describe(alerts):
    return [(a["rule"], a["evidence"].get("path") or a["evidence"].get("command")
             or "%s:%s" % (a["evidence"].get("addr"), a["evidence"].get("port")),
             [c["id"] for c in a["calls"]]) for a in alerts]


def find_alert(alerts, rule, pred):
    found = [a for a in alerts if a["rule"] == rule and pred(a)]
    check(len(found) == 1, "want one %s alert, found %d among %r"
          % (rule, len(found), describe(alerts)))
    return found[0]


def check_call(alert, call):
    ids = [(c["id"], c.get("tool")) for c in alert["calls"]]
    check(ids == [(call["id"], call["tool"])], "%s alert names calls %r, want id %r %s"
          % (alert["rule"], ids, call["id"], call["tool"]))
    check(alert["calls"][0].get("arguments") == call["arguments"],
          "alert call arguments %r, want %r" % (alert["calls"][0].get("arguments"),
                                                call["arguments"]))


def check_alert_shape(a, server_pid, severity):
    check(a["action"] == "alert" and a["severity"] == severity,
          "%s: action %r severity %r" % (a["rule"], a["action"], a["severity"]))
    check(a["server"]["pid"] == server_pid, "%s: server %r" % (a["rule"], a["server"]))
    check(a["process"]["pid"] and a["trigger"]["event"], "%s: no process or trigger"
          % a["rule"])
    check(isinstance(a["id"], int) and a["id"] > 0, "%s: id %r" % (a["rule"], a["id"]))


def escape_route_case(tmp):
    """EscapeRoute against the vulnerable server-filesystem 2025.3.28: a prefix-colliding
    sibling folder (CVE-2025-53110) and a symlink out of the allowed folder (CVE-2025-53109)
    are read; each read raises file.out_of_scope and file.sensitive naming its tools/call."""
    base = os.path.realpath(tmp)
    allowed, evil = os.path.join(base, "allowed"), os.path.join(base, "allowed_evil")
    ssh = os.path.join(base, "home", ".ssh")
    for d in (allowed, evil, ssh):
        os.makedirs(d)
    for p, text in ((os.path.join(allowed, "notes.txt"), "fine\n"),
                    (os.path.join(evil, ".env"), "API_KEY=stolen\n"),
                    (os.path.join(ssh, "id_rsa"), "PRIVATE KEY\n")):
        with open(p, "w") as f:
            f.write(text)
    os.symlink(os.path.join(ssh, "id_rsa"), os.path.join(allowed, "keys"))
    calls = [
        {"tool": "read_file", "arguments": {"path": os.path.join(allowed, "notes.txt")}},
        {"tool": "read_file", "arguments": {"path": os.path.join(evil, ".env")}},
        {"tool": "read_file", "arguments": {"path": os.path.join(allowed, "keys")}},
    ]
    mon = Monitor(tmp, ["--no-default-match"])
    try:
        summ = policy_client(tmp, calls, ["node", VULNERABLE_FS, allowed])
    finally:
        recs = mon.stop()
    got = summ["calls"]
    check(not got[1]["isError"] and "stolen" in got[1]["text"],
          "the prefix collision was not exploitable: %r" % got[1]["text"][:200])
    check(not got[2]["isError"] and "PRIVATE" in got[2]["text"],
          "the symlink escape was not exploitable: %r" % got[2]["text"][:200])
    al = alerts_of(recs, summ["serverPid"])
    env = os.path.join(evil, ".env")
    key = os.path.join(ssh, "id_rsa")
    for rule, sev in (("file.out_of_scope", "high"), ("file.sensitive", "critical")):
        a = find_alert(al, rule, lambda a: a["evidence"]["path"] == env)
        check_call(a, got[1])
        check_alert_shape(a, summ["serverPid"], sev)
        check(a["trigger"]["event"] == "file.open" and a["trigger"]["requested"] == env,
              "trigger %r" % a["trigger"])
        a = find_alert(al, rule, lambda a: a["evidence"]["path"] == key)
        check_call(a, got[2])
        check(a["trigger"]["requested"] == os.path.join(allowed, "keys")
              and a["trigger"]["resolved"] == key, "symlink trigger %r" % a["trigger"])
    oos = find_alert(al, "file.out_of_scope", lambda a: a["evidence"]["path"] == env)
    check(oos["evidence"]["roots"] == [{"path": allowed, "from": "args"}],
          "roots %r" % oos["evidence"]["roots"])
    check(oos["server"]["policy"] == "filesystem"
          and oos["server"]["name"] == "secure-filesystem-server", "server %r" % oos["server"])
    check(not [a for a in al if got[0]["id"] in [c["id"] for c in a["calls"]]],
          "the allowed read raised %r" % describe(al))
    check(len(al) == 4, "want exactly 4 alerts, got %r" % describe(al))


def current_filesystem_clean_case(tmp):
    """False-positive control: the current server-filesystem doing ordinary work inside its
    folder (and the client's roots) raises no alert at all."""
    base = os.path.realpath(tmp)
    root = os.path.join(base, "work")
    os.makedirs(os.path.join(root, "docs"))
    with open(os.path.join(root, "docs", "a.md"), "w") as f:
        f.write("# title\nhello world\n")
    p = lambda *x: os.path.join(root, *x)   # noqa: E731
    calls = [
        {"tool": "list_allowed_directories", "arguments": {}},
        {"tool": "list_directory", "arguments": {"path": root}},
        {"tool": "read_text_file", "arguments": {"path": p("docs", "a.md")}},
        {"tool": "write_file", "arguments": {"path": p("new.txt"), "content": "one\ntwo\n"}},
        {"tool": "edit_file", "arguments": {"path": p("new.txt"),
                                            "edits": [{"oldText": "two", "newText": "three"}]}},
        {"tool": "create_directory", "arguments": {"path": p("sub", "deeper")}},
        {"tool": "move_file", "arguments": {"source": p("new.txt"),
                                            "destination": p("sub", "new.txt")}},
        {"tool": "read_multiple_files", "arguments": {"paths": [p("docs", "a.md"),
                                                                p("sub", "new.txt")]}},
        {"tool": "search_files", "arguments": {"path": root, "pattern": "*.txt"}},
        {"tool": "get_file_info", "arguments": {"path": p("sub", "new.txt")}},
        {"tool": "directory_tree", "arguments": {"path": root}},
        {"tool": "list_directory_with_sizes", "arguments": {"path": root}},
    ]
    mon = Monitor(tmp, [])
    try:
        summ = policy_client(tmp, calls, ["node", CURRENT_FS, root], roots=[root])
    finally:
        recs = mon.stop()
    bad = [c["tool"] for c in summ["calls"] if c["isError"]]
    check(not bad, "ordinary calls failed: %r" % bad)
    check(summ["rootsListed"] >= 1, "the server never asked for roots")
    opens = [r for r in recs if r["event"] == "file.open" and r["path"].startswith(root + "/")
             and r["server_pid"] == summ["serverPid"]]
    check(len(opens) >= 5, "the server's work was not seen (%d opens in the root)" % len(opens))
    al = alerts_of(recs)
    check(not al, "alerts during ordinary work: %r" % describe(al))


def shell_injection_case(tmp):
    """A tool that pastes its argument into /bin/sh -c: the injected call raises
    exec.shell_injection naming that call; a clean argument does not."""
    calls = [
        {"tool": "check_host", "arguments": {"host": "example.com"}},
        {"tool": "check_host", "arguments": {"host": "example.com; echo injected"}},
    ]
    mon = Monitor(tmp, ["--no-default-match"])
    try:
        summ = policy_client(tmp, calls, ["node", ACTIONS_SERVER])
    finally:
        recs = mon.stop()
    got = summ["calls"]
    check("injected" in got[1]["text"], "the injection did not run: %r" % got[1]["text"][:200])
    al = alerts_of(recs, summ["serverPid"])
    a = find_alert(al, "exec.shell_injection", lambda a: True)
    check_call(a, got[1])
    check_alert_shape(a, summ["serverPid"], "critical")
    ev = a["evidence"]
    check(ev["command"] == "echo checking example.com; echo injected" and
          ev["argument"] == "arguments.host" and ev["metachar"] == ";" and
          ev["metachar_in_argument"] is True, "evidence %r" % ev)
    check(a["trigger"]["event"] == "process.exec" and a["trigger"]["argv"][:2] == ["/bin/sh", "-c"],
          "trigger %r" % a["trigger"])
    # both calls spawned a shell: exec.spawn once (one cause), the second counted into it
    spawn = find_alert(al, "exec.spawn", lambda a: True)
    check([c["id"] for c in spawn["calls"]] == [got[0]["id"]], "spawn calls %r" % spawn["calls"])
    rep = [r for r in recs if r["event"] == "alert.repeat" and r["alert"] == spawn["id"]]
    check(len(rep) == 1 and rep[0]["repeats"] == 1 and rep[0]["rule"] == "exec.spawn",
          "repeat records %r" % rep)


DEFAULT_POLICY = os.path.join(HERE, "..", "..", "policies", "default.yaml")


def policy_with_roots(tmp, argv_glob, roots):
    """The built-in default policy with one more server entry: argv_glob gets these roots."""
    text = open(DEFAULT_POLICY).read()
    entry = ("servers:\n  - name: under-test\n    match: { argv: \"%s\" }\n    roots: [%s]\n"
             % (argv_glob, ", ".join(json.dumps(r) for r in roots)))
    check(text.count("\nservers:\n") == 1, "default policy layout changed")
    path = os.path.join(tmp, "policy.yaml")
    with open(path, "w") as f:
        f.write(text.replace("\nservers:\n", "\n" + entry, 1))
    return path


RENAME_AT = ("import os, sys\n"
             "a = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)\n"
             "b = os.open(sys.argv[2], os.O_RDONLY | os.O_DIRECTORY)\n"
             "os.rename('fd_src.txt', 'fd_dst.txt', src_dir_fd=a, dst_dir_fd=b)\n")


def file_ops_case(tmp):
    """file.out_of_scope for every kind of write, not only opens: a create (O_CREAT), renames
    onto a path outside the root, renames whose source is outside (absolute, relative to the
    working directory, relative to a dirfd of renameat with two different dirfds), an unlink,
    and an unlink, a mkdir and a rename through a symlink root/lnk -> outside. Each raises one
    alert naming its call, with the operation's event and the real path as evidence; nothing
    inside the root does."""
    base = os.path.realpath(tmp)
    root, out = os.path.join(base, "root"), os.path.join(base, "outside")
    os.makedirs(root)
    os.makedirs(out)
    os.symlink(out, os.path.join(root, "lnk"))
    for p in ("root/inner.txt", "root/inner2.txt", "outside/src.txt", "outside/victim.txt",
              "outside/x.txt", "outside/rel.txt", "outside/fd_src.txt"):
        with open(os.path.join(base, p), "w") as f:
            f.write("x\n")
    R = lambda *x: os.path.join(root, *x)   # noqa: E731
    O = lambda *x: os.path.join(out, *x)    # noqa: E731
    calls = [
        ({"tool": "open_file", "arguments": {"path": O("created.txt"), "mode": "write"}},
         "file.open", O("created.txt")),
        ({"tool": "rename", "arguments": {"from": R("inner.txt"), "to": O("moved.txt")}},
         "file.rename", O("moved.txt")),
        ({"tool": "rename", "arguments": {"from": O("src.txt"), "to": R("from_out.txt")}},
         "file.rename", O("src.txt")),
        ({"tool": "unlink", "arguments": {"path": O("victim.txt")}}, "file.unlink",
         O("victim.txt")),
        ({"tool": "unlink", "arguments": {"path": R("lnk", "x.txt")}}, "file.unlink",
         O("x.txt")),
        ({"tool": "mkdir", "arguments": {"path": R("lnk", "newdir")}}, "file.mkdir",
         O("newdir")),
        ({"tool": "rename", "arguments": {"from": R("inner2.txt"), "to": R("lnk", "moved2.txt")}},
         "file.rename", O("moved2.txt")),
        ({"tool": "rename", "arguments": {"from": "rel.txt", "to": R("rel.txt"), "cwd": out}},
         "file.rename", O("rel.txt")),
        ({"tool": "spawn", "arguments": {"argv": ["/usr/bin/python3", "-c", RENAME_AT, out, root]}},
         "file.rename", O("fd_src.txt")),
    ]
    policy = policy_with_roots(tmp, "*actions_server.mjs*", [root])
    mon = Monitor(tmp, ["--no-default-match", "--policy", policy])
    try:
        summ = policy_client(tmp, [c for c, _, _ in calls], ["node", ACTIONS_SERVER])
    finally:
        recs = mon.stop()
    got = summ["calls"]
    bad = [(c["tool"], c["text"][:200]) for c in got if c["isError"]]
    check(not bad, "file operations failed: %r" % bad)
    for p in ("moved.txt", "from_out.txt", "newdir", "moved2.txt", "rel.txt", "fd_dst.txt"):
        check(os.path.exists(R(p)) or os.path.exists(O(p)), "%s was not made" % p)
    al = alerts_of(recs, summ["serverPid"])
    oos = [a for a in al if a["rule"] == "file.out_of_scope"]
    for (call, event, real), g in zip(calls, got):
        a = find_alert(oos, "file.out_of_scope", lambda a: a["evidence"]["path"] == real
                       and a["trigger"]["event"] == event)
        check_call(a, g)
        check_alert_shape(a, summ["serverPid"], "high")
        check(a["evidence"]["roots"] == [{"path": root, "from": "policy"}],
              "roots %r" % a["evidence"]["roots"])
        # the renameat of the short-lived python child may be read after the child is gone
        # (a slow collector: the sanitized build): then its bare names are joined onto the
        # directories the kernel resolved from its dirfds, which is exact for a bare name
        by = ("collector", "lexical") if real == O("fd_src.txt") else ("collector",)
        if event != "file.open":
            check(a["trigger"]["resolved_by"] in by, "%s: trigger %r" % (real, a["trigger"]))
    inside = [a for a in oos if a["evidence"]["path"].startswith(root + "/")]
    check(not inside, "alerts inside the root: %r" % describe(inside))


def client_roots_case(tmp):
    """Roots from the client's roots/list answer, end to end. The current server-filesystem
    started with folder A, its client answering roots/list with [A, B]: the server replaces
    its allowed folders with the client's roots, so it reads in B, and mcpwarden, which took
    B from the answer, raises nothing; a read in C the server refuses before opening anything
    (no open, no alert). A server that opens C after the client gave it [A, B] (the actions
    server asks roots/list from a tool) raises file.out_of_scope with both roots as the
    client's in the evidence."""
    base = os.path.realpath(tmp)
    A, B, C = (os.path.join(base, d) for d in ("a", "b", "c"))
    for d in (A, B, C):
        os.makedirs(d)
        with open(os.path.join(d, "f.txt"), "w") as f:
            f.write("in %s\n" % d)
    f = lambda d: os.path.join(d, "f.txt")  # noqa: E731
    calls = [
        {"tool": "list_allowed_directories", "arguments": {}, "until": B},
        {"tool": "read_text_file", "arguments": {"path": f(B)}},
        {"tool": "read_text_file", "arguments": {"path": f(C)}},
    ]
    mon = Monitor(tmp, [])
    try:
        fs = policy_client(tmp, calls, ["node", CURRENT_FS, A], roots=[A, B])
        acts = policy_client(tmp, [
            {"tool": "list_roots", "arguments": {}},
            {"tool": "open_file", "arguments": {"path": f(B)}},
            {"tool": "open_file", "arguments": {"path": f(C)}},
        ], ["node", ACTIONS_SERVER], roots=[A, B])
    finally:
        recs = mon.stop()
    check(fs["rootsListed"] >= 1 and acts["rootsListed"] == 1, "roots/list not asked: %d, %d"
          % (fs["rootsListed"], acts["rootsListed"]))
    rb, rc = fs["calls"][-2], fs["calls"][-1]
    check(not rb["isError"] and "in %s" % B in rb["text"], "server-filesystem did not read B "
          "from the client's roots: %r" % rb["text"][:200])
    check(rc["isError"] and "denied" in rc["text"], "server-filesystem read C: %r"
          % rc["text"][:200])
    opens = [r["path"] for r in recs if r["event"] == "file.open"
             and r["server_pid"] == fs["serverPid"] and r["path"] in (f(B), f(C))]
    check(opens == [f(B)], "server-filesystem opens of B and C: %r" % opens)
    check(not alerts_of(recs, fs["serverPid"]), "server-filesystem alerts: %r"
          % describe(alerts_of(recs, fs["serverPid"])))
    al = alerts_of(recs, acts["serverPid"])
    got = acts["calls"]
    check(A in got[0]["text"] and B in got[0]["text"], "list_roots: %r" % got[0]["text"][:300])
    a = find_alert(al, "file.out_of_scope", lambda a: True)
    check(a["evidence"]["path"] == f(C), "evidence %r" % a["evidence"])
    check_call(a, got[2])
    check(a["evidence"]["roots"] == [{"path": A, "from": "client"}, {"path": B, "from": "client"}],
          "roots %r" % a["evidence"]["roots"])
    check(len(al) == 1, "want only the read of C, got %r" % describe(al))


def console_alert_case(tmp):
    """The console shows alerts prominently: without --quiet, a read outside the roots prints
    `!! ALERT rule [severity] comm[pid]: what  <- tools/call TOOL id=N` naming the call, and
    the same read again is counted into it and printed as one repeat line at the end."""
    base = os.path.realpath(tmp)
    allowed, evil = os.path.join(base, "allowed"), os.path.join(base, "allowed_evil")
    for d in (allowed, evil):
        os.makedirs(d)
    target = os.path.join(evil, "notes.txt")
    with open(target, "w") as f:
        f.write("outside\n")
    calls = [{"tool": "read_file", "arguments": {"path": target}},
             {"tool": "read_file", "arguments": {"path": target + "/../notes.txt"}}]
    mon = Monitor(tmp, ["--no-default-match"], console=True)
    try:
        summ = policy_client(tmp, calls, ["node", VULNERABLE_FS, allowed])
    finally:
        recs = mon.stop()
    got = summ["calls"]
    check(all("outside" in g["text"] for g in got), "reads: %r" % got)
    a = find_alert(alerts_of(recs, summ["serverPid"]), "file.out_of_scope", lambda a: True)
    lines = open(mon.console_path).read().splitlines()
    want = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} !! ALERT file\.out_of_scope \[high\] "
                      r"\S+\[%d\]: open %s \(read\) outside the server's roots  "
                      r"<- tools/call read_file id=%s$"
                      % (summ["serverPid"], re.escape(target), re.escape(str(got[0]["id"]))))
    hits = [ln for ln in lines if want.match(ln)]
    check(len(hits) == 1, "want one alert line for %r, console:\n%s"
          % (want.pattern, "\n".join(ln for ln in lines if "ALERT" in ln)))
    rep = [ln for ln in lines if ln.endswith(" !! ALERT %d (file.out_of_scope) repeated 1 more "
                                             "times" % a["id"])]
    check(len(rep) == 1, "want one repeat line for alert %d, console:\n%s"
          % (a["id"], "\n".join(ln for ln in lines if "ALERT" in ln)))
    check(lines.index(hits[0]) < lines.index(rep[0]), "the repeat line came first")
    check(len([ln for ln in lines if "!! ALERT" in ln]) == 2, "other alert lines: %r"
          % [ln for ln in lines if "!! ALERT" in ln])


class Sink:
    """A loopback TCP listener that accepts and closes, standing in for an attacker or a
    legitimate service."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            c.close()

    def close(self):
        self.sock.close()


def network_case(tmp):
    """NeighborJack and exfiltration under a policy file: a listener on 0.0.0.0 raises
    net.listen_wildcard; a connect to a loopback port outside the egress allowlist raises
    net.egress (twice: one alert, one repeat), the allowed one nothing."""
    allowed, attacker = Sink(), Sink()
    policy = os.path.join(tmp, "policy.yaml")
    with open(policy, "w") as f:
        f.write("apiVersion: mcpwarden.dev/v1\nkind: Policy\n"
                "defaults:\n  egress:\n    - {cidr: 127.0.0.1/32, ports: [%d]}\n"
                % allowed.port)
    calls = [
        {"tool": "connect", "arguments": {"host": "127.0.0.1", "port": allowed.port}},
        {"tool": "listen", "arguments": {"host": "0.0.0.0", "port": 0}},
        {"tool": "connect", "arguments": {"host": "127.0.0.1", "port": attacker.port}},
        {"tool": "connect", "arguments": {"host": "127.0.0.1", "port": attacker.port}},
    ]
    mon = Monitor(tmp, ["--no-default-match", "--policy", policy])
    try:
        summ = policy_client(tmp, calls, ["node", ACTIONS_SERVER])
    finally:
        recs = mon.stop()
        allowed.close()
        attacker.close()
    got = summ["calls"]
    check(recs[0]["policy"]["source"] == policy, "ready names policy %r" % recs[0]["policy"])
    al = alerts_of(recs, summ["serverPid"])
    lw = find_alert(al, "net.listen_wildcard", lambda a: True)
    check_call(lw, got[1])
    check(lw["evidence"]["addr"] == "0.0.0.0" and lw["evidence"]["op"] in ("bind", "listen"),
          "listen evidence %r" % lw["evidence"])
    eg = find_alert(al, "net.egress", lambda a: True)
    check(eg["evidence"] == {"op": "connect", "addr": "127.0.0.1", "port": attacker.port},
          "egress evidence %r" % eg["evidence"])
    check_call(eg, got[2])
    rep = [r for r in recs if r["event"] == "alert.repeat" and r["alert"] == eg["id"]]
    check(len(rep) == 1 and rep[0]["repeats"] == 1, "egress repeats %r" % rep)
    check(attacker.accepted >= 1 and allowed.accepted >= 1, "connects did not happen")
    stats = [r for r in recs if r["event"] == "stats"][-1]
    check(stats["alerts"]["net.egress"] == {"alerts": 1, "repeats": 1, "user_space_kills": 0},
          "stats %r" % stats["alerts"]["net.egress"])


def policy_cli_case(tmp):
    """policy check / show: errors name file, line and column and exit 1; the effective
    policy printed by show is accepted by check; usage and file errors (policy_file_errors)."""
    import subprocess
    bad = os.path.join(tmp, "bad.yaml")
    with open(bad, "w") as f:
        f.write("apiVersion: mcpwarden.dev/v1\nkind: Policy\nmdoe: monitor\n")
    r = subprocess.run([MCPWARDEN, "policy", "check", bad], capture_output=True, text=True)
    check(r.returncode == 1 and ("%s:3:1: unknown key 'mdoe'" % bad) in r.stderr,
          "check bad: %d %r" % (r.returncode, r.stderr))
    r = subprocess.run([MCPWARDEN, "policy", "check", os.path.join(tmp, "missing.yaml")],
                       capture_output=True, text=True)
    check(r.returncode == 1 and "cannot open policy" in r.stderr, "missing: %r" % r.stderr)
    r = subprocess.run([MCPWARDEN, "--policy", bad, "--quiet"], capture_output=True, text=True)
    check(r.returncode == 1 and "unknown key 'mdoe'" in r.stderr, "watch with bad policy: %r"
          % r.stderr)
    show = subprocess.run([MCPWARDEN, "policy", "show"], capture_output=True, text=True)
    check(show.returncode == 0 and "file.out_of_scope" in show.stdout, "show: %r" % show.stderr)
    r = subprocess.run([MCPWARDEN, "policy", "check", "-"], input=show.stdout,
                       capture_output=True, text=True)
    check(r.returncode == 0 and "<stdin>: ok" in r.stdout, "check of show: %r" % r.stderr)
    again = subprocess.run([MCPWARDEN, "policy", "show", "-"], input=show.stdout,
                           capture_output=True, text=True)
    check(again.stdout == show.stdout, "show is not stable across a round trip")
    r = subprocess.run([MCPWARDEN, "policy", "frob"], capture_output=True, text=True)
    check(r.returncode == 2 and "unknown policy command 'frob'" in r.stderr, "frob: %r"
          % r.stderr)
    policy_file_errors(tmp)


POLICY_TEXT_MAX = 1 << 20       # user/policy.h


def policy_file_errors(tmp):
    """Usage and file-loading errors: the exact message and exit code of each (2: usage, 1: a
    policy that cannot be read)."""
    import subprocess

    def expect(args, rc, err, stdin=None, out=None):
        r = subprocess.run([MCPWARDEN] + args, capture_output=True, input=stdin)
        got = (r.returncode, r.stderr.decode(errors="replace"))
        check(got == (rc, err), "%r: got exit %d stderr %r, want %d %r"
              % (args, got[0], got[1], rc, err))
        if out is not None:
            check(r.stdout.decode() == out, "%r: stdout %r, want %r" % (args, r.stdout, out))

    expect(["policy", "check"], 2, "mcpwarden: 'policy check' needs a FILE\n")
    expect(["--policy"], 2, "%s: option '--policy' requires an argument\nmcpwarden: see --help\n"
           % MCPWARDEN)
    expect(["--policy="], 2, "mcpwarden: --policy needs a file name\n")
    missing = os.path.join(tmp, "missing.yaml")
    expect(["policy", "check", missing], 1,
           "mcpwarden: cannot open policy '%s': No such file or directory\n" % missing)
    # a directory opens, its read fails: the read's own error, not a generic I/O error
    expect(["policy", "check", tmp], 1, "mcpwarden: cannot read policy '%s': Is a directory\n"
           % tmp)
    expect(["--policy", tmp, "--quiet"], 1,
           "mcpwarden: cannot read policy '%s': Is a directory\n" % tmp)
    # POLICY_TEXT_MAX bytes are read; one more is refused, from a file and from stdin
    head = b"apiVersion: mcpwarden.dev/v1\nkind: Policy\n#"
    exact = head + b"x" * (POLICY_TEXT_MAX - len(head) - 1) + b"\n"
    check(len(exact) == POLICY_TEXT_MAX, "fixture size")
    big = os.path.join(tmp, "big.yaml")
    for path, text in ((os.path.join(tmp, "exact.yaml"), exact), (big, exact + b"\n")):
        with open(path, "wb") as f:
            f.write(text)
    expect(["policy", "check", os.path.join(tmp, "exact.yaml")], 0, "",
           out="%s: ok (0 servers, 0 exceptions)\n"
           % os.path.join(tmp, "exact.yaml"))
    too_big = "mcpwarden: cannot read policy '%s': larger than %d bytes\n"
    expect(["policy", "check", big], 1, too_big % (big, POLICY_TEXT_MAX))
    expect(["--policy", big, "--quiet"], 1, too_big % (big, POLICY_TEXT_MAX))
    expect(["policy", "check", "-"], 1, too_big % ("<stdin>", POLICY_TEXT_MAX),
           stdin=exact + b"\n")


CASES = [escape_route_case, current_filesystem_clean_case, shell_injection_case, network_case,
         policy_cli_case, file_ops_case, client_roots_case, console_alert_case]
for _c, _n in zip(CASES, ["policy_escape_route_vulnerable_fs", "policy_current_fs_no_alerts",
                          "policy_shell_injection", "policy_listen_wildcard_and_egress",
                          "policy_cli_check_and_show", "policy_file_ops_out_of_scope",
                          "policy_client_roots", "policy_console_alert"]):
    _c.__name__ = _n
__all__ = ["CASES", "Failure"]
