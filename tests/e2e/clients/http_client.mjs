// mcpwarden e2e client for the HTTP transports: starts server-everything in Streamable HTTP
// or legacy SSE mode on 127.0.0.1 (a free port), drives it with the official SDK client
// (tools, a ~1 MiB echo, progress, cancellation, resources, prompts, ping, and the server's
// roots, sampling and elicitation requests), and records every JSON-RPC message the SDK sent
// and received, with its direction, as the SDK saw them.
//
//   node http_client.mjs --transport streamable|sse --record FILE --summary FILE
//        [--pidfile FILE] [--big-kb N] [--timeout-ms N] [--url URL] [--hold-file FILE]
//        [--auth-bytes N]
//
// --url: the server runs elsewhere (started by the caller); nothing is spawned and --pidfile
// gets this client's own pid. --hold-file: wait until FILE exists before connecting.
// --auth-bytes: send "Authorization: Bearer" with a token of N bytes on every request (a long
// JWT pushes the initialize body far from the request line).
// Record: [{"dir": "c2s"|"s2c", "msg": {...}}, ...]. Summary: {ok, serverPid, clientPid, port, ...}.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
    CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema
} from '@modelcontextprotocol/sdk/types.js';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import process from 'node:process';

import { E2E_DIR, fail, failureText, makeLog, sleep, textOf, writeFileAtomic } from './common.mjs';

const log = makeLog('http-client');
const SERVER = path.join(E2E_DIR, 'node_modules', '@modelcontextprotocol', 'server-everything',
                         'dist', 'index.js');
const LISTEN_TIMEOUT_MS = 15000;

function parseArgs(argv) {
    const o = { timeoutMs: 60000, bigKb: 1024 };
    for (let i = 0; i < argv.length; i += 2) {
        const v = argv[i + 1];
        switch (argv[i]) {
        case '--transport': o.transport = v; break;
        case '--record': o.record = v; break;
        case '--summary': o.summary = v; break;
        case '--pidfile': o.pidfile = v; break;
        case '--big-kb': o.bigKb = Number(v); break;
        case '--timeout-ms': o.timeoutMs = Number(v); break;
        case '--url': o.url = v; break;
        case '--hold-file': o.holdFile = v; break;
        case '--auth-bytes': o.authBytes = Number(v); break;
        default: fail(`unknown option ${argv[i]}`);
        }
    }
    if (!['streamable', 'sse'].includes(o.transport) || !o.record || !o.summary) {
        fail('usage: http_client.mjs --transport streamable|sse --record FILE --summary FILE');
    }
    return o;
}

function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

async function waitListening(port, child) {
    const deadline = Date.now() + LISTEN_TIMEOUT_MS;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) fail(`server exited with ${child.exitCode}`);
        const ok = await new Promise(resolve => {
            const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
            s.on('error', () => resolve(false));
        });
        if (ok) return;
        await sleep(50);
    }
    fail(`server not listening on ${port} after ${LISTEN_TIMEOUT_MS} ms`);
}

async function waitHold(file) {
    const deadline = Date.now() + LISTEN_TIMEOUT_MS * 4;
    while (!fs.existsSync(file)) {
        if (Date.now() > deadline) fail(`hold file ${file} did not appear`);
        await sleep(50);
    }
}

// Every message the SDK hands to the transport, and every one the transport hands up.
function record(transport, entries) {
    const send = transport.send.bind(transport);
    transport.send = (message, options) => {
        entries.push({ dir: 'c2s', msg: JSON.parse(JSON.stringify(message)) });
        return send(message, options);
    };
    let inner;
    Object.defineProperty(transport, 'onmessage', {
        configurable: true,
        get: () => inner,
        set: fn => {
            inner = fn && ((message, extra) => {
                entries.push({ dir: 's2c', msg: JSON.parse(JSON.stringify(message)) });
                return fn(message, extra);
            });
        }
    });
}

function makeClient(stats) {
    const client = new Client({ name: 'mcpwarden-e2e-http-client', version: '1.0.0' }, {
        capabilities: { roots: { listChanged: false }, sampling: {}, elicitation: { form: {} } }
    });
    const count = m => { stats.serverRequests[m] = (stats.serverRequests[m] ?? 0) + 1; };
    client.setRequestHandler(ListRootsRequestSchema, async () => {
        count('roots/list');
        return { roots: [{ uri: 'file:///tmp/mcpwarden-e2e-root', name: 'e2e root' }] };
    });
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
        count('sampling/createMessage');
        return { role: 'assistant', content: { type: 'text', text: 'canned reply' },
                 model: 'mcpwarden-e2e-fake-model', stopReason: 'endTurn' };
    });
    client.setRequestHandler(ElicitRequestSchema, async () => {
        count('elicitation/create');
        return { action: 'accept', content: { name: 'Test User', email: 'test.user@example.invalid' } };
    });
    return client;
}

