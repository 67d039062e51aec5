#!/usr/bin/env bash
# The receiver (issue 16), in namespaces of its own:
#  1. Latency floor: agent to agent over one veth pair (no DUT), and through
#     the testbed's forwarder (sender - mir-perf-forward - receiver), 60-byte
#     frames at 10 kpps: p50 and p99 in us (medians of BENCH_RUNS runs).
#  2. A known delay: the forwarder holding every frame D us (--delay-us,
#     BENCH_DELAY_US, default 1000): measured p50, and (p50 - floor) / D.
#  3. The cost of receiving: the sender's maximum 60-byte rate (counted by
#     the receiving interface) with and without `mir-perf-agent recv` on the
#     receiving side, interleaved, medians, ratio.
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
need_root
build=${MP_BUILD_DIR:-build}
runs=${BENCH_RUNS:-5}
delay=${BENCH_DELAY_US:-1000}
pfx=mpbr$$
fwd=
trap '[ -n "$fwd" ] && kill "$fwd" 2>/dev/null; bench_ns_cleanup $pfx' EXIT
for ns in s f r; do bench_ns_quiet "$pfx-$ns"; done
# direct: s/d0 -- r/d1; through the forwarder: s/a0 -- f/a1 -> f/b1 -- r/b0
bench_veth "$pfx-s" d0 "$pfx-r" d1
bench_veth "$pfx-s" a0 "$pfx-f" a1
bench_veth "$pfx-f" b1 "$pfx-r" b0

fwd_start() {  # extra options
	ip netns exec "$pfx-f" "$build/mir-perf-forward" --in a1 --out b1 "$@" > /dev/null 2>&1 &
	fwd=$!
	sleep 0.5
}
fwd_stop() {
	kill "$fwd" 2>/dev/null; wait "$fwd" 2>/dev/null; fwd=
}

# One run: recv on IF in r, send 60 B at RATE for 3 s from SDEV in s; prints
# the recv JSON.
measure() {  # sdev rif rate
	local out=$(mktemp) pid
	ip netns exec "$pfx-r" "$build/mir-perf-agent" recv --dev "$2" --duration 4s > "$out" 2>/dev/null &
	pid=$!
	sleep 0.5
	ip netns exec "$pfx-s" "$build/mir-perf-agent" send --engine packet --dev "$1" --size 60 \
		--rate "$3" --duration 3s --dst-mac 02:00:00:00:00:02 > /dev/null 2>&1
	wait "$pid"
	cat "$out"; rm -f "$out"
}
field() {  # json name
	echo "$1" | grep -o "\"$2\":[0-9.e+-]*" | cut -d: -f2
}

latency() {  # label sdev rif -> prints a table row, sets P50
	local p50=() p99=() j
	for _ in $(seq "$runs"); do
		j=$(measure "$2" "$3" 10000)
		p50+=("$(field "$j" lat_p50_us)"); p99+=("$(field "$j" lat_p99_us)")
	done
	P50=$(median "${p50[@]}"); P99=$(median "${p99[@]}")
	printf '%-34s %10s %10s   p50s %s\n' "$1" "$P50" "$P99" "${p50[*]}"
}

printf '%-34s %10s %10s\n' "latency, 60 B at 10 kpps" "p50_us" "p99_us"
latency "agent to agent (one veth pair)" d0 d1
metric latency_floor_direct_p50_us "$P50" us lower-is-better
metric latency_floor_direct_p99_us "$P99" us lower-is-better
fwd_start
latency "through mir-perf-forward" a0 b0
floor=$P50
metric latency_floor_forwarder_p50_us "$P50" us lower-is-better
metric latency_floor_forwarder_p99_us "$P99" us lower-is-better
fwd_stop
fwd_start --delay-us "$delay"
latency "forwarder --delay-us $delay" a0 b0
fwd_stop
extra=$(awk -v p="$P50" -v f="$floor" -v d="$delay" 'BEGIN { printf "%.4f", (p - f) / d }')
echo "known delay: p50 $P50 us = floor $floor us + $(awk -v p="$P50" -v f="$floor" 'BEGIN{printf "%.1f", p-f}') us for $delay us held: (p50 - floor) / delay = $extra"
metric known_delay_p50_us "$P50" us lower-is-better
metric known_delay_ratio "$extra" ratio lower-is-better

# 3. The cost of receiving, direct pair, interleaved.
maxrate() {  # with_recv -> pps received
	local before after pid=
	if [ "$1" = 1 ]; then
		ip netns exec "$pfx-r" "$build/mir-perf-agent" recv --dev d1 --duration 5s > /dev/null 2>&1 &
		pid=$!
		sleep 0.5
	fi
	before=$(rx_packets "$pfx-r" d1)
	ip netns exec "$pfx-s" "$build/mir-perf-agent" send --engine packet --dev d0 --size 60 \
		--rate max --duration 3s --dst-mac 02:00:00:00:00:02 > /dev/null 2>&1
	sleep 0.2
	after=$(rx_packets "$pfx-r" d1)
	[ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
	echo $(( (after - before) / 3 ))
}
without=(); with=()
for _ in $(seq "$runs"); do
	without+=("$(maxrate 0)"); with+=("$(maxrate 1)")
done
wo=$(median "${without[@]}"); wi=$(median "${with[@]}")
echo
printf '%-34s %12s %12s %8s\n' "max send rate, 60 B" "without_recv" "with_recv" "ratio"
printf '%-34s %12s %12s %8s   without %s / with %s\n' "(medians of $runs, interleaved)" "$wo" "$wi" \
	"$(ratio "$wi" "$wo")" "${without[*]}" "${with[*]}"
metric send_max_without_receiver_pps "$wo" pps higher-is-better
metric send_max_with_receiver_pps "$wi" pps higher-is-better
metric receiver_cost_ratio "$(ratio "$wi" "$wo")" ratio higher-is-better
