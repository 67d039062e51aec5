#!/usr/bin/env bash
# make bench: runs every bench/bench_*.sh in turn, prints each one's table,
# then all figures as one current-bench JSON object. Benchmarks report
# figures; they never pass or fail on them. Bounded: each bench has a limit,
# BENCH_LIMIT seconds, or its own from a "# bench-limit: N" line.
set -uo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
export MP_BUILD_DIR=$build
limit=${BENCH_LIMIT:-300}
metrics=$(mktemp)
trap 'rm -f "$metrics"' EXIT
echo "mir-perf benchmarks: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -n), $(nproc) cores, kernel $(uname -r)"
for b in bench/bench_*.sh; do
	name=$(basename "${b%.sh}"); name=${name#bench_}
	echo
	echo "== $name"
	own=$(sed -n 's/^# bench-limit: \([0-9]*\)$/\1/p' "$b")
	timeout --kill-after=10 "${own:-$limit}" bash "$b" | while IFS= read -r line; do
		case "$line" in
		metric$'\t'*) printf '%s\t%s\n' "$name" "${line#metric$'\t'}" >> "$metrics" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done
done
echo
echo "== current-bench JSON"
awk -F'\t' '
	function q(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
	{ if (!($1 in seen)) { order[++n] = $1; seen[$1] = 1 }
	  m[$1] = m[$1] (m[$1] == "" ? "" : ", ") "{\"name\": " q($2) ", \"value\": " ($3 == "nan" ? "null" : $3) ", \"units\": " q($4) ", \"trend\": " q($5) "}" }
	END {
		printf "{\"name\": \"mir-perf\", \"results\": ["
		for (i = 1; i <= n; i++)
			printf "%s{\"name\": %s, \"metrics\": [%s]}", (i > 1 ? ", " : ""), q(order[i]), m[order[i]]
		print "]}"
	}' "$metrics"
