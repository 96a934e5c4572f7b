"""Shared harness of the e2e tests: the monitor under test, test clients, checks."""
import json
import os
import signal
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MCPWARDEN = os.environ.get("MCPWARDEN", os.path.join(ROOT, "build", "mcpwarden"))
CLIENTS = os.path.join(HERE, "clients")
READY_TIMEOUT_S = 30
CLIENT_TIMEOUT_S = 120
STOP_TIMEOUT_S = 30
SETTLE_S = 0.5
# mcpwarden pins maps between runs (bpffs); each case pins under a directory of its own, so it
# never inherits from an earlier case (or from another mcpwarden on the host), and removes it.
PIN_ROOT = "/sys/fs/bpf"


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def pin_dir(tmp):
    """The case's own pin directory (tmp: the case's temporary directory)."""
    return os.path.join(PIN_ROOT, os.path.basename(os.path.normpath(tmp)))


def pin_args(tmp):
    return ["--pin-dir", pin_dir(tmp)]


def remove_pins(tmp):
    """Unpin what the case left (pinned maps are files on bpffs; the maps go with them)."""
    d = pin_dir(tmp)
    if not os.path.isdir(d):
        return
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))
    os.rmdir(d)


class Monitor:
    """A running mcpwarden writing JSON lines to a temporary file. Unless args say otherwise
    its maps are pinned in the directory of the case (pin_dir(pin_tmp or tmp))."""

    def __init__(self, tmp, args, pin_tmp=None, console=False):
        """console: no --quiet; the console lines go to self.console_path."""
        self.path = os.path.join(tmp, "out.jsonl")
        self.log = open(os.path.join(tmp, "mcpwarden.stderr"), "w")
        self.console_path = os.path.join(tmp, "console.txt")
        payload = [] if "--payload" in args else ["--payload", "full"]
        pins = [] if "--no-pin" in args or "--pin-dir" in args else pin_args(pin_tmp or tmp)
        quiet = [] if console else ["--quiet"]
        cmd = [MCPWARDEN, "--jsonl", self.path] + quiet + payload + pins + args
        with open(self.console_path, "w") as out:
            self.proc = subprocess.Popen(cmd, stdout=out if console else subprocess.DEVNULL,
                                         stderr=self.log)
        try:
            self.wait_ready()
        except Exception:
            self.proc.kill()
            self.proc.wait()
            raise

    def records(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            return []
        # while the monitor runs, its last line may still be half written
        return [json.loads(line) for line in text.split("\n")[:-1] if line.strip()]

    def wait_ready(self):
        deadline = time.time() + READY_TIMEOUT_S
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise Failure("mcpwarden exited with %d before ready: %s"
                              % (self.proc.returncode, self.stderr()))
            if os.path.exists(self.path) and os.path.getsize(self.path) > 0:
                recs = self.records()
                check(recs[0]["event"] == "ready", "first record is not ready: %r" % recs[0])
                return
            time.sleep(0.05)
        raise Failure("mcpwarden not ready after %d s" % READY_TIMEOUT_S)

    def stop(self):
        time.sleep(SETTLE_S)
        self.proc.send_signal(signal.SIGINT)
        try:
            rc = self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise Failure("mcpwarden did not stop within %d s of SIGINT" % STOP_TIMEOUT_S)
        self.log.close()
        check(rc == 0, "mcpwarden exited with %d: %s" % (rc, self.stderr()))
        return self.records()

    def stderr(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log.name) as f:
            return f.read()[-2000:]


def run_client(tmp, cmd, hold=None, on_spawn=None):
    """Run a test client; with hold, on_spawn(pid) runs while the client waits."""
    log = open(os.path.join(tmp, "client.stderr"), "w")
    proc = subprocess.Popen(cmd, cwd=HERE, stdout=subprocess.DEVNULL, stderr=log)
    if hold:
        pidfile = cmd[cmd.index("--pidfile") + 1]
        deadline = time.time() + READY_TIMEOUT_S
        while not (os.path.exists(pidfile) and open(pidfile).read().strip()):
            check(time.time() < deadline and proc.poll() is None, "client did not start")
            time.sleep(0.05)
        time.sleep(1.0)         # let the launcher chain reach the server
        on_spawn(int(open(pidfile).read().strip()))
        open(hold, "w").close()
    try:
        rc = proc.wait(CLIENT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = -1
    log.close()
    if rc != 0:
        raise Failure("client failed (%d): %s" % (rc, open(log.name).read()[-2000:]))
    return proc.pid


def canon(msg):
    return json.dumps(msg, sort_keys=True, ensure_ascii=False)


def tally(entries):
    """How many times each (direction, message) occurs among records or recorded entries."""
    counts = {}
    for e in entries:
        key = (e["dir"], canon(e["msg"]))
        counts[key] = counts.get(key, 0) + 1
    return counts
