#!/usr/bin/env bash
# Sweep efficiency: wall time of a whole demo sweep (testbed up, cfg/testbed.yaml,
# testbed down) divided by the sum of its measure windows. The old script
# spent about 19 s per 10 s phase (ratio 1.9 per phase, before boot time).
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
need_root
build=${MP_BUILD_DIR:-build}
out=$(mktemp -d)
pfx=mpw$(( $$ % 10000 ))   # testbed prefixes: at most 8 of [a-z0-9]
tb() {  # verb [args...]
	"$build/mir-perf-testbed" "$1" --prefix "$pfx" "${@:2}"
}
trap 'tb down >/dev/null 2>&1; rm -rf "$out"' EXIT
t0=$(date +%s.%N)
tb up >/dev/null 2>&1 || { echo "testbed up failed"; exit 0; }
t1=$(date +%s.%N)
tb exec -- "$build/mir-perf" --plan cfg/testbed.yaml --out "$out" --quiet > /dev/null 2>&1
rc=$?
t2=$(date +%s.%N)
tb down >/dev/null 2>&1
t3=$(date +%s.%N)
run=$(ls -d "$out"/*/ | head -1)
# Sum of the measure windows actually measured: per phase, the span of the
# generator's measure-window samples in samples.csv (t_s, phase, window, role).
measure=$(awk -F, 'NR > 1 && $6 == "measure" && $8 == "generator" {
	if (!($3 in lo) || $1 < lo[$3]) lo[$3] = $1; if ($1 > hi[$3]) hi[$3] = $1 }
	END { for (p in lo) s += hi[p] - lo[p]; printf "%.3f", s }' "$run/samples.csv")
phases=$(($(wc -l < "$run/phases.csv") - 1))
sweep=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')
total=$(awk -v a="$t0" -v b="$t3" 'BEGIN { printf "%.3f", b - a }')
printf '%-40s %s (exit %s)\n' "phases" "$phases" "$rc"
printf '%-40s %s s\n' "sum of measure windows" "$measure"
printf '%-40s %s s\n' "mir-perf run (boot, discovery, phases)" "$sweep"
printf '%-40s %s s\n' "whole demo incl. testbed up/down" "$total"
printf '%-40s %s\n' "run / measured" "$(ratio "$sweep" "$measure")"
metric sweep_wall_per_measured "$(ratio "$sweep" "$measure")" ratio lower-is-better
metric demo_total_s "$total" s lower-is-better
