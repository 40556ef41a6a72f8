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
kernel=$(guest_kernel "$gkver")
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
NTESTS=$((${#SCENARIOS[@]} + 10))
RACE=3			# lo3: removals racing sub-channel requests
MANY=300		# lo1: devices at once, beyond 256 channels

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

# healthy VM: the guest still ticks, the host counted no guest fault and
# logged no kernel trouble; what is wrong is added to $why.
healthy() {
	local n1 t
	n1=$(count "$1" '^HVTEST tick')
	wait_count "$1" '^HVTEST tick' $((n1 + 2)) 60 || why+="the guest stopped ticking; "
	[ "$(show "$1" | jq '.[0].vmbus.faults')" = 0 ] || why+="guest faults; "
	t=$(trouble)
	[ -z "$t" ] || why+="kernel trouble: $t; "
}

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

# ---- lo1: the scenarios -----------------------------------------------------

# 2. Two devices added to a running VM whose guest waits for them.
why=
vm_define lo1 2 "hvloop=$(IFS=,; echo "${SCENARIOS[*]}") hvloop_devices=2" ||
	why+="define failed; "
hvadm vm start lo1 timeout "$T" || why+="start failed; "
wait_line lo1 '^HVTEST loop waiting' || why+="the guest did not get to the module; "
loop_add lo1 || why+="adding device 0 failed; "
loop_add lo1 || why+="adding device 1 failed; "
[ "$(cat "$param/add")" = $'lo1 0\nlo1 1' ] ||
	why+="the VSP lists: $(cat "$param/add"); "
wait_chans lo1 '.state == "open" and .sub_index == 0' 2 ||
	why+="the guest did not open both; "
out=$(loop_add nosuchvm 2>&1) && why+="a device was added to no VM; "
[ -z "$why" ] && ok "two loopback devices added to a running VM, opened by the guest" ||
	not_ok "devices added" "$why$(diag lo1)"

# 3..: each scenario passes the guest's own checks.
wait_line lo1 'HVTEST loop done' "$LONG" || echo "# lo1 did not finish its scenarios"
log=$(console_of lo1)
[ -n "${HVLAB_OUT:-}" ] && cp "$log" "$HVLAB_OUT/loopback-lo1.console" 2>/dev/null
for s in "${SCENARIOS[@]}"; do
	line=$(loop_lines lo1 | grep -E "^HVTEST loop $s (ok|FAIL)" | tail -n1)
	if [ "$line" = "HVTEST loop $s ok" ]; then
		ok "loop $s"
	else
		not_ok "loop $s" "${line:-no result line}
$(loop_lines lo1 | grep "HVTEST loop $s" | tail -n 5)"
	fi
done

# The host's view: device 0 with its two sub-channels, device 1; no
# fault, no failed channel.
why=
loop_lines lo1 | grep -q '^HVTEST loop done: [0-9]* ok, 0 failed' ||
	why+="$(loop_lines lo1 | grep '^HVTEST loop done'); "
nchans_is lo1 '.state == "open" and .sub_index > 0' 2 ||
	why+="the host does not show two open sub-channels; "
nchans_is lo1 '.state == "failed"' 0 || why+="a loopback channel failed; "
[ "$(show lo1 | jq '.[0].vmbus.faults')" = 0 ] ||
	why+="guest faults: $(show lo1 | jq '.[0].vmbus.faults'); "
t=$(trouble)
[ -z "$t" ] || why+="kernel trouble: $t; "
[ -z "$why" ] && ok "the host shows 2 devices, 2 sub-channels, no fault, and logged no trouble" ||
	not_ok "the host after the scenarios" "$why$(diag lo1)"

# Hot add while the guest runs: probed, opened, echoes.
why=
n0=$(count lo1 'HVTEST loop probe .* ok')
loop_add lo1 || why+="adding device 2 failed; "
wait_count lo1 "HVTEST loop probe $(devname 2) ok" 1 ||
	why+="the guest did not probe device 2; "
wait_chans lo1 '.state == "open" and .sub_index == 0' 3 ||
	why+="the host does not show it open; "
[ "$(count lo1 'HVTEST loop probe .* ok')" -gt "$n0" ] ||
	why+="no new probe line; "
[ -z "$why" ] && ok "a device hot added to the running guest is probed and answers" ||
	not_ok "hot add" "$why$(diag lo1)"

# Hot remove: rescinded, the guest lets go, the host releases it.
why=
loop_remove lo1 2 || why+="removing device 2 failed; "
wait_line lo1 "HVTEST loop remove $(devname 2)" || why+="the guest did not remove it; "
wait_until "$T" "$wait_poll" eval 'klog | grep -q "lo1: device 2 released"' ||
	why+="the host did not release it; "
wait_chans lo1 '.sub_index == 0' 2 || why+="the host still has its channel; "
out=$(loop_remove lo1 2 2>&1) && why+="removed twice; "
# The device the scenarios ran on, with its open sub-channels: they go
# first, then it.
inst=$(loop_chans lo1 | jq -r '[.[] | select(.sub_index > 0)][0].instance')
d=0
[[ $inst =~ [0-9a-f]{2}$ ]] && d=$((16#${inst: -2}))
loop_remove lo1 "$d" || why+="removing device $d ($inst) failed; "
wait_line lo1 "HVTEST loop remove $(devname "$d")" ||
	why+="the guest did not remove device $d; "
wait_until "$T" "$wait_poll" eval 'klog | grep -q "lo1: device $d released"' ||
	why+="the host did not release device $d; "
wait_chans lo1 'true' 1 || why+="the host keeps device $d's channels; "
healthy lo1
[ -z "$why" ] && ok "devices hot removed (one with open sub-channels) while the guest runs" ||
	not_ok "hot remove" "$why$(diag lo1)"
# Beyond 256 channels: MANY more devices, each offered, probed and
# opened by the guest (relids past 256, each a port bound on its first
# signal), each echoing; then all removed.
why=
n0=$(count lo1 'HVTEST loop probe .* ok')
p0=$(show lo1 | jq -r '.[0].ports_bound')
echo "loopback.sh: many" >/dev/kmsg
t0=$SECONDS
for ((i = 0; i < MANY; i++)); do
	loop_add lo1 || { why+="adding device $i of $MANY failed; "; break; }
done
wait_count lo1 'HVTEST loop probe .* ok' $((n0 + MANY)) "$LONG" ||
	why+="$(( $(count lo1 'HVTEST loop probe .* ok') - n0 )) of $MANY probed and echoed; "
tadd=$((SECONDS - t0))
# hvadm vm show lists every channel (it dumps them, a message each): a
# primary for each of lo1's devices the VSP lists (the MANY new ones and
# the one left), each once, by its instance, and open; relids past 256.
chans=$(loop_chans lo1)
want=$(sed -n 's/^lo1 //p' "$param/add" | while read -r i; do devname "$i"; echo; done | sort)
got=$(jq -r '.[] | select(.sub_index == 0) | .instance' <<<"$chans" | sort)
maxrel=$(jq '[.[].relid] | max' <<<"$chans")
[ "$(grep -c . <<<"$want")" = $((MANY + 1)) ] && [ "$got" = "$want" ] ||
	why+="hvadm vm show lists $(grep -c . <<<"$got") loopback primaries, the VSP $(grep -c . <<<"$want") devices (differing: $(comm -3 <(echo "$want") <(echo "$got") | head -n 3 | tr -d '\t' | tr '\n' ' ')); "
[ "$(jq '[.[].relid] | length == (unique | length)' <<<"$chans")" = true ] ||
	why+="a relid listed twice; "
[ "${maxrel:-0}" -gt 256 ] 2>/dev/null || why+="the highest relid is $maxrel; "
[ "$(jq '[.[] | select(.state != "open")] | length' <<<"$chans")" = 0 ] ||
	why+="not open: $(jq -c '[.[] | select(.state != "open") | {relid, state}]' <<<"$chans" | head -c 300); "
# Each echo bound its channel's port: as many distinct connection ids
# (0x100 + relid).
bound=$(show lo1 | jq -r '.[0].ports_bound')
# (A removed device's port stays bound, and its relid goes to a new one:
# at least the MANY new channels and the one left are distinct.)
[ "${bound:-0}" -ge $((MANY + 1)) ] 2>/dev/null && [ "$bound" -gt 256 ] ||
	why+="$bound ports bound (before: $p0); "
count lo1 'HVTEST loop probe .* FAIL' >/dev/null &&
	why+="probe failures: $(grep -a 'HVTEST loop probe .* FAIL' "$(console_of lo1)" | head -n 3); "
t0=$SECONDS
for i in $(sed -n 's/^lo1 //p' "$param/add"); do
	loop_remove lo1 "$i" || why+="removing device $i failed; "
done
wait_chans lo1 'true' 0 || why+="$(loop_chans lo1 | jq length) loopback channels left; "
trem=$((SECONDS - t0))
[ "$(show lo1 | jq '.[0].vmbus.faults')" = 0 ] || why+="guest faults; "
t=$(trouble)
[ -z "$t" ] || why+="kernel trouble: $t; "
[ -z "$why" ] && ok "$MANY devices at once (all $((MANY + 1)) listed, relids up to $maxrel, $bound ports bound on demand): each probed, opened and echoing; all removed (${tadd} s, ${trem} s)" ||
	not_ok "$MANY devices" "$why$(diag lo1)"
down lo1
listed() { grep -q "^$1 " "$param/add"; }
wait_until "$T" "$wait_poll" eval '! listed lo1' ||
	echo "# the VSP still lists lo1's device after the VM went"

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
healthy lo3
[ -z "$why" ] && ok "lo3: $RACE devices removed while the guest asks for sub-channels: no deadlock, each released" ||
	not_ok "removal racing sub-channel requests" "$why$(diag lo3)"
down lo3

# ---- lo2: references that outlive the device, the VM, the VSP --------------

# The host holds a GPADL of each device for HOLD_MS; meanwhile device 1
# is removed, the VM stopped, the VSP unloaded (its exit waits for them).
why=
mark_off=
echo "loopback.sh: lo2" >/dev/kmsg
vm_define lo2 1 "hvloop=hold hvloop_devices=2 hvloop_hold=$HOLD_MS" || why+="define failed; "
hvadm vm start lo2 timeout "$T" || why+="start failed; "
wait_line lo2 '^HVTEST loop waiting' || why+="the guest did not get to the module; "
loop_add lo2 && loop_add lo2 || why+="adding devices failed; "
if wait_line lo2 'HVTEST loop (hold (ok|FAIL)|setup FAIL)' "$T" &&
   loop_lines lo2 | grep -q '^HVTEST loop hold ok'; then
	t0=$SECONDS
	loop_remove lo2 1 || why+="removing device 1 failed; "
	wait_line lo2 "HVTEST loop remove $(devname 1)" || why+="the guest did not remove device 1; "
	wait_until "$T" "$wait_poll" eval 'klog | grep -q "lo2: device 1 released"' ||
		why+="the host did not release device 1; "
	echo "loopback.sh: lo2 device 1 removed" >/dev/kmsg
	hvadm vm stop lo2 force timeout "$T" || why+="stop failed; "
	state_is lo2 off || why+="lo2 is $(field lo2 state); "
	echo "loopback.sh: lo2 is off" >/dev/kmsg
	mark_off=1
	echo "# device 1 removed and lo2 stopped $((SECONDS - t0)) s after the holds began (they last $((HOLD_MS / 1000)) s)"
else
	why+="the guest did not hold its GPADLs: $(loop_lines lo2 | tail -n 3); "
fi
[ -z "$why" ] && ok "lo2: device removed and VM stopped while the host holds their GPADLs" ||
	not_ok "lo2 removal and stop while held" "$why$(diag lo2)"

# The VSP unloads: its exit waits for the holds, which end after both.
why=
t0=$SECONDS
out=$(timeout $((HOLD_MS / 1000 + 120)) rmmod hvkvm_vsp_loop 2>&1) ||
	why+="rmmod failed: $out; "
[ -d /sys/module/hvkvm_vsp_loop ] && why+="the module is still there; "
k=$(klog)
lets=$(sed -n '/loopback.sh: lo2$/,$p' <<<"$k" | grep -c 'hvkvm_vsp_loop: gpadl 0x[0-9a-f]* let go')
[ "$lets" = 2 ] || why+="$lets GPADLs let go, not 2; "
if [ -n "$mark_off" ]; then
	after=$(sed -n '/loopback.sh: lo2 is off/,$p' <<<"$k" | grep -c 'gpadl 0x[0-9a-f]* let go')
	[ "$after" = 2 ] ||
		why+="only $after GPADLs were let go after the VM's end (the stop took too long? see the time above); "
fi
echo "# rmmod took $((SECONDS - t0)) s"
[ -z "$why" ] && ok "the VSP's last GPADL references go after the device and the VM; it unloads" ||
	not_ok "references outlive the device and the VM" "$why$(grep -E 'lo2|vsp_loop|loopback.sh' <<<"$k" | tail -n 15)"

# Nothing went wrong in the host's kernel, and it sent no TORNDOWN for a
# connection that is gone (lo2's bus would have logged a post error).
why=
t=$(trouble)
[ -z "$t" ] || why+="kernel trouble: $t; "
grep -E 'lo2: cannot post' <<<"$(klog)" && why+="lo2's bus posted after the VM's end; "
[ -n "${HVLAB_OUT:-}" ] && klog >"$HVLAB_OUT/loopback-klog.txt"
[ -z "$why" ] && ok "L1's kernel log is clean" || not_ok "kernel log" "$why"
down lo2
[ "$n" = "$NTESTS" ] || not_ok "the plan said $NTESTS tests, $n ran" ""
[ "$failed" = 0 ]
