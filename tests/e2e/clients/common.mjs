// Shared code of the mcpwarden e2e clients built on the official MCP
// TypeScript SDK (sdk_client.mjs, actions_client.mjs):
//
//   - logging, Failure/fail, small file and JSON helpers;
//   - command-line helpers: the options both clients take (--scenario, --record, --root,
//     --pidfile, --hold-file, --hold-timeout-s, --timeout-ms) and the parsing
//     loop; each client passes its own options and usage text;
//   - ServerSession: spawns the server with StdioClientTransport, forwards its
//     stderr, records every JSON-RPC message on the wire (stdin writes, stdout
//     lines) and cross-checks that record with what the SDK sent and received
//     (transport.send wrapper, onmessage setter); writes --pidfile, waits for
//     --hold-file, connects a Client, closes, verifies and writes the record;
//   - the end of a run: failure message, check problems, summary line.
//
// See README.md in this folder for the options and the record format.

import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HOLD_POLL_MS = 50;

// ---------------------------------------------------------------- utilities

// Returns log(...args), which writes "[name] args..." lines to stderr.
export function makeLog(name) {
    return (...args) => {
        process.stderr.write(`[${name}] ${args.join(' ')}\n`);
    };
}

export class Failure extends Error {}

export function fail(msg) {
    throw new Failure(msg);
}

// What a FAILED: line says about an exception: the message of a Failure,
// the stack of anything else.
export function failureText(e) {
    return e instanceof Failure ? e.message : String(e?.stack ?? e);
}

// Deterministic JSON with sorted keys, used only to compare messages.
export function canon(v) {
    if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
    if (v && typeof v === 'object') {
        return '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
    }
    return JSON.stringify(v);
}

export function sleep(ms) {
    return new Promise(r => setTimeout(r, ms));
}

async function waitForFile(file, timeoutMs, serverGone) {
    const deadline = Date.now() + timeoutMs;
    while (!fs.existsSync(file)) {
        if (Date.now() > deadline) fail(`hold file ${file} did not appear within ${timeoutMs / 1000} s`);
        if (serverGone()) fail(`server exited while holding for ${file}`);
        await sleep(HOLD_POLL_MS);
    }
}

export function writeFileAtomic(file, data) {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
}

export function textOf(result) {
    return (result.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('');
}

// ---------------------------------------------------------------- command line

// Help lines of the common options, for the clients' usage texts.
export const USAGE_HOLD = `  --hold-file FILE     pre-started mode: spawn the server, write --pidfile, then wait
                       (poll 50 ms) until FILE exists before sending anything
  --hold-timeout-s N   give up waiting for --hold-file after N seconds (default 60)
`;
const USAGE_TAIL = `  --timeout-ms N       per-request timeout (default 30000)
  -h, --help           this text
`;

// Prints the usage text followed by the --timeout-ms and -h lines (stdout
// for -h, stderr otherwise) and exits with code.
export function usageExit(text, code) {
    (code === 0 ? process.stdout : process.stderr).write(text + USAGE_TAIL);
    process.exit(code);
}

// Defaults of the options every client takes.
export function commonDefaults() {
    return {
        scenario: null,
        record: null,
        root: null,
        pidfile: null,
        holdFile: null,
        holdTimeoutS: 60,
        timeoutMs: 30_000
    };
}

// Options every client takes: name -> (opts, value) => void.
const COMMON_VALUE_OPTIONS = {
    '--scenario': (o, v) => { o.scenario = v; },
    '--record': (o, v) => { o.record = v; },
    '--root': (o, v) => { o.root = v; },
    '--pidfile': (o, v) => { o.pidfile = v; },
    '--hold-file': (o, v) => { o.holdFile = v; },
    '--hold-timeout-s': (o, v) => { o.holdTimeoutS = Number(v); },
    '--timeout-ms': (o, v) => { o.timeoutMs = Number(v); }
};

// Parses argv into opts (which holds the defaults). valueOptions and flags
// are the client's own options: name -> (opts, value) => void and
// name -> (opts) => void. usage(code) prints the usage text and exits.
// Missing values and unknown arguments exit 2; -h/--help exits 0.
export function parseOptions(argv, opts, { valueOptions = {}, flags = {}, usage }) {
    const values = { ...COMMON_VALUE_OPTIONS, ...valueOptions };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (Object.hasOwn(values, a)) {
            if (i + 1 >= argv.length) {
                process.stderr.write(`missing value for ${a}\n`);
                usage(2);
            }
            values[a](opts, argv[i + 1]);
            i++;
        } else if (Object.hasOwn(flags, a)) {
            flags[a](opts);
        } else if (a === '-h' || a === '--help') {
            usage(0);
        } else {
            process.stderr.write(`unknown argument: ${a}\n`);
            usage(2);
        }
    }
    return opts;
}

