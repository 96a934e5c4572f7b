#!/usr/bin/env bash
# Run each fuzz target given for SECONDS on a copy of its seed corpus (tests/fuzz/corpus/<name>)
# under WORK/corpus/<name>, so that the tracked corpus stays as it is. Crash inputs go to
# WORK/crash/<name>-*, libFuzzer's output to WORK/<name>.log. Prints one summary line per target;
# exit status is non-zero when any target failed (a crash, a leak, a sanitizer report).
# With FUZZ_RUNS=N in the environment each target also stops after N executions (whichever
# of the two limits comes first).
#   usage: run.sh SECONDS WORK BINARY...
set -u

if (( $# < 3 )); then
	echo "usage: run.sh SECONDS WORK BINARY..." >&2
	exit 2
fi
seconds=$1
work=$2
shift 2
here=$(dirname "$0")
status=0
summary=()

mkdir -p "$work/crash" "$work/corpus" || exit 1
for bin in "$@"; do
	name=$(basename "$bin")
	name=${name#fuzz_}
	corpus=$work/corpus/$name
	rm -rf "$corpus"
	cp -r "$here/corpus/$name" "$corpus" || exit 1
	echo "== fuzz_$name for ${seconds}s${FUZZ_RUNS:+ or $FUZZ_RUNS runs}"
	"$bin" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -print_final_stats=1 \
		-artifact_prefix="$work/crash/$name-" "$corpus" >"$work/$name.log" 2>&1
	rc=$?
	runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$work/$name.log" | grep -oE '[0-9]+$')
	speed=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$work/$name.log" | grep -oE '[0-9]+$')
	cov=$(grep -oE 'cov: [0-9]+' "$work/$name.log" | tail -n 1)
	if (( rc != 0 )); then
		status=1
		grep -E 'ERROR|SUMMARY|Test unit written' "$work/$name.log"
		summary+=("fuzz_$name: FAILED (exit $rc), see $work/$name.log")
	else
		summary+=("fuzz_$name: ${runs:-?} runs, ${speed:-?} exec/s, ${cov:-cov: ?}")
	fi
done
printf '%s\n' "${summary[@]}"
exit $status
