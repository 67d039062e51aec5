# Shared by the bench scripts (sourced). A bench prints a human table and,
# for every figure, one line the driver collects into current-bench JSON:
#   metric<TAB>NAME<TAB>VALUE<TAB>UNITS<TAB>TREND
# Benchmarks report; they never pass or fail on a figure.

metric() {  # name value units trend
	printf 'metric\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"
}

# Median of the numbers given as arguments.
median() {
	printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2}'
}

ratio() {  # a b -> a/b with 4 digits
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.4f\n", a / b }'
}

need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "$(basename "$0"): skipped: needs root (network namespaces)" >&2
		exit 0
	fi
}

# Namespaces created by a bench carry its prefix and are removed on exit.
bench_ns_cleanup() {  # prefix
	local ns
	for ns in $(ip netns list | awk '{print $1}' | grep "^$1-" || true); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
}

# rx_packets of IF inside namespace NS.
rx_packets() {  # ns if
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"
}

# A namespace with IPv6 off, so that no router solicitation or duplicate
# address probe is counted as traffic.
bench_ns_quiet() {  # name
	ip netns add "$1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# A veth pair from NS1's IF1 to NS2's IF2, both ends up.
bench_veth() {  # ns1 if1 ns2 if2
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# The Xen-in-a-VM benches (bench/xen_vm*.sh [BUILD_DIR], as root, under the
# machine's heavy lock). xen_vm_init sets build (BUILD_DIR made absolute,
# default build) and cache (the VM's cache, MP_XENVM_DIR).
xen_vm_init() {  # [build-dir]
	build=$(cd "${1:-build}" && pwd)
	cache=${MP_XENVM_DIR:-$PWD/build/xen-vm}
}

# A fresh work directory, work=$cache/NAME, its runs in out=$work/out and
# the unikernels copied into $work/unikernels (inside the tree: dom0 sees
# them over 9p); the VM goes down when the bench exits.
xen_vm_work() {  # name
	work=$cache/$1
	out=$work/out
	trap 'tb down --xen >/dev/null' EXIT
	rm -rf "$work" && mkdir -p "$work/unikernels"
}

# Runs PLAN in dom0 of a freshly booted Xen VM, its run under $out; exits 3
# when the VM does not come up. Sets run to the newest run directory whose
# name starts with NAME and writes its report.
xen_vm_sweep() {  # plan name
	tb down --xen >/dev/null
	tb up --xen || exit 3
	tb exec --xen --timeout 14400 -- "$build/mir-perf" --plan "$1" --out "$out" --quiet
	echo "exit status of the sweep: $?"
	run=$(ls -td "$out/$2"-*/ | head -1)
	"$build/mir-perf" report "$run" > /dev/null
}
