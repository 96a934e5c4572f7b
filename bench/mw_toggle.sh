#!/usr/bin/env bash
# Starts and stops mcpwarden around the "on" blocks of bench (b)'s paired runs
# (bench/tools_call_bench.mjs --pairs, which runs these commands between its blocks):
#
#   mw_toggle.sh on  DIR [MCPWARDEN OPTION...]  start mcpwarden (JSONL to DIR/mw.jsonl) and
#                                               return once it has written its ready record
#   mw_toggle.sh off DIR SERVER_PID CALLS       stop it (SIGINT: it drains and flushes), and check
#                                               that it exited 0 and captured the CALLS tools/call
#                                               requests and results of SERVER_PID, no gap, no
#                                               kernel loss (appended to DIR/captures.jsonl)
#
# Environment: MW (the mcpwarden binary; required), MW_TOGGLE_CPU (a CPU list: mcpwarden runs
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

# prog_stats OUT: every BPF program loaded, with its run counters.
prog_stats() {
	bpftool -j prog show >"$1" || die "bpftool prog show failed"
}

toggle_on() {
	local dir=$1 pid deadline=$((SECONDS + READY_TIMEOUT_S)) pin=()

	shift
	[ -n "${MW:-}" ] && [ -x "$MW" ] || die "MW must name the mcpwarden binary (got '${MW:-}')"
	[ -z "${MW_TOGGLE_CPU:-}" ] || pin=(taskset -c "$MW_TOGGLE_CPU")
	rm -f "$dir/mw.jsonl" "$dir/mw.rc" "$dir/mw.pid"
	[ "${MW_TOGGLE_STATS:-0}" != 1 ] || prog_stats "$dir/stats_pre.json"
	# A subshell waits for mcpwarden and keeps its exit status; no descriptor of the caller
	# stays open in it (the caller waits for its own pipes to close).
	( "${pin[@]}" "$MW" --quiet --jsonl "$dir/mw.jsonl" "$@" 2>"$dir/mw.err" &
	  echo $! >"$dir/mw.pid"
	  rc=0; wait $! || rc=$?
	  echo "$rc" >"$dir/mw.rc" ) </dev/null >/dev/null 2>&1 &
	until [ -s "$dir/mw.pid" ]; do sleep "$POLL_S"; done
	pid=$(cat "$dir/mw.pid")
	until grep -q '"event":"ready"' "$dir/mw.jsonl" 2>/dev/null; do
		[ ! -e "$dir/mw.rc" ] || die "mcpwarden exited (status $(cat "$dir/mw.rc")) before it was ready: $(tail -n 3 "$dir/mw.err")"
		[ "$SECONDS" -lt "$deadline" ] || die "mcpwarden (pid $pid) wrote no ready record within ${READY_TIMEOUT_S}s"
		sleep "$POLL_S"
	done
	if [ "${MW_TOGGLE_STATS:-0}" = 1 ]; then
		# what to restore (by toggle_off, or by bench/run.sh's clean-up if the run fails)
		sysctl -n kernel.bpf_stats_enabled >"$dir/stats_was" || die "cannot read kernel.bpf_stats_enabled"
		sysctl -q -w kernel.bpf_stats_enabled=1 || die "cannot turn kernel.bpf_stats_enabled on"
		prog_stats "$dir/stats0.json"
	fi
}

toggle_off() {
	local dir=$1 server=$2 calls=$3 pid deadline=$((SECONDS + EXIT_TIMEOUT_S)) cap

	pid=$(cat "$dir/mw.pid") || die "no mcpwarden started in $dir"
	if [ "${MW_TOGGLE_STATS:-0}" = 1 ]; then
		prog_stats "$dir/stats1.json"
		sysctl -q -w kernel.bpf_stats_enabled="$(cat "$dir/stats_was")" ||
			die "cannot restore kernel.bpf_stats_enabled"
		rm -f "$dir/stats_was"
		python3 bench/report.py bpfstats "$dir/stats_pre.json" "$dir/stats0.json" "$dir/stats1.json" "$calls" \
			>>"$dir/bpf_stats.jsonl" || die "cannot read the BPF program statistics"
	fi
	kill -INT "$pid" 2>/dev/null || die "mcpwarden (pid $pid) died during the block: $(tail -n 3 "$dir/mw.err")"
	until [ -e "$dir/mw.rc" ]; do
		[ "$SECONDS" -lt "$deadline" ] || die "mcpwarden (pid $pid) did not exit within ${EXIT_TIMEOUT_S}s of SIGINT"
		sleep "$POLL_S"
	done
	[ "$(cat "$dir/mw.rc")" = 0 ] || die "mcpwarden exited with status $(cat "$dir/mw.rc"): $(tail -n 3 "$dir/mw.err")"
	cap=$(python3 bench/report.py capture "$dir/mw.jsonl" "$server" "$calls") ||
		die "cannot read $dir/mw.jsonl"
	echo "$cap" >>"$dir/captures.jsonl"
	case "$cap" in
	*'"ok": true'*) ;;
	*) die "mcpwarden did not capture every tools/call of the block: $cap";;
	esac
}

case "${1:-}" in
on)  [ $# -ge 2 ] || die "usage: mw_toggle.sh on DIR [MCPWARDEN OPTION...]"; shift; toggle_on "$@";;
off) [ $# -eq 4 ] || die "usage: mw_toggle.sh off DIR SERVER_PID CALLS"; shift; toggle_off "$@";;
*)   die "usage: mw_toggle.sh on DIR [MCPWARDEN OPTION...] | off DIR SERVER_PID CALLS";;
esac
