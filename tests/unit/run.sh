#!/usr/bin/env bash
# Run the unit test binaries given as arguments and add up their counts.
# The last line is always "N passed, N failed" (test cases); exit status is non-zero when a case
# failed, a binary crashed or exited non-zero, or a binary printed no counts.
set -u

passed=0
failed=0
status=0

if (( $# == 0 )); then
	echo "run.sh: no test binaries given" >&2
	echo "0 passed, 0 failed"
	exit 1
fi

log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT

for bin in "$@"; do
	echo "== $(basename "$bin")"
	"$bin" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	counts=$(grep -E '^# unit: passed=[0-9]+ failed=[0-9]+$' "$log" | tail -n 1)
	if [[ -z $counts ]]; then
		echo "$bin: exited $rc without reporting its counts (crash?)"
		failed=$((failed + 1))
		status=1
		continue
	fi
	p=${counts#*passed=}
	p=${p%% *}
	f=${counts##*failed=}
	passed=$((passed + p))
	failed=$((failed + f))
	if (( rc != 0 )); then
		status=1
		if (( f == 0 )); then
			echo "$bin: exited $rc after all its cases passed"
			failed=$((failed + 1))
		fi
	fi
done

(( failed == 0 )) || status=1
echo "$passed passed, $failed failed"
exit $status
