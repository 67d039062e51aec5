#!/usr/bin/env bash
# bench-limit: 1200
# The throughput search on the namespace testbed (issue 15): the DUT is
# mir-perf-forward capped with --max-pps C, 60-byte frames, goals NDR and
# PDR 0.5%, width 0.5%, trials 500 ms .. 5 s (cfg/search.yaml otherwise).
#  1. Correctness, three caps: NDR's lower bound within the width below C;
#     PDR's between C and C / (1 - 0.005) plus the width.
#  2. Repeatability: BENCH_SEARCH_REPEAT searches (default 5) of the middle
#     cap: the spread of NDR, (max - min) / median, against the width.
#  3. Speed: the search's time (search_s in throughput.csv: trials, warm-up,
#     drain and requests, domains booted before) against `method: bisection`
#     (RFC 2544's binary search, every trial final) on the same DUT in the
#     same run, interleaved, summed over the three caps.
# The figures are the testbed's: its generator and forwarder share this
# machine's cores, so a stall shows as a repeated or failed trial.
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
need_root
build=${MP_BUILD_DIR:-build}
caps=(${BENCH_SEARCH_CAPS:-20000 50000 100000})
repeat=${BENCH_SEARCH_REPEAT:-5}
width=0.5
tmp=$(mktemp -d)
pfx=mps$(( $$ % 10000 ))   # testbed prefixes: at most 8 of [a-z0-9]
tb() {  # verb [args...]
	"$build/mir-perf-testbed" "$1" --prefix "$pfx" "${@:2}"
}
trap 'tb down >/dev/null 2>&1; rm -rf "$tmp"' EXIT

# plan CAP METHOD -> path of a plan: cfg/search.yaml, one size, the DUT capped.
plan() {
	local dir="$tmp/$1-$2"
	mkdir -p "$dir"
	sed "s|^extra = \"--count-interval 1 --in eth0 --out eth1\"|extra = \"--count-interval 1 --in eth0 --out eth1 --max-pps $1\"|" \
		cfg/testbed/dut.cfg > "$dir/dut.cfg"
	sed -e "s|^  sizes: \[60, 1496\]|  sizes: [60]|" \
		-e "s|^    width: 1%|    width: $width%|" \
		-e "s|^    trial: {initial: 500ms, final: 3s}|    trial: {initial: 500ms, final: 5s}|" \
		-e "s|^    min_rate: 1000 |    method: $2\n    min_rate: 1000 |" \
		-e "s|config: testbed/dut.cfg|config: $dir/dut.cfg|" \
		-e "s|config: testbed/traffgen.cfg|config: $PWD/cfg/testbed/traffgen.cfg|" \
		cfg/search.yaml > "$dir/plan.yaml"
	for want in "sizes: \[60\]" "width: $width%" "final: 5s" "method: $2" "$dir/dut.cfg" \
		"cfg/testbed/traffgen.cfg"; do
		grep -q "$want" "$dir/plan.yaml" || { echo "cfg/search.yaml changed: no '$want' in the bench plan" >&2; return 1; }
	done
	grep -q -- "--max-pps $1" "$dir/dut.cfg" || { echo "cfg/testbed/dut.cfg changed" >&2; return 1; }
	echo "$dir/plan.yaml"
}

# search CAP METHOD -> "ndr_lower ndr_upper pdr_lower pdr_upper trials search_s status"
search() {
	local p out run
	p=$(plan "$1" "$2") || { echo "nan nan nan nan 0 nan plan"; return; }
	out=$(mktemp -d -p "$tmp")
	tb exec -- "$build/mir-perf" --plan "$p" --out "$out" --quiet > /dev/null 2>&1
	run=$(ls -d "$out"/*/ 2>/dev/null | head -1)
	if [ ! -f "$run/throughput.csv" ]; then
		echo "nan nan nan nan 0 nan no-result"
		return
	fi
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ lo[$c["goal"]] = $c["lower_pps"]; up[$c["goal"]] = $c["upper_pps"]
		  if ($c["trials"] > tr) tr = $c["trials"]; if ($c["search_s"] > s) s = $c["search_s"]
		  st = st (st == "" ? "" : "/") $c["status"] }
		END { printf "%s %s %s %s %d %.1f %s\n", lo["NDR"] == "" ? "nan" : lo["NDR"],
		      up["NDR"] == "" ? "nan" : up["NDR"], lo["PDR"] == "" ? "nan" : lo["PDR"],
		      up["PDR"] == "" ? "nan" : up["PDR"], tr, s, st }' "$run/throughput.csv"
}

tb up > /dev/null 2>&1 || { echo "testbed up failed"; exit 0; }
printf '%-8s %-9s %9s %9s %9s %9s %7s %9s  %-7s %s\n' cap method NDR_lo NDR_up PDR_lo PDR_up trials search_s NDR/cap status
t_mlr=0; t_bis=0; ndrs=(); mid=${caps[1]}
row() {  # cap method result...
	local cap=$1 m=$2; shift 2
	printf '%-8s %-9s %9s %9s %9s %9s %7s %9s  %-7s %s\n' "$cap" "$m" "$1" "$2" "$3" "$4" "$5" "$6" \
		"$(ratio "$1" "$cap")" "$7"
}
for cap in "${caps[@]}"; do
	# shellcheck disable=SC2046
	set -- $(search "$cap" mlr); row "$cap" mlr "$@"
	mlr=("$@")
	[ "$cap" = "$mid" ] && ndrs+=("$1")
	t_mlr=$(awk -v a="$t_mlr" -v b="$6" 'BEGIN { print a + b }')
	metric "search_ndr_over_cap_$cap" "$(ratio "$1" "$cap")" ratio higher-is-better
	metric "search_pdr_over_cap_$cap" "$(ratio "$3" "$cap")" ratio higher-is-better
	set -- $(search "$cap" bisection); row "$cap" bisection "$@"
	t_bis=$(awk -v a="$t_bis" -v b="$6" 'BEGIN { print a + b }')
	metric "bisection_ndr_over_cap_$cap" "$(ratio "$1" "$cap")" ratio higher-is-better
	# Same answer within the width: the two NDRs.
	printf '%-8s %-9s NDR bisection / search %s\n' "" "" "$(ratio "$1" "${mlr[0]}")"
done
for _ in $(seq 2 "$repeat"); do
	set -- $(search "$mid" mlr); row "$mid" mlr "$@"
	ndrs+=("$1")
done
med=$(median "${ndrs[@]}")
spread=$(printf '%s\n' "${ndrs[@]}" | awk -v m="$med" 'NR == 1 { lo = hi = $1 } { if ($1 < lo) lo = $1; if ($1 > hi) hi = $1 }
	END { if (m > 0) printf "%.3f\n", 100 * (hi - lo) / m; else print "nan" }')
echo
echo "correctness: NDR within $width% below the cap, PDR between the cap and cap / 0.995 + $width% (rows above)"
echo "repeatability: NDR of ${#ndrs[@]} searches of cap $mid: ${ndrs[*]}; spread $spread% of the median $med (goal: at most $width%)"
echo "speed: search time of the default method ${t_mlr} s, of plain bisection ${t_bis} s, over the caps: $(ratio "$t_bis" "$t_mlr")x"
metric search_ndr_spread_pct "$spread" pct lower-is-better
metric search_speedup_vs_bisection "$(ratio "$t_bis" "$t_mlr")" x higher-is-better
