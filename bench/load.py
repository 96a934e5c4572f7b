#!/usr/bin/env python3
"""mcpwarden load benchmarks (part of `make bench`; root needed). Standard library only.

    load.py [--out FILE] [SECTION...]      sections: rss sustained ceiling burst strace
                                           (default: all)

rss        the collector's memory with 1, 100 and 1000 tracked servers (bench/mini_server,
           found by their initialize; one tools/call each), against the same collector idle,
           (default ring buffer), and at 1000 servers with a 64 MiB one
           (BENCH_RSS_LARGE_RINGBUF_MB)
sustained  one server answering tools/call requests paced at BENCH_LOAD_RATE per second
           (10000) for BENCH_LOAD_SECONDS (60): every loss counter must read zero
ceiling    the sustained run at rising rates (BENCH_CEILING_RATES: 20k, 40k, 80k, 160k
           requests/s, BENCH_CEILING_SECONDS each) until one loses or the client falls behind;
           reported, not failed
burst      one server writing BENCH_BURST_MB (200) of 1 MiB notifications once a second for
           BENCH_BURSTS (5) seconds, paced at BENCH_BURST_RATE (200) MiB/s: every loss counter
           must read zero; then the same bursts as fast as the pipe takes them (the ceiling:
           reported, not failed)
strace     server-everything's echo tool (bench/tools_call_bench.mjs): no tracer, mcpwarden,
           and `strace -f` attached to the server capturing the same syscalls with their data,
           rotated over BENCH_STRACE_ROUNDS (5) rounds

BENCH_COLLECTOR_ARGS adds options to every mcpwarden the script starts (e.g. "--payload full").

Nothing asserts a timing. The exit status is non-zero when something does not run, or when a
sustained run loses anything (the loss is reported, with the rate reached). Results (JSON) go
to --out (default build/bench/load.json); docs/performance.md has the method and numbers.
"""
import argparse
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MCPWARDEN = os.environ.get("MCPWARDEN", os.path.join(ROOT, "build", "mcpwarden"))
MINI = os.environ.get("MINI_SERVER", os.path.join(ROOT, "build", "bench", "mini_server"))
READY_TIMEOUT_S = 30
STOP_TIMEOUT_S = 120
SETTLE_S = 1.0
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
MIB = 1 << 20
SUMMARY_RE = re.compile(r"mcpwarden: (\d+) messages, (\d+) alerts, (\d+) kernel losses, "
                        r"(\d+) gaps \((\d+) bytes\), (\d+) truncated, (\d+) backlog")


def log(msg):
    print("load: %s" % msg, file=sys.stderr, flush=True)


def env_int(name, default):
    return int(os.environ.get(name, default))


