#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job, run in the lab by `make demo` (tools/hvlab run tools/demo.sh):
# with the host modules loaded, define partitions with hvadm, list and show
# them, and watch VID announce every change.
#
# Today partitions are defined but stay Off: booting them comes with the
# worker process (the next step of the project).
set -euo pipefail

say() { printf '\n$ %s\n' "$*"; "$@"; }

echo "== host modules"
lsmod | grep -E '^(hvkvm_|kvm)' || true

events=$(mktemp)
hvadm monitor >"$events" &
mon=$!
# Wait until the monitor listens: a probe partition's creation must show up.
for _ in $(seq 1 100); do
	hvadm vm create demo-probe memory 16M vcpus 1 kernel /boot/vmlinuz-"$KVER"
	hvadm vm delete demo-probe
	grep -q demo-probe "$events" && break
	sleep 0.2
done

say hvadm vm create alpha memory 512M vcpus 2 kernel /boot/vmlinuz-"$KVER" \
	initrd /boot/initrd.img-"$KVER" cmdline "console=ttyS0 quiet"
say hvadm vm create beta memory 1G vcpus 4 kernel /boot/vmlinuz-"$KVER"
say hvadm vm list
say hvadm vm show alpha
say hvadm -j -p vm show beta
say hvadm vm set beta vcpus 8 cmdline "console=ttyS0"
say hvadm vm show beta
echo
echo "$ hvadm vm create 'bad name' memory 1G vcpus 1 kernel /boot/vmlinuz   # refused"
hvadm vm create 'bad name' memory 1G vcpus 1 kernel /boot/vmlinuz || true
say hvadm vm delete beta
say hvadm vm list

sleep 0.5
kill -INT "$mon"
wait "$mon" || true
echo
echo "== events seen by 'hvadm monitor' (after its start-up probe)"
sed -n '/alpha/,$p' "$events"
rm -f "$events"
