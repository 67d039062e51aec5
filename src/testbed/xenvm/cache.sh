#!/usr/bin/env bash
# Builds, once, everything the Xen-in-a-VM testbed boots, under CACHE
# (mir-perf-testbed up --xen calls it; it does nothing when up to date):
#
#   CACHE/xen          Xen 4.17 (Debian's xen-hypervisor-4.17-amd64), the
#                      ELF that QEMU multiboots
#   CACHE/vmlinuz      Debian's kernel, for dom0 and for the DUT domU
#   CACHE/dom0.cpio    dom0: Debian 12 with xen-utils-4.17 of the same
#                      version as the hypervisor, dnsmasq, the libraries
#                      mir-perf's programs link, the kernel modules it needs
#                      and src/testbed/xenvm/dom0-init as /init
#   CACHE/dut.cpio     the DUT domU: busybox, mir-perf-forward and its
#                      libraries, netfront; src/testbed/xenvm/dut-init
#   CACHE/traffgen/    the traff-gen VM, made by `mir-perf image` itself
#   CACHE/agent.token  its secret (0600)
#
# usage: cache.sh BUILD_DIR CACHE_DIR
# Every step is logged to CACHE/build.log; a step that fails says which and
# exits 3 (environment), leaving the finished steps' stamps in place.
set -euo pipefail
build=$(cd "$1" && pwd)
cache=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
log=$cache/build.log
work=$cache/work
suite=bookworm
# Debian's mirrors as this host's apt uses them (no other network exists).
mirror=${MP_XENVM_MIRROR:-$(awk '/^URIs:/ && !/security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
security=${MP_XENVM_SECURITY_MIRROR:-$(awk '/^URIs:/ && /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
mirror=${mirror:-http://deb.debian.org/debian}
security=${security:-http://deb.debian.org/debian-security}

# dom0's kernel modules: Xen's back ends and devices, bridges, the 9p share,
# loop devices for file-backed disks.
dom0_modules="xenfs xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xen-netback xen-blkback
	bridge loop virtio_pci 9pnet_virtio 9p"
dut_modules="xen-netfront"

say() { printf 'mir-perf-testbed: %s\n' "$*" >&2; printf '%s %s\n' "$(date -u +%T)" "$*" >> "$log"; }
fail() { say "building the Xen VM cache failed: $* (log: $log)"; exit 3; }
# step NAME: true when the step is done (its stamp matches its inputs).
stamp_of() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }
done_already() { [ -f "$cache/.$1.stamp" ] && [ "$(cat "$cache/.$1.stamp")" = "$2" ]; }
mark() { echo "$2" > "$cache/.$1.stamp"; }
run() { "$@" >> "$log" 2>&1 || fail "$* (exit $?)"; }

for t in debootstrap cpio chroot depmod dpkg-deb apt-get; do
	command -v "$t" >/dev/null || fail "$t is missing: run make deps-xen"
done
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot)"
avail=$(df -Pk "$cache" | awk 'NR==2 {print $4}')
if [ ! -f "$cache/dom0.cpio" ] && [ "${avail:-0}" -lt $((6 * 1024 * 1024)) ]; then
	fail "only $((avail / 1024)) MiB free under $cache; the cache needs about 6 GiB"
fi

# The packages holding the libraries mir-perf's programs link, so that the
# programs built on this host run unchanged in dom0 (same Debian release).
libpkgs() {
	for bin in "$@"; do ldd "$bin"; done | awk '$3 ~ /^\// {print $3}' | sort -u |
	while read -r lib; do
		for p in "$lib" "$(realpath "$lib")" "/usr$lib"; do
			dpkg -S "$p" 2>/dev/null && break
		done
	done | cut -d: -f1 | sort -u | tr '\n' ' '
}
progs="$build/mir-perf $build/mir-perf-agent $build/mir-perf-forward"
for p in $progs; do [ -x "$p" ] || fail "$p is not built: run make"; done
dom0_pkgs="xen-utils-4.17 xenstore-utils iproute2 bridge-utils kmod procps dnsmasq-base
	busybox-static gnuplot-nox $(libpkgs $progs)"

# 1. The hypervisor and the kernel, unpacked from their packages, and the
#    dom0 root file system, all from one apt so that versions match.
key=$(stamp_of rootfs-v1 "$dom0_pkgs" "$mirror" "$security")
if ! done_already rootfs "$key"; then
	say "building the dom0 root file system (debootstrap $suite; several minutes, once)"
	rm -rf "$work"; mkdir -p "$work" "$cache/debs"
	run debootstrap --variant=minbase --cache-dir="$cache/debs" "$suite" "$work/rootfs" "$mirror"
	cat > "$work/rootfs/etc/apt/sources.list" <<-SRC
	deb $mirror $suite main
	deb $mirror $suite-updates main
	deb $security $suite-security main
	SRC
	run chroot "$work/rootfs" apt-get update -q
	# xen-utils' postinst looks for a hypervisor that a chroot lacks; harmless.
	run chroot "$work/rootfs" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $dom0_pkgs
	(cd "$work" && run chroot rootfs apt-get download -q xen-hypervisor-4.17-amd64 linux-image-amd64)
	kpkg=$(chroot "$work/rootfs" apt-cache depends linux-image-amd64 |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	[ -n "$kpkg" ] || fail "cannot tell which kernel linux-image-amd64 stands for"
	(cd "$work/rootfs" && run chroot . apt-get download -q "$kpkg")
	mkdir -p "$work/xen" "$work/kernel"
	run dpkg-deb -x "$(ls "$work"/rootfs/xen-hypervisor-4.17-amd64_*.deb)" "$work/xen"
	run dpkg-deb -x "$(ls "$work"/rootfs/"$kpkg"_*.deb)" "$work/kernel"
	rm -f "$work"/rootfs/*.deb
	zcat "$work"/xen/boot/xen-4.17-amd64.gz > "$cache/xen.tmp" && mv "$cache/xen.tmp" "$cache/xen"
	cp "$work"/kernel/boot/vmlinuz-* "$cache/vmlinuz"
	ls "$work/kernel/lib/modules" > "$cache/kernel-version"
	mark rootfs "$key"
fi
kver=$(cat "$cache/kernel-version")
kmods=$work/kernel/lib/modules/$kver

# Copies the modules named (and what they depend on) from the kernel package
# into a root tree, and indexes them.
add_modules() {  # ROOT MODULE...
	local root=$1; shift
	[ -f "$kmods/modules.dep" ] || depmod -b "$work/kernel" "$kver" || fail "depmod of $kver"
	mkdir -p "$root/lib/modules/$kver"
	cp "$kmods"/modules.order "$kmods"/modules.builtin* "$root/lib/modules/$kver/"
	for m in "$@"; do
		modprobe -d "$work/kernel" -S "$kver" --show-depends "$m" ||
			fail "module $m is not in kernel $kver"
	done | awk '$1 == "insmod" {print $2}' | sort -u | while read -r f; do
		rel=${f#"$work/kernel"}
		mkdir -p "$root$(dirname "$rel")"
		cp "$f" "$root$rel"
	done
	depmod -b "$root" "$kver" || fail "depmod in $root"
}

# 2. dom0's initramfs: the root file system without documentation, apt's
#    caches or the modules it does not load, with the project's init.
key=$(stamp_of dom0-v1 "$(cat "$cache/.rootfs.stamp")" "$(sha256sum "$here/dom0-init")")
if ! done_already dom0 "$key"; then
	say "packing dom0's initramfs"
	st=$work/dom0-stage
	rm -rf "$st"; mkdir -p "$st"
	tar -C "$work/rootfs" -cf - --exclude=./lib/modules --exclude=./usr/lib/modules \
		--exclude=./usr/share/doc --exclude=./usr/share/man --exclude=./usr/share/locale \
		--exclude=./usr/share/info --exclude=./var/cache/apt --exclude=./var/lib/apt/lists \
		--exclude=./usr/share/zoneinfo . | tar -C "$st" -xf -
	add_modules "$st" $dom0_modules
	install -m 0755 "$here/dom0-init" "$st/init"
	(cd "$st" && find . | cpio -H newc -o --quiet > "$cache/dom0.cpio.tmp") || fail "cpio of dom0"
	mv "$cache/dom0.cpio.tmp" "$cache/dom0.cpio"
	rm -rf "$st"
	mark dom0 "$key"
fi

# 3. The DUT: a domU that forwards between its two netfronts with
#    mir-perf-forward, in the unikernel's place (no MirageOS toolchain here).
key=$(stamp_of dut-v1 "$(cat "$cache/.rootfs.stamp")" "$(sha256sum "$here/dut-init" "$build/mir-perf-forward")")
if ! done_already dut "$key"; then
	say "packing the DUT's initramfs"
	st=$work/dut-stage
	rm -rf "$st"; mkdir -p "$st"/{bin,sbin,dev,proc,sys,run,usr/local/bin}
	cp "$work/rootfs/bin/busybox" "$st/bin/busybox"
	for a in sh mount modprobe insmod ip sleep cat echo ls poweroff mkdir; do ln -sf busybox "$st/bin/$a"; done
	cp "$build/mir-perf-forward" "$st/usr/local/bin/"
	ldd "$build/mir-perf-forward" | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' |
		while read -r lib; do mkdir -p "$st$(dirname "$lib")"; cp -L "$lib" "$st$lib"; done
	add_modules "$st" $dut_modules
	install -m 0755 "$here/dut-init" "$st/init"
	(cd "$st" && find . | cpio -H newc -o --quiet | gzip -1 > "$cache/dut.cpio.tmp") || fail "cpio of the DUT"
	mv "$cache/dut.cpio.tmp" "$cache/dut.cpio"
	rm -rf "$st"
	mark dut "$key"
fi

# 4. The traff-gen: the image a user builds with `mir-perf image`.
if [ ! -f "$cache/agent.token" ]; then
	(umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > "$cache/agent.token")
fi
key=$(stamp_of traffgen-v1 "$(sha256sum "$build/mir-perf-agent" "$build/mir-perf" "$cache/agent.token")")
if ! done_already traffgen "$key"; then
	say "building the traff-gen image with mir-perf image (the first time: debootstrap, minutes)"
	# --refresh: a new agent or secret goes into the root file system built
	# before, without a new debootstrap.
	run "$build/mir-perf" image --out "$cache/traffgen" --mirror "$mirror" \
		--token-file "$cache/agent.token" --refresh
	mark traffgen "$key"
fi
say "the Xen VM cache is ready in $cache"
