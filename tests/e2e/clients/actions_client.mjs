#!/usr/bin/env node
// mcpwarden end-to-end driver for servers/actions_server.mjs, built on the
// official MCP TypeScript SDK (Client + StdioClientTransport).
//
// It spawns the actions server, runs a scenario of tools/call requests that
// make the server exec, open/rename/unlink/mkdir files and connect/bind/
// listen/accept sockets, records every JSON-RPC message exactly like
// sdk_client.mjs does (wire-side record, checked against the SDK's view; the
// spawning, recording and checks are in common.mjs, shared by both), and
// writes a JSON summary listing, per tool call, the request id and the
// concrete side effects it asked for (paths, resolved symlink targets, pids,
// ports), so a test can match them against what mcpwarden observed.
//
// See README.md in this folder ("actions_client.mjs") for options and formats.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {
    E2E_DIR, ServerSession, USAGE_HOLD, canon, checkCommonOptions, commonDefaults, fail,
    failureText, logSummary, makeLog, parseOptions, reportProblems, sleep, textOf, usageExit,
    writeFileAtomic
} from './common.mjs';

const SERVER_SCRIPT = path.join(E2E_DIR, 'servers', 'actions_server.mjs');
const SCENARIOS = ['sequence', 'concurrent'];
const SOCKET_TIMEOUT_MS = 2000;

const log = makeLog('actions_client');

// ---------------------------------------------------------------- options

function usage(code) {
    usageExit(`usage: node actions_client.mjs --scenario sequence|concurrent [options]

  --scenario NAME      sequence: one call of each kind, in order
                       concurrent: two overlapping slow_open calls, then sleep(50);
                       the server opens a startup marker file before reading stdin
  --root DIR           work dir for the files and the unix socket (created if needed,
                       kept); default: a fresh temp dir, removed afterwards
  --record FILE        write the JSON record of all messages to FILE
  --summary FILE       write the JSON summary (calls, ids, side effects) to FILE
  --pidfile FILE       write the PID of the server process to FILE
${USAGE_HOLD}  --startup-file FILE  concurrent: marker file the server opens at startup
                       (default ROOT/startup-marker.txt, created by the client);
                       sequence: none unless given
  --link-target FILE   file outside ROOT that ROOT/link points to
                       (default /etc/hostname, or /etc/passwd if that is missing)
  --delay-ms N         concurrent: delay_ms of both slow_open calls (default 300)
`, code);
}

// --scenario, --record, --root, --pidfile, --hold-file, --hold-timeout-s and
// --timeout-ms are parsed by common.mjs (commonDefaults, parseOptions).
function parseArgs(argv) {
    const opts = parseOptions(argv, {
        ...commonDefaults(),
        summary: null,
        startupFile: null,
        linkTarget: null,
        delayMs: 300
    }, {
        valueOptions: {
            '--summary': (o, v) => { o.summary = v; },
            '--startup-file': (o, v) => { o.startupFile = v; },
            '--link-target': (o, v) => { o.linkTarget = v; },
            '--delay-ms': (o, v) => { o.delayMs = Number(v); }
        },
        usage
    });
    if (!SCENARIOS.includes(opts.scenario)) {
        process.stderr.write(`--scenario must be one of ${SCENARIOS.join(', ')}\n`);
        usage(2);
    }
    if (!Number.isInteger(opts.delayMs) || opts.delayMs < 0) usage(2);
    checkCommonOptions(opts, usage);
    return opts;
}

// ---------------------------------------------------------------- client-side sockets

// A listener (TCP on 127.0.0.1:0, or unix at path) that answers the first line
// of each connection with "pong\n" and records the peer.
async function startPongListener(listenOpts) {
    const accepted = [];
    const sockets = new Set();
    const server = net.createServer(sock => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
        const peer = { remoteAddress: sock.remoteAddress ?? null, remotePort: sock.remotePort ?? null, received: null };
        accepted.push(peer);
        let buf = '';
        sock.setTimeout(SOCKET_TIMEOUT_MS, () => sock.destroy());
        sock.on('data', d => {
            buf += d.toString('utf8');
            const i = buf.indexOf('\n');
            if (i !== -1 && peer.received === null) {
                peer.received = buf.slice(0, i);
                sock.end('pong\n');
            }
        });
        sock.on('end', () => sock.end());
        sock.on('error', () => {});
    });
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(listenOpts, () => { server.off('error', reject); resolve(); });
    });
    return {
        server,
        accepted,
        address: server.address(),
        close: () => new Promise(resolve => {
            for (const s of sockets) s.destroy();
            server.close(() => resolve());
        })
    };
}