// Range checks of the common options; exits 2 with the usage text.
export function checkCommonOptions(opts, usage) {
    if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) usage(2);
    if (!Number.isFinite(opts.holdTimeoutS) || opts.holdTimeoutS <= 0) usage(2);
}

// ---------------------------------------------------------------- recorder

// Wires a recorder onto a StdioClientTransport. Must be called before start().
function attachRecorder(transport) {
    const rec = {
        entries: [], // [{dir, msg}] in wire order
        sdkSent: [], // canon() of objects passed to transport.send
        sdkReceived: [], // canon() of objects delivered to transport.onmessage
        s2cBeforeConnect: 0, // wire messages received before the SDK installed onmessage
        wireErrors: [], // unparsable lines etc.
        maxS2CLineBytes: 0,
        maxC2SLineBytes: 0,
        connected: false,
        stdoutPendingBytes: null
    };

    // SDK side, outgoing.
    const origSend = transport.send.bind(transport);
    transport.send = (message, options) => {
        rec.sdkSent.push(canon(JSON.parse(JSON.stringify(message))));
        return origSend(message, options);
    };

    // SDK side, incoming: Protocol.connect() reads then sets transport.onmessage.
    // The getter returns the inner handler, so re-wrapping never double-counts.
    let inner;
    let wrapped;
    Object.defineProperty(transport, 'onmessage', {
        configurable: true,
        enumerable: true,
        get() {
            return inner === undefined ? undefined : wrapped;
        },
        set(h) {
            if (h === wrapped) return;
            inner = h;
            wrapped = typeof h === 'function'
                ? (message, extra) => {
                    rec.sdkReceived.push(canon(JSON.parse(JSON.stringify(message))));
                    return inner(message, extra);
                }
                : undefined;
        }
    });

    // Wire side: installed right after the process is spawned, before any I/O
    // callback can run (start() resolves on the 'spawn' event).
    const origStart = transport.start.bind(transport);
    transport.start = async () => {
        await origStart();
        const proc = transport._process;
        if (!proc || !proc.stdin || !proc.stdout) fail('transport has no child process stdio after start()');

        const origWrite = proc.stdin.write.bind(proc.stdin);
        proc.stdin.write = (chunk, ...rest) => {
            const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
            for (const line of s.split('\n')) {
                if (line === '') continue;
                rec.maxC2SLineBytes = Math.max(rec.maxC2SLineBytes, Buffer.byteLength(line) + 1);
                try {
                    rec.entries.push({ dir: 'c2s', msg: JSON.parse(line) });
                } catch (e) {
                    rec.wireErrors.push(`unparsable c2s line: ${line.slice(0, 200)}`);
                }
            }
            return origWrite(chunk, ...rest);
        };

        // prependListener: see each chunk before the transport's own parser does,
        // so s2c entries are recorded before any reaction to them.
        // Partial-line chunks are kept in a list (no quadratic re-concatenation).
        const pending = [];
        let pendingBytes = 0;
        proc.stdout.prependListener('data', chunk => {
            let start = 0;
            let idx;
            while ((idx = chunk.indexOf(0x0a, start)) !== -1) {
                pending.push(chunk.subarray(start, idx));
                const lineBuf = pending.length === 1 ? pending[0] : Buffer.concat(pending);
                pending.length = 0;
                pendingBytes = 0;
                start = idx + 1;
                rec.maxS2CLineBytes = Math.max(rec.maxS2CLineBytes, lineBuf.length + 1);
                const line = lineBuf.toString('utf8').replace(/\r$/, '');
                if (line.trim() === '') continue;
                try {
                    rec.entries.push({ dir: 's2c', msg: JSON.parse(line) });
                    if (!rec.connected) rec.s2cBeforeConnect++;
                } catch (e) {
                    rec.wireErrors.push(`unparsable s2c line (${line.length} chars): ${line.slice(0, 200)}`);
                }
            }
            if (start < chunk.length) {
                pending.push(chunk.subarray(start));
                pendingBytes += chunk.length - start;
            }
            rec.stdoutPendingBytes = () => pendingBytes;
        });
    };

    return rec;
}

