#!/usr/bin/env bash
# Sampling: mir-perf's 100 ms netlink sampler (mir-perf monitor, the same
# code the sweep uses) on 3 interfaces for BENCH_SAMPLING_S seconds (default
# 60), side by side with bmon -r 0.1 on the same interfaces at the same time.
# Figures: lateness of each sample against its schedule (p50, p99, max), and
# CPU time of each tool, with the ratio mir-perf/bmon.
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
need_root
build=${MP_BUILD_DIR:-build}
secs=${BENCH_SAMPLING_S:-60}
pfx=mpbs$$
ns=$pfx-s
tmp=$(mktemp -d)
trap 'bench_ns_cleanup $pfx; rm -rf "$tmp"' EXIT
command -v bmon >/dev/null || { echo "bmon not installed (make deps)"; exit 0; }

ip netns add "$ns"
for i in a b c; do
	ip -n "$ns" link add "${i}0" type veth peer name "${i}1"
	ip -n "$ns" link set "${i}0" up
	ip -n "$ns" link set "${i}1" up
done

# Each tool in its own subshell, whose `times` reports its children's CPU.
cpu_of() {  # file with `times` output -> seconds of children CPU
	awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } print t }' "$1"
}
( ip netns exec "$ns" "$build/mir-perf" monitor --quiet --duration "${secs}s" --interval 100ms a0 b0 c0 \
	> "$tmp/mon.out" 2>&1; times > "$tmp/mon.times" ) &
mon=$!
( ip netns exec "$ns" timeout "$secs" bmon -r 0.1 -p a0,b0,c0 \
	-o 'format:fmt=$(element:name) $(attr:rxrate:packets)\n' > /dev/null 2>&1; times > "$tmp/bmon.times" ) &
bm=$!
wait $mon $bm

line=$(tail -1 "$tmp/mon.out")
p50=$(echo "$line" | sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p')
p99=$(echo "$line" | sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p')
max=$(echo "$line" | sed -n 's/.*max \([0-9.]*\) ms.*/\1/p')
n=$(echo "$line" | sed -n 's/^samples \([0-9]*\).*/\1/p')
cpu_mp=$(cpu_of "$tmp/mon.times")
cpu_bmon=$(cpu_of "$tmp/bmon.times")
printf '%-34s %s\n' "samples taken ($secs s, 100 ms)" "$n"
printf '%-34s %s / %s / %s ms\n' "lateness p50 / p99 / max" "$p50" "$p99" "$max"
printf '%-34s %s s (bmon -r 0.1: %s s, ratio %s)\n' "CPU time, 3 interfaces" "$cpu_mp" "$cpu_bmon" "$(ratio "$cpu_mp" "$cpu_bmon")"
metric sample_lateness_p50 "$p50" ms lower-is-better
metric sample_lateness_p99 "$p99" ms lower-is-better
metric sample_lateness_max "$max" ms lower-is-better
metric sampler_cpu_s "$cpu_mp" s lower-is-better
metric bmon_cpu_s "$cpu_bmon" s lower-is-better
metric sampler_cpu_vs_bmon "$(ratio "$cpu_mp" "$cpu_bmon")" ratio lower-is-better
