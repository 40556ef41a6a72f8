#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lab tests of partitions that run: hvadm asks, VID coordinates, the real
# worker (tools/worker/hvkvm-worker NAME) runs a stock Debian guest. TAP:
#
#	tools/hvlab run selftests/worker/vid.sh [TEST...]
#
# The guest is the worker selftests' busybox initramfs (guest-init): what
# it does is chosen by hvtest=ACTION on its command line. Waits are for
# lines in the console log or states in VID, with generous time-outs.
set -u
# shellcheck source=SCRIPTDIR/../lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh" || exit 1
top=${HVLAB_TOP:?run me through tools/hvlab}
here=$top/selftests/worker
# L2 boots Debian's kernel, also when L1 runs the debug kernel.
kernel=$(guest_kernel "${GUEST_KVER:-$KVER}")
initrd=/tmp/hvkvm-worker/guest.cpio
export HVKVM_RUN_DIR=/run/hvkvm
T=${HVKVM_TEST_TIMEOUT:-300}
wait_poll=0.3

all_tests=(start_show_stop pause_resume kill_worker guest_crash bad_kernel
	reset_power_cycles reset_while_stopping vmbus_probe side_by_side)


diag() {
	diag_show "$1"
	diag_console "$1" 12
	echo "--- worker.log:"
	tail -n 12 "$HVKVM_RUN_DIR/$1/worker.log" 2>/dev/null
}

# ---- tests ------------------------------------------------------------------

test_start_show_stop() {
	local why= pid
	define g1 button 2
	hvadm vm start g1 timeout "$T" || why+="start failed; "
	[ "$(field g1 state)" = running ] || why+="not running; "
	pid=$(field g1 worker_pid)
	kill -0 "$pid" 2>/dev/null || why+="no worker process $pid; "
	[ "$(field g1 pinned)" = 536870912 ] || why+="pinned $(field g1 pinned); "
	wait_line g1 '^HVTEST waiting for the power button' || why+="guest did not come up; "
	grep -aq 'Hypervisor detected: Microsoft Hyper-V' "$(console_of g1)" ||
		why+="no Hyper-V detection in the guest's log; "
	grep -aq 'cpus 2 ' "$(console_of g1)" || why+="guest does not see 2 cpus; "
	sleep 1.5	# the worker sends its counters every second
	[ "$(hvadm -j vm show g1 | jq '[.[0].vcpus_stats[].exits.io] | add')" -gt 0 ] ||
		why+="no exit counters; "
	# Graceful: the guest's init powers off on the power button.
	hvadm vm stop g1 timeout "$T" || why+="stop failed; "
	[ "$(field g1 state)" = off ] || why+="not off after stop; "
	grep -aq '^HVTEST power button pressed' "$(console_of g1)" ||
		why+="the guest did not see the power button; "
	! kill -0 "$pid" 2>/dev/null || why+="worker $pid still there; "
	[ -z "$why" ] && ok "start boots a Hyper-V guest; show reports it; stop shuts it down" ||
		not_ok "start, show, stop" "$why$(diag g1)"
}

test_pause_resume() {
	local why= a b
	define g2 ticks
	hvadm vm start g2 timeout "$T" || why+="start failed; "
	wait_line g2 '^HVTEST tick 3([^0-9]|$)' || why+="no ticks; "
	hvadm vm pause g2 || why+="pause failed; "
	[ "$(field g2 state)" = paused ] || why+="not paused; "
	a=$(grep -ac '^HVTEST tick' "$(console_of g2)")
	sleep 3
	b=$(grep -ac '^HVTEST tick' "$(console_of g2)")
	[ "$a" = "$b" ] || why+="ticks went on while paused ($a -> $b); "
	hvadm vm resume g2 || why+="resume failed; "
	wait_line g2 "^HVTEST tick $((b + 3))([^0-9]|\$)" || why+="no ticks after resume; "
	hvadm vm stop g2 --force || why+="stop --force failed; "
	[ "$(field g2 state)" = off ] || why+="not off; "
	[ -z "$why" ] && ok "pause stops the guest, resume lets it go on" ||
		not_ok "pause and resume" "$why$(diag g2)"
}

