#!/bin/sh
# The testbed traff-gen domain's program (its "kernel"): obtain the control
# address by DHCP, as the real traff-gen VM does, then run the agent on it.
#   traffgen.sh BIN_DIR PORT CONTROL_IF DATA_IF [RX_IF] [AGENT_OPTION...]
# RX_IF, when given and present (the third vif, on bridge if2), is where the
# agent receives what the DUT forwards (--rx-dev); it lives in a namespace of
# its own, <this domain's namespace>-rx (--rx-netns), so that TCP through the
# DUT can reach it only through the DUT, and the testbed's teardown, which
# removes every namespace of its prefix, removes it too. Options starting
# with - go to the agent as they are (e.g. --max-pps N, a capped generator).
set -eu
bin=$1 port=$2 ctl=$3 data=$4
shift 4
rxif=
case "${1:-}" in -*|"") ;; *) rxif=$1; shift ;; esac
here=$(dirname "$0")
busybox udhcpc -i "$ctl" -f -q -n -t 20 -T 1 -A 1 -s "$here/udhcpc.script"
ip=$(ip -4 -o addr show dev "$ctl" | awk '{ split($4, a, "/"); print a[1]; exit }')
[ -n "$ip" ] || { echo "traffgen: no address on $ctl" >&2; exit 1; }
echo "traffgen: $ctl has $ip; starting the agent"
if [ -n "$rxif" ] && ip link show "$rxif" >/dev/null 2>&1; then
	ns=$(ip netns identify $$ 2>/dev/null || true)
	set -- --rx-dev "$rxif" --rx-netns "${ns:-mir-perf}-rx" "$@"
fi
exec "$bin/mir-perf-agent" --listen "$ip:$port" --token-file "$bin/testbed/agent.token" \
	--dev "$data" --engine auto "$@"
