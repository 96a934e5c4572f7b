#!/usr/bin/env node
// mcpwarden end-to-end test client built on the official MCP TypeScript SDK
// (@modelcontextprotocol/sdk 1.32.2, Client + StdioClientTransport).
//
// It spawns a reference MCP server over stdio, runs a fixed scenario and
// records every JSON-RPC message it sends and receives, in order, to a JSON
// file:  [{"dir":"c2s"|"s2c","msg":{...}}, ...]
//
// Recording is done on the wire side of the transport: the bytes written to
// the server's stdin and the lines read from its stdout are parsed and stored
// (so key order is exactly what was on the wire). The SDK-level hooks
// (transport.send wrapper, transport.onmessage setter) are used to verify that
// the wire record and what the SDK saw are identical; any mismatch fails the run.
//
// See README.md in this folder for options and the record format.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
    CreateMessageRequestSchema,
    ElicitRequestSchema,
    ListRootsRequestSchema
} from '@modelcontextprotocol/sdk/types.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const E2E_DIR = path.resolve(HERE, '..');
const NODE_MODULES = path.join(E2E_DIR, 'node_modules');

const PACKAGES = {
    filesystem: '@modelcontextprotocol/server-filesystem',
    everything: '@modelcontextprotocol/server-everything'
};

const MAX_BUFFER_SIZE = 64 * 1024 * 1024; // SDK default is 10 MiB; the big read is ~11 MB
const HOLD_POLL_MS = 50;

// ---------------------------------------------------------------- utilities

function log(...args) {
    process.stderr.write(`[sdk_client] ${args.join(' ')}\n`);
}

class Failure extends Error {}

function fail(msg) {
    throw new Failure(msg);
}

function usage(code) {
    const text = `usage: node sdk_client.mjs --scenario filesystem|everything [options]

  --record FILE        write the JSON record of all messages to FILE
  --scenario NAME      filesystem (server-filesystem) or everything (server-everything)
  --launch node|npx    node: node <pkg>/dist/index.js (default)
                       npx:  npx --no-install <pkg> (cwd tests/e2e, no download)
  --root DIR           allowed directory for server-filesystem (default: a fresh temp dir,
                       removed afterwards)
  --pidfile FILE       write the PID of the spawned process (transport.pid) to FILE
  --hold-file FILE     pre-started mode: spawn the server, write --pidfile, then wait
                       (poll 50 ms) until FILE exists before sending anything
  --hold-timeout-s N   give up waiting for --hold-file after N seconds (default 60)
  --big-mb N           size of the big text file read in the filesystem scenario (default 5;
                       0 disables the big read)
  --server-requests    everything scenario: declare roots/sampling/elicitation client
                       capabilities and trigger server->client requests (off by default)
  --timeout-ms N       per-request timeout (default 30000)
  -h, --help           this text
`;
    (code === 0 ? process.stdout : process.stderr).write(text);
    process.exit(code);
}

function parseArgs(argv) {
    const opts = {
        record: null,
        scenario: null,
        launch: 'node',
        root: null,
        pidfile: null,
        holdFile: null,
        holdTimeoutS: 60,
        bigMb: 5,
        readPaths: [],
        serverRequests: false,
        timeoutMs: 30_000
    };
    const needValue = (i, name) => {
        if (i + 1 >= argv.length) {
            process.stderr.write(`missing value for ${name}\n`);
            usage(2);
        }
        return argv[i + 1];
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        switch (a) {
            case '--record': opts.record = needValue(i, a); i++; break;
            case '--scenario': opts.scenario = needValue(i, a); i++; break;
            case '--launch': opts.launch = needValue(i, a); i++; break;
            case '--root': opts.root = needValue(i, a); i++; break;
            case '--pidfile': opts.pidfile = needValue(i, a); i++; break;
            case '--hold-file': opts.holdFile = needValue(i, a); i++; break;
            case '--hold-timeout-s': opts.holdTimeoutS = Number(needValue(i, a)); i++; break;
            case '--big-mb': opts.bigMb = Number(needValue(i, a)); i++; break;
            case '--read-path': opts.readPaths.push(needValue(i, a)); i++; break;
            case '--timeout-ms': opts.timeoutMs = Number(needValue(i, a)); i++; break;
            case '--server-requests': opts.serverRequests = true; break;
            case '-h': case '--help': usage(0); break;
            default:
                process.stderr.write(`unknown argument: ${a}\n`);
                usage(2);
        }
    }
    if (!PACKAGES[opts.scenario]) {
        process.stderr.write(`--scenario must be filesystem or everything\n`);
        usage(2);
    }
    if (opts.launch !== 'node' && opts.launch !== 'npx') {
        process.stderr.write(`--launch must be node or npx\n`);
        usage(2);
    }
    if (!Number.isFinite(opts.bigMb) || opts.bigMb < 0) usage(2);
    if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) usage(2);
    if (!Number.isFinite(opts.holdTimeoutS) || opts.holdTimeoutS <= 0) usage(2);
    return opts;
}

