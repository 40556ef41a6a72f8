#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The stock-guest VMBus suite (run.sh) again, with Debian 12's 6.12 kernel
# as the guest: the same drivers, newer rules (6.12's netvsc asks for more
# queues, its ring code checks the host's indices). The tests that cover
# what differs between 6.1 and 6.12; TAP.
#
#	tools/hvlab run selftests/vmbus/guest612.sh [TEST...]
set -u
top=${HVLAB_TOP:?run me through tools/hvlab}
GUEST_KVER=$("$top/tools/kver" 6.12) || {
	echo "1..1"
	echo "not ok 1 Debian's 6.12 kernel is not installed (run tools/setup)"
	exit 1
}
export GUEST_KVER
# Logs of their own: run.sh's VMs have the same names.
export HVKVM_RUN_DIR=/run/hvkvm-612
[ "$#" -gt 0 ] || set -- connect timesync kvp shutdown reload
exec "$(dirname "$0")/run.sh" "$@"
