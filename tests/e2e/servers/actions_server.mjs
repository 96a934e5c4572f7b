#!/usr/bin/env node
// mcpwarden end-to-end fixture: an MCP server (stdio) whose tools perform
// exec, file and socket actions deterministically, so tests can check that
// mcpwarden attributes each action to the tools/call that caused it.
//
// Built on the official SDK (@modelcontextprotocol/sdk, low-level Server +
// StdioServerTransport). No other dependency. Every tool result is a normal
// MCP result whose single text content is a JSON object describing exactly
// what was done (paths, fds, resolved paths, pids, ports, timestamps).
// Failures (ENOENT, ECONNREFUSED, bad arguments...) become isError results;
// the server never crashes on a tool error.
//
// Environment:
//   MCP_ACTIONS_STARTUP_FILE  if set, this file is opened read-only (and closed)
//                             at startup, before stdin is read at all: a file
//                             open outside any tools/call.
//   MCP_ACTIONS_HOLD_FILE     if set, the server polls (50 ms) until this file
//                             exists before that startup open and before it
//                             starts reading stdin, so a monitor attached to the
//                             pre-started process sees the startup open.
//
// node:dns is imported up front on purpose: loading it initialises c-ares,
// which opens /etc/resolv.conf, /etc/nsswitch.conf, /etc/netsvc.conf and
// /etc/svc.conf. net.Server.listen({host}) loads it lazily, so without this
// import those four opens would land inside the first `listen` call.
//
// The server exits when its stdin ends (the client closed it), closing any
// listeners still open. See ../clients/README.md ("actions_client.mjs").

import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { exec as cpExec, spawn as cpSpawn } from 'node:child_process';
import 'node:dns'; // see above: c-ares init opens happen at load time, not in `listen`
import fs from 'node:fs';
import net from 'node:net';
import process from 'node:process';

const NAME = 'mcpwarden-e2e-actions-server';
const VERSION = '1.0.0';
const CONNECT_TIMEOUT_MS = 2000;
const READ_BYTES = 64;

// The client may vanish (SIGKILL): EPIPE on stdout/stderr must not crash us.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

function log(msg) {
    try {
        process.stderr.write(`[actions_server] ${msg}\n`);
    } catch { /* ignore */ }
}

// Wall-clock time in ms with sub-ms precision (for overlap checks in tests).
function nowMs() {
    return Number((performance.timeOrigin + performance.now()).toFixed(3));
}

function sleep(ms) {
    return new Promise(r => setTimeout(r, ms));
}

class ArgError extends Error {}

function okResult(obj) {
    return { content: [{ type: 'text', text: JSON.stringify(obj) }] };
}

function errResult(obj) {
    return { content: [{ type: 'text', text: JSON.stringify(obj) }], isError: true };
}

function errInfo(e) {
    return { error: e?.message ?? String(e), code: e?.code ?? null, errno: e?.errno ?? null, syscall: e?.syscall ?? null };
}

// Path the kernel actually opened (symlinks resolved), read while fd is open.
function fdPath(fd) {
    try {
        return fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
        return null;
    }
}

// ------------------------------------------------------------ argument checks

function str(args, key, { optional = false } = {}) {
    const v = args?.[key];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string' || v === '') throw new ArgError(`argument "${key}" must be a non-empty string`);
    return v;
}

function num(args, key, { optional = false, min = 0, max = Number.MAX_SAFE_INTEGER, dflt } = {}) {
    const v = args?.[key];
    if (v === undefined && optional) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        throw new ArgError(`argument "${key}" must be an integer in [${min}, ${max}]`);
    }
    return v;
}

function strArray(args, key) {
    const v = args?.[key];
    if (!Array.isArray(v) || v.length === 0 || !v.every(s => typeof s === 'string')) {
        throw new ArgError(`argument "${key}" must be a non-empty array of strings`);
    }
    return v;
}

// ------------------------------------------------------------ process helpers

// Runs argv without a shell; resolves when the child has exited and its stdio closed.
function runChild(argv, timeoutMs) {
    return new Promise(resolve => {
        const t0 = nowMs();
        let child;
        try {
            // stdin is a pipe closed at once (not 'ignore', which makes the child
            // open /dev/null between fork and exec).
            child = cpSpawn(argv[0], argv.slice(1), { shell: false, stdio: ['pipe', 'pipe', 'pipe'] });
        } catch (e) {
            resolve({ ok: false, argv, ...errInfo(e) });
            return;
        }
        const out = [];
        const err = [];
        let spawnError = null;
        let timedOut = false;
        child.stdin.on('error', () => {});
        child.stdin.end();
        child.stdout.on('data', c => out.push(c));
        child.stderr.on('data', c => err.push(c));
        child.on('error', e => { spawnError = e; });
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
        }, timeoutMs);
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            const res = {
                ok: !spawnError && code === 0,
                argv,
                pid: child.pid ?? null,
                exitCode: code,
                signal,
                timedOut,
                stdout: Buffer.concat(out).toString('utf8'),
                stderr: Buffer.concat(err).toString('utf8'),
                startedAt: t0,
                endedAt: nowMs()
            };
            if (spawnError) Object.assign(res, errInfo(spawnError));
            resolve(res);
        });
    });
}

