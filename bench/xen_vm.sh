#!/usr/bin/env bash
# make bench-xen: figures of the Xen-in-a-VM testbed. Not part of make bench
# (it takes minutes of emulated CPU). Prints a table; nothing passes or fails.
#   - seconds from `up --xen` to a ready dom0: warm (cache built), and cold
#     (cache built from nothing) when MP_BENCH_COLD=1 (it deletes the cache)
#   - `xl create` to "domain up" as the controller saw it, per domain
#   - QEMU's peak resident memory
#   - the highest pktgen rate of the emulated traff-gen at 60 B, through the
#     DUT (a phase asking for 1 Mpps: what was offered is the generator's max)
set -uo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
xen_vm_init "$@"
tb() { "$build/mir-perf-testbed" "$@"; }
out=$cache/bench-out
plan=cfg/bench-xen-vm.yaml
trap 'tb down --xen >/dev/null; rm -f "$plan"' EXIT
tb down --xen >/dev/null
if [ "${MP_BENCH_COLD:-0}" = 1 ]; then
	rm -rf "$cache"
fi
t0=$(date +%s.%N)
up_out=$(tb up --xen) || exit 3
echo "$up_out"
t1=$(date +%s.%N)
up_total=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
# the demo plan, one phase at 60 B asking for far more than the host can do
sed -e 's/^name: xen-vm/name: bench-xen-vm/' -e 's/^  sizes: .*/  sizes: [60]/' \
	-e 's/^  rates: .*/  rates: [1000000]/' -e 's/^phase: .*/phase: {duration: 5s, warmup: 1s, cooldown: 1s}/' \
	cfg/xen-vm.yaml > "$plan"
tb exec --xen -- "$build/mir-perf" --plan "$plan" --out "$out" --quiet
run=$(ls -td "$out"/bench-xen-vm-*/ | head -1)
created() {  # domain name -> seconds from "created" to "is up"
	awk -v d="$1" '$0 ~ "domain " d " created" {c = $1} $0 ~ "domain " d " is up" {printf "%.1f", $1 - c}' \
		"$run/run.log"
}
tg_up=$(created mir-perf-traffgen)
dut_up=$(created mir-perf-dut)
gen_max=$(awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i} NR == 2 {print $c["offered_pps"]}' "$run/phases.csv")
fwd=$(awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i} NR == 2 {print $c["forwarded_pps"]}' "$run/phases.csv")
qpid=$(cat "$cache/run/qemu.pid")
hwm=$(awk '/VmHWM/ {printf "%.2f", $2 / 1048576}' "/proc/$qpid/status")
cold=${MP_BENCH_COLD:-0}
printf '%-55s %s\n' "figure" "value"
printf '%-55s %.1f s\n' "up --xen to a ready dom0 ($([ "$cold" = 1 ] && echo cold: cache built, then the boot || echo warm))" "$up_total"
printf '%-55s %s s\n' "xl create to domain up, traff-gen (image, systemd)" "$tg_up"
printf '%-55s %s s\n' "xl create to domain up, DUT (initramfs)" "$dut_up"
printf '%-55s %s GiB\n' "QEMU peak resident memory" "$hwm"
printf '%-55s %s pps (forwarded by the DUT: %s pps)\n' "pktgen max at 60 B in the emulated traff-gen" "$gen_max" "$fwd"
printf '%-55s %s\n' "accelerator" "$(echo "$up_out" | grep -o 'KVM\|TCG' | head -1)"
printf 'run: %s\n' "$run"
