#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job, run in the lab by `make demo` (tools/hvlab run
# tools/demo/run.sh): with the host modules loaded (VID and VMBus), define
# a VM with hvadm and start it. The worker boots Debian's own kernel, which
# finds itself on Hyper-V, loads its own hv_vmbus and hv_utils, connects to
# our VMBus host and opens the integration services. Then: its console,
# hvadm's view of it (VMBus, channels, heartbeat), its key-value pairs, a
# graceful shutdown through the shutdown service, and the events VID and
# VMBus announced. The synthetic disk and NIC come with the VSPs (next).
set -euo pipefail

say() { printf '\n$'; printf ' %q' "$@"; printf '\n'; "$@"; }
here=$(dirname "$(readlink -f "$0")")
initrd=/tmp/hvkvm-demo/guest.cpio
T=300

# wait_until SECS COMMAND...: poll COMMAND every half second.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.5
	done
}
console_says() { grep -aqE "$1" "$log" 2>/dev/null; }
ic_field() {
	hvadm -j vm show demo | jq -r ".[0].vmbus.ics[]? | select(.name == \"$1\") | .$2"
}
heartbeat_beats() { [ "$(ic_field heartbeat heartbeat_seq)" -ge "$1" ] 2>/dev/null; }
kvp_ready() { [ "$(ic_field kvp state)" = ready ]; }
vm_is() { [ "$(hvadm -j vm show demo | jq -r '.[0].state')" = "$1" ]; }

echo "== host modules"
lsmod | grep -E '^(hvkvm_|kvm)' || true

[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
"$HVLAB_TOP/tools/lab/mkinitramfs" -m hv_vmbus -m hv_utils \
	-f /usr/sbin/hv_kvp_daemon:/usr/sbin/hv_kvp_daemon \
	-f /lib/x86_64-linux-gnu/libc.so.6:/lib/x86_64-linux-gnu/libc.so.6 \
	-f /lib64/ld-linux-x86-64.so.2:/lib64/ld-linux-x86-64.so.2 \
	"$here/guest-init" "$initrd" >/dev/null

events=$(mktemp)
hvadm monitor >"$events" &
mon=$!
sleep 1		# for it to join the event groups: the first event is next

say hvadm vm create demo memory 512M vcpus 2 kernel /boot/vmlinuz-"$KVER" \
	initrd "$initrd" cmdline "console=ttyS0 quiet"
say hvadm vm start demo timeout "$T"
log=$(hvadm -j vm show demo | jq -r '.[0].console_log')
wait_until "$T" console_says '^guest: ready' ||
	echo "(the guest did not say it was ready within $T s)"
# A few heartbeats, so that show has something to show.
wait_until 60 heartbeat_beats 3 || true
echo
echo "== the guest's console ($log)"
grep -a '^guest:' "$log" | tr -d '\r' || tail -n 20 "$log"
say hvadm vm show demo
# The guest's KVP service answers once its hv_kvp_daemon runs.
wait_until 60 kvp_ready || true
say hvadm vm kvp demo set Role demo
say hvadm vm kvp demo
say hvadm vm shutdown demo
wait_until "$T" vm_is off || echo "(the VM did not go off within $T s)"
grep -a '^guest: the host asked' "$log" | tr -d '\r' || true
say hvadm vm list

sleep 0.5
kill -INT "$mon"
wait "$mon" || true
echo
echo "== what VID and VMBus announced (hvadm monitor)"
cat "$events"
rm -f "$events"
hvadm vm delete demo
