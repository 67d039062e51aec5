#!/usr/bin/env bash
# TCP through the DUT on the Xen-in-a-VM testbed (issue 22), in one run:
# the Linux DUT (mir-perf-forward --both, cfg/xen-vm/dut-both.cfg) and,
# for every netif-forward unikernel MP_UNIKERNEL_DIR holds (VERSION.xen,
# built by someone else: no toolchain here), that unikernel with --two-way
# (PVH, 64 MiB, the same two vifs), each a version of one plan whose DUT
# config is templated by {version}; 1 stream, BENCH_TCP_REPS repetitions
# (default 10) of BENCH_TCP_SECONDS (10), the traff-gen's checksum offload
# BENCH_TCP_CHECKSUM (traffic.tcp.checksum, default off: the unikernel
# forwards a frame's bytes alone, and a checksum left to offload arrives
# unfinished; the same for every version, Linux too). Prints, per version, the mean
# Gbit/s and its spread, the ratio against Linux, retransmits, the DUT's
# CPU per GB and what its vifs negotiated. The CPU is emulated (TCG): the
# ratio unikernel / Linux is the figure, not the rates. Run it under the
# machine's heavy lock; nothing passes or fails.
#   sudo bench/xen_vm_tcp.sh [BUILD_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
xen_vm_init "$@"
tb() { "$build/mir-perf-testbed" "$@"; }
reps=${BENCH_TCP_REPS:-10}
secs=${BENCH_TCP_SECONDS:-10}
csum=${BENCH_TCP_CHECKSUM:-off}
xen_vm_work bench-tcp
versions=linux
cp cfg/xen-vm/dut-both.cfg "$work/dut-linux.cfg"
for x in "${MP_UNIKERNEL_DIR:-/nonexistent}"/*.xen; do
	[ -f "$x" ] || continue
	v=$(basename "$x" .xen)
	cp "$x" "$work/unikernels/"          # inside the tree: dom0 sees it over 9p
	cat > "$work/dut-$v.cfg" <<-CFG
	# netif-forward $v, forwarding both ways (its boot argument --two-way)
	name = "{name}"
	type = "pvh"
	kernel = "$work/unikernels/$v.xen"
	cmdline = "--two-way"
	memory = 64
	vcpus = 1
	on_crash = "preserve"
	vif = [ 'mac=00:16:3e:6d:70:10,bridge=if1',
	        'mac=00:16:3e:6d:70:11,bridge=if2' ]
	CFG
	versions="$versions, $v"
done
sed -e "s|^name: xen-vm-tcp|name: bench-xen-tcp|" \
	-e "s|^versions: \[linux\] .*|versions: [$versions]|" \
	-e "s|^    config: xen-vm/dut-both.cfg|    config: \"$work/dut-{version}.cfg\"|" \
	-e "s|^    config: xen-vm/traffgen.cfg|    config: $PWD/cfg/xen-vm/traffgen.cfg|" \
	-e "s|^    duration: 10s|    duration: ${secs}s|" \
	-e "s|^    repetitions: 10|    repetitions: $reps\n    checksum: $csum\n    reference: linux|" \
	cfg/xen-vm-tcp.yaml > "$work/plan.yaml"
for want in "versions: \[$versions\]" "dut-{version}.cfg" "duration: ${secs}s" \
	"repetitions: $reps" "checksum: $csum" "reference: linux"; do
	grep -q "$want" "$work/plan.yaml" || { echo "cfg/xen-vm-tcp.yaml changed: no '$want'" >&2; exit 1; }
done
xen_vm_sweep "$work/plan.yaml" bench-xen-tcp
echo "versions: $versions; $reps repetitions of ${secs}s, 1 stream, checksum offload $csum; run: $run"
# Per version: repetitions ok, mean, CV, retransmits, DUT CPU (the columns
# before tcp.csv's quoted ones), and the ratio of means against Linux.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ v = $c["version"]; if (!(v in seen)) { seen[v] = 1; order[++k] = v }; run[v]++ }
	$c["status"] == "ok" { g = $c["receiver_gbps"]; n[v]++; s[v] += g; ss[v] += g * g
		r[v] += $c["retransmits"]; cpu[v] += $c["dut_cpu_s_per_gb"] }
	{ bad[v] += $c["csum_errors"] }
	END {
		printf "%-12s %8s %12s %8s %12s %12s %10s %14s\n", "version", "ok/run", "mean Gbit/s",
			"CV %", "retransmits", "DUT s/GB", "/ linux", "bad checksums"
		for (i = 1; i <= k; i++) {
			v = order[i]; m = n[v] ? s[v] / n[v] : 0
			sd = n[v] > 1 ? sqrt((ss[v] - n[v] * m * m) / (n[v] - 1)) : 0
			printf "%-12s %4d/%-3d %12.4f %8.2f %12.1f %12.3f %10s %14d\n", v, n[v], run[v], m,
				(m > 0 ? 100 * sd / m : 0), (n[v] ? r[v] / n[v] : 0),
				(n[v] ? cpu[v] / n[v] : 0),
				(s["linux"] > 0 && n["linux"] ? sprintf("%.3f", m / (s["linux"] / n["linux"])) : "-"),
				bad[v]
		}
	}' "$run/tcp.csv"
echo
echo "what the DUT's vifs negotiated (report.html, Offloads):"
sed -n '/<h3>Offloads<\/h3>/,/<\/table>/p' "$run/report.html" | grep '<tr><td' |
	sed -e 's|</td><td[^>]*>| \| |g' -e 's/<[^>]*>//g'