// ------------------------------------------------------------ socket helpers

// Connects, sends "ping\n", waits for one reply line, close or timeout.
function pingOver(connectOpts, describe) {
    return new Promise(resolve => {
        const t0 = nowMs();
        const sock = net.connect(connectOpts);
        let buf = '';
        let connected = false;
        let local = null;
        let done = false;
        const finish = (outcome, extra = {}) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            sock.destroy();
            resolve({
                ...describe,
                outcome,
                connected,
                ...(local ?? {}),
                reply: buf.split('\n')[0],
                startedAt: t0,
                endedAt: nowMs(),
                ...extra
            });
        };
        const timer = setTimeout(() => finish('timeout'), CONNECT_TIMEOUT_MS);
        sock.on('connect', () => {
            connected = true;
            if (sock.localPort !== undefined) {
                local = { localAddress: sock.localAddress, localPort: sock.localPort };
            }
            sock.write('ping\n');
        });
        sock.on('data', d => {
            buf += d.toString('utf8');
            if (buf.includes('\n')) finish('reply');
        });
        sock.on('end', () => finish('closed'));
        sock.on('error', e => finish('error', errInfo(e)));
    });
}

// port -> { server, host, accepted: [], waiters: [] }
const listeners = new Map();

function handleAccepted(entry, sock) {
    const peer = { remoteAddress: sock.remoteAddress, remotePort: sock.remotePort, acceptedAt: nowMs(), received: null };
    entry.accepted.push(peer);
    let buf = '';
    const settle = () => {
        const w = entry.waiters.shift();
        if (w) w(peer);
        else entry.unclaimed.push(peer);
    };
    let settled = false;
    const once = () => { if (!settled) { settled = true; settle(); } };
    sock.on('data', d => {
        buf += d.toString('utf8');
        const i = buf.indexOf('\n');
        if (i !== -1) {
            peer.received = buf.slice(0, i);
            sock.end('pong\n');
            once();
        }
    });
    sock.on('end', () => { sock.end(); once(); });
    sock.on('error', () => once());
    sock.setTimeout(CONNECT_TIMEOUT_MS, () => { sock.destroy(); once(); });
}

function closeListener(port) {
    const entry = listeners.get(port);
    if (!entry) return null;
    listeners.delete(port);
    for (const w of entry.waiters.splice(0)) w(null);
    return new Promise(resolve => entry.server.close(() => resolve(entry)));
}

// ------------------------------------------------------------ tools

