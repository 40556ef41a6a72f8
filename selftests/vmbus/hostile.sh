#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hostile VMBus guest cannot hurt the host or another guest. TAP:
#
#	tools/hvlab run selftests/vmbus/hostile.sh
#
# A stock guest (hv_vmbus, hv_utils) runs alongside a guest without
# hv_vmbus whose guest/hostile/hvkvm_hostile.ko speaks VMBus with raw
# hypercalls and breaks its rules (scenarios msgs, gpadl, ring, subch,
# storage; HOSTILE_SUBCH=0 leaves subch out: tools/hvlab run --env
# HOSTILE_SUBCH=0 ...; storage runs only with HOSTILE_STORAGE=1 until it
# has passed in the lab); each one
# checks the host's answers itself and ends "HOSTILE done: N checks, M
# failed"). For subch the hostile VM gets a loopback test device (the
# test-only VSP selftests/kmod/vsp_loop, hvkvm_vsp_loop.ko, which this
# script loads and unloads, as loopback.sh does), whose sub-channels and
# GPADLs it misuses. For storage it gets a disk (hvadm disk add: a 1 MiB
# image whose first sector holds the pattern the scenario reads) on the
# synthetic SCSI controller of hvkvm_storvsp, whose protocol it breaks;
# without hvkvm_storvsp loaded that part is skipped. The host must log
# the faults, fail the channel, and go on: the stock guest's heartbeat
# keeps advancing, the loopback device is released when the VM goes and
# the VSP unloads, the disk is removed, a guest started afterwards
# connects, and L1's kernel log stays clean (hvlab checks that too).
set -u
# shellcheck source=SCRIPTDIR/../lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh" || exit 1
top=${HVLAB_TOP:?run me through tools/hvlab}
here=$top/selftests/vmbus
# L2 boots Debian's kernel, also when L1 runs the debug kernel.
kernel=$(guest_kernel "${GUEST_KVER:-$KVER}")
ko=$top/guest/hostile/hvkvm_hostile.ko
# The host's modules: the debug kernel's are built elsewhere.
vsp=${HVLAB_MODROOT:-$top}/selftests/kmod/vsp_loop/hvkvm_vsp_loop.ko
param=/sys/module/hvkvm_vsp_loop/parameters
work=/tmp/hvkvm-hostile
initrd=$work/guest.cpio
export HVKVM_RUN_DIR=/run/hvkvm
T=${HVKVM_TEST_TIMEOUT:-300}
HOLD_MS=10000		# the failed ring channel stays open this long
SUBCH=${HOSTILE_SUBCH:-1}
STORAGE=${HOSTILE_STORAGE:-0}
SCENARIOS=(msgs gpadl ring)
[ "$SUBCH" = 1 ] && SCENARIOS+=(subch)
# storage: its scenario's test, and the host's side of it
NTESTS=$((${#SCENARIOS[@]} + 5 + 2 * SUBCH + 2 * STORAGE))
stor_skip=
if [ "$STORAGE" = 1 ]; then
	if [ -d /sys/module/hvkvm_storvsp ]; then
		SCENARIOS+=(storage)
	else
		stor_skip="hvkvm_storvsp is not loaded (not built?): no synthetic SCSI controller to test"
	fi
fi
# The storage scenario's disk: its first sector is 16 times this line,
# ST_PATTERN of guest/hostile/hvkvm_hostile.c.
disk_img=$work/h1-disk.img
DISK_LINE='hvkvm hostile storage, sector 0'
storvsp_cfs=/sys/kernel/config/target/storvsp

vmbus() { python3 "$here/vmbus-state.py" "$1" 2>/dev/null; }
heartbeat() { vmbus "$1" | jq -r '.ics[] | select(.name == "heartbeat") | .heartbeat_seq'; }

# wait_vmbus VM JQ-FILTER VALUE: the VM's VMBus state gets there.
vmbus_is() { [ "$(vmbus "$1" | jq -r "$2" 2>/dev/null)" = "$3" ]; }
wait_vmbus() { wait_until "$T" 1 vmbus_is "$1" "$2" "$3"; }

# define_role VM ROLE: 512 MiB, one vCPU (the hostile module keeps to one
# VP), hostile-init in ROLE.
define_role() { vm_define "$1" 1 "hostile=$2 hostile_hold=$HOLD_MS"; }

diag() {
	diag_show "$1"
	echo "--- vmbus:"
	vmbus "$1"
	diag_console "$1" 15
}

# The kernel log since this script started.
klog() { dmesg | sed -n '/hostile.sh: start/,$p'; }
# The part of it since the storage scenario started.
klog_storage() { klog | sed -n '/hostile.sh: storage scenario/,$p'; }

# A loopback device for h1 (once VMBus has the VM: right after its start).
loop_add_h1() { echo h1 >"$param/add" 2>/dev/null; }
# The loop VSP logged that h1's device was released.
loop_released() { klog | grep -q "h1: device $loop_dev released"; }

# h1's disk gone, and its SCSI target (as selftests/storage/run.sh does).
undisk() {
	[ -d "$storvsp_cfs" ] || return 0
	hvadm disk remove h1 0 >/dev/null 2>&1
	rmdir "$storvsp_cfs/h1/tpgt_0/acls/"* 2>/dev/null
	rmdir "$storvsp_cfs/h1/tpgt_0" "$storvsp_cfs/h1" 2>/dev/null
	[ ! -d "$storvsp_cfs/h1" ]
}

# The storage scenario's disk for h1, at LUN 0; on failure, says why.
disk_add_h1() {
	local i out
	if ! mountpoint -q /sys/kernel/config &&
	   ! mount -t configfs configfs /sys/kernel/config; then
		echo "cannot mount configfs"
		return 1
	fi
	undisk || { echo "an earlier target of h1 stays in $storvsp_cfs/h1"; return 1; }
	rm -f "$disk_img"
	truncate -s 1M "$disk_img" || { echo "cannot make $disk_img"; return 1; }
	for ((i = 0; i < 16; i++)); do printf '%s\n' "$DISK_LINE"; done |
		dd of="$disk_img" conv=notrunc 2>/dev/null || { echo "cannot write $disk_img"; return 1; }
	out=$(hvadm disk add h1 "$disk_img" 2>&1) || { echo "hvadm disk add: $out"; return 1; }
}

cleanup() {
	down h1
	down s1
	undisk
	rm -f "$disk_img"
	[ -d /sys/module/hvkvm_vsp_loop ] && rmmod hvkvm_vsp_loop 2>/dev/null
}
trap cleanup EXIT

# ---- main -------------------------------------------------------------------

[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
mkdir -p "$work"
echo "1..$NTESTS"
if [ ! -f "$ko" ] ||
   ! "$top/tools/lab/mkinitramfs" -m hv_vmbus -m hv_utils -f "$ko:/lib/hvkvm_hostile.ko" \
	"$here/hostile-init" "$initrd" >"$work/mkinitramfs.log" 2>&1; then
	not_ok "cannot build the guest initramfs (is guest/hostile built?)" "$(cat "$work/mkinitramfs.log" 2>/dev/null)"
	exit 1
fi
echo "hostile.sh: start" >/dev/kmsg
# The loopback device's VSP, for the subch scenario (its test says why not).
loop_why=
if [ "$SUBCH" = 1 ]; then
	[ -f "$vsp" ] || loop_why+="$vsp is not built; "
	[ -z "$loop_why" ] && { out=$(insmod "$vsp" 2>&1) || loop_why+="insmod: $out; "; }
fi

# 1. The stock guest comes up and its heartbeat runs.
why=
define_role s1 stock
hvadm vm start s1 timeout "$T" || why+="start failed; "
wait_line s1 '^HVTEST stock ready' || why+="the guest did not come up; "
wait_vmbus s1 '.ics[] | select(.name == "heartbeat") | .state' ready ||
	why+="heartbeat not ready; "
hb0=$(heartbeat s1)
[ -z "$why" ] && ok "a stock guest connects and answers heartbeats (seq $hb0)" ||
	not_ok "stock guest" "$why$(diag s1)"

# 2-6. The hostile guest runs its scenarios; each must pass its own checks.
define_role h1 "$(IFS=,; echo "${SCENARIOS[*]}")"
# Its disk for the storage scenario: the controller is offered at start.
stor_on=
stor_why=
if [[ " ${SCENARIOS[*]} " == *" storage "* ]]; then
	stor_on=1
	out=$(disk_add_h1) || stor_why+="no disk for h1: $out; "
fi
# Where h1's console log ends before this start (VID names the log only
# once a worker runs; the worker keeps it there, across runs).
h1_place=$(stat -c %i:%s "$HVKVM_RUN_DIR/h1/console.log" 2>/dev/null || echo 0)
hvadm vm start h1 timeout "$T" || echo "# h1 start failed"
# Its loopback device, before the guest's module first connects (the
# guest is still booting): every scenario then sees it among the offers.
if [ "$SUBCH" = 1 ] && [ -z "$loop_why" ]; then
	wait_until 20 0.5 loop_add_h1 || loop_why+="adding the loopback device to h1 failed; "
	loop_dev=$(sed -n 's/^h1 \([0-9]*\)$/\1/p' "$param/add")
	[ -n "$loop_dev" ] || loop_why+="the VSP lists no device of h1: $(cat "$param/add"); "
	console_has_after h1 "$h1_place" '^HVTEST scenario' &&
		loop_why+="the device came after the hostile module had started; "
fi
# 7. While it holds the failed ring channel open, the host shows it failed.
why=
if wait_line h1 'HOSTILE ring/hold' 900; then
	st=$(vmbus h1 | jq -c '[.channels[] | select(.state == "failed")]')
	case $st in
	*'"class":"heartbeat"'*"read index lies"*) ;;
	*) why+="the host shows no failed heartbeat channel: $st; " ;;
	esac
	hb_mid=$(heartbeat s1)
	# The msgs scenario signalled 2049 connections no channel listens
	# on: refused through the worker, and no port bound for them.
	bound=$(field h1 ports_bound)
	slow=$(field h1 slow_signals)
	[ "${bound:-99}" -le 4 ] 2>/dev/null && [ "${slow:-0}" -ge 2049 ] 2>/dev/null ||
		why+="after the signals on unopened connections: $bound ports bound (want at most 4), $slow slow signals (want 2049 or more); "
else
	why+="the ring scenario never held its failed channel; "
fi
# Where the storage scenario begins in L1's kernel log (it comes last),
# and the stock guest's heartbeat then.
if [ -n "$stor_on" ]; then
	if wait_line_after h1 "$h1_place" '^HVTEST scenario storage' 1200; then
		echo "hostile.sh: storage scenario" >/dev/kmsg
		hb_st=$(heartbeat s1)
	else
		stor_why+="the storage scenario never started; "
	fi
fi
wait_line h1 '^HVTEST hostile finished' $((900 + ${stor_on:-0} * 600)) || echo "# h1 did not finish"
# (before h1's power-off adds its lines)
[ -n "$stor_on" ] && sk=$(klog_storage)
log=$(console_of h1)
# Kept for reading afterwards: the module's every step is in it.
[ -n "${HVLAB_OUT:-}" ] && cp "$log" "$HVLAB_OUT/hostile-h1.console" 2>/dev/null
for s in "${SCENARIOS[@]}"; do
	# The scenario's block of the log: from its start to the next one's.
	blk=$(sed -n "/^HVTEST scenario $s/,/^HVTEST insmod $s/p" "$log" | tr -d '\r')
	done_line=$(grep -a 'HOSTILE done:' <<<"$blk" | tail -n1)
	checks=$(sed -nE 's/.*HOSTILE done: ([0-9]+) checks, ([0-9]+) failed.*/\1/p' <<<"$done_line")
	nfail=$(sed -nE 's/.*HOSTILE done: ([0-9]+) checks, ([0-9]+) failed.*/\2/p' <<<"$done_line")
	pre=
	[ "$s" = subch ] && pre=$loop_why
	[ "$s" = storage ] && pre=$stor_why
	if [ -z "$pre" ] && [ -n "$checks" ] && [ "$checks" -gt 0 ] && [ "$nfail" = 0 ]; then
		ok "hostile $s: the host passed all $checks checks"
	else
		not_ok "hostile $s: $pre${done_line:-no end line}" \
			"$(grep -a 'FAIL' <<<"$blk")
$(tail -n 5 <<<"$blk")$(diag h1)"
	fi
done
[ "$STORAGE" = 1 ] && [ -n "$stor_skip" ] && skip "hostile storage" "$stor_skip"
[ -z "$why" ] && ok "the host shows the hostile guest's channel failed: read index lies; $slow signals through the worker bound $bound ports" ||
	not_ok "failed channel visible on the host" "$why$(diag h1)"

# 8. The host logged the hostile guest's faults and failed its channels.
why=
k=$(klog)
nf=$(grep -c 'h1: guest fault' <<<"$k")
[ "$nf" -gt 0 ] || why+="no guest fault logged for h1; "
lie=$(grep -c "h1: channel [0-9]* (heartbeat) failed: the guest's ring indices lie" <<<"$k")
big=$(grep -c "h1: channel [0-9]* (heartbeat) failed: a packet longer than the device takes" <<<"$k")
rd=$(grep -c "h1: channel [0-9]* (heartbeat) failed: the guest's read index lies" <<<"$k")
[ "$lie" = 6 ] && [ "$big" = 1 ] && [ "$rd" = 1 ] ||
	why+="channel failures: $lie lying rings (want 6), $big too big (1), $rd read index (1); "
[ -z "$why" ] && ok "the host logged h1's faults ($nf lines, rate-limited) and failed its channel 8 times" ||
	not_ok "host log" "$why$(grep -a 'h1:' <<<"$k" | tail -n 20)"

# 9. The loopback device's side of it: no loopback channel failed (the
# guest broke the bus's rules, never the device's protocol), the faults
# were rate-limited (the msgs scenario's flood alone makes thousands), and
# no kernel trouble.
if [ "$SUBCH" = 1 ]; then
why=$loop_why
lf=$(grep -c "h1: channel [0-9]* (loopback) failed" <<<"$k")
[ "$lf" = 0 ] || why+="$lf loopback channels failed; "
sup=$(grep -cE 'vmbus_op_fault: [0-9]+ callbacks suppressed' <<<"$k")
[ "$sup" -gt 0 ] || why+="no guest fault was rate-limited; "
t=$(grep -E "$TROUBLE" <<<"$k")
[ -z "$t" ] || why+="kernel trouble: $t; "
[ -z "$why" ] && ok "no loopback channel failed, the faults were rate-limited ($sup times), no kernel trouble" ||
	not_ok "the host under the subch scenario" "$why$(grep -aE 'h1:|vsp_loop' <<<"$k" | tail -n 20)"
fi

# 10. The storage scenario's side of it: each packet that broke the
# protocol failed its SCSI channel (rate-limited lines), nothing else
# failed one, nothing else of h1's controller, of LIO or of trouble was
# logged, and the stock guest was served meanwhile.
if [ "$STORAGE" = 1 ]; then
if [ -n "$stor_skip" ]; then
	skip "the host under the storage scenario" "$stor_skip"
else
	why=$stor_why
	[ -n "${sk:-}" ] || why+="no kernel log of the storage scenario; "
	pf=$(grep -ac "h1: channel [0-9]* (scsi) failed: the guest broke the device protocol" <<<"${sk:-}")
	[ "$pf" -gt 0 ] || why+="no SCSI channel failed for a broken protocol; "
	of=$(grep -a "h1: channel [0-9]* (scsi) failed:" <<<"${sk:-}" | grep -v "the guest broke the device protocol")
	[ -z "$of" ] || why+="SCSI channels failed otherwise: $of; "
	t=$(grep -aE "$TROUBLE" <<<"${sk:-}")
	[ -z "$t" ] || why+="kernel trouble: $t; "
	# LIO's own lines would name a target, a SCSI command or a backstore;
	# h1's heartbeat (the IC VSP's) is no business of this scenario.
	odd=$(grep -aE 'h1:|storvsp|[Tt]arget|TARGET|SCSI|scsi|fileio' <<<"${sk:-}" |
		grep -avE 'h1: (channel [0-9]+ \(scsi\) failed: the guest broke the device protocol|guest connected|guest disconnected|guest fault|heartbeat lost|heartbeat regained)')
	[ -z "$odd" ] || why+="other lines: $(head -n 10 <<<"$odd"); "
	hb_end=$(heartbeat s1)
	[ "${hb_end:-0}" -gt "${hb_st:-0}" ] 2>/dev/null ||
		why+="the stock guest's heartbeat did not advance during it: ${hb_st:-none}, ${hb_end:-none}; "
	if [ -z "$why" ]; then
		ok "the host under the storage scenario: $pf SCSI channels failed for a broken protocol (11 sent, rate-limited), nothing else logged, the stock guest's heartbeat advanced (${hb_st:-}, $hb_end)"
	else
		not_ok "the host under the storage scenario" "$why$(tail -n 20 <<<"${sk:-}")"
	fi
fi
fi

# 11. The stock guest never noticed.
why=
grep -qE 's1: (guest fault|channel .* failed|heartbeat lost)' <<<"$k" &&
	why+="s1 has faults: $(grep -E 's1: (guest fault|channel|heartbeat)' <<<"$k" | head -n 3); "
[ "$(field s1 state)" = running ] || why+="s1 not running; "
hb1=$(heartbeat s1)
[ "${hb1:-0}" -gt $((${hb_mid:-${hb0:-0}})) ] && [ "${hb_mid:-0}" -gt "${hb0:-0}" ] ||
	why+="heartbeat did not advance: $hb0, $hb_mid, $hb1; "
[ "$(vmbus s1 | jq '[.channels[] | select(.state == "failed")] | length')" = 0 ] ||
	why+="s1 has failed channels; "
a=$(grep -ac '^HVTEST tick' "$(console_of s1)")
wait_line s1 "^HVTEST tick $((a + 2))([^0-9]|\$)" 60 || why+="s1 stopped ticking; "
[ -z "$why" ] && ok "the stock guest kept running, its heartbeat advanced ($hb0, $hb_mid, $hb1)" ||
	not_ok "stock guest alongside" "$why$(diag s1)"

# 12. The hostile guest goes down by itself: its loopback device is
# released, nothing of h1 stays pinned, and the VSP unloads (its exit
# waits for every GPADL it holds: all were let go).
end=$((SECONDS + 60))
while [ "$SECONDS" -lt "$end" ] && [ "$(field h1 state)" != off ]; do sleep 0.5; done
if [ "$SUBCH" = 1 ]; then
why=$loop_why
if [ "$(field h1 state)" = off ] && [ -z "$loop_why" ]; then
	wait_until "$T" 1 loop_released ||
		why+="the VSP's device $loop_dev of h1 was not released; "
	[ "$(field h1 pinned)" = null ] || why+="h1 still pins $(field h1 pinned) bytes; "
	out=$(timeout 120 rmmod hvkvm_vsp_loop 2>&1) || why+="rmmod: $out; "
	[ -d /sys/module/hvkvm_vsp_loop ] && why+="the loop VSP is still loaded; "
elif [ "$(field h1 state)" != off ]; then
	why+="h1 is $(field h1 state), not off; "
fi
[ -z "$why" ] && ok "h1 went off: its loopback device released, nothing pinned, the loop VSP unloaded" ||
	not_ok "the loopback device after h1" "$why$(klog | grep -aE 'h1:|vsp_loop' | tail -n 10)"
fi
[ -n "$stor_on" ] && ! undisk && echo "# h1's SCSI target stays: $(ls "$storvsp_cfs/h1" 2>&1)"

# 13. A stock guest on the same definition connects, without the disk.
why=
[ "$(field h1 state)" = off ] || why+="h1 is $(field h1 state), not off; "
hvadm vm stop h1 force >/dev/null 2>&1
define_role h1 stock
hvadm vm start h1 timeout "$T" || why+="restart failed; "
wait_line h1 '^HVTEST stock ready' || why+="the stock guest did not come up; "
wait_vmbus h1 '.ics[] | select(.name == "heartbeat") | .state' ready ||
	why+="its heartbeat is not ready; "
[ -z "$why" ] && ok "after the hostile guest a stock guest on the same VM connects" ||
	not_ok "stock guest after the hostile one" "$why$(diag h1)"

[ -n "${HVLAB_OUT:-}" ] && klog >"$HVLAB_OUT/hostile-klog.txt"
for v in h1 s1; do
	down "$v"
done
[ "$n" = "$NTESTS" ] || not_ok "the plan said $NTESTS tests, $n ran" ""
[ "$failed" = 0 ]