test_kill_worker() {
	local why= pid off
	define g3 ticks
	hvadm vm start g3 timeout "$T" || why+="start failed; "
	wait_line g3 '^HVTEST tick 1([^0-9]|$)' || why+="no ticks; "
	pid=$(field g3 worker_pid)
	kill -9 "$pid"
	wait_state g3 crashed || why+="not crashed; "
	[ "$(hvadm -j vm show g3 | jq -r '.[0].crash | "\(.kind) \(.code)"')" = "worker-signal 9" ] ||
		why+="crash: $(hvadm -j vm show g3 | jq -c '.[0].crash'); "
	[ "$(field g3 pinned)" = null ] || why+="memory still pinned; "
	# It starts again cleanly: a new boot, ticking (the log goes on).
	off=$(console_size g3)
	hvadm vm start g3 timeout "$T" || why+="restart failed; "
	wait_line_after g3 "$off" '^HVTEST tick 1([^0-9]|$)' || why+="no ticks after restart; "
	hvadm vm stop g3 force || why+="stop force failed; "
	[ -z "$why" ] && ok "kill -9 of the worker: crashed, nothing pinned, starts again" ||
		not_ok "kill -9 of the worker" "$why$(diag g3)"
}

test_guest_crash() {
	local why= c
	define g4 crash
	hvadm vm start g4 timeout "$T" || why+="start failed; "
	wait_state g4 crashed || why+="not crashed; "
	c=$(hvadm -j vm show g4 | jq -r '.[0].crash | "\(.kind) \(.params[1])"')
	case $c in
	"guest 0x81"*) ;;	# P1: Linux's guest OS id
	*) why+="crash: $(hvadm -j vm show g4 | jq -c '.[0].crash'); " ;;
	esac
	hvadm vm show g4 | grep -q 'crashed: guest crash' || why+="show does not say it; "
	[ -z "$why" ] && ok "a guest panic is a crash with the guest's parameters" ||
		not_ok "guest crash" "$why$(diag g4)"
}

# Bad boot specs: the worker's reason comes back through VID and hvadm,
# and the VM stays off with the reason recorded.
test_bad_kernel() {
	local why= msg c spec want
	local cases=(
		"memory 512M kernel /etc/hostname|/etc/hostname: not a bzImage"
		"memory 512M kernel /nonexistent|cannot open kernel /nonexistent"
		"memory 48M kernel $kernel|memory too small for the kernel"
	)
	for c in "${cases[@]}"; do
		spec=${c%%|*}
		want=${c#*|}
		hvadm vm delete g5 2>/dev/null
		# shellcheck disable=SC2086 # spec is words
		hvadm vm create g5 vcpus 1 $spec
		msg=$(hvadm vm start g5 timeout "$T" 2>&1) && why+="start succeeded ($spec); "
		case $msg in
		"Error: "*"$want"*) ;;
		*) why+="for '$spec' said: $msg; " ;;
		esac
		[ "$(field g5 state)" = off ] || why+="not off ($spec); "
		[ "$(field g5 error)" != null ] || why+="no error recorded ($spec); "
	done
	[ -z "$why" ] && ok "bad boot specs are refused with the worker's reason, the VM stays off" ||
		not_ok "bad boot specs" "$why$(diag g5)"
}

test_reset_power_cycles() {
	local why= end boots log=$HVKVM_RUN_DIR/g7/console.log
	define g7 reboot
	hvadm vm start g7 timeout "$T" || why+="start failed; "
	# The guest reboots at once, every time; the worker power-cycles it
	# through VID (off, starting, running), on the same console log.
	end=$((SECONDS + T))
	boots=0
	while [ "$SECONDS" -lt "$end" ] && [ "$boots" -lt 2 ]; do
		boots=$(grep -ac '^HVTEST init' "$log" 2>/dev/null)
		boots=${boots:-0}
		sleep 0.5
	done
	[ "$boots" -ge 2 ] || why+="booted $boots times; "
	hvadm vm stop g7 force timeout "$T" || why+="stop force failed; "
	[ "$(field g7 state)" = off ] || why+="not off; "
	[ -z "$why" ] && ok "a guest reset power-cycles the VM" ||
		not_ok "reset" "$why$(diag g7)"
}

