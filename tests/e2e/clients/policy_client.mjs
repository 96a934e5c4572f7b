// mcpwarden e2e client for the policy tests: spawns any stdio MCP server, runs the
// tools/call requests listed in the spec in order, and writes a summary with each call's
// JSON-RPC id (taken from the recorded wire), arguments and outcome. Tool errors are
// recorded, not fatal: vulnerable and fixed servers answer the same calls differently.
//
//   node policy_client.mjs --spec SPEC.json --summary OUT.json [--record REC.json]
//        [--pidfile F] [--timeout-ms N]
//
// SPEC.json: {"server": [COMMAND, ARGS...], "roots": [DIR...] (optional),
//             "calls": [{"tool": "read_file", "arguments": {...}, "until": TEXT?}, ...]}
// A call with "until" is repeated (at most UNTIL_TRIES times) until its result text holds
// TEXT: a way to wait for a server's state without timing (every attempt is in the summary).
// The server command is in the spec, not on this command line, so that a monitor matching
// server command lines (mcpwarden --match) does not take this client for the server.
// With "roots" the client declares the roots capability and answers roots/list with them.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import fs from 'node:fs';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

import {
    E2E_DIR, ServerSession, canon, fail, failureText, makeLog, textOf, writeFileAtomic
} from './common.mjs';

const log = makeLog('policy-client');
const UNTIL_TRIES = 100;        // a call with "until" is repeated until its text holds it
const UNTIL_PAUSE_MS = 100;

function parseArgs(argv) {
    const opts = { timeoutMs: 60_000, roots: null };
    for (let i = 0; i < argv.length; i += 2) {
        const v = argv[i + 1];
        switch (argv[i]) {
        case '--spec': {
            const spec = JSON.parse(fs.readFileSync(v, 'utf8'));
            [opts.command, ...opts.args] = spec.server;
            opts.calls = spec.calls;
            opts.roots = spec.roots ?? null;
            break;
        }
        case '--summary': opts.summary = v; break;
        case '--record': opts.record = v; break;
        case '--pidfile': opts.pidfile = v; break;
        case '--timeout-ms': opts.timeoutMs = Number(v); break;
        default: fail(`unknown option ${argv[i]}`);
        }
    }
    if (!opts.calls || !opts.command || !opts.summary) fail('--spec and --summary are required');
    return opts;
}

// The id the SDK gave a request, found on the wire (requests are unique by name and args).
function wireId(rec, claimed, tool, args) {
    const key = canon(args);
    const i = rec.entries.findIndex((e, n) => e.dir === 'c2s' && e.msg.method === 'tools/call' &&
        e.msg.params?.name === tool && canon(e.msg.params?.arguments ?? {}) === key && !claimed.has(n));
    if (i < 0) fail(`${tool}: request not found on the wire`);
    claimed.add(i);
    return rec.entries[i].msg.id;
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const session = new ServerSession({ command: opts.command, args: opts.args, cwd: E2E_DIR, log });
    const summary = { ok: false, calls: [], serverPid: null, rootsListed: 0 };
    let exitCode = 1;
    try {
        await session.start({ pidfile: opts.pidfile, holdTimeoutS: 1 });
        summary.serverPid = session.pid;
        const caps = opts.roots ? { roots: { listChanged: false } } : {};
        const client = new Client({ name: 'mcpwarden-e2e-policy-client', version: '1.0.0' },
                                  { capabilities: caps });
        if (opts.roots) {
            client.setRequestHandler(ListRootsRequestSchema, async () => {
                summary.rootsListed++;
                return { roots: opts.roots.map(d => ({ uri: pathToFileURL(d).href, name: d })) };
            });
        }
        await session.connect(client, opts.timeoutMs);
        const claimed = new Set();
        for (const c of opts.calls) {
            for (let n = 1; ; n++) {
                const r = await client.callTool({ name: c.tool, arguments: c.arguments }, undefined,
                                                { timeout: opts.timeoutMs });
                const id = wireId(session.rec, claimed, c.tool, c.arguments);
                const text = textOf(r);
                summary.calls.push({ id, tool: c.tool, arguments: c.arguments, isError: r.isError === true,
                                     text: text.slice(0, 2000) });
                log(`${c.tool} id=${id} -> ${r.isError ? 'isError' : 'ok'}`);
                if (c.until === undefined || text.includes(c.until)) break;
                if (n >= UNTIL_TRIES) fail(`${c.tool}: no "${c.until}" after ${n} calls`);
                await new Promise(res => setTimeout(res, UNTIL_PAUSE_MS));
            }
        }
        session.checkTransportError();
        exitCode = 0;
    } catch (e) {
        summary.error = failureText(e);
        log(`FAILED: ${summary.error}`);
    } finally {
        const problems = await session.finish(opts.record);
        if (problems.length) {
            summary.problems = problems;
            exitCode = 1;
        }
        summary.ok = exitCode === 0;
        writeFileAtomic(opts.summary, JSON.stringify(summary, null, 1) + '\n');
    }
    process.exitCode = exitCode;
}

await main();
