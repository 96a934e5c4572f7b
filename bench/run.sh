#!/usr/bin/env bash
# mcpwarden benchmarks (`make bench` runs this after `make deps all`; root needed).
#
#   a. untracked overhead: bench/write_loop.c doing small write()s to /dev/null and to a pipe,
#      small read()s from a pipe (plain data, and data starting with '{': the worst case of
#      traffic detection), openat()+close() pairs, and getppid() (a syscall without a program of
#      its own: the tracing slow path every syscall pays), without and with mcpwarden attached (the
#      process is not tracked), and under bench/floor.c (an empty program on each of mcpwarden's
#      syscall tracepoints: what any program there costs on this kernel)
#   b. tracked throughput: bench/tools_call_bench.mjs calling server-everything's echo tool
#      over stdio, without and with mcpwarden tracking the server; the monitored runs must
#      capture every tools/call request and result; then one client and server measured in
#      paired blocks with mcpwarden started and stopped between them (bench/mw_toggle.sh),
#      with nothing pinned, pinned (client and server on CPU 0, mcpwarden on CPU 1), and pinned
#      with the BPF programs' run time counted (kernel.bpf_stats_enabled), and pinned with
#      bench/floor in place of mcpwarden; then the same paired
#      blocks, pinned, with bench/pair_loop.c (a C client and server doing an MCP call's
#      syscalls and nothing else), also against bench/floor
#   c. collector decode rate: bench/decode_bench.c replaying stdio traffic through the decoder
#   d. timeline actions of an untracked process: bench/action_loop.c doing fork+exec of
#      /bin/true, openat()+close() of a file, and loopback TCP connect()+close(), with no
#      monitor, with mcpwarden (not tracking the loop), and with libbpf-tools' execsnoop and
#      opensnoop (output to /dev/null) and strace -f for comparison (installed with apt-get if
#      missing)
#   f. load (bench/load.py): collector memory with 1, 100 and 1000 tracked servers; loss under
#      10k requests/s for 60 s and 200 MiB bursts paced at 200 MiB/s (then unpaced, for the
#      ceiling); strace -f as a peer on the tracked server
#   e. enforcement: bench/enforce.sh (kill latency, and the cost of the checks on a tracked
#      process's opens, mode: monitor against mode: enforce)
#
# Baseline and monitored runs alternate within each round (A B, then B A, ...); the tables show
# medians and ratios. Nothing here asserts a timing: the exit status is non-zero only when
# something fails to run, or when a monitored run did not capture every message.
# Raw and summarised results: build/bench/results.json. Method and numbers: docs/performance.md.
#
# Knobs (environment): BENCH_ROUNDS (5), BENCH_TRACKED_ROUNDS (11), BENCH_CALLS (3000),
# BENCH_BUILD_ONLY (unset; 1: build the binaries, run nothing: make test does),
# BENCH_WARMUP (200), BENCH_PAIRS (20: pairs of blocks per placement of the paired runs of b;
# 0: none), BENCH_PAIR_CALLS (10000: calls per block), BENCH_PAIR_WARMUP (5000: the JIT of both
# Node processes goes on speeding them up for a few thousand calls), BENCH_STATS_PAIRS (5),
# BENCH_CPAIRS (10: pairs of blocks per placement of bench/pair_loop.c; 0: none),
# BENCH_CPAIR_CALLS (100000), BENCH_CPAIR_WARMUP (20000),
# BENCH_LOOP_SECONDS (0.4: target length of one write_loop run),
# BENCH_DECODE_PAIRS (25000), BENCH_ACTION_SECONDS (0.4: target length of one action_loop run;
# the exec loop runs 2.5 times as long), BENCH_WAIT_QUIET (0: before each run, seconds to wait for a host
# with no other mcpwarden and no tracing BPF programs; the run goes on regardless afterwards,
# and results.json records what was seen), BENCH_ONLY (abdef: the sections to run, e.g. "ab" to
# re-measure a and b alone; the report leaves out the others).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ROUNDS=${BENCH_ROUNDS:-5}
TRACKED_ROUNDS=${BENCH_TRACKED_ROUNDS:-11}
CALLS=${BENCH_CALLS:-3000}
WARMUP=${BENCH_WARMUP:-200}
PAIRS=${BENCH_PAIRS:-20}
PAIR_CALLS=${BENCH_PAIR_CALLS:-10000}
PAIR_WARMUP=${BENCH_PAIR_WARMUP:-5000}
STATS_PAIRS=${BENCH_STATS_PAIRS:-5}
CPAIRS=${BENCH_CPAIRS:-10}
CPAIR_CALLS=${BENCH_CPAIR_CALLS:-100000}
CPAIR_WARMUP=${BENCH_CPAIR_WARMUP:-20000}
LOOP_SECONDS=${BENCH_LOOP_SECONDS:-0.4}
DECODE_PAIRS=${BENCH_DECODE_PAIRS:-25000}
ACTION_SECONDS=${BENCH_ACTION_SECONDS:-0.4}
WAIT_QUIET_S=${BENCH_WAIT_QUIET:-0}
ONLY=${BENCH_ONLY:-abcdef}
QUIET_POLL_S=5
READY_TIMEOUT_S=30
SETTLE_TIMEOUT_S=10
CALIBRATE_COUNT=50000
LOOP_COUNT_MIN=20000

