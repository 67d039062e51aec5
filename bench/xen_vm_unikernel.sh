#!/usr/bin/env bash
# The real netif-forward unikernel against the Linux forwarder on the
# Xen-in-a-VM testbed (issue 21), in one run: the Linux DUT
# (mir-perf-forward, cfg/xen-vm/dut.cfg) and, for every unikernel
# MP_UNIKERNEL_DIR holds (VERSION.xen, built by someone else: no toolchain
# here), that unikernel (PVH, 64 MiB, the same two vifs, cfg/xen/dut.cfg),
# each a version of one plan whose DUT config is templated by {version}.
# Per version and size (60 and 1496 B):
#   - the forwarded rate at BENCH_RATE pps (default 1000, a rate every DUT
#     here sustains), its loss, and the DUT's CPU per packet (libxenctrl);
#   - NDR (no frame lost) by search, goal width BENCH_WIDTH (default 5%);
#   - what the bridge if2 sent to the DUT's netif 1 in the measure window
#     (dom0's transmit counter of that vif): what the listener on netif 1,
#     which the unikernel needs to keep forwarding, had to take in.
# BENCH_UNIKERNELS="v2.1.7 87f3737" picks them and their order (default:
# every VERSION.xen, in name order). Then `mir-perf compare` of the first
# two (A the first), on their rows of this one run (each copied into a run
# directory of its own: compare matches versions across two directories).
# The CPU is emulated (TCG): ratios against Linux, measured in the same
# run, are the figures, not the rates. Run it under the machine's heavy
# lock; nothing passes or fails.
#   sudo MP_UNIKERNEL_DIR=DIR [BENCH_UNIKERNELS="A B"] bench/xen_vm_unikernel.sh [BUILD_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
xen_vm_init "$@"
tb() { "$build/mir-perf-testbed" "$@"; }
rate=${BENCH_RATE:-1000}
width=${BENCH_WIDTH:-5%}
search_timeout=${BENCH_SEARCH_TIMEOUT:-4m}   # per version and size
# The traff-gen boots in 1-2 minutes on a quiet host, in 10-15 on one
# loaded by other work (its DHCP lease comes minutes late): the plan's 5m
# are stretched here rather than lose the whole run.
boot_wait=${BENCH_BOOT_WAIT:-900s}
xen_vm_work bench-unikernel
versions=linux
unikernels=()
cp cfg/xen-vm/dut.cfg "$work/dut-linux.cfg"
if [ -n "${BENCH_UNIKERNELS:-}" ]; then
	kernels=()
	for v in $BENCH_UNIKERNELS; do kernels+=("${MP_UNIKERNEL_DIR:-/nonexistent}/$v.xen"); done
