#!/usr/bin/env bash
# Every test layer in order: unit (pure modules under ASan/UBSan), bench-build (the bench
# binaries compile), bpf (real programs loaded
# and driven), e2e (real MCP servers from npm), stress (tests/stress: 200 concurrent sessions,
# garbage, a server killed mid-message), e2e-sanitized and stress-sanitized (subsets under the
# collector built with ASan, UBSan and LeakSanitizer, $MCPWARDEN_SAN). Each layer ends with
# "N passed, N failed"; the
# totals close the run. A layer that cannot run (no root, BPF will not load) fails.
# usage: tests/run.sh MCPWARDEN BPF_TEST UNIT_BIN...
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mcpwarden=$1
bpf_test=$2
shift 2

passed=0
failed=0
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

layer() {
	local name=$1
	shift
	echo "==== $name"
	"$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$name: no result line (exit $rc)"
		failed=$((failed + 1))
		status=1
		return
	fi
	passed=$((passed + ${line%% passed*}))
	local f=${line#*, }
	failed=$((failed + ${f%% failed*}))
	if [ "$rc" -ne 0 ]; then
		status=1
		[ "${f%% failed*}" -eq 0 ] && failed=$((failed + 1))
	fi
}

layer unit "$here/unit/run.sh" "$@"

# the bench binaries build (make bench builds them on its own; this keeps them from rotting)
bench_build() {
	if BENCH_BUILD_ONLY=1 "$here/../bench/run.sh"; then
		echo "1 passed, 0 failed"
	else
		echo "0 passed, 1 failed"
		return 1
	fi
}
layer bench-build bench_build
layer bpf "$here/bpf/run.sh" "$mcpwarden" "$bpf_test"
MCPWARDEN=$(cd "$(dirname "$mcpwarden")" && pwd)/$(basename "$mcpwarden")
export MCPWARDEN
layer e2e "$here/e2e/run.sh"
layer stress python3 "$here/stress/stress.py"
# The same collector built with ASan, UBSan and LeakSanitizer, through cases that cover every
# decoder, the policy, enforcement and the HTTP transports: a leak or any sanitizer report
# makes mcpwarden exit non-zero and the case fail.
if [ -z "${MCPWARDEN_SAN:-}" ] || [ ! -x "$MCPWARDEN_SAN" ]; then
	echo "==== e2e-sanitized"
	echo "e2e-sanitized: no sanitized collector (MCPWARDEN_SAN); build it with make test"
	failed=$((failed + 1))
	status=1
else
	MCPWARDEN=$(cd "$(dirname "$MCPWARDEN_SAN")" && pwd)/$(basename "$MCPWARDEN_SAN")
	export MCPWARDEN
	layer e2e-sanitized "$here/e2e/run.sh" sdk_everything_node python_filesystem_pipes \
		sequence_case policy_escape_route_vulnerable_fs policy_file_ops_out_of_scope enforce_file_kill \
		enforce_hold_file_kill enforce_net_deny enforce_rename_out_kill enforce_orphan_kill \
		http_sdk_streamable http_sdk_sse http_python_streamable http_sdk_client_side \
		restart_found_again_by_pin
	layer stress-sanitized python3 "$here/stress/stress.py" garbage killed_mid_message
fi
echo "==== all layers"
echo "$passed passed, $failed failed"
exit $status
