#!/usr/bin/env bash
# Enforcement benchmarks (issue 5), run by bench/run.sh (make bench) or alone, as root:
#
#   e1. kill latency: a tracked process opens a file outside its server's root under
#       mode: enforce; time from just before the open() to the parent's waitpid() returning
#       (the child must die by SIGKILL, in the kernel, at the open's exit)
#   e2. cost of the checks: a tracked process doing openat()+close() of a file inside its
#       root, with no monitor, with mcpwarden in mode: monitor, and in mode: enforce (same
#       policy otherwise); the runs alternate within each round, medians and ratios reported
#
# Usage: bench/enforce.sh MCPWARDEN OUTDIR. Knobs: BENCH_ENFORCE_ROUNDS (5),
# BENCH_ENFORCE_OPENS (200000), BENCH_ENFORCE_KILLS (500). Writes OUTDIR/enforce.json.
set -euo pipefail

MW=$1
OUTDIR=$2
ROUNDS=${BENCH_ENFORCE_ROUNDS:-5}
OPENS=${BENCH_ENFORCE_OPENS:-200000}
KILLS=${BENCH_ENFORCE_KILLS:-500}
READY_TIMEOUT_S=30

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ "$(id -u)" -eq 0 ] || { echo "bench/enforce.sh: run as root" >&2; exit 1; }
mkdir -p "$OUTDIR"
WORK=$(mktemp -d /tmp/mwbench-XXXXXX)
MW_PID=
trap '[ -n "$MW_PID" ] && kill -TERM "$MW_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

gcc -O2 -Wall -Wextra -Werror bench/enforce_bench.c -o "$OUTDIR/enforce_bench"
mkdir -p "$WORK/root" "$WORK/outside"
echo data > "$WORK/root/file"
echo secret > "$WORK/outside/secret"
for mode in monitor enforce; do
	cat > "$WORK/$mode.yaml" <<POLICY
apiVersion: mcpwarden.dev/v1
kind: Policy
mode: $mode
defaults:
  roots: [$WORK/root]
POLICY
done

# run MODE BENCH-ARGS...: the bench waits on a hold file while mcpwarden (if any) attaches.
run() {
	local mode=$1 hold="$WORK/hold" out="$WORK/out.json" pid
	shift
	rm -f "$hold"
	"$OUTDIR/enforce_bench" "$@" "$hold" > "$out" &
	pid=$!
	if [ "$mode" != none ]; then
		# the previous run's records must not pass for this one's ready record: that let
		# the bench start before enforcement was attached (the first child was not killed)
		rm -f "$WORK/mw.jsonl"
		"$MW" --quiet --no-detect --no-default-match --pid "$pid" --policy "$WORK/$mode.yaml" \
			--jsonl "$WORK/mw.jsonl" 2> "$WORK/mw.err" &
		MW_PID=$!
		for _ in $(seq $((READY_TIMEOUT_S * 20))); do
			grep -q '"event":"ready"' "$WORK/mw.jsonl" 2>/dev/null && break
			sleep 0.05
		done
		grep -q '"event":"ready"' "$WORK/mw.jsonl" 2>/dev/null ||
			{ cat "$WORK/mw.err" >&2; exit 1; }
	fi
	touch "$hold"
	if ! wait "$pid"; then
		echo "bench/enforce.sh: enforce_bench $* failed; mcpwarden's records kept in" \
			"$OUTDIR/enforce-failed.jsonl" >&2
		if [ -n "$MW_PID" ]; then
			kill -INT "$MW_PID"
			wait "$MW_PID" || true
			MW_PID=
		fi
		cp "$WORK/mw.jsonl" "$OUTDIR/enforce-failed.jsonl" 2>/dev/null
		# the kernel's losses (signal_failed, prog_missed, ...) say why a kill may not happen
		grep -h '"event":"loss"' "$WORK/mw.jsonl" >&2 || echo "bench/enforce.sh: no loss records" >&2
		exit 1
	fi
	if [ -n "$MW_PID" ]; then
		kill -INT "$MW_PID"
		wait "$MW_PID" || true
		MW_PID=
	fi
	cat "$out"
}

RAW="$OUTDIR/enforce.raw.jsonl"
: > "$RAW"
for r in $(seq "$ROUNDS"); do
	order="none monitor enforce"
	[ $((r % 2)) -eq 0 ] && order="enforce monitor none"
	for mode in $order; do
		echo "{\"round\":$r,\"setting\":\"$mode\",\"result\":$(run "$mode" opens "$OPENS" "$WORK/root/file")}" >> "$RAW"
	done
done
echo "{\"round\":0,\"setting\":\"enforce\",\"result\":$(run enforce latency "$KILLS" "$WORK/outside/secret")}" >> "$RAW"

python3 - "$RAW" "$OUTDIR/enforce.json" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
opens = {}
for r in rows:
    if r["result"]["mode"] == "opens":
        opens.setdefault(r["setting"], []).append(r["result"]["per_s"])
lat = next(r["result"] for r in rows if r["result"]["mode"] == "latency")
med = {k: statistics.median(v) for k, v in opens.items()}
out = {"opens_per_s_median": med,
       "ratio_monitor": med["monitor"] / med["none"],
       "ratio_enforce": med["enforce"] / med["none"],
       "ratio_enforce_vs_monitor": med["enforce"] / med["monitor"],
       "kill_latency": lat, "rounds": len(opens["none"])}
json.dump(out, open(sys.argv[2], "w"), indent=1)
print("e. enforcement (tracked process, openat+close inside its root; medians of %d rounds)"
      % out["rounds"])
for k in ("none", "monitor", "enforce"):
    print("   %-8s %10.0f opens/s  ratio %.3f" % (k, med[k], med[k] / med["none"]))
print("   enforce / monitor: %.3f" % out["ratio_enforce_vs_monitor"])
print("   kill latency (open outside the root -> reaped), %d kills: p50 %.1f us, p90 %.1f us, "
      "p99 %.1f us, max %.1f us" % (lat["kills"], lat["p50_us"], lat["p90_us"], lat["p99_us"],
                                    lat["max_us"]))
PY
