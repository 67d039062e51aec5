#!/bin/sh
# Makes sure the QEMU that boots the Xen VM is at least MIN (make deps-xen).
# Debian 12 ships QEMU 7.2, whose TCG injects an interrupt inside an STI
# shadow under nested SVM: a MirageOS unikernel then sleeps for good
# (docs/mirage-net-xen.md). bookworm-backports carries QEMU 10: when the
# installed QEMU is older than MIN, this adds that suite to apt's sources
# (only the suite; its packages are never preferred by default) and installs
# qemu-system-x86 from it. As root; does nothing when QEMU is new enough.
set -eu
min=${1:?usage: deps-qemu.sh MIN_VERSION}

installed() {
	dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null | sed 's/^[0-9]*://'
}

v=$(installed)
if [ -n "$v" ] && dpkg --compare-versions "$v" ge "$min"; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "make deps-xen: QEMU ${v:-none} is older than $min; run it as root to install QEMU from bookworm-backports" >&2
	exit 3
fi
. /etc/os-release
suite=${VERSION_CODENAME:-}-backports
list=/etc/apt/sources.list.d/mir-perf-backports.sources
if ! grep -rqs "$suite" /etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo "make deps-xen: QEMU ${v:-none} is older than $min; adding $suite to apt's sources ($list)"
	cat > "$list" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
echo "make deps-xen: installing qemu-system-x86 from $suite"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	-t "$suite" qemu-system-x86
v=$(installed)
if ! dpkg --compare-versions "$v" ge "$min"; then
	echo "make deps-xen: QEMU is $v after installing from $suite; the Xen VM needs $min or later" >&2
	exit 3
fi
