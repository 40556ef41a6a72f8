#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs every lab selftest, inside the lab (tools/hvlab run this-script).
# Each prints TAP; a test program that dies without reporting is reported
# here as a failure of its own, so nothing is lost silently.
#
# With LAB_RUN_DONE set (tools/lab/check does), the suites named in that
# file are skipped: they finished under an L1 that died later. Each suite
# that finishes is added to it, and the one running is in $LAB_RUN_DONE.now.
set -u
top=${HVLAB_TOP:?run me through tools/hvlab}
cd "$top/selftests" || exit 1

tests=(
	vid/vid_test
	vid/synic_test
	vid/hvadm.sh
	worker/run.sh
	worker/vid.sh
	vmbus/run.sh
	vmbus/guest612.sh
	vmbus/hostile.sh
	vmbus/loopback.sh
	storage/run.sh
)

done_file=${LAB_RUN_DONE:-}

rc=0
for t in "${tests[@]}"; do
	if [ -n "$done_file" ] && grep -qxF "$t" "$done_file" 2>/dev/null; then
		echo "# $t: finished under the L1 before"
		continue
	fi
	[ -z "$done_file" ] || echo "$t" >"$done_file.now"
	echo "# ==== $t"
	if [ ! -x "$t" ]; then
		echo "not ok 1 $t # not built"
		rc=1
		continue
	fi
	out=$(mktemp)
	t0=$SECONDS
	timeout -k 10 1800 "./$t" 2>&1 | tee "$out"
	st=${PIPESTATUS[0]}
	echo "# time: $t $((SECONDS - t0)) s"
	if [ "$st" -ne 0 ]; then
		rc=1
		if ! grep -q '^not ok ' "$out"; then
			echo "not ok 1 $t # exited with status $st without a failing test"
		fi
	fi
	rm -f "$out"
	[ -z "$done_file" ] || echo "$t" >>"$done_file"
done
[ -z "$done_file" ] || rm -f "$done_file.now"
exit $rc