// Connects from the client, sends "ping\n", waits for a reply line.
function pingFromClient(host, port) {
    return new Promise(resolve => {
        const sock = net.connect({ host, port });
        let buf = '';
        let localPort = null;
        let done = false;
        const finish = (outcome, error = null) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            sock.destroy();
            resolve({ outcome, localAddress: host, localPort, reply: buf.split('\n')[0], error });
        };
        const timer = setTimeout(() => finish('timeout'), SOCKET_TIMEOUT_MS);
        sock.on('connect', () => { localPort = sock.localPort; sock.write('ping\n'); });
        sock.on('data', d => { buf += d.toString('utf8'); if (buf.includes('\n')) finish('reply'); });
        sock.on('end', () => finish('closed'));
        sock.on('error', e => finish('error', e.message));
    });
}

// ---------------------------------------------------------------- tool calls

// Runs one tools/call, finds its JSON-RPC id in the record (by tool name and
// arguments, which are unique per call in these scenarios) and adds an entry
// to ctx.calls. effectsFn(result) returns the side effects it asked for.
async function call(ctx, tool, args, effectsFn, { expectError = false, onprogress } = {}) {
    const t0 = Date.now();
    const r = await ctx.client.callTool({ name: tool, arguments: args }, undefined, {
        timeout: ctx.opts.timeoutMs,
        ...(onprogress ? { onprogress } : {})
    });
    const text = textOf(r);
    let result;
    try {
        result = JSON.parse(text);
    } catch {
        fail(`${tool}: result text is not JSON: ${text.slice(0, 200)}`);
    }
    const isError = r.isError === true;
    log(`tools/call ${tool} -> ${isError ? 'isError' : 'ok'} (${Date.now() - t0} ms)`);
    if (isError !== expectError) {
        fail(`${tool} ${JSON.stringify(args)}: expected ${expectError ? 'isError' : 'success'}, got ${text.slice(0, 300)}`);
    }
    const key = canon(args);
    const reqIndex = ctx.rec.entries.findIndex((e, i) => e.dir === 'c2s' && e.msg.method === 'tools/call' &&
        e.msg.params?.name === tool && canon(e.msg.params?.arguments ?? {}) === key && !ctx.claimed.has(i));
    if (reqIndex === -1) fail(`${tool}: request not found in the record`);
    ctx.claimed.add(reqIndex);
    const id = ctx.rec.entries[reqIndex].msg.id;
    const respIndex = ctx.rec.entries.findIndex(e => e.dir === 's2c' && e.msg.method === undefined &&
        JSON.stringify(e.msg.id) === JSON.stringify(id) && ('result' in e.msg || 'error' in e.msg));
    const entry = {
        seq: null, // set by pushCall
        id,
        tool,
        arguments: args,
        requestIndex: reqIndex,
        responseIndex: respIndex,
        isError,
        effects: effectsFn(result),
        result
    };
    return entry;
}

function pushCall(ctx, entry) {
    entry.seq = ctx.calls.length + 1;
    ctx.calls.push(entry);
    return entry;
}

function openEffect(result, extra = {}) {
    const e = { op: 'open', path: result.path, resolved: result.resolved ?? null, flags: result.flags, ok: result.ok };
    if (!result.ok) Object.assign(e, { errno: result.errno, code: result.code });
    return { ...e, ...extra };
}

function execEffect(result) {
    return { op: 'exec', filename: result.argv[0], argv: result.argv, pid: result.pid, exitCode: result.exitCode };
}

// ---------------------------------------------------------------- scenarios

function defaultLinkTarget() {
    for (const f of ['/etc/hostname', '/etc/passwd']) {
        try {
            fs.accessSync(f, fs.constants.R_OK);
            if (fs.lstatSync(f).isFile()) return f;
        } catch { /* next */ }
    }
    fail('no readable /etc/hostname or /etc/passwd for the symlink target; use --link-target');
}