// Deterministic JSON with sorted keys, used only to compare messages.
function canon(v) {
    if (Array.isArray(v)) return '[' + v.map(canon).join(',') + ']';
    if (v && typeof v === 'object') {
        return '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + canon(v[k])).join(',') + '}';
    }
    return JSON.stringify(v);
}

function sleep(ms) {
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

function writeFileAtomic(file, data) {
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
}

function textOf(result) {
    return (result.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('');
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

// ---------------------------------------------------------------- scenarios

async function callTool(client, name, args, opts, extra = {}) {
    const t0 = Date.now();
    const result = await client.callTool({ name, arguments: args }, undefined, { timeout: opts.timeoutMs, ...extra });
    log(`tools/call ${name} -> ${result.isError ? 'isError' : 'ok'} (${Date.now() - t0} ms)`);
    return result;
}

function makeBigText(bytes) {
    // ASCII lines with multi-byte UTF-8 so chunk boundaries land inside sequences.
    const parts = [];
    let size = 0;
    for (let i = 0; size < bytes; i++) {
        // Tabs and quotes are escaped in JSON, so the response line grows a bit more.
        const line = `line ${String(i).padStart(7, '0')}\tmcpwarden "big-file" payload ✓é ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 ✓✓ é\n`;
        parts.push(line);
        size += Buffer.byteLength(line);
    }
    return parts.join('');
}

async function scenarioFilesystem(client, opts, stats) {
    const root = opts.root;
    const tools = await client.listTools(undefined, { timeout: opts.timeoutMs });
    const names = tools.tools.map(t => t.name);
    stats.tools = names;
    for (const n of ['list_directory', 'write_file', 'get_file_info']) {
        if (!names.includes(n)) fail(`server-filesystem has no ${n} tool (tools: ${names.join(', ')})`);
    }
    const readTool = names.includes('read_text_file') ? 'read_text_file' : names.includes('read_file') ? 'read_file' : null;
    if (!readTool) fail(`server-filesystem has no read_text_file/read_file tool`);
    stats.readTool = readTool;

    let r = await callTool(client, 'list_directory', { path: root }, opts);
    if (r.isError) fail(`list_directory failed: ${textOf(r)}`);

    const small = path.join(root, 'hello.txt');
    const smallText = 'hello from the mcpwarden e2e client ✓é\nsecond line\n';
    r = await callTool(client, 'write_file', { path: small, content: smallText }, opts);
    if (r.isError) fail(`write_file failed: ${textOf(r)}`);

    r = await callTool(client, readTool, { path: small }, opts);
    if (r.isError) fail(`${readTool} failed: ${textOf(r)}`);
    if (textOf(r) !== smallText) fail(`${readTool} returned unexpected content: ${JSON.stringify(textOf(r))}`);

    r = await callTool(client, 'get_file_info', { path: small }, opts);
    if (r.isError) fail(`get_file_info failed: ${textOf(r)}`);

    // A tool failure: path outside the allowed directory -> result.isError, not a JSON-RPC error.
    r = await callTool(client, readTool, { path: '/etc/passwd' }, opts);
    if (!r.isError) fail(`reading /etc/passwd outside the allowed dir did not fail`);
    stats.deniedText = textOf(r).slice(0, 120);

    await client.ping({ timeout: opts.timeoutMs });

    // Extra reads asked for on the command line (e.g. through a symlink); must succeed.
    for (const p of opts.readPaths) {
        r = await callTool(client, readTool, { path: p }, opts);
        if (r.isError) fail(`${readTool} of ${p} failed: ${textOf(r)}`);
    }

    if (opts.bigMb > 0) {
        const big = path.join(root, 'big.txt');
        const bigText = stats.bigText;
        const t0 = Date.now();
        r = await callTool(client, readTool, { path: big }, opts);
        if (r.isError) fail(`${readTool} of big file failed: ${textOf(r)}`);
        if (textOf(r) !== bigText) fail(`${readTool} of big file returned different content (${textOf(r).length} chars)`);
        if (r.structuredContent && r.structuredContent.content !== bigText) {
            fail(`structuredContent of big read differs from the file`);
        }
        stats.bigReadMs = Date.now() - t0;
        // Traffic after the big line checks that framing resynchronises.
        await client.ping({ timeout: opts.timeoutMs });
    }
}

async function scenarioEverything(client, opts, stats) {
    const tools = await client.listTools(undefined, { timeout: opts.timeoutMs });
    const names = tools.tools.map(t => t.name);
    stats.tools = names;

    const pick = (...cands) => cands.find(c => names.includes(c));

    if (!names.includes('echo')) fail(`server-everything has no echo tool (tools: ${names.join(', ')})`);
    let r = await callTool(client, 'echo', { message: 'hello mcpwarden ✓é' }, opts);
    if (r.isError || !textOf(r).includes('hello mcpwarden ✓é')) fail(`echo failed: ${textOf(r)}`);

    const sumTool = pick('get-sum', 'add');
    if (!sumTool) fail(`server-everything has no get-sum/add tool`);
    r = await callTool(client, sumTool, { a: 2, b: 40 }, opts);
    if (r.isError || !textOf(r).includes('42')) fail(`${sumTool} failed: ${textOf(r)}`);

    const longTool = pick('trigger-long-running-operation', 'longRunningOperation');
    stats.progress = 0;
    if (longTool) {
        // SDK 1.32.2 quirk: a progress notification that arrives in the same read as the
        // final result reaches the SDK after the handler is gone ("unknown token"), so
        // onprogress may see fewer than the wire carries. The wire count is checked in main().
        r = await callTool(client, longTool, { duration: 1, steps: 4 }, opts, {
            onprogress: () => { stats.progress++; }
        });
        if (r.isError) fail(`${longTool} failed: ${textOf(r)}`);
        stats.expectProgress = true;
    } else {
        log('no long-running tool found; skipping progress step');
    }

    const resources = await client.listResources(undefined, { timeout: opts.timeoutMs });
    if (!resources.resources.length) fail('resources/list returned nothing');
    const uri = resources.resources[0].uri;
    const rr = await client.readResource({ uri }, { timeout: opts.timeoutMs });
    if (!rr.contents?.length) fail(`resources/read ${uri} returned no contents`);
    stats.resource = uri;

    const prompts = await client.listPrompts(undefined, { timeout: opts.timeoutMs });
    stats.prompts = prompts.prompts.map(p => p.name);

    await client.ping({ timeout: opts.timeoutMs });

    if (opts.serverRequests) {
        // Each of these makes the server send a request to the client (own id space).
        const want = ['get-roots-list', 'trigger-sampling-request', 'trigger-elicitation-request'];
        for (const t of want) {
            if (!names.includes(t)) fail(`--server-requests: tool ${t} not offered (tools: ${names.join(', ')})`);
        }
        r = await callTool(client, 'get-roots-list', {}, opts);
        if (r.isError) fail(`get-roots-list failed: ${textOf(r)}`);
        r = await callTool(client, 'trigger-sampling-request', { prompt: 'say hi', maxTokens: 20 }, opts);
        if (r.isError) fail(`trigger-sampling-request failed: ${textOf(r)}`);
        r = await callTool(client, 'trigger-elicitation-request', {}, opts);
        if (r.isError) fail(`trigger-elicitation-request failed: ${textOf(r)}`);
    }
}

// ---------------------------------------------------------------- main

function serverCommand(opts) {
    const pkg = PACKAGES[opts.scenario];
    const serverArgs = opts.scenario === 'filesystem' ? [opts.root] : ['stdio'];
    if (opts.launch === 'node') {
        const entry = path.join(NODE_MODULES, pkg, 'dist', 'index.js');
        if (!fs.existsSync(entry)) fail(`${entry} not found; run tests/e2e/install.sh first`);
        return { command: process.execPath, args: [entry, ...serverArgs], cwd: E2E_DIR };
    }
    if (!fs.existsSync(path.join(NODE_MODULES, pkg, 'package.json'))) {
        fail(`${pkg} is not installed in ${NODE_MODULES}; run tests/e2e/install.sh first`);
    }
    return { command: 'npx', args: ['--no-install', pkg, ...serverArgs], cwd: E2E_DIR };
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const t0 = Date.now();
    const stats = {};
    let tempRoot = null;
    let rec = null;
    let transport = null;
    let client = null;
    let problems = [];
    let exitCode = 0;

    try {
        if (opts.scenario === 'filesystem') {
            if (!opts.root) {
                tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpwarden-e2e-'));
                opts.root = tempRoot;
            }
            if (!fs.statSync(opts.root, { throwIfNoEntry: false })?.isDirectory()) {
                fail(`--root ${opts.root} is not a directory`);
            }
            opts.root = fs.realpathSync(path.resolve(opts.root));
            if (opts.bigMb > 0) {
                stats.bigText = makeBigText(Math.round(opts.bigMb * 1024 * 1024));
                fs.writeFileSync(path.join(opts.root, 'big.txt'), stats.bigText);
            }
        }

        const { command, args, cwd } = serverCommand(opts);
        log(`spawning: ${command} ${args.join(' ')} (cwd ${cwd})`);
        transport = new StdioClientTransport({
            command,
            args,
            cwd,
            // npm must not try the network or print notices on the npx path.
            env: { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
            stderr: 'pipe',
            maxBufferSize: MAX_BUFFER_SIZE
        });
        // Forward server stderr, prefixed, so it is never confused with our own output.
        let errTail = '';
        transport.stderr.on('data', chunk => {
            const s = errTail + chunk.toString('utf8');
            const lines = s.split('\n');
            errTail = lines.pop();
            for (const l of lines) process.stderr.write(`[server stderr] ${l}\n`);
        });
        transport.stderr.on('end', () => {
            if (errTail) process.stderr.write(`[server stderr] ${errTail}\n`);
            errTail = '';
        });

        rec = attachRecorder(transport);
        let transportError = null;
        let closed = false;
        transport.onerror = e => {
            transportError = transportError ?? e;
            log(`transport error: ${e?.message ?? e}`);
        };
        transport.onclose = () => { closed = true; };

        // Spawn now (not inside connect) so --pidfile / --hold-file work before any traffic.
        await transport.start();
        const pid = transport.pid;
        stats.pid = pid;
        log(`server pid ${pid}`);
        if (opts.pidfile) writeFileAtomic(opts.pidfile, `${pid}\n`);
        if (opts.holdFile) {
            log(`holding until ${opts.holdFile} exists`);
            await waitForFile(opts.holdFile, opts.holdTimeoutS * 1000, () => closed);
            log('hold released');
        }
        if (closed) fail(`server exited before the scenario started${transportError ? `: ${transportError.message}` : ''}`);
        // connect() would start() again; the process is already running.
        transport.start = async () => {};

        const capabilities = {};
        if (opts.serverRequests) {
            capabilities.roots = { listChanged: false };
            capabilities.sampling = {};
            capabilities.elicitation = { form: {} };
        }
        client = new Client({ name: 'mcpwarden-e2e-sdk-client', version: '1.0.0' }, { capabilities });
        stats.serverRequests = {};
        const countReq = m => { stats.serverRequests[m] = (stats.serverRequests[m] ?? 0) + 1; };
        if (opts.serverRequests) {
            client.setRequestHandler(ListRootsRequestSchema, async () => {
                countReq('roots/list');
                return { roots: [{ uri: `file://${os.tmpdir()}/mcpwarden-e2e-root`, name: 'mcpwarden e2e root' }] };
            });
            client.setRequestHandler(CreateMessageRequestSchema, async () => {
                countReq('sampling/createMessage');
                return {
                    role: 'assistant',
                    content: { type: 'text', text: 'canned sampling reply from the mcpwarden e2e client' },
                    model: 'mcpwarden-e2e-fake-model',
                    stopReason: 'endTurn'
                };
            });
            client.setRequestHandler(ElicitRequestSchema, async () => {
                countReq('elicitation/create');
                return { action: 'accept', content: { name: 'Test User', email: 'test.user@example.invalid' } };
            });
        }

        client.onerror = e => log(`client (protocol) error, non-fatal: ${e?.message ?? e}`);
        rec.connected = true; // s2c messages before this point cannot reach the SDK handler
        const tc = Date.now();
        await client.connect(transport, { timeout: opts.timeoutMs });
        const sv = client.getServerVersion();
        log(`initialized with ${sv?.name} ${sv?.version} in ${Date.now() - tc} ms`);

        if (opts.scenario === 'filesystem') await scenarioFilesystem(client, opts, stats);
        else await scenarioEverything(client, opts, stats);

        // Let late notifications (e.g. logging) drain a moment before closing.
        await sleep(100);
        stats.progressOnWire = rec.entries.filter(e => e.dir === 's2c' && e.msg.method === 'notifications/progress').length;
        if (stats.expectProgress && stats.progressOnWire === 0) fail('no notifications/progress on the wire');
        if (opts.scenario === 'filesystem' && opts.bigMb > 0 && rec.maxS2CLineBytes < opts.bigMb * 1024 * 1024 * 2) {
            fail(`largest server line is only ${rec.maxS2CLineBytes} bytes; expected the big read to be about twice the file size`);
        }
        if (transportError) fail(`transport error during the run: ${transportError.message}`);
    } catch (e) {
        exitCode = 1;
        log(`FAILED: ${e instanceof Failure ? e.message : e?.stack ?? e}`);
    } finally {
        if (client) {
            try { await client.close(); } catch (e) { log(`close failed: ${e?.message ?? e}`); }
        } else if (transport) {
            try { await transport.close(); } catch { /* ignore */ }
        }
        if (rec) {
            problems = [...verifyRecorder(rec), ...verifyPairing(rec.entries)];
            if (opts.record) {
                try { writeRecord(opts.record, rec.entries); } catch (e) { problems.push(`cannot write record: ${e.message}`); }
            }
        }
        if (tempRoot) fs.rmSync(tempRoot, { recursive: true, force: true });
    }

    if (exitCode === 0 && problems.length) {
        exitCode = 1;
        for (const p of problems) log(`FAILED check: ${p}`);
    } else if (problems.length) {
        for (const p of problems) log(`check: ${p}`);
    }
    if (rec) {
        const c2s = rec.entries.filter(e => e.dir === 'c2s').length;
        const s2c = rec.entries.filter(e => e.dir === 's2c').length;
        const summary = {
            ok: exitCode === 0,
            scenario: opts.scenario,
            launch: opts.launch,
            pid: stats.pid,
            messages: rec.entries.length,
            c2s,
            s2c,
            maxS2CLineBytes: rec.maxS2CLineBytes,
            maxC2SLineBytes: rec.maxC2SLineBytes,
            tools: stats.tools,
            readTool: stats.readTool,
            ...(opts.scenario === 'everything'
                ? { progressNotificationsOnWire: stats.progressOnWire, progressNotificationsSeenBySdk: stats.progress }
                : {}),
            serverRequests: stats.serverRequests,
            elapsedMs: Date.now() - t0
        };
        log(`summary ${JSON.stringify(summary)}`);
    }
    process.exitCode = exitCode;
}

await main();