// Compares the wire record with what the SDK saw; returns a list of problems.
function verifyRecorder(rec) {
    const problems = [...rec.wireErrors];
    const wireC2S = rec.entries.filter(e => e.dir === 'c2s').map(e => canon(e.msg));
    const wireS2C = rec.entries.filter(e => e.dir === 's2c').map(e => canon(e.msg)).slice(rec.s2cBeforeConnect);
    const cmp = (name, wire, sdk) => {
        if (wire.length !== sdk.length) {
            problems.push(`${name}: ${wire.length} messages on the wire but ${sdk.length} seen by the SDK hook`);
        }
        const n = Math.min(wire.length, sdk.length);
        for (let i = 0; i < n; i++) {
            if (wire[i] !== sdk[i]) {
                problems.push(`${name}: message #${i} differs between wire and SDK hook`);
                break;
            }
        }
    };
    cmp('c2s', wireC2S, rec.sdkSent);
    cmp('s2c', wireS2C, rec.sdkReceived);
    const trailing = rec.stdoutPendingBytes ? rec.stdoutPendingBytes() : 0;
    if (trailing) problems.push(`s2c: ${trailing} trailing bytes without newline`);
    return problems;
}

// Every request in either direction must have exactly one response.
function verifyPairing(entries) {
    const problems = [];
    const pending = { c2s: new Map(), s2c: new Map() };
    const other = { c2s: 's2c', s2c: 'c2s' };
    for (const { dir, msg } of entries) {
        if (Array.isArray(msg)) {
            problems.push(`${dir}: unexpected batch`);
            continue;
        }
        const isRequest = typeof msg.method === 'string' && msg.id !== undefined;
        const isResponse = msg.method === undefined && ('result' in msg || 'error' in msg);
        if (isRequest) {
            const key = JSON.stringify(msg.id);
            if (pending[dir].has(key)) problems.push(`${dir}: duplicate in-flight id ${key}`);
            pending[dir].set(key, msg.method);
        } else if (isResponse) {
            const key = JSON.stringify(msg.id);
            const map = pending[other[dir]];
            if (!map.has(key)) problems.push(`${dir}: response id ${key} matches no ${other[dir]} request`);
            map.delete(key);
        }
    }
    for (const dir of ['c2s', 's2c']) {
        for (const [id, method] of pending[dir]) problems.push(`${dir} request ${method} id ${id} never answered`);
    }
    return problems;
}

function writeRecord(file, entries) {
    // One entry per line keeps the file greppable; still a single JSON array.
    const body = entries.map(e => JSON.stringify(e)).join(',\n');
    writeFileAtomic(file, entries.length ? `[\n${body}\n]\n` : '[]\n');
}

// ---------------------------------------------------------------- server session

