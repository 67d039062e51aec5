#!/usr/bin/env bash
# Generator capacity and rate accuracy (issues 4 and 7). Two namespaces
# joined by a veth pair; every count is the receiving interface's
# rx_packets, never the sender's word.
#  1. Maximum rate of `mir-perf-agent send --rate max` (packet engine) vs
#     netsniff-ng's trafgen (TX ring) sending the same UDP frame, at 60, 508
#     and 1496 bytes (64, 512, 1500 on the wire), BENCH_GEN_S seconds each
#     (default 3), interleaved A B A B..., BENCH_RUNS each (default 5), medians, ratio.
#  2. Achieved/target at 10%, 50% and 80% of the packet engine's 60-byte
#     maximum, and the spread (p5..p95) of its 100 ms rates in one run,
#     sampled by `mir-perf monitor` on the receiver.
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
need_root
build=${MP_BUILD_DIR:-build}
secs=${BENCH_GEN_S:-3}
runs=${BENCH_RUNS:-5}
pfx=mpbg$$
trap 'bench_ns_cleanup $pfx; rm -f "$conf"' EXIT
conf=$(mktemp)
bench_ns_quiet "$pfx-a"; bench_ns_quiet "$pfx-b"
bench_veth "$pfx-a" a0 "$pfx-b" b0
mac=$(ip netns exec "$pfx-a" cat /sys/class/net/a0/address)

agent_run() {  # size -> pps received
	local before after
	before=$(rx_packets "$pfx-b" b0)
	ip netns exec "$pfx-a" "$build/mir-perf-agent" send --engine packet --dev a0 --size "$1" \
		--rate max --duration "${secs}s" --dst-mac 02:00:00:00:00:02 > /dev/null 2>&1
	sleep 0.2
	after=$(rx_packets "$pfx-b" b0)
	echo $(( (after - before) / secs ))
}

# The same Ethernet/IPv4/UDP frame for trafgen (its C-like config language).
trafgen_conf() {  # size
	local pay=$(( $1 - 42 ))
	cat > "$conf" <<CONF
{
  eth(da=02:00:00:00:00:02, sa=$mac, type=0x0800),
  ipv4(saddr=10.201.0.1, daddr=10.201.0.2, ttl=64, df, proto=17),
  udp(sp=9, dp=9),
  fill(0x00, $pay),
}
CONF
}

trafgen_run() {  # size -> pps received
	local before after
	trafgen_conf "$1"
	before=$(rx_packets "$pfx-b" b0)
	ip netns exec "$pfx-a" timeout -s INT "$secs" trafgen --dev a0 --conf "$conf" \
		--cpus 1 > /dev/null 2>&1
	sleep 0.2
	after=$(rx_packets "$pfx-b" b0)
	echo $(( (after - before) / secs ))
}

have_trafgen=1
command -v trafgen > /dev/null || { have_trafgen=0; echo "trafgen not found (Debian netsniff-ng): reference skipped"; }
printf '%-8s %14s %14s %8s   %s\n' size agent_pps trafgen_pps ratio runs
for size in 60 508 1496; do
	a=(); t=()
	for _ in $(seq "$runs"); do
		a+=("$(agent_run "$size")")
		[ $have_trafgen = 1 ] && t+=("$(trafgen_run "$size")")
	done
	am=$(median "${a[@]}")
	tm=$([ $have_trafgen = 1 ] && median "${t[@]}" || echo nan)
	printf '%-8s %14s %14s %8s   agent %s / trafgen %s\n' "$size" "$am" "$tm" "$(ratio "$am" "$tm")" \
		"${a[*]}" "${t[*]:-}"
	metric "agent_max_pps_$size" "$am" pps higher-is-better
	metric "trafgen_max_pps_$size" "$tm" pps higher-is-better
	metric "agent_vs_trafgen_$size" "$(ratio "$am" "$tm")" ratio higher-is-better
	[ "$size" = 60 ] && max60=$am
done

echo
printf '%-10s %12s %12s %8s %12s %8s %22s\n' "target" "target_pps" "achieved" "ratio" "rx_p50_100ms" "ratio" "100ms p5..p95 (pps)"
for pct in 10 50 80; do
	target=$(( max60 * pct / 100 ))
	[ "$target" -gt 0 ] || continue
	csv=$(mktemp)
	ip netns exec "$pfx-b" "$build/mir-perf" monitor --interval 100ms --duration "$((secs + 1))s" \
		--csv "$csv" b0 > /dev/null 2>&1 &
	mon=$!
	sleep 0.5
	before=$(rx_packets "$pfx-b" b0)
	out=$(ip netns exec "$pfx-a" "$build/mir-perf-agent" send --engine packet --dev a0 --size 60 \
		--rate "$target" --duration "${secs}s" --dst-mac 02:00:00:00:00:02 2>/dev/null)
	sleep 0.2
	after=$(rx_packets "$pfx-b" b0)
	wait "$mon"
	el=$(echo "$out" | grep -o '"elapsed_s":[0-9.e+-]*' | cut -d: -f2)
	got=$(awk -v n=$((after - before)) -v s="$el" 'BEGIN { if (s > 0) printf "%.1f", (n - 1) / s; else print "nan" }')
	# rx_pps of the samples while traffic ran, without the partial first and last
	rates=$(awk -F, 'NR > 1 && $5 != "" && $5 + 0 > 0 { print $5 }' "$csv" | sed '1d;$d' | sort -g)
	spread=$(echo "$rates" | awk '{a[NR]=$1} END { if (NR < 3) { print "n/a"; exit } i5 = int(NR*0.05)+1; i95 = int(NR*0.95); if (i95 < 1) i95 = 1; printf "%.0f..%.0f\n", a[i5], a[i95] }')
	med=$(median $rates)
	rm -f "$csv"
	r=$(ratio "$got" "$target")
	printf '%-10s %12s %12s %8s %12s %8s %22s\n' "$pct%" "$target" "$got" "$r" "$med" "$(ratio "$med" "$target")" "$spread"
	metric "rate_accuracy_${pct}pct" "$r" ratio higher-is-better
done
echo "(achieved: receiver's rx_packets over the sender's first-to-last frame time;"
echo " rx_p50_100ms: median of the receiver's 100 ms rates from mir-perf monitor; 2 shared cores)"
