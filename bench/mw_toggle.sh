#!/usr/bin/env bash
# Starts and stops mcpwarden around the "on" blocks of bench (b)'s paired runs
# (bench/tools_call_bench.mjs --pairs, which runs these commands between its blocks):
#
#   mw_toggle.sh on  DIR [MCPWARDEN OPTION...]  start mcpwarden (JSONL to DIR/mw.out) and
#                                               return once it has written its ready record
#   mw_toggle.sh off DIR SERVER_PID CALLS       stop it (SIGINT: it drains and flushes), and check
#                                               that it exited 0 and captured the CALLS tools/call
#                                               requests and results of SERVER_PID, no gap, no
#                                               kernel loss (appended to DIR/captures.jsonl)
#   mw_toggle.sh floor-on DIR                   start bench/floor (an empty program on each of
#                                               mcpwarden's syscall tracepoints) instead, and
#                                               return once it is attached
#   mw_toggle.sh floor-off DIR                  stop it, and check that it exited 0
#
# Environment: MW (the mcpwarden binary; required; floor-on runs the floor binary built beside it
# in bench/ on its BPF object), MW_TOGGLE_CPU (a CPU list: mcpwarden runs
# under taskset -c on it), MW_TOGGLE_STATS (1: kernel.bpf_stats_enabled is on during the block,
# and the run time of each of mcpwarden's programs per call is appended to DIR/bpf_stats.jsonl;
# its earlier value is kept in DIR/stats_was until it is restored).
# Exit status 1, with a line naming what failed, on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
READY_TIMEOUT_S=60
EXIT_TIMEOUT_S=60
POLL_S=0.02

die() {
	echo "mw_toggle.sh: $*" >&2
	exit 1
}

# start_bg DIR NAME CMD...: CMD in the background (pid in DIR/NAME.pid, exit status in
# DIR/NAME.rc once it exits, output in DIR/NAME.out and DIR/NAME.err), pinned to
# MW_TOGGLE_CPU when set; returns once its ready record is in DIR/NAME.out. A subshell waits
# for it and keeps its exit status; no descriptor of the caller stays open in it (the caller
# waits for its own pipes to close).
start_bg() {
	local dir=$1 name=$2 pid deadline=$((SECONDS + READY_TIMEOUT_S)) pin=()

	shift 2
	[ -z "${MW_TOGGLE_CPU:-}" ] || pin=(taskset -c "$MW_TOGGLE_CPU")
	rm -f "$dir/$name.out" "$dir/$name.rc" "$dir/$name.pid"
	( "${pin[@]}" "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
	  echo $! >"$dir/$name.pid"
	  rc=0; wait $! || rc=$?
	  echo "$rc" >"$dir/$name.rc" ) </dev/null >/dev/null 2>&1 &
	until [ -s "$dir/$name.pid" ]; do sleep "$POLL_S"; done
	pid=$(cat "$dir/$name.pid")
	until grep -q '"event":"ready"' "$dir/$name.out" 2>/dev/null; do
		[ ! -e "$dir/$name.rc" ] || die "$1 exited (status $(cat "$dir/$name.rc")) before it was ready: $(tail -n 3 "$dir/$name.err")"
		[ "$SECONDS" -lt "$deadline" ] || die "$1 (pid $pid) wrote no ready record within ${READY_TIMEOUT_S}s"
		sleep "$POLL_S"
	done
}

# stop_bg DIR NAME: SIGINT to what start_bg started; fails unless it exits 0 in time.
stop_bg() {
	local dir=$1 name=$2 pid deadline=$((SECONDS + EXIT_TIMEOUT_S))

	pid=$(cat "$dir/$name.pid") || die "nothing started in $dir as $name"
	kill -INT "$pid" 2>/dev/null || die "$name (pid $pid) died during the block: $(tail -n 3 "$dir/$name.err")"
	until [ -e "$dir/$name.rc" ]; do
		[ "$SECONDS" -lt "$deadline" ] || die "$name (pid $pid) did not exit within ${EXIT_TIMEOUT_S}s of SIGINT"
		sleep "$POLL_S"
	done
	[ "$(cat "$dir/$name.rc")" = 0 ] || die "$name exited with status $(cat "$dir/$name.rc"): $(tail -n 3 "$dir/$name.err")"
}

