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
