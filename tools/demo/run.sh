#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job, run in the lab by `make demo` (tools/hvlab run
# tools/demo/run.sh): with the host modules loaded, define a VM with hvadm,
# start it (the worker boots Debian's own kernel, which finds itself on
# Hyper-V), show its console, list and show it, and stop it gracefully.
# The synthetic disk and NIC come with VMBus and the VSPs (next steps).
set -euo pipefail

say() { printf '\n$'; printf ' %q' "$@"; printf '\n'; "$@"; }
here=$(dirname "$(readlink -f "$0")")
initrd=/tmp/hvkvm-demo/guest.cpio

echo "== host modules"
lsmod | grep -E '^(hvkvm_|kvm)' || true

[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
"$HVLAB_TOP/tools/lab/mkinitramfs" -m hv_vmbus -m evdev -m button \
	"$here/guest-init" "$initrd" >/dev/null

events=$(mktemp)
hvadm monitor >"$events" &
mon=$!

say hvadm vm create demo memory 512M vcpus 2 kernel /boot/vmlinuz-"$KVER" \
	initrd "$initrd" cmdline "console=ttyS0 quiet"
say hvadm vm start demo timeout 300
log=$(hvadm -j vm show demo | jq -r '.[0].console_log')
for _ in $(seq 1 600); do
	grep -q 'waiting for the power button' "$log" 2>/dev/null && break
	sleep 0.5
done
echo
echo "== the guest's console ($log)"
grep -a '^guest:' "$log" || tail -n 20 "$log"
say hvadm vm list
say hvadm vm show demo
say hvadm vm stop demo timeout 300
grep -a 'power button pressed' "$log" || true
say hvadm vm list

sleep 0.5
kill -INT "$mon"
wait "$mon" || true
echo
echo "== what VID announced (hvadm monitor)"
cat "$events"
rm -f "$events"
hvadm vm delete demo