# A stop that the guest answers with a reset ends the VM: the worker must
# not power-cycle a partition that a user is stopping (it used to report
# Off, then start the partition again behind the user's back).
test_reset_while_stopping() {
	local why= pid boots log=$HVKVM_RUN_DIR/g9/console.log
	define g9 button-reboot
	hvadm vm start g9 timeout "$T" || why+="start failed; "
	pid=$(field g9 worker_pid)
	wait_line g9 '^HVTEST waiting for the power button' || why+="guest did not come up; "
	hvadm vm stop g9 timeout "$T" || why+="stop failed; "
	grep -aq '^HVTEST power button pressed' "$log" || why+="the guest did not see the button; "
	# The worker ends; had it restarted the guest, it would still run.
	wait_gone "$pid" "$T" || why+="worker $pid still there after the stop; "
	[ "$(field g9 state)" = off ] || why+="state $(field g9 state), not off; "
	boots=$(grep -ac '^HVTEST init' "$log")
	[ "$boots" = 1 ] || why+="the guest booted $boots times; "
	grep -aq 'guest reset while stopping: off' "$HVKVM_RUN_DIR/g9/worker.log" ||
		why+="the worker did not say why it stopped; "
	[ -z "$why" ] && ok "a guest that resets while it is stopped stays off" ||
		not_ok "reset while stopping" "$why$(diag g9)"
}

test_vmbus_probe() {
	local why=
	define g6 vmbus
	hvadm vm start g6 timeout "$T" || why+="start failed; "
	wait_state g6 off || why+="did not power off; "
	# hv_vmbus programs the SynIC (forwarded to VID) and posts its first
	# message (checked by VID, answered by the VMBus host).
	grep -aq 'HVTEST insmod hv_vmbus' "$(console_of g6)" || why+="no insmod; "
	grep -aq 'Vmbus version:5.3' "$(console_of g6)" || why+="no VMBus connection seen; "
	[ "$(hvadm -j vm show g6 | jq -r '.[0].error')" = null ] || why+="error set; "
	[ -z "$why" ] && ok "hv_vmbus reaches the VMBus host through VID's SynIC path and connects" ||
		not_ok "vmbus probe" "$why$(diag g6)"
}

test_side_by_side() {
	local why= a b
	define s1 ticks
	define s2 ticks
	hvadm vm start s1 timeout "$T" || why+="s1 start failed; "
	hvadm vm start s2 timeout "$T" || why+="s2 start failed; "
	wait_line s2 '^HVTEST tick 1([^0-9]|$)' || why+="s2 no ticks; "
	kill -9 "$(field s1 worker_pid)"
	wait_state s1 crashed || why+="s1 not crashed; "
	a=$(grep -ac '^HVTEST tick' "$(console_of s2)")
	wait_line s2 "^HVTEST tick $((a + 3))([^0-9]|\$)" || why+="s2 stopped ticking; "
	[ "$(field s2 state)" = running ] || why+="s2 not running; "
	hvadm vm stop s2 force || why+="s2 stop failed; "
	[ -z "$why" ] && ok "two VMs side by side: one's crash leaves the other running" ||
		not_ok "side by side" "$why$(diag s2)"
}

# ---- main -------------------------------------------------------------------

build_initramfs -m button -m evdev -m hv_vmbus "$here/guest-init" "$initrd"
run_tests "$@"
for v in $(hvadm -j vm list | jq -r '.[].name'); do
	down "$v"
done
[ "$failed" = 0 ]