async function scenarioSequence(ctx) {
    const { root } = ctx;
    const existing = path.join(root, 'existing.txt');
    const link = path.join(root, 'link');
    const linkTarget = path.resolve(ctx.opts.linkTarget ?? defaultLinkTarget());
    const linkResolved = fs.realpathSync(linkTarget);
    if (linkResolved === root || linkResolved.startsWith(root + path.sep)) fail(`--link-target ${linkTarget} is inside ${root}`);
    const missing = path.join(root, 'missing.txt');
    const opened = path.join(root, 'opened.txt');
    const out = path.join(root, 'out.txt');
    const doomed = path.join(root, 'doomed.txt');
    const newdir = path.join(root, 'newdir');
    const unixPath = path.join(root, 'client.sock');

    // Fresh state (these are the client's own syscalls, not the server's).
    for (const f of [link, missing, opened, out, `${out}.tmp`, unixPath]) fs.rmSync(f, { force: true });
    fs.rmSync(newdir, { recursive: true, force: true });
    fs.writeFileSync(existing, 'existing file for mcpwarden e2e\n');
    fs.writeFileSync(doomed, 'to be unlinked\n');
    fs.symlinkSync(linkTarget, link);
    ctx.prepared = { existing, link: { path: link, target: linkTarget, resolved: linkResolved }, doomed };

    const tcp = await startPongListener({ host: '127.0.0.1', port: 0 });
    const unix = await startPongListener({ path: unixPath });
    ctx.cleanups.push(() => tcp.close(), () => unix.close());
    ctx.clientListeners = {
        tcp: { address: tcp.address.address, port: tcp.address.port, accepted: tcp.accepted },
        unix: { path: unixPath, accepted: unix.accepted }
    };

    let c;
    c = pushCall(ctx, await call(ctx, 'open_file', { path: existing, mode: 'read' }, r => [openEffect(r)]));
    if (c.result.resolved !== existing) fail(`open_file ${existing} resolved to ${c.result.resolved}`);

    c = pushCall(ctx, await call(ctx, 'open_file', { path: link, mode: 'read' },
        r => [openEffect(r, { via_symlink: link, symlink_target: linkTarget })]));
    if (c.result.resolved !== linkResolved) fail(`open_file ${link} resolved to ${c.result.resolved}, expected ${linkResolved}`);

    c = pushCall(ctx, await call(ctx, 'open_file', { path: missing, mode: 'read' }, r => [openEffect(r)], { expectError: true }));
    if (c.result.code !== 'ENOENT') fail(`open_file ${missing}: expected ENOENT, got ${c.result.code}`);

    pushCall(ctx, await call(ctx, 'open_file', { path: opened, mode: 'write' }, r => [openEffect(r, { creates: true })]));
    pushCall(ctx, await call(ctx, 'open_file', { path: opened, mode: 'append' }, r => [openEffect(r)]));

    const text = 'written via tmp + rename\n';
    pushCall(ctx, await call(ctx, 'write_via_rename', { path: out, text }, r => [
        { op: 'open', path: r.tmp, resolved: r.tmp, flags: 'w', creates: true, ok: true },
        { op: 'rename', from: r.tmp, to: r.path }
    ]));
    if (fs.readFileSync(out, 'utf8') !== text || fs.existsSync(`${out}.tmp`)) fail('write_via_rename left the wrong files');

    pushCall(ctx, await call(ctx, 'unlink', { path: doomed }, r => [{ op: 'unlink', path: r.path }]));
    if (fs.existsSync(doomed)) fail(`${doomed} still exists after unlink`);

    pushCall(ctx, await call(ctx, 'mkdir', { path: newdir }, r => [{ op: 'mkdir', path: r.path }]));
    if (!fs.statSync(newdir).isDirectory()) fail(`${newdir} is not a directory after mkdir`);

    c = pushCall(ctx, await call(ctx, 'spawn', { argv: ['/bin/echo', 'hello'] }, r => [execEffect(r)]));
    if (c.result.stdout !== 'hello\n' || !(c.result.pid > 0)) fail(`spawn echo: ${JSON.stringify(c.result)}`);

    c = pushCall(ctx, await call(ctx, 'shell', { command: 'echo $((1+2))' }, r => [execEffect(r)]));
    if (c.result.stdout !== '3\n' || !(c.result.pid > 0)) fail(`shell: ${JSON.stringify(c.result)}`);

    c = pushCall(ctx, await call(ctx, 'connect', { host: '127.0.0.1', port: tcp.address.port }, r => [
        { op: 'connect', family: 'inet', address: r.host, port: r.port, localAddress: r.localAddress, localPort: r.localPort }
    ]));
    if (c.result.reply !== 'pong') fail(`connect: ${JSON.stringify(c.result)}`);
    if (!tcp.accepted.some(p => p.remotePort === c.result.localPort)) fail('connect: client listener saw no peer with the server\'s local port');

    c = pushCall(ctx, await call(ctx, 'connect_unix', { path: unixPath }, r => [{ op: 'connect', family: 'unix', path: r.path }]));
    if (c.result.reply !== 'pong' || unix.accepted.length !== 1) fail(`connect_unix: ${JSON.stringify(c.result)}`);

    c = pushCall(ctx, await call(ctx, 'listen', { host: '127.0.0.1', port: 0 }, r => [
        // The bind(2) call itself carries port 0; the kernel picks `port`.
        { op: 'bind', family: 'inet', address: r.address, port: r.port, requestedPort: r.requestedPort },
        { op: 'listen', family: 'inet', address: r.address, port: r.port }
    ]));
    const lport = c.result.port;
    if (!(lport > 0) || c.result.address !== '127.0.0.1') fail(`listen: ${JSON.stringify(c.result)}`);

    // accept_one sends a progress notification once it waits; only then does the
    // client connect, so the accept happens while accept_one is in flight.
    let clientConn = null;
    c = pushCall(ctx, await call(ctx, 'accept_one', { port: lport, timeout_ms: 3000 }, r => [
        { op: 'accept', family: 'inet', address: '127.0.0.1', port: r.port, peerAddress: r.remoteAddress, peerPort: r.remotePort }
    ], { onprogress: () => { clientConn = clientConn ?? pingFromClient('127.0.0.1', lport); } }));
    if (!clientConn) fail('accept_one: no progress notification arrived, client never connected');
    const cc = await clientConn;
    if (cc.reply !== 'pong' || cc.localPort !== c.result.remotePort || c.result.received !== 'ping') {
        fail(`accept_one: server saw ${JSON.stringify(c.result)}, client saw ${JSON.stringify(cc)}`);
    }
    c.clientConnection = cc;

    c = pushCall(ctx, await call(ctx, 'close_listener', { port: lport }, () => []));
    if (c.result.accepted.length !== 1) fail(`close_listener: ${JSON.stringify(c.result)}`);

    await ctx.cleanups.splice(0).reduce((p, f) => p.then(f), Promise.resolve());
}

