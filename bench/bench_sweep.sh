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
pfx=mpbw$$
tb=("$build/mir-perf-testbed" --prefix "$pfx")
trap '"${tb[@]}" down >/dev/null 2>&1; rm -rf "$out"' EXIT
t0=$(date +%s.%N)
"${tb[@]}" up >/dev/null 2>&1 || { echo "testbed up failed"; exit 0; }
t1=$(date +%s.%N)
"${tb[@]}" exec -- "$build/mir-perf" --plan cfg/testbed.yaml --out "$out" --quiet > /dev/null 2>&1
rc=$?
t2=$(date +%s.%N)
"${tb[@]}" down >/dev/null 2>&1
t3=$(date +%s.%N)
run=$(ls -d "$out"/*/ | head -1)
# Sum of the measure windows actually measured (phases.csv does not keep it:
# results.json does, as measure_s per phase).
measure=$(grep -o '"measure_s": *[0-9.]*' "$run/results.json" | awk -F: '{s += $2} END {printf "%.3f", s}')
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