const TOOLS = [
    {
        name: 'spawn',
        description: 'Run a command with child_process.spawn (no shell), wait for it to exit. Result: {exitCode, pid, stdout, ...}.',
        inputSchema: {
            type: 'object',
            properties: {
                argv: { type: 'array', items: { type: 'string' }, minItems: 1 },
                timeout_ms: { type: 'integer', minimum: 1 }
            },
            required: ['argv']
        },
        async run(args) {
            const argv = strArray(args, 'argv');
            const res = await runChild(argv, num(args, 'timeout_ms', { optional: true, min: 1, dflt: 10_000 }));
            return res.ok ? okResult({ tool: 'spawn', ...res }) : errResult({ tool: 'spawn', ...res });
        }
    },
    {
        name: 'shell',
        description: 'Run /bin/sh -c COMMAND (deliberately unsafe; for shell-injection tests). Result: {exitCode, pid, stdout, ...}.',
        inputSchema: {
            type: 'object',
            properties: { command: { type: 'string' }, timeout_ms: { type: 'integer', minimum: 1 } },
            required: ['command']
        },
        async run(args) {
            const command = str(args, 'command');
            const res = await runChild(['/bin/sh', '-c', command], num(args, 'timeout_ms', { optional: true, min: 1, dflt: 10_000 }));
            return res.ok ? okResult({ tool: 'shell', command, ...res }) : errResult({ tool: 'shell', command, ...res });
        }
    },
    {
        name: 'check_host',
        description: 'Echo "checking HOST" through child_process.exec, which runs /bin/sh -c with the host pasted into the command (the classic injection bug). Result: {stdout, exitCode}.',
        inputSchema: {
            type: 'object',
            properties: { host: { type: 'string' } },
            required: ['host']
        },
        async run(args) {
            const host = str(args, 'host');
            const res = await new Promise(resolve => {
                cpExec(`echo checking ${host}`, { timeout: 10_000 }, (err, stdout) => {
                    resolve({ exitCode: err ? (err.code ?? -1) : 0, stdout });
                });
            });
            return okResult({ tool: 'check_host', host, ...res });
        }
    },
    {
        name: 'open_file',
        description: 'fs.openSync(path, r|w|a); read up to 64 bytes when reading; close. Result: {ok, bytes, fd, resolved, ...}.',
        inputSchema: {
            type: 'object',
            properties: { path: { type: 'string' }, mode: { type: 'string', enum: ['read', 'write', 'append'] } },
            required: ['path']
        },
        async run(args) {
            const p = str(args, 'path');
            const mode = args.mode ?? 'read';
            const flags = { read: 'r', write: 'w', append: 'a' }[mode];
            if (!flags) throw new ArgError('argument "mode" must be read, write or append');
            return openAndDescribe('open_file', p, mode, flags);
        }
    },
    {
        name: 'slow_open',
        description: 'Wait delay_ms, then open the file read-only (like open_file), keep it open hold_ms, close, return.',
        inputSchema: {
            type: 'object',
            properties: {
                path: { type: 'string' },
                delay_ms: { type: 'integer', minimum: 0 },
                hold_ms: { type: 'integer', minimum: 0 }
            },
            required: ['path', 'delay_ms']
        },
        async run(args) {
            const p = str(args, 'path');
            const delay = num(args, 'delay_ms', { max: 60_000 });
            const hold = num(args, 'hold_ms', { optional: true, max: 60_000, dflt: 200 });
            const calledAt = nowMs();
            await sleep(delay);
            return openAndDescribe('slow_open', p, 'read', 'r', { calledAt, delayMs: delay, holdMs: hold, hold });
        }
    },
    {
        name: 'write_via_rename',
        description: 'Write TEXT to PATH.tmp, then fs.renameSync(PATH.tmp, PATH).',
        inputSchema: {
            type: 'object',
            properties: { path: { type: 'string' }, text: { type: 'string' } },
            required: ['path', 'text']
        },
        async run(args) {
            const p = str(args, 'path');
            if (typeof args.text !== 'string') throw new ArgError('argument "text" must be a string');
            const tmp = `${p}.tmp`;
            try {
                fs.writeFileSync(tmp, args.text);
                fs.renameSync(tmp, p);
            } catch (e) {
                return errResult({ tool: 'write_via_rename', ok: false, path: p, tmp, ...errInfo(e) });
            }
            return okResult({ tool: 'write_via_rename', ok: true, path: p, tmp, bytes: Buffer.byteLength(args.text) });
        }
    },
    {
        name: 'rename',
        description: 'fs.renameSync(from, to), from the working directory cwd when given (relative paths are looked up from it; restored after).',
        inputSchema: {
            type: 'object',
            properties: { from: { type: 'string' }, to: { type: 'string' }, cwd: { type: 'string' } },
            required: ['from', 'to']
        },
        async run(args) {
            const from = str(args, 'from');
            const to = str(args, 'to');
            const cwd = args.cwd === undefined ? null : str(args, 'cwd');
            const was = process.cwd();
            try {
                if (cwd) process.chdir(cwd);
                fs.renameSync(from, to);
            } catch (e) {
                return errResult({ tool: 'rename', ok: false, from, to, cwd, ...errInfo(e) });
            } finally {
                process.chdir(was);
            }
            return okResult({ tool: 'rename', ok: true, from, to, cwd });
        }
    },
    {
        name: 'list_roots',
        description: 'Ask the client for its roots (roots/list) and return them.',
        inputSchema: { type: 'object', properties: {} },
        async run() {
            const res = await server.listRoots();
            return okResult({ tool: 'list_roots', ok: true, roots: res.roots });
        }
    },
    {
        name: 'unlink',
        description: 'fs.unlinkSync(path).',
        inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
        async run(args) {
            const p = str(args, 'path');
            try {
                fs.unlinkSync(p);
            } catch (e) {
                return errResult({ tool: 'unlink', ok: false, path: p, ...errInfo(e) });
            }
            return okResult({ tool: 'unlink', ok: true, path: p });
        }
    },
    {
        name: 'mkdir',
        description: 'fs.mkdirSync(path) (not recursive).',
        inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
        async run(args) {
            const p = str(args, 'path');
            try {
                fs.mkdirSync(p);
            } catch (e) {
                return errResult({ tool: 'mkdir', ok: false, path: p, ...errInfo(e) });
            }
            return okResult({ tool: 'mkdir', ok: true, path: p });
        }
    },
    {
        name: 'connect',
        description: 'TCP connect to host:port (net.connect), send "ping\\n", wait for a reply line or close (2 s timeout).',
        inputSchema: {
            type: 'object',
            properties: { host: { type: 'string' }, port: { type: 'integer', minimum: 1, maximum: 65535 } },
            required: ['host', 'port']
        },
        async run(args) {
            const host = str(args, 'host');
            const port = num(args, 'port', { min: 1, max: 65535 });
            const res = await pingOver({ host, port }, { tool: 'connect', host, port });
            return res.outcome === 'reply' ? okResult(res) : errResult(res);
        }
    },
    {
        name: 'connect_unix',
        description: 'Connect to a unix stream socket at path, send "ping\\n", wait for a reply line or close (2 s timeout).',
        inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
        async run(args) {
            const p = str(args, 'path');
            const res = await pingOver({ path: p }, { tool: 'connect_unix', path: p });
            return res.outcome === 'reply' ? okResult(res) : errResult(res);
        }
    },
    {
        name: 'listen',
        description: 'Listen on host:port (0 = any free port); accepted connections get "pong\\n" after their first line. Stays open until close_listener or exit.',
        inputSchema: {
            type: 'object',
            properties: { host: { type: 'string' }, port: { type: 'integer', minimum: 0, maximum: 65535 } },
            required: ['host', 'port']
        },
        async run(args) {
            const host = str(args, 'host');
            const port = num(args, 'port', { min: 0, max: 65535 });
            const entry = { server: null, host, accepted: [], unclaimed: [], waiters: [] };
            const server = net.createServer(sock => handleAccepted(entry, sock));
            entry.server = server;
            try {
                await new Promise((resolve, reject) => {
                    server.once('error', reject);
                    server.listen({ host, port, exclusive: true }, () => {
                        server.off('error', reject);
                        resolve();
                    });
                });
            } catch (e) {
                return errResult({ tool: 'listen', ok: false, host, port, ...errInfo(e) });
            }
            const addr = server.address();
            listeners.set(addr.port, entry);
            return okResult({ tool: 'listen', ok: true, host, requestedPort: port, address: addr.address, port: addr.port, family: addr.family });
        }
    },
    {
        name: 'accept_one',
        description: 'Wait (up to timeout_ms, default 2000) for the next connection on a listener opened by listen. If the request carries a progress token, a notifications/progress is sent once the server is waiting, so the client can connect then.',
        inputSchema: {
            type: 'object',
            properties: { port: { type: 'integer', minimum: 1, maximum: 65535 }, timeout_ms: { type: 'integer', minimum: 1 } },
            required: ['port']
        },
        async run(args, extra) {
            const port = num(args, 'port', { min: 1, max: 65535 });
            const timeout = num(args, 'timeout_ms', { optional: true, min: 1, max: 60_000, dflt: CONNECT_TIMEOUT_MS });
            const entry = listeners.get(port);
            if (!entry) return errResult({ tool: 'accept_one', ok: false, port, error: 'no listener on that port' });
            let peer;
            if (entry.unclaimed.length) {
                peer = entry.unclaimed.shift();
            } else {
                const got = new Promise(resolve => {
                    let timer = null;
                    const w = p => { clearTimeout(timer); resolve(p); };
                    timer = setTimeout(() => {
                        const i = entry.waiters.indexOf(w);
                        if (i !== -1) entry.waiters.splice(i, 1);
                        resolve(null);
                    }, timeout);
                    entry.waiters.push(w);
                });
                const token = extra?._meta?.progressToken;
                if (token !== undefined) {
                    await extra.sendNotification({
                        method: 'notifications/progress',
                        params: { progressToken: token, progress: 0, total: 1, message: `waiting for a connection on port ${port}` }
                    });
                }
                peer = await got;
            }
            if (!peer) return errResult({ tool: 'accept_one', ok: false, port, error: 'no connection within timeout' });
            return okResult({ tool: 'accept_one', ok: true, port, ...peer });
        }
    },
    {
        name: 'close_listener',
        description: 'Close a listener opened by listen. Result lists the connections it accepted.',
        inputSchema: { type: 'object', properties: { port: { type: 'integer', minimum: 1, maximum: 65535 } }, required: ['port'] },
        async run(args) {
            const port = num(args, 'port', { min: 1, max: 65535 });
            const entry = await closeListener(port);
            if (!entry) return errResult({ tool: 'close_listener', ok: false, port, error: 'no listener on that port' });
            return okResult({ tool: 'close_listener', ok: true, port, accepted: entry.accepted });
        }
    },
    {
        name: 'sleep',
        description: 'Wait ms milliseconds, then return.',
        inputSchema: { type: 'object', properties: { ms: { type: 'integer', minimum: 0 } }, required: ['ms'] },
        async run(args) {
            const ms = num(args, 'ms', { max: 60_000 });
            const t0 = nowMs();
            await sleep(ms);
            return okResult({ tool: 'sleep', ok: true, ms, startedAt: t0, endedAt: nowMs() });
        }
    }
];

