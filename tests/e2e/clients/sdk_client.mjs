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
// Spawning, recording, pre-started mode and the record checks are in
// common.mjs (shared with actions_client.mjs); this file has the options and
// the scenarios.
//
// See README.md in this folder for options and the record format.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
    CreateMessageRequestSchema,
    ElicitRequestSchema,
    ListRootsRequestSchema
} from '@modelcontextprotocol/sdk/types.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {
    E2E_DIR, ServerSession, USAGE_HOLD, checkCommonOptions, commonDefaults, fail, failureText,
    logSummary, makeLog, parseOptions, reportProblems, sleep, textOf, usageExit
} from './common.mjs';

const NODE_MODULES = path.join(E2E_DIR, 'node_modules');

const PACKAGES = {
    filesystem: '@modelcontextprotocol/server-filesystem',
    everything: '@modelcontextprotocol/server-everything'
};

const MAX_BUFFER_SIZE = 64 * 1024 * 1024; // SDK default is 10 MiB; the big read is ~11 MB

const log = makeLog('sdk_client');

// ---------------------------------------------------------------- options

function usage(code) {
    usageExit(`usage: node sdk_client.mjs --scenario filesystem|everything [options]

  --record FILE        write the JSON record of all messages to FILE
  --scenario NAME      filesystem (server-filesystem) or everything (server-everything)
  --launch node|npx    node: node <pkg>/dist/index.js (default)
                       npx:  npx --no-install <pkg> (cwd tests/e2e, no download)
  --root DIR           allowed directory for server-filesystem (default: a fresh temp dir,
                       removed afterwards)
  --pidfile FILE       write the PID of the spawned process (transport.pid) to FILE
${USAGE_HOLD}  --big-mb N           size of the big text file read in the filesystem scenario (default 5;
                       0 disables the big read)
  --server-requests    everything scenario: declare roots/sampling/elicitation client
                       capabilities and trigger server->client requests (off by default)
`, code);
}

// --scenario, --record, --root, --pidfile, --hold-file, --hold-timeout-s and
// --timeout-ms are parsed by common.mjs (commonDefaults, parseOptions).
function parseArgs(argv) {
    const opts = parseOptions(argv, {
        ...commonDefaults(),
        launch: 'node',
        bigMb: 5,
        readPaths: [],
        serverRequests: false
    }, {
        valueOptions: {
            '--launch': (o, v) => { o.launch = v; },
            '--big-mb': (o, v) => { o.bigMb = Number(v); },
            '--read-path': (o, v) => { o.readPaths.push(v); }
        },
        flags: {
            '--server-requests': o => { o.serverRequests = true; }
        },
        usage
    });
    if (!PACKAGES[opts.scenario]) {
        process.stderr.write(`--scenario must be filesystem or everything\n`);
        usage(2);
    }
    if (opts.launch !== 'node' && opts.launch !== 'npx') {
        process.stderr.write(`--launch must be node or npx\n`);
        usage(2);
    }
    if (!Number.isFinite(opts.bigMb) || opts.bigMb < 0) usage(2);
    checkCommonOptions(opts, usage);
    return opts;
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
    let session = null;
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
        session = new ServerSession({
            command,
            args,
            cwd,
            // npm must not try the network or print notices on the npx path.
            env: { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
            maxBufferSize: MAX_BUFFER_SIZE,
            log
        });
        const rec = session.rec;
        await session.start(opts);

        const capabilities = {};
        if (opts.serverRequests) {
            capabilities.roots = { listChanged: false };
            capabilities.sampling = {};
            capabilities.elicitation = { form: {} };
        }
        const client = new Client({ name: 'mcpwarden-e2e-sdk-client', version: '1.0.0' }, { capabilities });
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

        const tc = Date.now();
        await session.connect(client, opts.timeoutMs);
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
        session.checkTransportError();
    } catch (e) {
        exitCode = 1;
        log(`FAILED: ${failureText(e)}`);
    } finally {
        if (session) problems = await session.finish(opts.record);
        if (tempRoot) fs.rmSync(tempRoot, { recursive: true, force: true });
    }

    exitCode = reportProblems(exitCode, problems, log);
    if (session) {
        const rec = session.rec;
        const summary = {
            ok: exitCode === 0,
            scenario: opts.scenario,
            launch: opts.launch,
            pid: session.pid,
            messages: rec.entries.length,
            c2s: session.count('c2s'),
            s2c: session.count('s2c'),
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
        logSummary(log, summary);
    }
    process.exitCode = exitCode;
}

await main();
