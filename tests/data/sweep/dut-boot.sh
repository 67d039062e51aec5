#!/bin/sh
# The DUT program of tests/test_sweep_dut.c (dut-boot.cfg): version
# "broken" stops while it boots, as a unikernel that never gets past
# connecting its first netfront, saying so on its console; any other version
# runs the forwarder given after the version.
version=$1
shift
echo "netif-forward $version: booting"
if [ "$version" = broken ]; then
	echo "netif-forward $version: connect 0: waiting for the backend"
	sleep 0.3
	echo "netif-forward $version: stuck in connect 0"
	exit 1
fi
exec "$@"
