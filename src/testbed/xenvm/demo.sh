#!/usr/bin/env bash
# make xen-demo: boots the Xen-in-a-VM testbed (building its cache the first
# time), runs cfg/xen-vm.yaml in its dom0 with the unchanged controller,
# powers the VM off (also on failure or Ctrl-C) and says where the results
# are: out/ of this tree, shared with dom0.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
plan=${MP_XEN_DEMO_PLAN:-cfg/xen-vm.yaml}
if [ "$(id -u)" != 0 ]; then
	echo "make xen-demo: the Xen VM needs root (debootstrap, QEMU's 9p share): run sudo make xen-demo" >&2
	exit 3
fi
tb() { "$build/mir-perf-testbed" "$@"; }
t0=$(date +%s)
trap 'tb down --xen' EXIT
tb up --xen || exit 3
t1=$(date +%s)
tb exec --xen -- "$build/mir-perf" --plan "$plan" --out out
rc=$?
run=$(ls -td out/xen-vm-*/ 2>/dev/null | head -1)
echo "make xen-demo: mir-perf exited with $rc; VM up in $((t1 - t0)) s, sweep $(( $(date +%s) - t1 )) s;" \
	"results in ${run:-out/} (report.html, run.log)"
exit $rc
