#!/usr/bin/env node
// tools/call throughput of a real MCP server over stdio, driven by the official TypeScript SDK
// (the copy installed in tests/e2e/node_modules by tests/e2e/install.sh).
//
//   node bench/tools_call_bench.mjs [--calls N] [--warmup N] [--message-bytes N] [--pidfile FILE]
//        [--attach 'CMD ARG... {pid} ...'] [--pairs N --on 'CMD' --off 'CMD']
//
// Spawns server-everything (`node .../server-everything/dist/index.js stdio`), connects once
// (initialize + notifications/initialized), calls the `echo` tool --warmup times untimed, then
// --calls times sequentially (each call awaits its result) and times those. Prints one JSON
// line on stdout: calls, elapsed, calls/s, latency percentiles, the CPU time client and server
// spent per call (user and system), the server's PID. Every result
// is checked (it must echo the message), so a broken server cannot look fast.
// --attach runs a tracer on the server once it has started ({pid} is replaced by its PID;
// e.g. 'strace -f -p {pid} -o /dev/null'), waits ATTACH_SETTLE_MS before the warm-up, stops it
// with SIGINT after the timed calls, and adds the tracer's CPU time per call to the output.
// --pairs N (with --on and --off) measures the same client and server with and without a
// monitor: after the warm-up, N pairs of blocks of --calls calls each, one block with the monitor
// off and one with it on, in the order off-on, then on-off, and so on (drift cancels). Before an
// "on" block the shell command --on runs (it must return once the monitor is ready), after it
// --off (it stops the monitor and checks what it captured); {pid} and {calls} are replaced by
// the server's PID and the calls per block; a command that fails fails the run. The output then
// has "pairs": [{off: {...}, on: {...}}, ...] with calls/s and CPU per call of each block.
// Exit status: 0 on success, 1 on any failure (with a "tools_call_bench: FAILED:" line).

import { execSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NODE_MODULES = path.resolve(HERE, '..', 'tests', 'e2e', 'node_modules');
const SDK_DIR = path.join(NODE_MODULES, '@modelcontextprotocol', 'sdk', 'dist', 'esm');
const SERVER_JS = path.join(NODE_MODULES, '@modelcontextprotocol', 'server-everything', 'dist',
    'index.js');
const CALL_TIMEOUT_MS = 30_000;
const ATTACH_SETTLE_MS = 1_000;

function fail(msg) {
    process.stderr.write(`tools_call_bench: FAILED: ${msg}\n`);
    process.exit(1);
}

function parseArgs(argv) {
    const opts = { calls: 2000, warmup: 200, messageBytes: 100, pidfile: null, attach: null,
                   pairs: 0, on: null, off: null };
    const num = (name, v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0) fail(`${name} needs a non-negative integer, got '${v}'`);
        return n;
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i], v = argv[i + 1];
        if (v === undefined && a !== '-h' && a !== '--help') fail(`missing value for ${a}`);
        switch (a) {
            case '--calls': opts.calls = num(a, v); i++; break;
            case '--warmup': opts.warmup = num(a, v); i++; break;
            case '--message-bytes': opts.messageBytes = num(a, v); i++; break;
            case '--pidfile': opts.pidfile = v; i++; break;
            case '--attach': opts.attach = v; i++; break;
            case '--pairs': opts.pairs = num(a, v); i++; break;
            case '--on': opts.on = v; i++; break;
            case '--off': opts.off = v; i++; break;
            case '-h': case '--help':
                process.stdout.write('usage: node tools_call_bench.mjs [--calls N] [--warmup N] ' +
                    '[--message-bytes N] [--pidfile FILE] [--attach CMD] ' +
                    '[--pairs N --on CMD --off CMD]\n');
                process.exit(0);
            default: fail(`unknown argument '${a}'`);
        }
    }
    if (opts.calls < 1) fail('--calls must be at least 1');
    if (opts.pairs && (!opts.on || !opts.off)) fail('--pairs needs --on and --off');
    if (!opts.pairs && (opts.on || opts.off)) fail('--on and --off need --pairs');
    if (opts.pairs && opts.attach) fail('--pairs and --attach do not go together');
    return opts;
}

async function loadSdk() {
    for (const f of ['client/index.js', 'client/stdio.js'])
        if (!fs.existsSync(path.join(SDK_DIR, f)))
            fail(`${path.join(SDK_DIR, f)} is missing: run tests/e2e/install.sh`);
    if (!fs.existsSync(SERVER_JS)) fail(`${SERVER_JS} is missing: run tests/e2e/install.sh`);
    const { Client } = await import(pathToFileURL(path.join(SDK_DIR, 'client/index.js')).href);
    const { StdioClientTransport } =
        await import(pathToFileURL(path.join(SDK_DIR, 'client/stdio.js')).href);
    return { Client, StdioClientTransport };
}

async function echo(client, message) {
    const r = await client.callTool({ name: 'echo', arguments: { message } }, undefined,
        { timeout: CALL_TIMEOUT_MS });
    const text = r?.content?.[0]?.text ?? '';
    if (r.isError || !text.endsWith(message)) fail(`echo returned ${JSON.stringify(r).slice(0, 200)}`);
}