# prog_stats OUT: every BPF program loaded, with its run counters.
prog_stats() {
	bpftool -j prog show >"$1" || die "bpftool prog show failed"
}

toggle_on() {
	local dir=$1

	shift
	[ -n "${MW:-}" ] && [ -x "$MW" ] || die "MW must name the mcpwarden binary (got '${MW:-}')"
	[ "${MW_TOGGLE_STATS:-0}" != 1 ] || prog_stats "$dir/stats_pre.json"
	start_bg "$dir" mw "$MW" --quiet --jsonl - "$@"
	if [ "${MW_TOGGLE_STATS:-0}" = 1 ]; then
		# what to restore (by toggle_off, or by bench/run.sh's clean-up if the run fails)
		sysctl -n kernel.bpf_stats_enabled >"$dir/stats_was" || die "cannot read kernel.bpf_stats_enabled"
		sysctl -q -w kernel.bpf_stats_enabled=1 || die "cannot turn kernel.bpf_stats_enabled on"
		prog_stats "$dir/stats0.json"
	fi
}

toggle_off() {
	local dir=$1 server=$2 calls=$3 cap

	if [ "${MW_TOGGLE_STATS:-0}" = 1 ]; then
		prog_stats "$dir/stats1.json"
		sysctl -q -w kernel.bpf_stats_enabled="$(cat "$dir/stats_was")" ||
			die "cannot restore kernel.bpf_stats_enabled"
		rm -f "$dir/stats_was"
		python3 bench/report.py bpfstats "$dir/stats_pre.json" "$dir/stats0.json" "$dir/stats1.json" "$calls" \
			>>"$dir/bpf_stats.jsonl" || die "cannot read the BPF program statistics"
	fi
	stop_bg "$dir" mw
	cap=$(python3 bench/report.py capture "$dir/mw.out" "$server" "$calls") ||
		die "cannot read $dir/mw.out"
	echo "$cap" >>"$dir/captures.jsonl"
	case "$cap" in
	*'"ok": true'*) ;;
	*) die "mcpwarden did not capture every tools/call of the block: $cap";;
	esac
}

floor_paths() {
	[ -n "${MW:-}" ] && [ -x "$MW" ] || die "MW must name the mcpwarden binary (got '${MW:-}')"
	FLOOR=$(dirname "$MW")/bench/floor
	FLOOR_OBJ=$(dirname "$MW")/mcpwarden.bpf.o
	[ -x "$FLOOR" ] || die "no floor binary at $FLOOR (bench/run.sh builds it)"
	[ -f "$FLOOR_OBJ" ] || die "no BPF object at $FLOOR_OBJ"
}

case "${1:-}" in
floor-on)  [ $# -eq 2 ] || die "usage: mw_toggle.sh floor-on DIR"; floor_paths; start_bg "$2" floor "$FLOOR" "$FLOOR_OBJ";;
floor-off) [ $# -eq 2 ] || die "usage: mw_toggle.sh floor-off DIR"; stop_bg "$2" floor;;
on)  [ $# -ge 2 ] || die "usage: mw_toggle.sh on DIR [MCPWARDEN OPTION...]"; shift; toggle_on "$@";;
off) [ $# -eq 4 ] || die "usage: mw_toggle.sh off DIR SERVER_PID CALLS"; shift; toggle_off "$@";;
*)   die "usage: mw_toggle.sh on DIR [MCPWARDEN OPTION...] | off DIR SERVER_PID CALLS | floor-on DIR | floor-off DIR";;
esac