else
	kernels=("${MP_UNIKERNEL_DIR:-/nonexistent}"/*.xen)
fi
for x in "${kernels[@]}"; do
	[ -f "$x" ] || { echo "no unikernel $x" >&2; exit 2; }
	v=$(basename "$x" .xen)
	cp "$x" "$work/unikernels/"          # inside the tree: dom0 sees it over 9p
	cp cfg/xen/dut.cfg "$work/dut-$v.cfg"  # kernel = "{kernel}"
	versions="$versions, $v"
	unikernels+=("$v")
done
[ ${#unikernels[@]} -gt 0 ] || { echo "MP_UNIKERNEL_DIR holds no VERSION.xen" >&2; exit 2; }
sed -e "s|^name: xen-vm-unikernel|name: bench-xen-unikernel|" \
	-e "s|^versions: \[.*|versions: [$versions]|" \
	-e "s|^    config: xen/dut.cfg .*|    config: \"$work/dut-{version}.cfg\"|" \
	-e "s|^    kernel: .*|    kernel: \"$work/unikernels/{version}.xen\"|" \
	-e "s|^    config: xen-vm/traffgen.cfg .*|    config: $PWD/cfg/xen-vm/traffgen.cfg|" \
	-e "s|^  rates: .*|  rates: [$rate]\n  search:\n    sizes: [60, 1496]\n    goals: [{name: NDR, loss: 0}]\n    min_rate: 100\n    max_rate: max\n    width: $width\n    trial: {initial: 1s, final: 4s}\n    timeout: $search_timeout|" \
	-e "s|^  boot_timeout: 300s|  boot_timeout: $boot_wait|" -e "s|^  timeout: 300s|  timeout: $boot_wait|" -e "s|^  connect_timeout: 300s|  connect_timeout: $boot_wait|" \
	cfg/xen-vm-unikernel.yaml > "$work/plan.yaml"
for want in "versions: \[$versions\]" "dut-{version}.cfg" "unikernels/{version}.xen" \
	"rates: \[$rate\]" "goals: \[{name: NDR" "  timeout: $boot_wait" "connect_timeout: $boot_wait" "sizes: \[60, 1496\]" "$PWD/cfg/xen-vm/traffgen.cfg"; do
	grep -q "$want" "$work/plan.yaml" || { echo "cfg/xen-vm-unikernel.yaml changed: no '$want'" >&2; exit 1; }
done
"$build/mir-perf" --plan "$work/plan.yaml" --dry-run | tail -1
xen_vm_sweep "$work/plan.yaml" bench-xen-unikernel
echo "versions: $versions; $rate pps for 10 s per size, NDR width $width; run: $run"
grep -o '"emulator": "[^"]*"' "$run/results.json"

# phases.csv's grid rows (trial 0), throughput.csv's NDR and samples.csv's
# dom0 transmit counter of the DUT's netif 1 (role dut_out) per phase.
awk -F, -v rate="$rate" '
	FNR == 1 { file++; delete c; for (i = 1; i <= NF; i++) c[$i] = i; next }
	file == 1 && $c["trial"] == 0 && $c["rate"] == rate {
		k = $c["version"] SUBSEP $c["size"]; ph[k] = $c["phase"]; st[k] = $c["status"]
		fwd[k] = $c["forwarded_pps"]; off[k] = $c["offered_pps"]; loss[k] = $c["loss_pct"]
		cpu[k] = $c["dut_cpu_ns_per_pkt"]; phase_of[$c["phase"]] = k
		if (!($c["version"] in seen)) { seen[$c["version"]] = 1; order[++nv] = $c["version"] }
	}
	file == 2 && $c["goal"] == "NDR" { ndr[$c["version"] SUBSEP $c["size"]] = ($c["lower_pps"] == "" ? "-" : $c["lower_pps"]) " " $c["status"] }
	file == 3 && $c["role"] == "dut_out" && $c["window"] == "measure" && ($c["phase"] in phase_of) {
		k = phase_of[$c["phase"]]
		if (!(k in t0)) { t0[k] = $c["t_s"]; tx0[k] = $c["tx_packets"] }
		t1[k] = $c["t_s"]; tx1[k] = $c["tx_packets"]
	}
	END {
		printf "%-8s %5s %7s %10s %10s %7s %9s %8s %14s %8s %12s\n", "version", "size", "status",
			"offered", "forwarded", "loss %", "/ linux", "NDR pps", "(status)", "/ linux",
			"CPU ns/pkt"
		for (s = 0; s < 2; s++) {
			size = s ? 1496 : 60
			for (i = 1; i <= nv; i++) {
				v = order[i]; k = v SUBSEP size; l = "linux" SUBSEP size
				split(ndr[k], n, " "); split(ndr[l], nl, " ")
				printf "%-8s %5d %7s %10.1f %10.1f %7.2f %9s %8s %14s %8s %12.0f", v, size,
					st[k], off[k], fwd[k], loss[k],
					(fwd[l] > 0 ? sprintf("%.3f", fwd[k] / fwd[l]) : "-"), n[1], "(" n[2] ")",
					(nl[1] > 0 ? sprintf("%.3f", n[1] / nl[1]) : "-"), cpu[k]
				printf "  (/ linux %s)\n", (cpu[l] > 0 ? sprintf("%.3f", cpu[k] / cpu[l]) : "-")
			}
		}
		print ""
		print "what the bridge if2 sent to the DUT'"'"'s netif 1 in each measure window (dom0 vif tx):"
		for (s = 0; s < 2; s++) {
			size = s ? 1496 : 60
			for (i = 1; i <= nv; i++) {
				k = order[i] SUBSEP size
				d = t1[k] - t0[k]
				printf "  %-8s %5d B: %d frames in %.1f s (%.2f pps; %.5f per forwarded frame)\n",
					order[i], size, tx1[k] - tx0[k], d, (d > 0 ? (tx1[k] - tx0[k]) / d : 0),
					(fwd[k] > 0 && d > 0 ? (tx1[k] - tx0[k]) / d / fwd[k] : 0)
			}
		}
	}' "$run/phases.csv" "$run/throughput.csv" "$run/samples.csv"

echo
echo "the unikernels' own counters, last console line of each boot (rx1: what netif 1 received since boot):"
for f in "$run"/domains/dut-*.console; do
	l=$(grep 'netif-forward: t=' "$f" | tail -1)
	[ -n "$l" ] && echo "  $(basename "$f"): $l"
done

# compare: the two unikernels' rows of this run, each in a directory of its own
if [ ${#unikernels[@]} -ge 2 ]; then
	a=${unikernels[0]} b=${unikernels[1]}
	for v in "$a" "$b"; do
		d=$work/compare/$v
		mkdir -p "$d"
		cp "$run/results.json" "$d/"
		for f in phases.csv samples.csv throughput.csv; do
			[ -f "$run/$f" ] || continue
			awk -F, -v v="$v" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "version") c = i; print; next }
				$c == v' "$run/$f" > "$d/$f"
		done
	done
	echo
	echo "mir-perf compare $a (A) $b (B), their rows of this run:"
	"$build/mir-perf" compare "$work/compare/$a" "$work/compare/$b"
	echo "exit status of compare: $?"
fi