async function call(client, name, args, o, extra = {}) {
    const r = await client.callTool({ name, arguments: args }, undefined, { timeout: o.timeoutMs, ...extra });
    if (r.isError) fail(`${name} failed: ${textOf(r).slice(0, 200)}`);
    return r;
}

async function scenario(client, o, stats) {
    const names = (await client.listTools(undefined, { timeout: o.timeoutMs })).tools.map(t => t.name);
    stats.tools = names.length;
    const big = 'x'.repeat(o.bigKb * 1024);
    let r = await call(client, 'echo', { message: 'hello over http ✓' }, o);
    if (!textOf(r).includes('hello over http ✓')) fail('echo');
    r = await call(client, 'echo', { message: big }, o);
    if (!textOf(r).includes(big)) fail('big echo');
    await call(client, 'get-sum', { a: 2, b: 40 }, o);
    stats.progress = 0;
    await call(client, 'trigger-long-running-operation', { duration: 1, steps: 4 }, o,
               { onprogress: () => { stats.progress++; } });
    const ac = new AbortController();
    const cancelled = client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 5, steps: 5 } },
                                      undefined, { signal: ac.signal, timeout: o.timeoutMs });
    await sleep(300);
    ac.abort('mcpwarden e2e cancels');
    await cancelled.then(() => fail('the cancelled call completed'), () => { stats.cancelled = true; });
    const res = await client.listResources(undefined, { timeout: o.timeoutMs });
    await client.readResource({ uri: res.resources[0].uri }, { timeout: o.timeoutMs });
    const prompts = await client.listPrompts(undefined, { timeout: o.timeoutMs });
    stats.prompts = prompts.prompts.length;
    await client.ping({ timeout: o.timeoutMs });
    await call(client, 'get-roots-list', {}, o);
    await call(client, 'trigger-sampling-request', { prompt: 'say hi', maxTokens: 20 }, o);
    await call(client, 'trigger-elicitation-request', {}, o);
    await sleep(200);       // let late notifications arrive before closing
}

async function main() {
    const o = parseArgs(process.argv.slice(2));
    const stats = { serverRequests: {} };
    const entries = [];
    let child = null, exitCode = 1, error = null, port = null;
    try {
        let url;
        if (o.url) {
            url = new URL(o.url);
            port = Number(url.port);
            if (o.pidfile) writeFileAtomic(o.pidfile, `${process.pid}\n`);
        } else {
            port = await freePort();
            child = spawn(process.execPath, [SERVER, o.transport === 'sse' ? 'sse' : 'streamableHttp'], {
                cwd: E2E_DIR, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe']
            });
            child.stdout.on('data', d => process.stderr.write(`[server stdout] ${d}`));
            child.stderr.on('data', d => process.stderr.write(`[server stderr] ${d}`));
            if (o.pidfile) writeFileAtomic(o.pidfile, `${child.pid}\n`);
            await waitListening(port, child);
            url = new URL(`http://127.0.0.1:${port}/${o.transport === 'sse' ? 'sse' : 'mcp'}`);
        }
        if (o.holdFile) await waitHold(o.holdFile);
        const opts = o.authBytes
            ? { requestInit: { headers: { Authorization: `Bearer ${'J'.repeat(o.authBytes)}` } } }
            : undefined;
        const transport = o.transport === 'sse'
            ? new SSEClientTransport(url, opts)
            : new StreamableHTTPClientTransport(url, opts);
        record(transport, entries);
        const client = makeClient(stats);
        await client.connect(transport, { timeout: o.timeoutMs });
        await scenario(client, o, stats);
        if (o.transport === 'streamable') await transport.terminateSession();
        await client.close();
        exitCode = 0;
    } catch (e) {
        error = failureText(e);
        log(`FAILED: ${error}`);
    } finally {
        if (child && child.exitCode === null) {
            child.kill('SIGTERM');
            await new Promise(r => child.once('exit', r));
        }
        writeFileAtomic(o.record, JSON.stringify(entries, null, 0) + '\n');
        writeFileAtomic(o.summary, JSON.stringify({ ok: exitCode === 0, error, port,
            serverPid: child?.pid ?? null, clientPid: process.pid, messages: entries.length, ...stats }, null, 1) + '\n');
    }
    process.exitCode = exitCode;
}

await main();
