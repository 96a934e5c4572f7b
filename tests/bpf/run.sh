#!/usr/bin/env bash
# BPF layer: every program of the real object loads and attaches (through the CLI's check
# command and through the loader), then behaviour tests drive real processes. Root needed;
# a failure to load is a failure, never a skip.
set -uo pipefail
mcpwarden=$1
bpf_test=$2
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "bpf-test: must run as root (loads BPF programs)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
echo "== mcpwarden check"
out=$("$mcpwarden" check 2>&1)
rc=$?
echo "$out"
total=$(echo "$out" | sed -n 's/^\([0-9]*\) of \([0-9]*\) programs attached$/\2/p')
attached=$(echo "$out" | sed -n 's/^\([0-9]*\) of \([0-9]*\) programs attached$/\1/p')
if [ $rc -ne 0 ] || [ -z "$total" ] || [ "$attached" != "$total" ]; then
	echo "bpf-test: 'mcpwarden check' failed (exit $rc)"
	echo "0 passed, 1 failed"
	exit 1
fi
# the same binary built with -DPROBE_READS=1 (Makefile): channel resolution on helper reads
exec "$here/../unit/run.sh" "$bpf_test" "${bpf_test}_probe_reads"