MW_PID=
PAIRS_DIR=
SNOOP_PID=
CLIENT_PID=
SERVER_PIDFILE=
SERVER_PID=
MAX_OTHERS=0            # most other mcpwarden processes seen before a run
MAX_LINKS=0             # most tracing BPF links seen before a run
START_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
GIT_REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo -dirty)

die() {
	echo "bench: ERROR: $*" >&2
	exit 1
}

log() {
	echo "bench: $*" >&2
}

cleanup() {
	local spid

	if [ -n "$CLIENT_PID" ]; then
		kill -TERM "$CLIENT_PID" 2>/dev/null || true
	fi
	if [ -n "$SERVER_PIDFILE" ] && [ -s "$SERVER_PIDFILE" ]; then
		spid=$(cat "$SERVER_PIDFILE")
		kill -TERM "$spid" 2>/dev/null || true
	fi
	if [ -n "$SNOOP_PID" ]; then
		kill -INT "$SNOOP_PID" 2>/dev/null || true
		wait "$SNOOP_PID" 2>/dev/null || true
	fi
	for spid in mw floor; do        # bench_pairs, bench_cpairs (mw_toggle.sh)
		if [ -n "$PAIRS_DIR" ] && [ -s "$PAIRS_DIR/$spid.pid" ] && [ ! -e "$PAIRS_DIR/$spid.rc" ]; then
			kill -TERM "$(cat "$PAIRS_DIR/$spid.pid")" 2>/dev/null || true
		fi
	done
	if [ -n "$PAIRS_DIR" ] && [ -s "$PAIRS_DIR/stats_was" ]; then   # a block with bpf_stats
		sysctl -q -w kernel.bpf_stats_enabled="$(cat "$PAIRS_DIR/stats_was")" || true
	fi
	if [ -n "$MW_PID" ]; then
		kill -CONT "$MW_PID" 2>/dev/null || true        # it may be paused (bench_tracked)
		kill -TERM "$MW_PID" 2>/dev/null || true
		wait "$MW_PID" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- set-up ----

# The value of a Makefile variable (single quotes: make, not the shell, expands it).
make_var() {
	# shellcheck disable=SC2016
	make -s --no-print-directory --eval='bench-print-%: ; @echo $($*)' "bench-print-$1"
}

preflight() {
	[ "$(id -u)" -eq 0 ] || die "benchmarks load BPF programs: run as root"
	OUT=$(make_var OUT) || die "cannot read OUT from the Makefile"
	BENCH="$OUT/bench"
	MW="$OUT/mcpwarden"
	[ -x "$MW" ] || die "$MW is missing: run 'make' first"
	BINARY_CURRENT=true
	if ! make -s -q --no-print-directory all 2>/dev/null; then
		BINARY_CURRENT=false
		log "WARNING: $MW is older than its sources: these numbers are for the old build" \
		    "(make bench rebuilds first)"
	fi
	command -v node >/dev/null || die "node is not installed (make deps)"
	command -v python3 >/dev/null || die "python3 is not installed (make deps)"
	command -v bpftool >/dev/null || die "bpftool is not installed (make deps)"
	EXECSNOOP=$(command -v execsnoop || echo /usr/sbin/execsnoop)
	OPENSNOOP=$(command -v opensnoop || echo /usr/sbin/opensnoop)
	if [ ! -x "$EXECSNOOP" ] || [ ! -x "$OPENSNOOP" ]; then
		log "installing libbpf-tools (execsnoop, opensnoop) for the comparison in d"
		DEBIAN_FRONTEND=noninteractive apt-get install -y libbpf-tools >&2 ||
			die "cannot install libbpf-tools"
		EXECSNOOP=$(command -v execsnoop || echo /usr/sbin/execsnoop)
		OPENSNOOP=$(command -v opensnoop || echo /usr/sbin/opensnoop)
		[ -x "$EXECSNOOP" ] && [ -x "$OPENSNOOP" ] ||
			die "libbpf-tools installed no execsnoop/opensnoop"
	fi
	SNOOP_VERSION=$(dpkg-query -W -f '${Version}' libbpf-tools 2>/dev/null || echo unknown)
	if ! command -v strace >/dev/null; then
		log "installing strace for the comparisons in d and f"
		DEBIAN_FRONTEND=noninteractive apt-get install -y strace >&2 || die "cannot install strace"
	fi
	tests/e2e/install.sh >&2 || die "tests/e2e/install.sh failed (the tracked benchmark needs the MCP SDK)"
	mkdir -p "$BENCH"
	rm -f "$BENCH"/*.jsonl "$BENCH"/*.err
	RAW="$BENCH/raw.jsonl"
	: > "$RAW"
}

build() {
	local cflags mods m srcs=()

	# The Makefile's flags (same warnings, -Werror, -O2), minus its dependency-file output.
	cflags=$(make_var CFLAGS) || die "cannot read CFLAGS from the Makefile"
	cflags=$(echo "$cflags" | sed -e 's/-MMD//' -e 's/-MP//')
	# The pure modules (user/decode.c and what it needs), as the Makefile lists them.
	mods=$(make_var PURE_MODS) || die "cannot read PURE_MODS from the Makefile"
	for m in $mods; do
		if [ -f "user/$m.c" ]; then
			srcs+=("user/$m.c")
		else
			srcs+=("user/$m.S")     # policy_default: the built-in policy, incbin
		fi
	done
	log "building bench binaries in $BENCH"
	# shellcheck disable=SC2086
	gcc $cflags bench/write_loop.c -o "$BENCH/write_loop" ||
		die "cannot build bench/write_loop.c"
	# shellcheck disable=SC2086
	gcc $cflags bench/action_loop.c -o "$BENCH/action_loop" ||
		die "cannot build bench/action_loop.c"
	# shellcheck disable=SC2086
	gcc $cflags bench/floor.c -o "$BENCH/floor" -lbpf || die "cannot build bench/floor.c"
	# shellcheck disable=SC2086
	gcc $cflags bench/mini_server.c -o "$BENCH/mini_server" ||
		die "cannot build bench/mini_server.c"
	# shellcheck disable=SC2086
	gcc $cflags bench/pair_loop.c -o "$BENCH/pair_loop" || die "cannot build bench/pair_loop.c"
	# shellcheck disable=SC2086
	gcc $cflags bench/decode_bench.c "${srcs[@]}" user/output.c user/proc.c -o "$BENCH/decode_bench" \
		-ljansson -lyaml -lhtp -lz || die "cannot build bench/decode_bench.c (are the user/ decoder modules complete?)"
}

other_monitors() {
	local n=0 p

	for p in $(pgrep -x mcpwarden || true); do
		[ "$p" = "$MW_PID" ] || n=$((n + 1))
	done
	echo "$n"
}

# Tracing BPF links attached on the host (call only while our mcpwarden is stopped).
foreign_links() {
	bpftool -j link list 2>/dev/null | python3 -c '
import json, sys
try:
    links = json.load(sys.stdin) or []
except ValueError:
    links = []
kinds = {"perf_event", "raw_tracepoint", "tracing", "kprobe_multi", "uprobe_multi"}
print(sum(1 for l in links if l.get("type") in kinds))'
}

wait_quiet() {
	local deadline=$((SECONDS + WAIT_QUIET_S)) said=

	while [ "$(other_monitors)" -gt 0 ] || [ "$(foreign_links)" -gt 0 ]; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			[ "$WAIT_QUIET_S" -eq 0 ] || log "the host is still busy after ${WAIT_QUIET_S}s; going on"
			return
		fi
		[ -n "$said" ] || log "waiting up to ${WAIT_QUIET_S}s for other BPF tracers to go away"
		said=1
		sleep "$QUIET_POLL_S"
	done
}

# Before every run: other monitors or tracing programs would slow the baseline too (and the
# monitored run). Waits for them when BENCH_WAIT_QUIET allows, then notes what is left.
check_quiet() {
	local others links

	wait_quiet
	others=$(other_monitors)
	links=$(foreign_links)
	[ "$others" -le "$MAX_OTHERS" ] || MAX_OTHERS=$others
	[ "$links" -le "$MAX_LINKS" ] || MAX_LINKS=$links
	if [ "$others" -gt 0 ] || [ "$links" -gt 0 ]; then
		log "WARNING: $others other mcpwarden process(es) and $links tracing BPF link(s) are" \
		    "active before a run: the numbers will be skewed"
	fi
}

write_meta() {
	local cpu

	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
	python3 - "$BENCH/meta.json" <<EOF
import json, sys
programs = []
for name in ("untracked.r1.jsonl", "tools_call.mcpwarden.jsonl"):
    try:
        with open("$BENCH/" + name, encoding="utf-8") as f:
            programs = json.loads(f.readline()).get("programs", [])
        break
    except FileNotFoundError:
        pass
meta = {
    "machine": {"cpu": """${cpu:-unknown}""", "nproc": $(nproc), "kernel": "$(uname -r)",
                "cpu_family_model": "$(lscpu 2>/dev/null | awk -F: '/^CPU family/ {f=$2} /^Model:/ {m=$2} END {gsub(/ /, "", f); gsub(/ /, "", m); print f "/" m}')",
                "meltdown": """$(cat /sys/devices/system/cpu/vulnerabilities/meltdown 2>/dev/null || echo unknown)""",
                "mem_total_kb": $(awk '/MemTotal/ {print $2}' /proc/meminfo)},
    "run": {"date": "$START_DATE", "seconds": $SECONDS, "rounds": $ROUNDS, "tracked_rounds": $TRACKED_ROUNDS, "calls": $CALLS, "pairs": $PAIRS, "pair_calls": $PAIR_CALLS, "pair_warmup": $PAIR_WARMUP, "stats_pairs": $STATS_PAIRS,
            "cpairs": $CPAIRS, "cpair_calls": $CPAIR_CALLS, "cpair_warmup": $CPAIR_WARMUP,
            "warmup": $WARMUP, "loop_seconds": $LOOP_SECONDS, "decode_pairs": $DECODE_PAIRS,
            "mcpwarden_version": """$("$MW" --version 2>&1 | head -n1)""",
            "git": "$GIT_REV", "sections": "$ONLY", "binary_current": $( [ "$BINARY_CURRENT" = true ] && echo True || echo False),
            "programs": programs,
            "other_monitors_max": $MAX_OTHERS, "foreign_bpf_links_max": $MAX_LINKS},
}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
}

# ---- mcpwarden ----

# mw_start JSONL [OPTION...]: start mcpwarden and wait for its ready record.
# wait_ready PID OUT WHAT: until OUT holds a ready record; dies, naming WHAT and its stderr
# (OUT.err), if the process exits first or READY_TIMEOUT_S pass.
wait_ready() {
	local pid=$1 out=$2 what=$3 deadline=$((SECONDS + READY_TIMEOUT_S))

	until grep -q '"event":"ready"' "$out" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || true
			die "$what exited before it was ready: $(cat "$out.err")"
		fi
		[ "$SECONDS" -lt "$deadline" ] ||
			die "$what wrote no ready record to $out within ${READY_TIMEOUT_S}s"
		sleep 0.05
	done
}

mw_start() {
	local jsonl=$1

	shift
	rm -f "$jsonl"
	"$MW" --quiet --jsonl "$jsonl" "$@" 2>"$jsonl.err" &
	MW_PID=$!
	wait_ready "$MW_PID" "$jsonl" mcpwarden
	MW_CPU0=$(mw_cpu_ticks)
}

# Wait until mcpwarden's JSONL stops growing (it flushes at least every 100 ms): the records
# still in the ring buffer are then written, and their CPU time counted by mw_stop.
mw_settle() {
	local jsonl=$1 deadline=$((SECONDS + SETTLE_TIMEOUT_S)) size=-1 now

	while now=$(stat -c %s "$jsonl") && [ "$now" != "$size" ] && [ "$SECONDS" -lt "$deadline" ]; do
		size=$now
		sleep 0.3
	done
}

# User + system CPU time of mcpwarden so far, in clock ticks.
mw_cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$MW_PID/stat" 2>/dev/null || echo 0
}

# Stop mcpwarden cleanly. MW_HWM_KB gets its peak RSS, MW_ANON_KB its anonymous (heap) RSS
# now, MW_CPU_S the CPU time it used since it was ready.
mw_stop() {
	local rc=0

	MW_HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$MW_PID/status" 2>/dev/null || echo 0)
	MW_ANON_KB=$(awk '/^RssAnon:/ {print $2}' "/proc/$MW_PID/status" 2>/dev/null || echo 0)
	MW_CPU_S=$(awk -v t="$(mw_cpu_ticks)" -v t0="$MW_CPU0" -v hz="$(getconf CLK_TCK)" \
		'BEGIN {printf "%.3f", (t - t0) / hz}')
	kill -INT "$MW_PID" 2>/dev/null || die "mcpwarden (pid $MW_PID) died during the benchmark"
	wait "$MW_PID" || rc=$?
	MW_PID=
	[ "$rc" -eq 0 ] || die "mcpwarden exited with status $rc: $(cat "$1.err")"
}

# variants ROUND NAME...: the names rotated by ROUND-1, so each goes first in turn
# (two variants: A B, B A, A B, ...).
variants() {
	local r=$1 n i

	shift
	n=$#
	for ((i = 0; i < n; i++)); do
		local k=$(((r - 1 + i) % n + 1))
		echo "${!k}"
	done
}

# ---- a. untracked overhead ----

# name mode size
LOOP_CASES=(
	"write-null-64B write-null 64"
	"write-pipe-64B write-pipe 64"
	"read-pipe-64B read-pipe 64"
	"read-pipe-json-64B read-pipe-json 64"
	"read-pipe-json-1KiB read-pipe-json 1024"
	"read-pipe-post-2KiB read-pipe-post 2048"
	"read-pipe-post-8KiB read-pipe-post 8192"
	"open-close open-close 64"
	"getppid getppid 64"
)
declare -A LOOP_COUNT

# Iterations that make each case last about BENCH_LOOP_SECONDS of timed syscalls.
calibrate_loops() {
	local c name mode size ns

	for c in "${LOOP_CASES[@]}"; do
		read -r name mode size <<<"$c"
		ns=$("$BENCH/write_loop" "$mode" "$CALIBRATE_COUNT" "$size" |
		     python3 -c 'import json,sys; print(json.load(sys.stdin)["ns"])') ||
			die "write_loop $mode failed"
		LOOP_COUNT[$name]=$(python3 -c \
			"print(max($LOOP_COUNT_MIN, int($CALIBRATE_COUNT * $LOOP_SECONDS * 1e9 / $ns)))")
	done
}

run_loops() {
	local round=$1 variant=$2 c name mode size out

	for c in "${LOOP_CASES[@]}"; do
		read -r name mode size <<<"$c"
		out=$("$BENCH/write_loop" "$mode" "${LOOP_COUNT[$name]}" "$size") ||
			die "write_loop $mode ${LOOP_COUNT[$name]} $size failed"
		printf '{"bench":"untracked","case":"%s","variant":"%s","round":%d,"data":%s}\n' \
			"$name" "$variant" "$round" "$out" >>"$RAW"
	done
}

# floor_start: empty programs on mcpwarden's syscall tracepoints (bench/floor.c), attached.
floor_start() {
	local out="$BENCH/floor.out"

	"$BENCH/floor" "$(dirname "$MW")/mcpwarden.bpf.o" >"$out" 2>"$out.err" &
	SNOOP_PID=$!
	wait_ready "$SNOOP_PID" "$out" bench/floor
}

floor_stop() {
	kill -INT "$SNOOP_PID" 2>/dev/null || die "bench/floor (pid $SNOOP_PID) died during the benchmark"
	wait "$SNOOP_PID" || die "bench/floor exited with status $?"
	SNOOP_PID=
}

# Variants: baseline (nothing attached), mcpwarden (default options; the loop is not tracked)
# and floor (bench/floor.c: an empty program on each of mcpwarden's syscall tracepoints, the
# least any program there costs).
bench_untracked() {
	local r v jsonl check

	log "a. untracked overhead: calibrating"
	calibrate_loops
	for r in $(seq 1 "$ROUNDS"); do
		log "a. untracked overhead: round $r/$ROUNDS"
		for v in $(variants "$r" baseline mcpwarden floor); do
			check_quiet
			if [ "$v" = baseline ]; then
				run_loops "$r" "$v"
				continue
			fi
			if [ "$v" = floor ]; then
				floor_start
				run_loops "$r" "$v"
				floor_stop
				continue
			fi
			jsonl="$BENCH/untracked.r$r.jsonl"
			mw_start "$jsonl"
			run_loops "$r" "$v"
			mw_stop "$jsonl"
			check=$(python3 bench/report.py untracked "$jsonl" write_loop)
			case "$check" in
			*'"ok": true'*) ;;
			*) die "write_loop was tracked by mcpwarden ($jsonl): the untracked benchmark is void";;
			esac
		done
	done
}

# ---- b. tracked server throughput ----

# run_client OUT: run the client, its JSON line to OUT; the server's PID to SERVER_PID.
run_client() {
	local out=$1 rc=0

	SERVER_PIDFILE="$BENCH/server.pid"
	rm -f "$SERVER_PIDFILE"
	node bench/tools_call_bench.mjs --calls "$CALLS" --warmup "$WARMUP" \
		--pidfile "$SERVER_PIDFILE" >"$out" 2>"$out.err" &
	CLIENT_PID=$!
	wait "$CLIENT_PID" || rc=$?
	CLIENT_PID=
	[ "$rc" -eq 0 ] || die "tools_call_bench.mjs failed (status $rc): $(tail -n 5 "$out.err")"
	SERVER_PID=$(cat "$SERVER_PIDFILE")
	SERVER_PIDFILE=         # the client stopped its server: nothing left to clean up
}

# One monitored run (variant mcpwarden, attached or paused, see bench_tracked); appends its raw
# record, with what was captured for the variants that track the server.
tracked_run() {
	local r=$1 v=$2 out=$3 jsonl="$BENCH/tools_call.$2.jsonl" cap extra=

	if [ "$v" = attached ]; then
		mw_start "$jsonl" --no-detect --no-default-match
	elif [ "$v" = paused ]; then
		mw_start "$jsonl" --ringbuf-mb 64    # holds the whole run while the collector is stopped
	else
		mw_start "$jsonl"
	fi
	[ "$v" != paused ] || kill -STOP "$MW_PID"
	run_client "$out"
	[ "$v" != paused ] || kill -CONT "$MW_PID"
	mw_settle "$jsonl"
	mw_stop "$jsonl"
	if [ "$v" != attached ]; then
		cap=$(python3 bench/report.py capture "$jsonl" "$SERVER_PID" $((CALLS + WARMUP))) ||
			die "cannot read $jsonl"
		case "$cap" in
		*'"ok": true'*) ;;
		*) log "WARNING: round $r ($v): mcpwarden did not capture every tools/call: $cap";;
		esac
		extra=",\"capture\":$cap"
	fi
	printf '{"bench":"tools_call","variant":"%s","round":%d,"mw_hwm_kb":%d,"mw_anon_kb":%d,"mw_cpu_s":%s,"data":%s%s}\n' \
		"$v" "$r" "$MW_HWM_KB" "$MW_ANON_KB" "$MW_CPU_S" "$(cat "$out")" "$extra" >>"$RAW"
}

# Variants: baseline (no mcpwarden); mcpwarden (tracking the server: the number that counts);
# and two that split its cost: attached (mcpwarden loaded with detection and default patterns
# off, so the server is not tracked: the hooks every process pays) and paused (tracking, but the
# collector is stopped with SIGSTOP until the client is done, so only the in-kernel capture
# runs during the calls; the ring buffer holds the whole run and is decoded afterwards).
bench_tracked() {
	local r v out="$BENCH/tools_call.out"

	for r in $(seq 1 "$TRACKED_ROUNDS"); do
		log "b. tracked server: round $r/$TRACKED_ROUNDS"
		for v in $(variants "$r" baseline mcpwarden attached paused); do
			check_quiet
			if [ "$v" != baseline ]; then
				tracked_run "$r" "$v" "$out"
				continue
			fi
			run_client "$out"
			printf '{"bench":"tools_call","variant":"%s","round":%d,"data":%s}\n' \
				"$v" "$r" "$(cat "$out")" >>"$RAW"
		done
	done
}

# pairs_dir PLACEMENT: a fresh PAIRS_DIR for the toggles of one placement.
pairs_dir() {
	PAIRS_DIR="$BENCH/pairs.$1"
	rm -rf "$PAIRS_DIR"
	mkdir -p "$PAIRS_DIR"
	check_quiet
}

# pairs_record PLACEMENT OUT: the paired blocks printed to OUT (and the programs' run time, if
# counted) into the raw results.
pairs_record() {
	python3 - "$1" "$2" "$PAIRS_DIR/bpf_stats.jsonl" >>"$RAW" <<'PY' ||
import json, os, sys
placement, out, stats = sys.argv[1:4]
rec = {"bench": "tools_call_pairs", "placement": placement, "data": json.load(open(out))}
if os.path.exists(stats):
    rec["bpf_stats"] = [json.loads(l) for l in open(stats) if l.strip()]
print(json.dumps(rec))
PY
		die "cannot record the paired blocks ($1)"
	PAIRS_DIR=
}

# Paired blocks (tools_call_bench.mjs --pairs): one client and one server, warmed up for
# PAIR_WARMUP calls, then PAIRS pairs of blocks of PAIR_CALLS calls, mcpwarden started before
# and stopped after each "on" block by bench/mw_toggle.sh (which checks that it captured the
# block's every call). The process pair, its JIT state and its CPUs stay the same; only
# mcpwarden changes. Placements: "scheduler" (nothing pinned, as in the rounds above);
# "pinned" (client and server on CPU 0, mcpwarden on CPU 1: no cross-CPU wake-ups between
# client and server, so each call is pure CPU work and mcpwarden's in-kernel cost shows in
# full); "pinned-bpf-stats" (pinned, with kernel.bpf_stats_enabled on during the "on" blocks:
# mcpwarden's programs' run time per call; the timing itself slows them, so its ratio is not
# reported as the result); "pinned-floor" (pinned, with bench/floor started and stopped instead
# of mcpwarden: what the kernel charges this call for running any program on mcpwarden's
# syscall tracepoints, before mcpwarden's own work).
# pairs_client PLACEMENT CPU CMD...: run CMD, the client of one placement's paired blocks, with
# mw_toggle.sh as its --on and --off: toggling bench/floor for a "*-floor" placement and
# mcpwarden otherwise (with kernel.bpf_stats_enabled for a "*-bpf-stats" one), pinned to CPU
# (empty: not pinned). Waits for CMD and records what it printed.
pairs_client() {
	local placement=$1 cpu=$2 out="$BENCH/pairs.$1.out" rc=0 stats=0 on off

	shift 2
	pairs_dir "$placement"
	on="bench/mw_toggle.sh on $PAIRS_DIR"
	off="bench/mw_toggle.sh off $PAIRS_DIR {pid} {calls}"
	case "$placement" in
	*-floor) on="bench/mw_toggle.sh floor-on $PAIRS_DIR"; off="bench/mw_toggle.sh floor-off $PAIRS_DIR";;
	*-bpf-stats) stats=1;;
	esac
	MW=$MW MW_TOGGLE_STATS=$stats MW_TOGGLE_CPU=$cpu "$@" --on "$on" --off "$off" >"$out" 2>"$out.err" &
	CLIENT_PID=$!
	wait "$CLIENT_PID" || rc=$?
	CLIENT_PID=
	[ "$rc" -eq 0 ] || die "paired blocks ($placement) failed (status $rc): $(tail -n 5 "$out.err")"
	pairs_record "$placement" "$out"
}

pairs_run() {
	local placement=$1 pairs=$2 pin=() cpu=

	[ "$placement" = scheduler ] || { pin=(taskset -c 0); cpu=1; }
	log "b. paired blocks, $placement: $pairs pairs of $PAIR_CALLS calls"
	pairs_client "$placement" "$cpu" "${pin[@]}" node bench/tools_call_bench.mjs \
		--calls "$PAIR_CALLS" --warmup "$PAIR_WARMUP" --pairs "$pairs"
}

# The same paired blocks with bench/pair_loop.c, a C client and server doing the syscalls of an
# MCP call and nothing else (about 10 us per call, against 100-200 us for Node's): the worst
# case of the tracked path, free of the JIT's drift. Client and server pinned to CPU 0, the
# monitor to CPU 1. Placements: "c-pinned" (mcpwarden on and off; the "on" blocks' capture is
# checked as above), "c-pinned-bpf-stats" (with the programs' run time counted) and
# "c-pinned-floor" (bench/floor on and off instead: what the kernel charges for running any
# program on those tracepoints, before mcpwarden's own work).
cpairs_run() {
	local placement=$1 pairs=$2

	log "b. paired blocks, $placement: $pairs pairs of $CPAIR_CALLS calls"
	pairs_client "$placement" 1 taskset -c 0 "$BENCH/pair_loop" \
		--calls "$CPAIR_CALLS" --warmup "$CPAIR_WARMUP" --pairs "$pairs"
}

bench_pairs() {
	[ "$PAIRS" -gt 0 ] || return 0
	pairs_run scheduler "$PAIRS"
	pairs_run pinned "$PAIRS"
	pairs_run pinned-floor "$PAIRS"
	pairs_run pinned-bpf-stats "$STATS_PAIRS"
}

bench_cpairs() {
	[ "$CPAIRS" -gt 0 ] || return 0
	cpairs_run c-pinned "$CPAIRS"
	cpairs_run c-pinned-floor "$CPAIRS"
	cpairs_run c-pinned-bpf-stats "$STATS_PAIRS"
}

# ---- c. collector decode rate ----

# name args
DECODE_CASES=(
	"decode-64KiB-chunks|--chunk 65536 --passes 8"
	"decode-chunk-per-message|--chunk message --passes 8"
	"decode+jsonl-64KiB-chunks|--chunk 65536 --passes 2 --jsonl"
	"decode-short-64KiB-chunks|--chunk 65536 --passes 8 --short"
	"decode+jsonl-short-64KiB-chunks|--chunk 65536 --passes 2 --jsonl --short"
)

bench_decode() {
	local r c name args out

	for r in $(seq 1 "$ROUNDS"); do
		log "c. collector decode: round $r/$ROUNDS"
		check_quiet     # other tests on the host compete for the CPU too
		for c in "${DECODE_CASES[@]}"; do
			name=${c%%|*}
			args=${c#*|}
			# shellcheck disable=SC2086
			out=$("$BENCH/decode_bench" --pairs "$DECODE_PAIRS" $args) ||
				die "decode_bench $args failed"
			printf '{"bench":"decode","case":"%s","round":%d,"data":%s}\n' \
				"$name" "$r" "$out" >>"$RAW"
		done
	done
}

# ---- d. timeline actions of an untracked process ----

# name mode calibration-count seconds-factor
ACTION_CASES=(
	"exec exec 50 2.5"
	"open open 20000 1"
	"connect connect 2000 1"
)
declare -A ACTION_COUNT

calibrate_actions() {
	local c name mode cal factor ns

	for c in "${ACTION_CASES[@]}"; do
		read -r name mode cal factor <<<"$c"
		ns=$("$BENCH/action_loop" "$mode" "$cal" |
		     python3 -c 'import json,sys; print(json.load(sys.stdin)["ns"])') ||
			die "action_loop $mode failed"
		ACTION_COUNT[$name]=$(python3 -c \
			"print(max(20, int($cal * $ACTION_SECONDS * $factor * 1e9 / $ns)))")
	done
}

# CPU time (user + system) of process $1 so far, in clock ticks.
cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

# snoop_start BINARY: start a libbpf-tools tool, output to /dev/null, and wait until it has
# attached (its perf buffer's epoll fd exists: libbpf-tools create it after attaching).
snoop_start() {
	local bin=$1 deadline=$((SECONDS + READY_TIMEOUT_S)) err

	err="$BENCH/$(basename "$bin").err"
	"$bin" >/dev/null 2>"$err" &
	SNOOP_PID=$!
	until ls -l "/proc/$SNOOP_PID/fd" 2>/dev/null | grep -q 'anon_inode:\[eventpoll\]'; do
		if ! kill -0 "$SNOOP_PID" 2>/dev/null; then
			wait "$SNOOP_PID" || true
			SNOOP_PID=
			die "$bin exited before it was ready: $(cat "$err")"
		fi
		[ "$SECONDS" -lt "$deadline" ] || die "$bin did not attach within ${READY_TIMEOUT_S}s"
		sleep 0.05
	done
	sleep 0.2       # past the header line
	SNOOP_CPU0=$(cpu_ticks "$SNOOP_PID")
}

snoop_stop() {
	local rc=0

	MON_CPU_S=$(awk -v t="$(cpu_ticks "$SNOOP_PID")" -v t0="$SNOOP_CPU0" \
		-v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", (t - t0) / hz}')
	kill -INT "$SNOOP_PID" 2>/dev/null || die "the tool (pid $SNOOP_PID) died during the benchmark"
	wait "$SNOOP_PID" || rc=$?
	SNOOP_PID=
	# libbpf-tools exit 0 on SIGINT; 130 is fine too
	[ "$rc" -eq 0 ] || [ "$rc" -eq 130 ] || die "the tool exited with status $rc"
}

# strace as a peer: the loop run under strace -f, tracing the syscalls mcpwarden's timeline
# hooks for these loops (it can only trace what it runs or attaches to).
STRACE_ACTIONS=(strace -f -qq -o /dev/null -e trace=execve,openat,connect)

run_actions() {
	local round=$1 variant=$2 c name mode cal factor out wrap=()

	[ "$variant" = strace ] && wrap=("${STRACE_ACTIONS[@]}")
	for c in "${ACTION_CASES[@]}"; do
		read -r name mode cal factor <<<"$c"
		out=$("${wrap[@]}" "$BENCH/action_loop" "$mode" "${ACTION_COUNT[$name]}") ||
			die "action_loop $mode ${ACTION_COUNT[$name]} failed (variant $variant)"
		printf '{"bench":"actions","case":"%s","variant":"%s","round":%d,"data":%s}\n' \
			"$name" "$variant" "$round" "$out" >>"$RAW"
	done
}

# Variants: baseline (no monitor); mcpwarden (default options, the loop not tracked: its
# JSONL goes to a file only to check that); execsnoop; opensnoop; strace -f (the loop runs
# under it). Each monitor is started once per round and runs the three loops; its CPU time
# over them is recorded (strace's is counted in the loop's own time: recorded as 0).
bench_actions() {
	local r v jsonl check comm

	log "d. timeline actions: calibrating"
	calibrate_actions
	for r in $(seq 1 "$ROUNDS"); do
		log "d. timeline actions: round $r/$ROUNDS"
		for v in $(variants "$r" baseline mcpwarden execsnoop opensnoop strace); do
			check_quiet
			case "$v" in
			baseline)
				run_actions "$r" "$v"
				continue;;
			strace)
				run_actions "$r" "$v"
				MON_CPU_S=0;;
			mcpwarden)
				jsonl="$BENCH/actions.r$r.jsonl"
				mw_start "$jsonl"
				run_actions "$r" "$v"
				mw_settle "$jsonl"
				mw_stop "$jsonl"
				MON_CPU_S=$MW_CPU_S
				for comm in action_loop true; do
					check=$(python3 bench/report.py untracked "$jsonl" "$comm")
					case "$check" in
					*'"ok": true'*) ;;
					*) die "$comm was tracked by mcpwarden ($jsonl): the benchmark is void";;
					esac
				done;;
			execsnoop | opensnoop)
				if [ "$v" = execsnoop ]; then
					snoop_start "$EXECSNOOP"
				else
					snoop_start "$OPENSNOOP"
				fi
				run_actions "$r" "$v"
				snoop_stop;;
			esac
			printf '{"bench":"actions_cpu","variant":"%s","round":%d,"cpu_s":%s}\n' \
				"$v" "$r" "$MON_CPU_S" >>"$RAW"
		done
	done
}

# want LETTER: is that section among BENCH_ONLY?
want() {
	[[ $ONLY == *"$1"* ]]
}

# BENCH_BUILD_ONLY=1: build the bench binaries and stop (make test does, so that a change
# that breaks them fails CI, not the next make bench).
build_only() {
	OUT=$(make_var OUT) || die "cannot read OUT from the Makefile"
	BENCH="$OUT/bench"
	mkdir -p "$BENCH"
	build
	log "bench binaries built in $BENCH"
}

main() {
	local rc=0

	if [ -n "${BENCH_BUILD_ONLY:-}" ]; then
		build_only
		return 0
	fi
	[[ $ONLY =~ ^[abcdef]+$ ]] || die "BENCH_ONLY='$ONLY': give section letters among abcdef"
	preflight
	build
	check_quiet
	! want a || bench_untracked
	! want b || bench_tracked
	! want b || bench_pairs
	! want b || bench_cpairs
	! want c || bench_decode
	! want d || bench_actions
	if want e; then
		bench/enforce.sh "$MW" "$BENCH" >&2 || die "bench/enforce.sh failed"
	fi
	if want f; then
		MCPWARDEN=$MW python3 bench/load.py --out "$BENCH/load.json" >&2 ||
			die "bench/load.py failed or lost messages (see $BENCH/load.json)"
	fi
	write_meta
	python3 bench/report.py summary "$RAW" "$BENCH/meta.json" "$BENCH/results.json" || rc=$?
	log "results: $BENCH/results.json"
	if [ "$rc" -eq 3 ]; then
		die "a monitored run did not capture every tools/call message (see 'capture' in $BENCH/results.json)"
	fi
	[ "$rc" -eq 0 ] || die "bench/report.py summary failed"
}

main "$@"