class Collector:
    """build/mcpwarden found-by-traffic only, JSON lines to the file jsonl (removed by stop:
    a long run writes hundreds of MB)."""

    def __init__(self, jsonl, extra=()):
        self.jsonl = jsonl
        self.err = open(jsonl + ".stderr", "w+")
        if os.path.exists(jsonl):
            os.unlink(jsonl)
        extra = list(extra) + os.environ.get("BENCH_COLLECTOR_ARGS", "").split()
        self.proc = subprocess.Popen([MCPWARDEN, "--quiet", "--no-default-match", "--jsonl",
                                      jsonl] + extra, stdout=subprocess.DEVNULL,
                                     stderr=self.err)
        deadline = time.time() + READY_TIMEOUT_S
        while not self.ready():
            if self.proc.poll() is not None or time.time() > deadline:
                raise SystemExit("load: mcpwarden did not start: %s" % self.stderr())
            time.sleep(0.05)

    def ready(self):
        return os.path.exists(self.jsonl) and os.path.getsize(self.jsonl) > 0

    def stderr(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def memory_kb(self):
        """VmRSS and friends, and how much of it is BPF map memory mapped into the process
        (the ring buffer: its data pages are mapped twice, so 8 MiB shows as 16 MiB)."""
        st = open("/proc/%d/status" % self.proc.pid).read()
        mem = {k: int(re.search(r"^%s:\s+(\d+) kB" % k, st, re.M).group(1))
               for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}
        maps, name = 0, ""
        for line in open("/proc/%d/smaps" % self.proc.pid):
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                name = line.split()[5] if len(line.split()) > 5 else ""
            elif line.startswith("Rss:") and name == "anon_inode:bpf-map":
                maps += int(line.split()[1])
        mem["bpf_maps"] = maps
        mem["own"] = mem["VmRSS"] - maps
        return mem

    def cpu_s(self):
        stat = open("/proc/%d/stat" % self.proc.pid).read()
        f = stat[stat.rindex(")") + 2:].split()
        return (int(f[11]) + int(f[12])) * TICK_S

    def stop(self):
        time.sleep(SETTLE_S)
        self.proc.send_signal(signal.SIGINT)
        rc = self.proc.wait(STOP_TIMEOUT_S)
        text = self.stderr()
        if rc != 0:
            raise SystemExit("load: mcpwarden exited with %d: %s" % (rc, text[-2000:]))
        m = SUMMARY_RE.search(text)
        if not m:
            raise SystemExit("load: no summary line from mcpwarden: %s" % text[-2000:])
        keys = ("messages", "alerts", "kernel_losses", "gaps", "gap_bytes", "truncated",
                "backlog")
        return dict(zip(keys, map(int, m.groups())))

    def remove(self):
        os.unlink(self.jsonl)


class Mini:
    """One bench/mini_server over pipes."""

    def __init__(self):
        self.proc = subprocess.Popen([MINI], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0

    def send(self, method, params=None, notify=False):
        msg = {"jsonrpc": "2.0", "method": method, "params": params or {}}
        if not notify:
            msg["id"] = self.next_id
            self.next_id += 1
        self.proc.stdin.write(json.dumps(msg).encode() + b"\n")

    def flush(self):
        self.proc.stdin.flush()

    def start(self):
        self.send("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                 "clientInfo": {"name": "mcpwarden-load", "version": "1"}})
        self.send("notifications/initialized", notify=True)
        self.send("tools/call", {"name": "noop", "arguments": {}})
        self.flush()

    def read_answers(self, n):
        for _ in range(n):
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("load: mini_server closed its output")

    def close(self):
        self.proc.stdin.close()
        self.proc.stdout.read()
        self.proc.wait()


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


# ---- sections ----

def rss_section(work):
    counts = [int(x) for x in os.environ.get("BENCH_RSS_SERVERS", "1,100,1000").split(",")]
    raise_nofile(4 * max(counts) + 64)
    out = []
    large = env_int("BENCH_RSS_LARGE_RINGBUF_MB", 64)
    for n, ringbuf in [(c, None) for c in [0] + counts] + [(max(counts), large)]:
        jsonl = os.path.join(work, "rss.jsonl")
        col = Collector(jsonl, ["--ringbuf-mb", str(ringbuf)] if ringbuf else [])
        servers = [Mini() for _ in range(n)]
        for s in servers:
            s.start()
        for s in servers:
            s.read_answers(2)
        time.sleep(2 * SETTLE_S)        # let the collector drain and decode everything
        mem = col.memory_kb()
        for s in servers:
            s.close()
        summary = col.stop()
        recs = [json.loads(x) for x in open(jsonl)]
        pids = {s.proc.pid for s in servers}
        sessions = {r["server"]["pid"] for r in recs if r["event"] == "mcp.session"
                    and r["server"]["pid"] in pids}
        row = {"servers": n, "ringbuf_mb": ringbuf, "sessions_seen": len(sessions),
               "rss_kb": mem["VmRSS"], "hwm_kb": mem["VmHWM"], "anon_kb": mem["RssAnon"],
               "bpf_maps_kb": mem["bpf_maps"], "own_kb": mem["own"], "summary": summary}
        log("rss: %d servers (--ringbuf-mb %s), %d sessions seen, VmRSS %d kB = %d kB BPF "
            "maps mapped + %d kB own (RssAnon %d kB)" % (n, ringbuf or "default", len(sessions),
            mem["VmRSS"], mem["bpf_maps"], mem["own"], mem["RssAnon"]))
        if len(sessions) != n:
            raise SystemExit("load: rss: %d of %d sessions seen" % (len(sessions), n))
        out.append(row)
    return out


def paced_calls(s, rate, seconds, batch):
    """Requests at rate per second in batches; answers read on another thread."""
    total = rate * seconds
    reader = threading.Thread(target=s.read_answers, args=(total,))
    reader.start()
    t0 = time.monotonic()
    sent = 0
    while sent < total:
        for _ in range(min(batch, total - sent)):
            s.send("tools/call", {"name": "noop", "arguments": {"n": sent}})
            sent += 1
        s.flush()
        ahead = t0 + sent / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    sent_s = time.monotonic() - t0
    reader.join()
    return sent, sent_s, time.monotonic() - t0


def sustained_section(work, rate=None, seconds=None):
    rate = rate or env_int("BENCH_LOAD_RATE", 10000)
    seconds = seconds or env_int("BENCH_LOAD_SECONDS", 60)
    col = Collector(os.path.join(work, "sustained.jsonl"))
    s = Mini()
    s.start()
    s.read_answers(2)
    cpu0 = col.cpu_s()
    sent, sent_s, done_s = paced_calls(s, rate, seconds, max(1, rate // 100))
    cpu = col.cpu_s() - cpu0
    mem = col.memory_kb()
    s.close()
    summary = col.stop()
    col.remove()
    want = 2 * (sent + 2) + 1           # requests and results, with initialize and the first call
    row = {"rate_requests_per_s": rate, "seconds": seconds, "requests": sent,
           "achieved_requests_per_s": sent / sent_s, "messages_per_s": 2 * sent / done_s,
           "collector_cpu_s": cpu, "collector_cpu_share": cpu / done_s, "rss_kb": mem["VmRSS"],
           "messages_expected": want, "summary": summary}
    log("sustained: %d requests in %.1f s (%.0f/s), %d of %d messages decoded, collector CPU "
        "%.1f s (%.0f%% of one core), losses %d, gaps %d" % (sent, done_s, sent / sent_s,
        summary["messages"], want, cpu, 100 * cpu / done_s, summary["kernel_losses"],
        summary["gaps"]))
    row["lossless"] = (summary["kernel_losses"] == 0 and summary["gaps"] == 0 and
                       summary["backlog"] == 0 and summary["messages"] >= want)
    return row


def bursts_at(work, rate):
    """BENCH_BURSTS bursts of BENCH_BURST_MB 1-MiB notifications, once a second, paced at rate
    MiB/s (0: as fast as the pipe takes them), under a fresh collector."""
    mb = env_int("BENCH_BURST_MB", 200)
    bursts = env_int("BENCH_BURSTS", 5)
    size = MIB - 128                    # one notification: about 1 MiB on the wire
    col = Collector(os.path.join(work, "burst.jsonl"))
    s = Mini()
    s.start()
    s.read_answers(2)
    rows = []
    for i in range(bursts):
        t0 = time.monotonic()
        s.send("tools/call", {"name": "burst", "arguments": {"count": mb, "size": size,
                                                              "rate": rate}})
        s.flush()
        s.read_answers(mb + 1)
        took = time.monotonic() - t0
        rows.append(mb * size / MIB / took)
        if took < 1.0:
            time.sleep(1.0 - took)
    s.close()
    summary = col.stop()
    col.remove()
    want = 2 * (bursts + 2) + 1 + mb * bursts
    log("burst: %d x %d MiB %s at %s MiB/s; %d of %d messages decoded, losses %d, gaps %d "
        "(%d bytes), truncated %d" % (bursts, mb, "paced" if rate else "unpaced",
        ", ".join("%.0f" % r for r in rows), summary["messages"], want,
        summary["kernel_losses"], summary["gaps"], summary["gap_bytes"], summary["truncated"]))
    return {"burst_mib": mb, "bursts": bursts, "rate_mib_per_s": rate, "mib_per_s": rows,
            "messages_expected": want, "summary": summary,
            "lossless": summary["kernel_losses"] == 0 and summary["gaps"] == 0 and
            summary["messages"] >= want}


def burst_section(work):
    """Bursts paced at BENCH_BURST_RATE MiB/s (200: the target's rate) must lose nothing; the
    same bursts as fast as the pipe takes them show the ceiling (reported, not failed)."""
    paced = bursts_at(work, env_int("BENCH_BURST_RATE", 200))
    paced["unpaced"] = bursts_at(work, 0)
    return paced


def ceiling_section(work):
    """The sustained run at rising rates, BENCH_CEILING_SECONDS (10) each, until one loses
    anything or the client cannot keep the pace: where the ceiling is."""
    rates = [int(x) for x in os.environ.get("BENCH_CEILING_RATES",
                                            "20000,40000,80000,160000").split(",")]
    out = []
    for rate in rates:
        row = sustained_section(work, rate, env_int("BENCH_CEILING_SECONDS", 10))
        out.append(row)
        if not row["lossless"] or row["achieved_requests_per_s"] < 0.95 * rate:
            break
    return out


STRACE = ("strace -f -qq -p {pid} -o /dev/null -s 65536 "
          "-e trace=read,write,readv,writev,recvfrom,sendto,recvmsg,sendmsg")


def tools_call(extra=()):
    calls = env_int("BENCH_CALLS", 3000)
    warmup = env_int("BENCH_WARMUP", 200)
    r = subprocess.run(["node", os.path.join(HERE, "tools_call_bench.mjs"), "--calls",
                        str(calls), "--warmup", str(warmup)] + list(extra),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("load: tools_call_bench failed: %s" % r.stderr[-2000:])
    return json.loads(r.stdout)


def strace_section(work):
    rounds = env_int("BENCH_STRACE_ROUNDS", 5)
    variants = ["baseline", "mcpwarden", "strace"]
    runs = {v: [] for v in variants}
    for i in range(rounds):
        for v in variants[i % 3:] + variants[:i % 3]:      # each goes first in turn
            if v == "mcpwarden":
                col = Collector(os.path.join(work, "strace-mw.jsonl"))
                r = tools_call()
                col.stop()
            elif v == "strace":
                r = tools_call(["--attach", STRACE])
            else:
                r = tools_call()
            runs[v].append(r)
            log("strace: round %d %s %.0f calls/s" % (i + 1, v, r["calls_per_s"]))
    base = statistics.median(r["calls_per_s"] for r in runs["baseline"])
    out = {}
    for v in variants:
        med = statistics.median(r["calls_per_s"] for r in runs[v])
        out[v] = {"calls_per_s": med, "ratio": med / base,
                  "p50_us": statistics.median(r["p50_us"] for r in runs[v]),
                  "p99_us": statistics.median(r["p99_us"] for r in runs[v]), "runs": runs[v]}
        log("strace: %s median %.0f calls/s, %.2fx" % (v, med, med / base))
    return out


SECTIONS = {"rss": rss_section, "sustained": sustained_section, "burst": burst_section,
            "ceiling": ceiling_section, "strace": strace_section}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench", "load.json"))
    ap.add_argument("sections", nargs="*")
    opts = ap.parse_args()
    for name in opts.sections:
        if name not in SECTIONS:
            ap.error("unknown section '%s' (one of %s)" % (name, ", ".join(SECTIONS)))
    if os.geteuid() != 0:
        raise SystemExit("load: must run as root (loads BPF programs)")
    for path in (MCPWARDEN, MINI):
        if not os.access(path, os.X_OK):
            raise SystemExit("load: %s is missing: make all build/bench/mini_server" % path)
    work = os.path.dirname(opts.out)
    os.makedirs(work, exist_ok=True)
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    for name in opts.sections or list(SECTIONS):
        log("== %s" % name)
        results[name] = SECTIONS[name](work)
    with open(opts.out, "w") as f:
        json.dump(results, f, indent=1)
    lossy = [n for n in ("sustained", "burst") if n in results and not results[n]["lossless"]]
    # the ceiling search ends with a lossy run by design: reported, not failed
    if lossy:
        log("LOSS in %s: see %s" % (", ".join(lossy), opts.out))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