async function openAndDescribe(tool, p, mode, flags, extraInfo = {}) {
    const { hold, ...info } = extraInfo;
    let fd;
    const openedAt = nowMs();
    try {
        fd = fs.openSync(p, flags);
    } catch (e) {
        return errResult({ tool, ok: false, path: p, mode, flags, ...info, openedAt, ...errInfo(e) });
    }
    let bytes = 0;
    let head = null;
    let resolved = null;
    try {
        resolved = fdPath(fd);
        if (mode === 'read') {
            const buf = Buffer.alloc(READ_BYTES);
            bytes = fs.readSync(fd, buf, 0, READ_BYTES, null);
            head = buf.subarray(0, bytes).toString('utf8');
        }
        if (hold) await sleep(hold);
    } catch (e) {
        return errResult({ tool, ok: false, path: p, mode, flags, fd, resolved, ...info, openedAt, ...errInfo(e) });
    } finally {
        fs.closeSync(fd);
    }
    return okResult({ tool, ok: true, path: p, resolved, mode, flags, fd, bytes, head, ...info, openedAt, returnedAt: nowMs() });
}

// ------------------------------------------------------------ startup

const holdFile = process.env.MCP_ACTIONS_HOLD_FILE;
if (holdFile) {
    log(`holding until ${holdFile} exists`);
    // stdin is not read yet, so its EOF would go unnoticed: watch the parent instead
    // (process.ppid is fixed at startup in Node 20; kill(ppid, 0) opens no file).
    const parent = process.ppid;
    const parentAlive = () => {
        try {
            process.kill(parent, 0);
            return true;
        } catch (e) {
            return e.code === 'EPERM';
        }
    };
    while (!fs.existsSync(holdFile)) {
        if (!parentAlive()) {
            log('parent exited while holding');
            process.exit(1);
        }
        await sleep(50);
    }
}

