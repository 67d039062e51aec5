#!/usr/bin/env bash
# make demo: brings the namespace testbed up, runs cfg/testbed.yaml in it,
# tears it down (also on failure or Ctrl-C) and says where the results are.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
prefix=${MP_DEMO_PREFIX:-mp}
plan=${MP_DEMO_PLAN:-cfg/testbed.yaml}
if [ "$(id -u)" != 0 ]; then
	echo "make demo: the testbed needs root (network namespaces): run sudo make demo" >&2
	exit 3
fi
tb() {  # verb [args...]
	"$build/mir-perf-testbed" "$1" --prefix "$prefix" "${@:2}"
}
tb down >/dev/null 2>&1     # leftovers of an earlier crash
trap 'tb down' EXIT
tb up || exit 3
tb exec -- "$build/mir-perf" --plan "$plan" --out out
rc=$?
echo "make demo: mir-perf exited with $rc; results under out/ (newest: $(ls -td out/*/ 2>/dev/null | head -1))"
exit $rc