async function scenarioConcurrent(ctx) {
    const { root, opts } = ctx;
    const fileA = path.join(root, 'a.txt');
    const fileB = path.join(root, 'b.txt');
    fs.writeFileSync(fileA, 'file A\n');
    fs.writeFileSync(fileB, 'file B\n');
    ctx.prepared = { fileA, fileB };

    const argsA = { path: fileA, delay_ms: opts.delayMs };
    const argsB = { path: fileB, delay_ms: opts.delayMs };
    const eff = r => [openEffect(r, { openedAt: r.openedAt })];
    // Both requests go out before either is answered (A is sent first).
    const [a, b] = await Promise.all([call(ctx, 'slow_open', argsA, eff), call(ctx, 'slow_open', argsB, eff)]);
    pushCall(ctx, a);
    pushCall(ctx, b);

    // Overlap checks: on the wire and in the server's own timestamps.
    const firstResp = Math.min(a.responseIndex, b.responseIndex);
    const bothSent = Math.max(a.requestIndex, b.requestIndex) < firstResp;
    const opensBeforeFirstReturn = Math.max(a.result.openedAt, b.result.openedAt) < Math.min(a.result.returnedAt, b.result.returnedAt);
    ctx.checks.bothRequestsBeforeFirstResponse = bothSent;
    ctx.checks.bothOpensBeforeFirstReturn = opensBeforeFirstReturn;
    ctx.checks.openGapMs = Number(Math.abs(a.result.openedAt - b.result.openedAt).toFixed(3));
    if (!bothSent) fail('slow_open requests were not both sent before the first response');
    if (!opensBeforeFirstReturn) fail('slow_open opens did not both happen while both calls were in flight');

    pushCall(ctx, await call(ctx, 'sleep', { ms: 50 }, () => []));
}

