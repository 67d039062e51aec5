#!/usr/bin/env bash
# Builds every libFuzzer target tests/fuzz/fuzz_<name>.c with clang,
# AddressSanitizer and UBSan into OUTDIR (default build/fuzz). Each target
# links the project's library code (every src/ file but the programs' main.c).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build/fuzz}
CC=${FUZZ_CC:-clang}
PKGS="libuv libnl-3.0 libnl-route-3.0 yaml-0.1 xenstore xencontrol libsodium jansson gsl"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-std=gnu11 -g -O1 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc -I$out/gen $(pkg-config --cflags $PKGS)"
libs="$(pkg-config --libs $PKGS) -lm -lpthread"

command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt-get install clang libclang-rt-14-dev, or make deps)" >&2; exit 3; }
mkdir -p "$out/obj" "$out/gen"
v=$(git describe --always --tags --dirty 2>/dev/null || echo unknown)
printf '#define MP_VERSION "%s"\n' "$v" > "$out/gen/version.h"

objs=()
for src in $(find src -name '*.c' ! -name main.c | sort); do
	obj="$out/obj/$(echo "${src%.c}" | tr / _).o"
	if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ]; then
		$CC $cflags $san -fsanitize=fuzzer-no-link -c -o "$obj" "$src"
	fi
	objs+=("$obj")
done
built=0
for t in tests/fuzz/fuzz_*.c; do
	[ -e "$t" ] || continue
	name=$(basename "${t%.c}")
	$CC $cflags $san -fsanitize=fuzzer -o "$out/$name" "$t" "${objs[@]}" $libs
	built=$((built + 1))
done
echo "fuzz: built $built targets in $out"