// CPU time of a process in microseconds, user and system, from /proc/PID/stat (clock ticks;
// USER_HZ is 100 on Linux). System time includes the BPF programs run in its syscalls.
const USEC_PER_TICK = 10_000;
function procCpuUs(pid) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');   // f[0] is field 3 (state)
    return { user: Number(f[11]) * USEC_PER_TICK, system: Number(f[12]) * USEC_PER_TICK };
}

// The tracer of --attach, started on the server; resolves once it has had time to attach.
async function attachTracer(cmd, pid) {
    const argv = cmd.split(/\s+/).filter(Boolean).map(a => a.replace('{pid}', String(pid)));
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', c => { err = (err + c.toString('utf8')).slice(-2000); });
    child.exited = new Promise(resolve => child.on('exit', (code, sig) => resolve({ code, sig })));
    await new Promise(resolve => setTimeout(resolve, ATTACH_SETTLE_MS));
    if (child.exitCode !== null) fail(`tracer '${cmd}' exited (${child.exitCode}): ${err}`);
    return child;
}

function percentile(sorted, p) {
    return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

// `calls` sequential echo calls, timed: calls/s, latency percentiles, and the CPU time per
// call of the client, the server and (if given) the tracer.
async function timedBlock(client, base, calls, pid, tracerPid) {
    const lat = new Float64Array(calls);
    const server0 = procCpuUs(pid);
    const tracer0 = tracerPid ? procCpuUs(tracerPid) : null;
    const client0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) {
        const s = process.hrtime.bigint();
        await echo(client, `${base} ${i}`);
        lat[i] = Number(process.hrtime.bigint() - s) / 1e3;
    }
    const ns = Number(process.hrtime.bigint() - t0);
    const client1 = process.cpuUsage(client0);
    const server1 = procCpuUs(pid);
    const tracer1 = tracerPid ? procCpuUs(tracerPid) : null;
    lat.sort();
    return {
        calls, ns, calls_per_s: calls * 1e9 / ns,
        p50_us: percentile(lat, 0.5), p99_us: percentile(lat, 0.99),
        client_user_us: client1.user / calls, client_sys_us: client1.system / calls,
        server_user_us: (server1.user - server0.user) / calls,
        server_sys_us: (server1.system - server0.system) / calls,
        ...(tracerPid ? { tracer_user_us: (tracer1.user - tracer0.user) / calls,
                          tracer_sys_us: (tracer1.system - tracer0.system) / calls } : {}),
    };
}

// A shell command of --on or --off, with {pid} and {calls} filled in; its failure fails the run.
function runHook(name, cmd, pid, calls) {
    const line = cmd.replaceAll('{pid}', String(pid)).replaceAll('{calls}', String(calls));
    try {
        execSync(line, { stdio: ['ignore', 'ignore', 'pipe'], shell: '/bin/bash' });
    } catch (e) {
        fail(`--${name} '${line}' failed (status ${e.status}): ` +
             `${String(e.stderr ?? '').trim().slice(-1000)}`);
    }
}

// --pairs: blocks with the monitor off and on, alternating which comes first.
async function pairedBlocks(opts, client, base, pid) {
    const pairs = [];
    for (let p = 0; p < opts.pairs; p++) {
        const r = {};
        for (const state of p % 2 ? ['on', 'off'] : ['off', 'on']) {
            if (state === 'on') runHook('on', opts.on, pid, opts.calls);
            r[state] = await timedBlock(client, base, opts.calls, pid, null);
            if (state === 'on') runHook('off', opts.off, pid, opts.calls);
        }
        pairs.push(r);
    }
    return pairs;
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const { Client, StdioClientTransport } = await loadSdk();
    const transport = new StdioClientTransport({
        command: process.execPath, args: [SERVER_JS, 'stdio'], stderr: 'pipe',
    });
    let serverErr = '';
    transport.stderr.on('data', c => { serverErr = (serverErr + c.toString('utf8')).slice(-2000); });
    await transport.start();
    transport.start = async () => {};      // connect() would start it a second time
    const pid = transport.pid;
    if (opts.pidfile) fs.writeFileSync(opts.pidfile, `${pid}\n`);

    const client = new Client({ name: 'mcpwarden-bench', version: '1.0.0' }, { capabilities: {} });
    try {
        await client.connect(transport);
    } catch (e) {
        fail(`connect: ${e.message}; server stderr: ${serverErr}`);
    }
    const tracer = opts.attach ? await attachTracer(opts.attach, pid) : null;
    const base = 'x'.repeat(opts.messageBytes);
    for (let i = 0; i < opts.warmup; i++) await echo(client, `${base} warmup ${i}`);

    const head = { server: 'server-everything', tool: 'echo', server_pid: pid, warmup: opts.warmup };
    if (opts.pairs) {
        const pairs = await pairedBlocks(opts, client, base, pid);
        await client.close();
        process.stdout.write(JSON.stringify({ ...head, calls: opts.calls, pairs }) + '\n');
        return;
    }
    const block = await timedBlock(client, base, opts.calls, pid, tracer?.pid);
    if (tracer) {
        tracer.kill('SIGINT');
        await tracer.exited;
    }
    await client.close();
    process.stdout.write(JSON.stringify({
        ...head, ...block, ...(tracer ? { tracer: opts.attach } : {}),
    }) + '\n');
}

main().catch(e => fail(e?.stack ?? String(e)));