// ---------------------------------------------------------------- main

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const t0 = Date.now();
    let tempRoot = null;
    let session = null;
    let problems = [];
    let exitCode = 0;
    let error = null;
    const ctx = { opts, calls: [], claimed: new Set(), checks: {}, cleanups: [], outsideCalls: [] };

    try {
        if (!fs.existsSync(SERVER_SCRIPT)) fail(`${SERVER_SCRIPT} not found`);
        if (opts.root) {
            fs.mkdirSync(opts.root, { recursive: true });
        } else {
            tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpwarden-actions-'));
            opts.root = tempRoot;
        }
        ctx.root = fs.realpathSync(path.resolve(opts.root));

        let startupFile = opts.startupFile;
        if (!startupFile && opts.scenario === 'concurrent') startupFile = path.join(ctx.root, 'startup-marker.txt');
        if (startupFile) {
            startupFile = path.resolve(startupFile);
            if (!fs.existsSync(startupFile)) fs.writeFileSync(startupFile, 'startup marker\n');
            ctx.startupFile = startupFile;
            ctx.outsideCalls.push({ op: 'open', path: startupFile, resolved: fs.realpathSync(startupFile), flags: 'r', when: 'server startup (after the --hold-file appears, if given), before stdin is read' });
        }

        const command = process.execPath;
        const args = [SERVER_SCRIPT];
        ctx.serverCommand = [command, ...args];
        session = new ServerSession({
            command,
            args,
            cwd: E2E_DIR,
            // With --hold-file the server also waits for it before its startup open
            // and before reading stdin, so a monitor attached meanwhile sees both.
            env: {
                ...(startupFile ? { MCP_ACTIONS_STARTUP_FILE: startupFile } : {}),
                ...(opts.holdFile ? { MCP_ACTIONS_HOLD_FILE: path.resolve(opts.holdFile) } : {})
            },
            log
        });
        ctx.rec = session.rec;
        await session.start(opts);

        const client = new Client({ name: 'mcpwarden-e2e-actions-client', version: '1.0.0' }, { capabilities: {} });
        ctx.client = client;
        await session.connect(client, opts.timeoutMs);
        const tools = await client.listTools(undefined, { timeout: opts.timeoutMs });
        ctx.tools = tools.tools.map(t => t.name);

        if (opts.scenario === 'sequence') await scenarioSequence(ctx);
        else await scenarioConcurrent(ctx);

        await sleep(50);
        session.checkTransportError();
    } catch (e) {
        exitCode = 1;
        error = failureText(e);
        log(`FAILED: ${error}`);
    } finally {
        for (const f of ctx.cleanups.splice(0)) {
            try { await f(); } catch { /* ignore */ }
        }
        if (session) problems = await session.finish(opts.record);
    }

    exitCode = reportProblems(exitCode, problems, log);

    const summary = {
        ok: exitCode === 0,
        scenario: opts.scenario,
        root: ctx.root ?? null,
        rootRemoved: tempRoot !== null,
        serverPid: session?.pid ?? null,
        serverCommand: ctx.serverCommand ?? null,
        startupFile: ctx.startupFile ?? null,
        record: opts.record ?? null,
        tools: ctx.tools ?? null,
        prepared: ctx.prepared ?? null,
        clientListeners: ctx.clientListeners ?? null,
        outsideCalls: ctx.outsideCalls,
        calls: ctx.calls,
        checks: ctx.checks,
        messages: session ? session.rec.entries.length : 0,
        problems,
        error,
        elapsedMs: Date.now() - t0
    };
    if (opts.summary) {
        try {
            writeFileAtomic(opts.summary, JSON.stringify(summary, null, 1) + '\n');
        } catch (e) {
            log(`cannot write summary: ${e.message}`);
            exitCode = 1;
        }
    }
    if (tempRoot) fs.rmSync(tempRoot, { recursive: true, force: true });
    logSummary(log, {
        ok: exitCode === 0,
        scenario: opts.scenario,
        pid: summary.serverPid,
        messages: summary.messages,
        calls: ctx.calls.map(c => `${c.id}:${c.tool}`),
        elapsedMs: summary.elapsedMs
    });
    process.exitCode = exitCode;
}

await main();
