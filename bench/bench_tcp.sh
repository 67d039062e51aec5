#!/usr/bin/env bash
# bench-limit: 1500
# TCP through the DUT on the namespace testbed (issue 22): cfg/tcp.yaml
# (iperf3 through mir-perf-forward --both, 1 and 4 streams) with
# BENCH_TCP_REPS repetitions (default 10) of BENCH_TCP_SECONDS (5) each.
#  1. Cost of the forwarder: the sweep's receiver Gbit/s against TCP
#     straight over one veth pair between two namespaces (the same iperf3,
#     the same options, no DUT, no bridges), in the same run, the direct
#     runs half before and half after the sweep: the ratio of the means,
#     and the coefficient of variation of each.
#  2. Repeatability: the same plan run a second time; `mir-perf compare`
#     of the two runs (Welch's t-test on the repetitions) should find no
#     significant change.
# The figures are the testbed's on a shared 2-core machine: they say what
# the instrument adds and how steady it is, not what Xen does.
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
need_root
command -v iperf3 >/dev/null || { echo "bench_tcp: skipped: iperf3 is not installed (make deps)" >&2; exit 0; }
build=${MP_BUILD_DIR:-build}
reps=${BENCH_TCP_REPS:-10}
secs=${BENCH_TCP_SECONDS:-5}
tmp=$(mktemp -d)
pfx=mpt$(( $$ % 10000 ))
tb() {  # verb [args...]
	"$build/mir-perf-testbed" "$1" --prefix "$pfx" "${@:2}"
}
trap 'tb down >/dev/null 2>&1; bench_ns_cleanup "$pfx"; rm -rf "$tmp"' EXIT
tb up > /dev/null || { echo "bench_tcp: the testbed did not come up" >&2; exit 1; }

# The plan: cfg/tcp.yaml with this bench's repetitions and duration.
plan=$tmp/tcp.yaml
sed -e "s|^    duration: 5s |    duration: ${secs}s |" \
	-e "s|^    repetitions: 5 |    repetitions: $reps |" \
	-e "s|config: testbed/|config: $PWD/cfg/testbed/|" cfg/tcp.yaml > "$plan"
for want in "duration: ${secs}s" "repetitions: $reps" "$PWD/cfg/testbed/dut-both.cfg"; do
	grep -q "$want" "$plan" || { echo "cfg/tcp.yaml changed: no '$want' in the bench plan" >&2; exit 1; }
done

# sweep -> the run directory of one sweep of the plan
sweep() {
	local out
	out=$(mktemp -d -p "$tmp")
	tb exec -- "$build/mir-perf" --plan "$plan" --out "$out" --quiet > "$out.log" 2>&1
	ls -d "$out"/*/ 2>/dev/null | head -1
}

# The receiver Gbit/s of the ok repetitions of STREAMS in RUN's tcp.csv.
rates() {  # run streams
	awk -F, -v s="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["streams"] == s && $c["status"] == "ok" { print $c["receiver_gbps"] }' "$1/tcp.csv"
}

# Mean and coefficient of variation (%) of the numbers on stdin.
stats() {
	awk '{ x[NR] = $1; s += $1 } END {
		if (NR == 0) { print "nan nan 0"; exit }
		m = s / NR; for (i = 1; i <= NR; i++) v += (x[i] - m) ^ 2
		sd = NR > 1 ? sqrt(v / (NR - 1)) : 0
		printf "%.4f %.2f %d\n", m, (m > 0 ? 100 * sd / m : 0), NR }'
}

# TCP straight over one veth pair: STREAMS, one run; its receiver Gbit/s.
ns_a=$pfx-va ns_b=$pfx-vb
ip netns add "$ns_a" && ip netns add "$ns_b"
ip -n "$ns_a" link add va type veth peer name vb netns "$ns_b"
ip -n "$ns_a" addr add 10.203.0.1/24 dev va
ip -n "$ns_b" addr add 10.203.0.2/24 dev vb
for n in "$ns_a" "$ns_b"; do ip -n "$n" link set lo up; done
ip -n "$ns_a" link set va up && ip -n "$ns_b" link set vb up
direct() {  # streams
	local srv
	ip netns exec "$ns_b" iperf3 -s -1 -B 10.203.0.2 -p 5299 > /dev/null 2>&1 &
	srv=$!
	sleep 0.3
	ip netns exec "$ns_a" iperf3 -c 10.203.0.2 -B 10.203.0.1 -p 5299 -t "$secs" -P "$1" -J \
		2>/dev/null | awk '/"sum_received"/ { r = 1 } r && /"bits_per_second"/ {
			gsub(/[^0-9.e+]/, "", $2); printf "%.6f\n", $2 / 1e9; exit }'
	wait "$srv" 2>/dev/null
}

declare -A d
half=$(( reps / 2 ))
for s in 1 4; do for i in $(seq 1 "$half"); do d[$s]+="$(direct "$s") "; done; done
run1=$(sweep)
for s in 1 4; do for i in $(seq $(( half + 1 )) "$reps"); do d[$s]+="$(direct "$s") "; done; done
run2=$(sweep)
[ -f "$run1/tcp.csv" ] && [ -f "$run2/tcp.csv" ] || { echo "bench_tcp: a sweep failed: $(cat "$tmp"/*.log | tail -5)" >&2; exit 1; }

printf '%-9s %22s %22s %8s\n' streams "forwarder Gbit/s (CV)" "direct veth Gbit/s (CV)" ratio
for s in 1 4; do
	read -r fm fcv fn <<< "$(rates "$run1" "$s" | stats)"
	read -r dm dcv dn <<< "$(printf '%s\n' ${d[$s]} | stats)"
	printf '%-9s %13.3f (%5.2f%%) %13.3f (%5.2f%%) %8s   (%s and %s repetitions)\n' "$s" "$fm" "$fcv" "$dm" "$dcv" \
		"$(ratio "$fm" "$dm")" "$fn" "$dn"
	metric "tcp-forwarder-gbps-$s" "$fm" "Gbit/s" higher-is-better
	metric "tcp-direct-gbps-$s" "$dm" "Gbit/s" higher-is-better
	metric "tcp-forwarder-ratio-$s" "$(ratio "$fm" "$dm")" "ratio" higher-is-better
	metric "tcp-forwarder-cv-$s" "$fcv" "%" lower-is-better
	metric "tcp-direct-cv-$s" "$dcv" "%" lower-is-better
done
echo
echo "repeatability: the same plan twice, mir-perf compare RUN_1 RUN_2:"
"$build/mir-perf" compare "$run1" "$run2" | sed -n '/^TCP through the DUT/,$p'
code=${PIPESTATUS[0]}
echo "compare exit status: $code (0: no significant slowdown beyond 2%)"
metric "tcp-repeat-compare-exit" "$code" "exit" lower-is-better