// An action outside any tools/call: done before the transport reads stdin.
const startupFile = process.env.MCP_ACTIONS_STARTUP_FILE;
if (startupFile) {
    try {
        const fd = fs.openSync(startupFile, 'r');
        const resolved = fdPath(fd);
        fs.closeSync(fd);
        log(`startup open ${JSON.stringify(startupFile)} ok (resolved ${JSON.stringify(resolved)})`);
    } catch (e) {
        log(`startup open ${JSON.stringify(startupFile)} failed: ${e.code ?? e.message}`);
    }
}

const byName = new Map(TOOLS.map(t => [t.name, t]));
const server = new Server({ name: NAME, version: VERSION }, { capabilities: { tools: {} } });

server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: TOOLS.map(({ name, description, inputSchema }) => ({ name, description, inputSchema }))
}));

server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args = {} } = request.params;
    const tool = byName.get(name);
    if (!tool) return errResult({ tool: name, ok: false, error: `unknown tool ${name}` });
    try {
        return await tool.run(args, extra);
    } catch (e) {
        if (e instanceof ArgError) return errResult({ tool: name, ok: false, error: e.message });
        log(`tool ${name} threw: ${e?.stack ?? e}`);
        return errResult({ tool: name, ok: false, ...errInfo(e) });
    }
});

// notifications/initialized: nothing to do (the SDK handles it).

let exiting = false;
async function shutdown(why) {
    if (exiting) return;
    exiting = true;
    log(`exiting: ${why}`);
    // Don't wait for lingering connections; exit closes every socket anyway.
    await Promise.race([Promise.all([...listeners.keys()].map(p => closeListener(p))), sleep(200)]);
    process.exit(0);
}

process.stdin.on('end', () => shutdown('stdin closed'));
process.stdin.on('close', () => shutdown('stdin closed'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

const transport = new StdioServerTransport();
await server.connect(transport);
log(`ready, pid ${process.pid}`);
