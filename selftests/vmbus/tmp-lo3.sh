#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The loopback test device (include/hvkvm/loop_proto.h) with a stock
# guest: the host's side is the test VSP selftests/kmod/vsp_loop
# (hvkvm_vsp_loop.ko, which this script loads and unloads), the guest's
# guest/loopback/hvkvm_loop.ko on the guest kernel's own hv_vmbus, which
# runs the scenarios and checks every answer itself. TAP:
#
#	tools/hvlab run selftests/vmbus/loopback.sh
#
# VM lo1: two devices added while the guest waits for them; every
# scenario of the guest module (echo, the largest packet, both rings
# filled, GPA direct, sub-channels, a GPADL shared by a device's channels
# and torn down while the host holds it, another device's GPADL); the
# host's view; a device hot added and removed while the guest runs; 300
# devices at once (relids past 256), then removed.
# VM lo3: the guest asks for sub-channels again and again while the host
# removes the device, three times: no deadlock, every device released.
# VM lo2: the host holds a GPADL of each of two devices when one device
# is removed and the VM stopped, and the VSP is unloaded while it still
# holds them: the references outlive the bus, then go. L1's kernel log
# must stay clean throughout (and hvlab checks it again at the end).
set -u
# shellcheck source=SCRIPTDIR/../lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh" || exit 1
top=${HVLAB_TOP:?run me through tools/hvlab}
here=$top/selftests/vmbus
export PATH=$top/tools/hvadm:$PATH
export HVKVM_WORKER=$top/tools/worker/hvkvm-worker
export HVKVM_RUN_DIR=/run/hvkvm-loop
# L2 boots Debian's kernel (also when L1 runs the debug kernel); the
# guest module is built against it.
gkver=${GUEST_KVER:-$KVER}
kernel=/boot/vmlinuz-$gkver
work=/tmp/hvkvm-loop
initrd=$work/guest.cpio
gko=$top/guest/loopback/hvkvm_loop.ko
# The host's modules: the debug kernel's are built elsewhere.
vsp=${HVLAB_MODROOT:-$top}/selftests/kmod/vsp_loop/hvkvm_vsp_loop.ko
param=/sys/module/hvkvm_vsp_loop/parameters
T=${HVKVM_TEST_TIMEOUT:-300}
LONG=900		# the scenarios, under emulation
HOLD_MS=45000		# lo2: how long the host holds its GPADLs
SCENARIOS=(echo who largest fill_h2g fill_g2h gpa subchannels gpadl otherdev)
NTESTS=2
RACE=3			# lo3: removals racing sub-channel requests
MANY=300		# lo1: devices at once, beyond 256 channels
# tools/lab/stage2's list of kernel trouble
TROUBLE='BUG:|WARNING:|Oops|general protection|kernel BUG at|refcount_t:|UBSAN:|list_add corruption|list_del corruption|scheduling while atomic|possible circular locking|possible recursive locking|inconsistent lock state|hung_task|blocked for more than|suspected memory leak|ODEBUG:'

console_of() { echo "$HVKVM_RUN_DIR/$1/console.log"; }
show() { hvadm -j vm show "$1"; }
# loop_chans VM: the host's loopback channels, as JSON.
loop_chans() {
	show "$1" | jq -c '[.[0].vmbus.channels[] | select(.class == "loopback")]'
}
nchans_is() { [ "$(loop_chans "$1" | jq "map(select($2)) | length")" = "$3" ]; }
# wait_chans VM JQ-CONDITION N: N loopback channels satisfy it.
wait_chans() { wait_until "$T" "$wait_poll" nchans_is "$1" "$2" "$3"; }
# The guest module's lines (printk: after a time stamp), from HVTEST on.
loop_lines() { grep -ao 'HVTEST loop .*' "$(console_of "$1")" 2>/dev/null | tr -d '\r'; }
# count VM REGEX: matching lines of the console.
count() { grep -acE "$2" "$(console_of "$1")" 2>/dev/null; }
count_is_at_least() { [ "$(count "$1" "$2")" -ge "$3" ]; }
wait_count() { wait_until "${4:-$T}" "$wait_poll" count_is_at_least "$1" "$2" "$3"; }

loop_add() { echo "$1" >"$param/add"; }
loop_remove() { echo "$1 $2" >"$param/remove"; }
# The guest's name of device INDEX (its instance GUID).
devname() { printf '6c6f6f70-0000-4000-8000-68760000%04x' "$1"; }

# The kernel log since this script started, and the trouble in it.
klog() { dmesg | sed -n '/loopback.sh: start/,$p'; }
trouble() { klog | grep -E "$TROUBLE"; }