// One spawned server: StdioClientTransport (stdio = AF_UNIX socketpairs,
// stderr piped and forwarded with a "[server stderr] " prefix) with the
// recorder attached. Nothing is spawned until start().
export class ServerSession {
    // env is added to the SDK's default environment; maxBufferSize is passed
    // to the transport when given.
    constructor({ command, args, cwd, env, maxBufferSize, log }) {
        log(`spawning: ${command} ${args.join(' ')} (cwd ${cwd})`);
        this.log = log;
        this.pid = undefined; // set by start()
        this.client = null; // set by connect()
        this.transportError = null;
        this.closed = false;
        this.transport = new StdioClientTransport({
            command,
            args,
            cwd,
            env,
            stderr: 'pipe',
            ...(maxBufferSize !== undefined ? { maxBufferSize } : {})
        });
        // Forward server stderr, prefixed, so it is never confused with our own output.
        let errTail = '';
        this.transport.stderr.on('data', chunk => {
            const s = errTail + chunk.toString('utf8');
            const lines = s.split('\n');
            errTail = lines.pop();
            for (const l of lines) process.stderr.write(`[server stderr] ${l}\n`);
        });
        this.transport.stderr.on('end', () => {
            if (errTail) process.stderr.write(`[server stderr] ${errTail}\n`);
            errTail = '';
        });

        this.rec = attachRecorder(this.transport);
        this.transport.onerror = e => {
            this.transportError = this.transportError ?? e;
            log(`transport error: ${e?.message ?? e}`);
        };
        this.transport.onclose = () => { this.closed = true; };
    }

    // Spawns the server now (not inside connect) so --pidfile / --hold-file
    // work before any traffic: writes pidfile, then waits for holdFile.
    async start({ pidfile, holdFile, holdTimeoutS }) {
        const { transport, log } = this;
        await transport.start();
        this.pid = transport.pid;
        log(`server pid ${this.pid}`);
        if (pidfile) writeFileAtomic(pidfile, `${this.pid}\n`);
        if (holdFile) {
            log(`holding until ${holdFile} exists`);
            await waitForFile(holdFile, holdTimeoutS * 1000, () => this.closed);
            log('hold released');
        }
        if (this.closed) {
            fail(`server exited before the scenario started${this.transportError ? `: ${this.transportError.message}` : ''}`);
        }
        // connect() would start() again; the process is already running.
        transport.start = async () => {};
        return this.pid;
    }

    // Connects client (initialize + notifications/initialized) over the
    // started transport. Protocol errors are logged, not fatal.
    async connect(client, timeoutMs) {
        this.client = client;
        client.onerror = e => this.log(`client (protocol) error, non-fatal: ${e?.message ?? e}`);
        this.rec.connected = true; // s2c messages before this point cannot reach the SDK handler
        await client.connect(this.transport, { timeout: timeoutMs });
    }

    // Fails the run if the transport reported an error.
    checkTransportError() {
        if (this.transportError) fail(`transport error during the run: ${this.transportError.message}`);
    }

    // Closes the client (or only the transport if no client was connected),
    // checks the record against the SDK's view and pairs requests with
    // responses, then writes the record to recordFile (if given).
    // Returns the list of problems found.
    async finish(recordFile) {
        if (this.client) {
            try { await this.client.close(); } catch (e) { this.log(`close failed: ${e?.message ?? e}`); }
        } else {
            try { await this.transport.close(); } catch { /* ignore */ }
        }
        const problems = [...verifyRecorder(this.rec), ...verifyPairing(this.rec.entries)];
        if (recordFile) {
            try { writeRecord(recordFile, this.rec.entries); } catch (e) { problems.push(`cannot write record: ${e.message}`); }
        }
        return problems;
    }

    // Number of recorded messages in direction dir ('c2s' or 's2c').
    count(dir) {
        return this.rec.entries.filter(e => e.dir === dir).length;
    }
}

// ---------------------------------------------------------------- end of a run

// Logs the check problems; a run that has not failed yet fails on them.
// Returns the exit code.
export function reportProblems(exitCode, problems, log) {
    if (exitCode === 0 && problems.length) {
        for (const p of problems) log(`FAILED check: ${p}`);
        return 1;
    }
    for (const p of problems) log(`check: ${p}`);
    return exitCode;
}

// The last stderr line of a run.
export function logSummary(log, summary) {
    log(`summary ${JSON.stringify(summary)}`);
}
