#!/usr/bin/env bash
# Throughput search against a simulated DUT (search_sim.c): correctness for
# three caps, repeatability over five searches, trial time against a plain
# bisection with final trials. The algorithm's figures, not the testbed's.
set -uo pipefail
cd "$(dirname "$0")/.."
build=${MP_BUILD_DIR:-build}
"$build/bench/search_sim"
