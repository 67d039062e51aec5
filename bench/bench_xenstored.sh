#!/usr/bin/env bash
# xenstored stand-in: READ/WRITE round trips per second and watch latency
# through libxenstore, against a unix socketpair ping-pong (xs_bench.c).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${MP_BUILD_DIR:-build}
tmp=$(mktemp -d)
"$build/mir-perf-xenstored" --socket "$tmp/xs.sock" 2>"$tmp/xsd.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do [ -S "$tmp/xs.sock" ] && break; sleep 0.1; done
"$build/bench/xs_bench" "$tmp/xs.sock" "${BENCH_XS_ROUNDS:-20000}"