diag() {
	diag_show "$1"
	echo "--- loopback channels:"
	loop_chans "$1"
	echo "--- console:"
	tail -n 30 "$(console_of "$1")" 2>/dev/null
	echo "--- host kernel:"
	klog | grep -E 'hvkvm|loop' | tail -n 15
}

cleanup() {
	down lo1
	down lo3
	down lo2
	[ -d /sys/module/hvkvm_vsp_loop ] && rmmod hvkvm_vsp_loop 2>/dev/null
}
trap cleanup EXIT

# ---- setup ------------------------------------------------------------------

mkdir -p "$work"
echo "1..$NTESTS"
why=
[ -f "$gko" ] || why+="$gko is not built; "
[ -f "$vsp" ] || why+="$vsp is not built; "
v=$(modinfo -F vermagic "$gko" 2>/dev/null)
[ "${v%% *}" = "$gkver" ] || why+="the guest module is built for ${v%% *}, the guest runs $gkver; "
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
"$top/tools/lab/mkinitramfs" -k "$gkver" -m hv_vmbus -f "$gko:/lib/hvkvm_loop.ko" \
	"$here/loopback-init" "$initrd" >"$work/mkinitramfs.log" 2>&1 ||
	why+="mkinitramfs: $(tail -n 3 "$work/mkinitramfs.log"); "
echo "loopback.sh: start" >/dev/kmsg
[ -z "$why" ] && { out=$(insmod "$vsp" 2>&1) || why+="insmod: $out; "; }
if [ -n "$why" ]; then
	not_ok "the guest initramfs and the loopback VSP" "$why"
	exit 1
fi
ok "the loopback VSP loads, the guest initramfs is built"

# ---- lo3: sub-channel requests racing the device's removal ------------------

# The guest sends sub-channel requests in batches of 8 without waiting,
# again and again, while the host removes the device (RACE rounds, a new
# device each). The removal closes the channel whose handler asks, under
# the VM's mutex: it must end (no deadlock), the device must be released,
# and every answer must be one the protocol allows (the guest checks).
why=
echo "loopback.sh: lo3" >/dev/kmsg
vm_define lo3 1 "hvloop=subrace hvloop.subrace_rounds=$RACE" || why+="define failed; "
hvadm vm start lo3 timeout "$T" || why+="start failed; "
wait_line lo3 '^HVTEST loop waiting' || why+="the guest did not get to the module; "
r=0
while [ -z "$why" ] && [ "$r" -lt "$RACE" ]; do
	r=$((r + 1))
	loop_add lo3 || { why+="round $r: adding a device failed; "; break; }
	d=$(sed -n 's/^lo3 //p' "$param/add" | tail -n 1)
	wait_line lo3 "HVTEST loop subrace round $r hammering" ||
		{ why+="round $r: the guest did not start asking; "; break; }
	# A deadlock would leave the write to "remove" hanging.
	loop_remove lo3 "$d" &
	rm_pid=$!
	if ! wait_until "$T" "$wait_poll" pid_gone "$rm_pid"; then
		why+="round $r: removing device $d did not end (deadlock?); "
		break
	fi
	wait "$rm_pid" || why+="round $r: removing device $d failed; "
	wait_line lo3 "HVTEST loop subrace round $r: " ||
		why+="round $r: the guest did not see the removal; "
	wait_until "$T" "$wait_poll" eval 'klog | grep -q "lo3: device $d released"' ||
		why+="round $r: the host did not release device $d; "
done
wait_line lo3 'HVTEST loop subrace (ok|FAIL)' ||
	why+="the guest did not finish; "
loop_lines lo3 | grep -q '^HVTEST loop subrace ok' ||
	why+="$(loop_lines lo3 | grep 'HVTEST loop subrace FAIL'); "
loop_lines lo3 | grep 'subrace round [0-9]*:' | sed 's/^/# /'
n1=$(count lo3 '^HVTEST tick')
wait_count lo3 '^HVTEST tick' $((n1 + 2)) 60 || why+="the guest stopped ticking; "
[ "$(show lo3 | jq '.[0].vmbus.faults')" = 0 ] || why+="guest faults; "
t=$(trouble)
[ -z "$t" ] || why+="kernel trouble: $t; "
[ -z "$why" ] && ok "lo3: $RACE devices removed while the guest asks for sub-channels: no deadlock, each released" ||
	not_ok "removal racing sub-channel requests" "$why$(diag lo3)"
down lo3

[ "$failed" = 0 ]
