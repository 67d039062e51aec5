#!/usr/bin/env bash
# Runs every fuzz target `make fuzz` built for SECONDS each, starting from a
# copy of its committed seed corpus (tests/fuzz/corpus/<name>/), and prints
# one line per target: executions, coverage, corpus size and findings.
# A crash leaves its input in OUTDIR/artifacts/ and makes the script exit 1.
# Usage: run.sh [OUTDIR [SECONDS [TARGET...]]]; TARGETs (e.g. plan xsd) limit
# the run to those targets, so two invocations can share a two-core machine.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/fuzz}
secs=${2:-60}
shift $(( $# < 2 ? $# : 2 ))
only=" $* "
status=0
mkdir -p "$out/artifacts" "$out/work"
printf '%-22s %10s %12s %8s %8s %s\n' target seconds execs cov corpus findings
for bin in "$out"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin"); short=${name#fuzz_}
	[ "$only" = "  " ] || [[ "$only" == *" $short "* ]] || continue
	work="$out/work/$short"
	mkdir -p "$work"
	[ -d "tests/fuzz/corpus/$short" ] && cp -n "tests/fuzz/corpus/$short"/* "$work"/ 2>/dev/null
	log="$out/work/$short.log"
	"$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$short-" "$work" >"$log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo '?')
	files=$(ls "$work" | wc -l)
	found=$(ls "$out/artifacts" | grep -c "^$short-" || true)
	printf '%-22s %10s %12s %8s %8s %s\n' "$short" "$secs" "$execs" "$cov" "$files" "$found"
	if [ $rc -ne 0 ] || [ "$found" != 0 ]; then
		status=1
		echo "  $short: finding (exit $rc): see $log and $out/artifacts/" >&2
	fi
done
exit $status
