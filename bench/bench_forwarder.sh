#!/usr/bin/env bash
# The testbed's own ceiling: the forwarder stand-in's maximum forwarded rate.
# gen --veth-- fwd (mir-perf-forward) --veth-- sink, 60-byte frames at the
# generator's maximum for BENCH_FWD_S seconds (default 3), counted on the
# sink's interface. Reference in the same run: the same generator straight
# into a veth (gen --veth-- sink). Interleaved A B A B A B; medians.
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
need_root
build=${MP_BUILD_DIR:-build}
secs=${BENCH_FWD_S:-3}
runs=${BENCH_RUNS:-3}
pfx=mpbf$$
trap 'bench_ns_cleanup $pfx' EXIT
for n in gen fwd sink dgen dsink; do ip netns add "$pfx-$n"; done
bench_veth "$pfx-gen" g0 "$pfx-fwd" fin
bench_veth "$pfx-fwd" fout "$pfx-sink" s0
bench_veth "$pfx-dgen" g0 "$pfx-dsink" s0
ip netns exec "$pfx-fwd" "$build/mir-perf-forward" --in fin --out fout > /dev/null 2>&1 &
fwd=$!
sleep 0.5

run() {  # gen-ns sink-ns -> pps received
	local before after
	before=$(rx_packets "$2" s0)
	ip netns exec "$1" "$build/mir-perf-agent" send --dev g0 --size 60 --rate max \
		--duration "${secs}s" --dst-mac 02:00:00:00:00:02 > /dev/null 2>&1
	sleep 0.3     # let the forwarder drain
	after=$(rx_packets "$2" s0)
	echo $(( (after - before) / secs ))
}
fw=(); di=()
for _ in $(seq "$runs"); do
	fw+=("$(run "$pfx-gen" "$pfx-sink")")
	di+=("$(run "$pfx-dgen" "$pfx-dsink")")
done
kill "$fwd" 2>/dev/null; wait "$fwd" 2>/dev/null
f=$(median "${fw[@]}"); d=$(median "${di[@]}")
printf '%-44s %12s pps  (runs: %s)\n' "forwarded through mir-perf-forward" "$f" "${fw[*]}"
printf '%-44s %12s pps  (runs: %s)\n' "same generator straight into a veth" "$d" "${di[*]}"
printf '%-44s %12s\n' "ratio forwarded / direct" "$(ratio "$f" "$d")"
echo "(2 cores: generator, forwarder and receiver share them; 60-byte frames)"
metric forwarder_max_pps "$f" pps higher-is-better
metric generator_direct_pps "$d" pps higher-is-better
metric forwarder_vs_direct "$(ratio "$f" "$d")" ratio higher-is-better
