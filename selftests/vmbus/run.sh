#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lab tests of the VMBus host with a stock guest: Debian's kernel, its own
# hv_vmbus and hv_utils, and Debian's hv_kvp_daemon, in a busybox
# initramfs (guest-init). TAP:
#
#	tools/hvlab run selftests/vmbus/run.sh [TEST...]
#
# What the guest sees is read from its console; what the host sees from
# hvadm (VMBus state in `hvadm -j vm show`). Waits are event-driven with
# generous time-outs: the lab is emulated and slow.
set -u
# shellcheck source=SCRIPTDIR/../lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh" || exit 1
top=${HVLAB_TOP:?run me through tools/hvlab}
here=$top/selftests/vmbus
export PATH=$top/tools/hvadm:$PATH
export HVKVM_WORKER=$top/tools/worker/hvkvm-worker
# The guest's kernel: Debian's, also when L1 runs the debug kernel.
KVER=${GUEST_KVER:-$(uname -r)}
kernel=$(guest_kernel "$KVER")
initrd=/tmp/hvkvm-vmbus/guest.cpio
# guest612.sh runs this again: its VMs' logs go elsewhere, or a wait for
# a line would find the first run's.
export HVKVM_RUN_DIR=${HVKVM_RUN_DIR:-/run/hvkvm}
T=${HVKVM_TEST_TIMEOUT:-300}

# The classes the host offers every VM (the integration components).
IC_CLASSES="57164f39-9115-4e78-ab55-382f3bd5422d 0e0b6031-5213-4934-818b-38d90ced39db 9527e630-d0ae-497b-adce-e80ab0175caf a9a0f4e7-5a45-4d96-b827-8a841e8c03e6"

all_tests=(connect heartbeat heartbeat_lost timesync kvp ic_hotplug ic_reload
	shutdown reboot stop modify reload side_by_side reset_loop cgroup)

show() { hvadm -j vm show "$1"; }
vmbus() { show "$1" | jq -r ".[0].vmbus$2"; }
# The log's path, not lab.sh's console_of (hvadm's console_log field).
console_of() { echo "$HVKVM_RUN_DIR/$1/console.log"; }

# wait_for VM JQ-FILTER VALUE: hvadm -j vm show's .[0]FILTER becomes VALUE.
show_is() { [ "$(show "$1" 2>/dev/null | jq -r ".[0]$2")" = "$3" ]; }
wait_for() { wait_until "$T" "$wait_poll" show_is "$1" "$2" "$3"; }

# up VM ACTION [VCPUS]: define, start, and wait for the guest's ICs.
up() {
	define "$@" && hvadm vm start "$1" timeout "$T" &&
		wait_line "$1" '^HVTEST (ready|reloaded)'
}

diag() {
	diag_show "$1"
	echo "--- console:"
	tail -n 25 "$(console_of "$1")" 2>/dev/null
	echo "--- host kernel:"
	dmesg | grep -E 'hvkvm' | tail -n 10
}

# heartbeat VM: the last sequence number the guest answered.
heartbeat() {
	show "$1" | jq -r '.[0].vmbus.ics[] | select(.name == "heartbeat") | .heartbeat_seq'
}
# heartbeat_at_least VM N: the guest answered heartbeat N or a later one.
heartbeat_at_least() { [ "$(heartbeat "$1")" -ge "$2" ] 2>/dev/null; }

# The tests that look at a running guest without ending it (connect,
# heartbeat, heartbeat_lost, timesync, kvp, ic_hotplug, ic_reload) share
# one, v1 with 2 vCPUs, and shutdown, which comes after them, ends it: a
# guest's boot is some 20 s of the emulated lab. The first of them to run
# boots it (afresh: never another run's v1), so each also runs alone.
shared_up() {
	[ -n "${shared_v1:-}" ] && state_is v1 running && return 0
	shared_v1=1
	down v1
	up v1 ics 2
}

# ---- tests ------------------------------------------------------------------

test_connect() {
	local why= c log
	shared_up || why+="the guest did not come up; "
	log=$(console_of v1)
	grep -aq 'hv_vmbus: Vmbus version:5.3' "$log" ||
		why+="the guest did not negotiate 5.3; "
	for c in $IC_CLASSES; do
		grep -aq "^HVTEST dev {$c}" "$log" || why+="the guest has no device of class $c; "
	done
	[ "$(vmbus v1 .connected)" = true ] || why+="the host does not see the guest connected; "
	[ "$(vmbus v1 .version)" = 5.3 ] || why+="the host reports version $(vmbus v1 .version); "
	for c in $IC_CLASSES; do
		[ "$(vmbus v1 ".channels[] | select(.type == \"$c\") | .state")" = open ] ||
			why+="the host's channel of class $c is not open; "
	done
	grep -aqE 'hv_utils: Heartbeat IC version 3\.0' "$log" ||
		why+="hv_utils did not take heartbeat 3.0; "
	grep -aqE 'hv_utils: Shutdown IC version 3\.2' "$log" ||
		why+="hv_utils did not take shutdown 3.2; "
	[ "$(vmbus v1 '.ics[] | select(.name == "shutdown") | .message_version')" = 3.2 ] ||
		why+="the host does not report shutdown 3.2; "
	[ -z "$why" ] && ok "a stock guest connects (VMBus 5.3) and opens every IC channel" ||
		not_ok "connect" "$why$(diag v1)"
}

test_heartbeat() {
	local why= a b end bound slow
	shared_up || why+="the guest did not come up; "
	wait_for v1 '.vmbus.ics[] | select(.name == "heartbeat") | .state' ready ||
		why+="heartbeat not ready; "
	a=$(heartbeat v1)
	end=$((SECONDS + T))
	b=$a
	while [ "$SECONDS" -lt "$end" ] && [ "${b:-0}" -le $((${a:-0} + 2)) ]; do
		sleep 1
		b=$(heartbeat v1)
	done
	[ "${b:-0}" -gt $((${a:-0} + 2)) ] || why+="the heartbeat stayed at $a..$b; "
	# Each answer signals the host: the first through the worker, which
	# binds the channel's port, the rest through its eventfd in the
	# kernel (a signal or two may race with a binding).
	bound=$(show v1 | jq -r '.[0].ports_bound')
	slow=$(show v1 | jq -r '.[0].slow_signals')
	[ "${bound:-0}" -ge 1 ] 2>/dev/null || why+="no port bound ($bound); "
	[ "${slow:-99}" -le $((${bound:-0} + 2)) ] 2>/dev/null ||
		why+="$slow signals came through the worker, for $bound ports bound; "
	[ -z "$why" ] && ok "the guest's heartbeat advances on the host ($a to $b; $bound ports bound on demand, $slow slow signals)" ||
		not_ok "heartbeat" "$why$(diag v1)"
}

test_heartbeat_lost() {
	local why= ev=/tmp/hvkvm-vmbus/events.json mon
	shared_up || why+="the guest did not come up; "
	wait_for v1 '.vmbus.ics[] | select(.name == "heartbeat") | .state' ready ||
		why+="heartbeat not ready; "
	hvadm -j monitor >"$ev" 2>&1 &
	mon=$!
	# A paused guest answers nothing: lost after 10 s, back on resume.
	hvadm vm pause v1 || why+="pause failed; "
	wait_for v1 '.vmbus.ics[] | select(.name == "heartbeat") | .state' lost ||
		why+="the heartbeat was not lost; "
	hvadm vm resume v1 || why+="resume failed; "
	wait_for v1 '.vmbus.ics[] | select(.name == "heartbeat") | .state' ready ||
		why+="the heartbeat did not come back; "
	sleep 1
	kill "$mon" 2>/dev/null
	wait "$mon" 2>/dev/null
	[ -n "$(jq -c 'select(.event == "heartbeat-lost" and .vm.name == "v1")' "$ev" 2>/dev/null)" ] ||
		why+="no heartbeat-lost event: $(cat "$ev"); "
	[ -n "$(jq -c 'select(.event == "heartbeat-regained" and .vm.name == "v1")' "$ev" 2>/dev/null)" ] ||
		why+="no heartbeat-regained event; "
	[ -z "$why" ] && ok "a guest that stops answering loses its heartbeat, and regains it (events)" ||
		not_ok "heartbeat lost" "$why$(diag v1)"
}

test_timesync() {
	local why= before now t log
	shared_up || why+="the guest did not come up; "
	log=$(console_of v1)
	before=$(grep -a '^HVTEST time-before' "$log" | head -n1 | tr -dc '0-9')
	[ "${before:-0}" -lt 1100000000 ] || why+="the guest's clock was not skewed ($before); "
	# The first SYNC comes right after hv_utils negotiates.
	wait_line v1 '^HVTEST time 1[7-9]' || why+="the guest's clock was never corrected; "
	t=$(grep -a '^HVTEST time 1[7-9]' "$log" | tail -n1 | tr -dc '0-9')
	now=$(date +%s)
	[ -n "$t" ] && [ $((now - t)) -lt 120 ] && [ $((t - now)) -lt 120 ] ||
		why+="the guest's clock $t is far from the host's $now; "
	# 4.0: the host sends the guest's reference time with its own, and
	# the guest adds how long the message took.
	wait_line v1 'hv_utils: TimeSync IC version 4\.0' ||
		why+="hv_utils did not take time sync 4.0; "
	[ "$(vmbus v1 '.ics[] | select(.name == "timesync") | .message_version')" = 4.0 ] ||
		why+="the host does not report time sync 4.0; "
	[ -z "$why" ] && ok "time sync 4.0 corrects a skewed guest clock" ||
		not_ok "time sync" "$why$(diag v1)"
}

test_kvp() {
	local why= out
	shared_up || why+="the guest did not come up; "
	wait_for v1 '.vmbus.ics[] | select(.name == "kvp") | .state' ready ||
		why+="KVP not ready (hv_kvp_daemon runs in the guest); "
	hvadm vm kvp v1 set hvtest-key "hello from the host" || why+="kvp set failed; "
	wait_line v1 '^HVTEST kvp hvtest-key=hello from the host' ||
		why+="the guest did not get the pair; "
	out=$(hvadm -j vm kvp v1)
	[ "$(jq -r '.[] | select(.key == "FullyQualifiedDomainName") | .value' <<<"$out")" = hvtest-guest ] ||
		why+="the guest's own pairs do not name it: $out; "
	[ "$(jq -r '.[] | select(.key == "OSBuildNumber") | .pool + " " + .value' <<<"$out")" = "auto $KVER" ] ||
		why+="the guest's own pairs do not give its kernel; "
	[ "$(jq -r '.[] | select(.key == "hvtest-key") | .pool' <<<"$out")" = external ] ||
		why+="the host's pair is not listed; "
	[ -z "$why" ] && ok "KVP: a host pair reaches the guest, the guest's pairs reach the host" ||
		not_ok "kvp" "$why$(diag v1)"
}

test_shutdown() {
	local why= out
	shared_up || why+="the guest did not come up; "
	wait_for v1 '.vmbus.ics[] | select(.name == "shutdown") | .state' ready ||
		why+="shutdown IC not ready; "
	out=$(hvadm vm shutdown v1 2>&1) || why+="shutdown failed: $out; "
	wait_line v1 '^HVTEST poweroff requested' || why+="the guest was not asked to power off; "
	wait_for v1 .state off || why+="the VM is not off; "
	[ -z "$why" ] && ok "graceful shutdown through the shutdown IC" ||
		not_ok "shutdown" "$why$(diag v1)"
	down v1
}

test_stop() {
	local why=
	up v11 ics || why+="the guest did not come up; "
	wait_for v11 '.vmbus.ics[] | select(.name == "shutdown") | .state' ready ||
		why+="shutdown IC not ready; "
	# This guest has no power-button driver: only the IC can ask it.
	hvadm vm stop v11 timeout "$T" || why+="stop failed; "
	grep -aq '^HVTEST poweroff requested' "$(console_of v11)" ||
		why+="the guest was not asked through its shutdown IC; "
	[ "$(field v11 state)" = off ] || why+="not off; "
	[ -z "$why" ] && ok "vm stop asks an enlightened guest through its shutdown IC" ||
		not_ok "stop through the IC" "$why$(diag v11)"
	down v11
}

test_reboot() {
	local why= out
	up v6 ics || why+="the guest did not come up; "
	wait_for v6 '.vmbus.ics[] | select(.name == "shutdown") | .state' ready ||
		why+="shutdown IC not ready; "
	out=$(hvadm vm shutdown v6 reboot 2>&1) || why+="reboot failed: $out; "
	wait_line v6 '^HVTEST reboot requested' || why+="the guest was not asked to reboot; "
	# The worker power-cycles the VM; the guest comes up a second time.
	local end=$((SECONDS + T))
	while [ "$SECONDS" -lt "$end" ] &&
		[ "$(grep -ac '^HVTEST ready' "$(console_of v6)")" -lt 2 ]; do
		sleep 0.5
	done
	[ "$(grep -ac '^HVTEST ready' "$(console_of v6)")" -ge 2 ] ||
		why+="the guest did not come up again; "
	wait_for v6 .vmbus.connected true || why+="not connected after the reboot; "
	# The worker still obeys VID after the power cycle.
	out=$(hvadm vm stop v6 force timeout "$T" 2>&1) ||
		why+="a forced stop after the reboot failed: $out; "
	[ "$(field v6 state)" = off ] || why+="state $(field v6 state) after the stop, not off; "
	[ -z "$why" ] && ok "reboot through the shutdown IC; the guest connects again, and stops" ||
		not_ok "reboot" "$why$(diag v6)"
	down v6
}

test_reload() {
	local why= log
	# A Linux 6.1 guest cannot unload hv_vmbus while it runs on
	# direct-mode synthetic timers (Documentation/worker.rst, "Known
	# guest problem"): this one is defined without them.
	{ define v7 reload && hvadm vm set v7 stimer off &&
		hvadm vm start v7 timeout "$T" &&
		wait_line v7 '^HVTEST (ready|reloaded)'; } ||
		why+="the guest did not come up; "
	[ "$(field v7 stimer)" = false ] || why+="show does not say stimer off; "
	log=$(console_of v7)
	grep -aq '^HVTEST clockevent: lapic' "$log" ||
		why+="the guest's clock events are not its LAPIC timer's; "
	grep -aq '^HVTEST unloaded' "$log" || why+="hv_vmbus did not unload; "
	grep -aq '^HVTEST reloaded: 2 connections' "$log" || why+="no second connection; "
	[ "$(grep -ac '^HVTEST dev ' "$log")" -ge 4 ] || why+="devices missing after the reload; "
	wait_for v7 .vmbus.connected true || why+="the host does not see it connected; "
	wait_for v7 '.vmbus.ics[] | select(.name == "heartbeat") | .state' ready ||
		why+="no heartbeat after the reload; "
	[ -z "$why" ] && ok "unloading and reloading hv_vmbus in the guest reconnects" ||
		not_ok "reload" "$why$(diag v7)"
	down v7
}

test_ic_hotplug() {
	local why= k place
	shared_up || why+="the guest did not come up; "
	wait_for v1 '.vmbus.ics[] | select(.name == "timesync") | .state' ready ||
		why+="time sync not ready; "
	# How often the guest has negotiated time sync so far (the guest is
	# shared: ic_reload may have come first).
	k=$(grep -a '^HVTEST ndev ' "$(console_of v1)" | tail -n1 | awk '{ print $5 }' | tr -dc 0-9)
	place=$(console_size v1)
	# Taken away: the channel is rescinded, the guest's device goes.
	hvadm vm ic v1 disable timesync || why+="disable failed; "
	wait_line_after v1 "$place" "^HVTEST ndev 3 timesync ${k:-1}([^0-9]|\$)" ||
		why+="the guest kept its time sync device; "
	wait_for v1 '.vmbus.channels | map(select(.class == "timesync")) | length' 0 ||
		why+="the host kept the channel; "
	[ "$(vmbus v1 '.ics[] | select(.name == "timesync") | .state')" = disabled ] ||
		why+="not shown disabled; "
	# Offered again: the guest probes it and negotiates once more.
	hvadm vm ic v1 enable timesync || why+="enable failed; "
	wait_line_after v1 "$place" "^HVTEST ndev 4 timesync $((${k:-1} + 1))([^0-9]|\$)" ||
		why+="the guest did not get it back; "
	wait_for v1 '.vmbus.ics[] | select(.name == "timesync") | .state' ready ||
		why+="time sync not ready again; "
	out=$(hvadm vm ic v1 enable bogus 2>&1) && why+="an unknown service was accepted; "
	grep -q 'no such integration service' <<<"$out" || why+="unclear error: $out; "
	[ "$(vmbus v1 .faults)" = 0 ] || why+="guest faults: $(vmbus v1 .faults); "
	[ -z "$why" ] && ok "an IC taken away is rescinded in the guest, and comes back when offered" ||
		not_ok "ic hotplug" "$why$(diag v1)"
}

# The ICs are a VSP of their own, hvkvm_ic. Unloaded while a VM runs,
# they leave it at once (the guest's answers are not waited for): the
# guest sees its four IC devices rescinded and releases them. Loaded
# again, the ICs serve the running VM: offered again, and the heartbeat
# comes back.
test_ic_reload() {
	local why= ko=${HVLAB_MODROOT:-$top}/kmod/vsp_ic/hvkvm_ic.ko place out
	[ -f "$ko" ] || { skip "ic reload" "no $ko"; return; }
	shared_up || why+="the guest did not come up; "
	wait_for v1 '.vmbus.ics[] | select(.name == "heartbeat") | .state' ready ||
		why+="heartbeat not ready; "
	place=$(console_size v1)
	out=$(timeout 60 rmmod hvkvm_ic 2>&1) || why+="rmmod hvkvm_ic failed: $out; "
	[ ! -e /sys/module/hvkvm_ic ] || why+="hvkvm_ic is still loaded; "
	[ "$(vmbus v1 .ics)" = null ] || why+="the host still shows ICs; "
	wait_line_after v1 "$place" '^HVTEST ndev 0 ' ||
		why+="the guest kept its IC devices; "
	# Rescinded, then released by the guest: no channel is left.
	wait_for v1 '.vmbus.channels | length' 0 ||
		why+="channels left: $(vmbus v1 .channels | jq -c .); "
	[ "$(vmbus v1 .connected)" = true ] || why+="VMBus lost the guest; "
	place=$(console_size v1)
	out=$(insmod "$ko" 2>&1) || why+="insmod hvkvm_ic failed: $out; "
	wait_line_after v1 "$place" '^HVTEST ndev 4 ' ||
		why+="the guest did not get its ICs back; "
	wait_for v1 '.vmbus.ics[] | select(.name == "heartbeat") | .state' ready ||
		why+="heartbeat not ready again; "
	# A new heartbeat: its numbers start again, and advance.
	wait_until "$T" 1 heartbeat_at_least v1 3 ||
		why+="the heartbeat did not come back ($(heartbeat v1)); "
	[ "$(vmbus v1 .faults)" = 0 ] || why+="guest faults: $(vmbus v1 .faults); "
	# The tests that follow need the ICs.
	[ -e /sys/module/hvkvm_ic ] || insmod "$ko" ||
		why+="hvkvm_ic could not be loaded again; "
	[ -z "$why" ] && ok "hvkvm_ic unloaded and loaded again under a running guest: rescinded, offered again, heartbeat back" ||
		not_ok "ic reload" "$why$(diag v1)"
}

test_modify() {
	local why= log before after
	up v10 modify 2 || why+="the guest did not come up; "
	log=$(console_of v10)
	grep -aq '^HVTEST modified: cpu 1' "$log" || why+="the guest could not retarget; "
	[ "$(vmbus v10 '.channels[] | select(.class == "heartbeat") | .target_vp')" = 1 ] ||
		why+="the host did not retarget to vp 1; "
	before=$(grep -a '^HVTEST cpu1 vmbus' "$log" | sed 's/.*before \([0-9]*\).*/\1/')
	after=$(grep -a '^HVTEST cpu1 vmbus' "$log" | sed 's/.*after \([0-9]*\).*/\1/')
	[ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ] ||
		why+="no channel interrupts on cpu 1 ($before, $after); "
	[ "$(vmbus v10 .faults)" = 0 ] || why+="guest faults; "
	[ -z "$why" ] && ok "MODIFYCHANNEL: a channel's interrupts move to the VP the guest asks for" ||
		not_ok "modify" "$why$(diag v10)"
	down v10
}

test_side_by_side() {
	local why= a b v
	# Both boot at once, one on each of L1's vCPUs.
	for v in s1 s2; do
		{ define "$v" ics && hvadm vm start "$v" timeout "$T"; } ||
			why+="$v did not start; "
	done
	for v in s1 s2; do
		wait_line "$v" '^HVTEST ready' || why+="$v did not come up; "
	done
	wait_for s2 '.vmbus.ics[] | select(.name == "heartbeat") | .state' ready ||
		why+="s2 heartbeat not ready; "
	hvadm vm shutdown s1 >/dev/null || why+="s1 shutdown failed; "
	wait_for s1 .state off || why+="s1 is not off; "
	a=$(heartbeat s2)
	sleep 8
	b=$(heartbeat s2)
	[ "${b:-0}" -gt "${a:-0}" ] || why+="s2's heartbeat stopped at $a; "
	[ "$(vmbus s2 .connected)" = true ] || why+="s2 not connected; "
	[ -z "$why" ] && ok "a second VM is unaffected by the first's shutdown" ||
		not_ok "side by side" "$why$(diag s2)"
	down s1
	down s2
}

# A guest that resets in a loop (each reset detaches its worker from VID
# and unpins its memory, then pins it again) must not hold up another VM:
# its heartbeat goes on, its KVP answers, hvadm answers for it.
test_reset_loop() {
	local why= a b resets=0 n0 out end worst=0 age
	# r1 starts resetting while r2 boots (one on each of L1's vCPUs).
	{ define r2 ics && hvadm vm start r2 timeout "$T"; } || why+="r2 did not start; "
	{ vm_define r1 1 "hvtest=resetloop" && hvadm vm set r1 memory 1G &&
		hvadm vm start r1 timeout "$T"; } >/dev/null || why+="r1 did not start; "
	wait_line r2 '^HVTEST ready' || why+="r2 did not come up; "
	wait_for r2 '.vmbus.ics[] | select(.name == "kvp") | .state' ready ||
		why+="r2's KVP not ready; "
	a=$(heartbeat r2)
	# Three resets from here on, with r2 up.
	n0=$(grep -ac '^HVTEST resetting' "$(console_of r1)")
	end=$((SECONDS + T))
	while [ "$SECONDS" -lt "$end" ] && [ "$resets" -lt 3 ]; do
		sleep 1
		resets=$(($(grep -ac '^HVTEST resetting' "$(console_of r1)") - ${n0:-0}))
		age=$(show r2 | jq -r '.[0].vmbus.ics[] | select(.name == "heartbeat") | .heartbeat_age_ms')
		[[ $age =~ ^[0-9]+$ ]] && [ "$age" -gt "$worst" ] && worst=$age
	done
	[ "$resets" -ge 3 ] || why+="r1 reset only $resets times; "
	[ "$(field r1 state)" = running ] || [ "$(field r1 state)" = starting ] ||
		why+="r1 is $(field r1 state); "
	b=$(heartbeat r2)
	[ "${b:-0}" -gt $((${a:-0} + 1)) ] || why+="r2's heartbeat went from $a to $b only; "
	out=$(hvadm vm kvp r2 set reset-loop "r1 reset $resets times" 2>&1) ||
		why+="r2's kvp set failed: $out; "
	wait_line r2 "^HVTEST kvp reset-loop=r1 reset $resets times" ||
		why+="r2 did not get the pair; "
	[ "$(vmbus r2 .connected)" = true ] || why+="r2 not connected; "
	echo "# r2's heartbeat answer was at most ${worst} ms old while r1 reset $resets times"
	[ -z "$why" ] && ok "a guest resetting in a loop ($resets resets) holds up no other VM" ||
		not_ok "reset loop" "$why$(diag r2)$(diag r1)"
	down r1
	down r2
}

# The work a guest causes runs on its VM's own kernel thread, in the
# worker's cgroup (as vhost's does): its CPU time is charged to the VM.
test_cgroup() {
	local why= root=/sys/fs/cgroup cg=hvtest-vmbus wpid kt ticks=0
	[ -e "$root/cgroup.controllers" ] || mount -t cgroup2 none "$root" 2>/dev/null
	mkdir -p "$root/$cg" || why+="cannot make a cgroup; "
	# hvadm starts the worker from this subshell, so in the cgroup.
	(echo "$BASHPID" >"$root/$cg/cgroup.procs" && up c1 ics) ||
		why+="c1 did not come up in cgroup $cg; "
	wpid=$(field c1 worker_pid)
	kt=$(pgrep -x "hvvmbus-$wpid")
	[ -n "$kt" ] || why+="no kernel thread hvvmbus-$wpid; "
	[ -n "$kt" ] && { grep -qx "0::/$cg" "/proc/$kt/cgroup" ||
		why+="the thread is in $(cat "/proc/$kt/cgroup"), not $cg; "; }
	grep -qx "0::/$cg" "/proc/$wpid/cgroup" 2>/dev/null ||
		why+="the worker is not in $cg; "
	# It does the work: the heartbeat's packets go through it.
	ticks=$(awk '{ print $14 + $15 }' "/proc/$kt/stat" 2>/dev/null)
	[ -z "$why" ] && ok "the VM's bus work runs on its own thread, in its worker's cgroup (${ticks:-0} ticks)" ||
		not_ok "cgroup" "$why$(diag c1)"
	down c1
	rmdir "$root/$cg" 2>/dev/null
}

# ---- main -------------------------------------------------------------------

# The modules of the kernel the guest boots (guest612.sh: 6.12's).
build_initramfs -k "$KVER" -m hv_vmbus -m hv_utils \
	-f /usr/sbin/hv_kvp_daemon:/usr/sbin/hv_kvp_daemon \
	-f /lib/x86_64-linux-gnu/libc.so.6:/lib/x86_64-linux-gnu/libc.so.6 \
	-f /lib64/ld-linux-x86-64.so.2:/lib64/ld-linux-x86-64.so.2 \
	"$here/guest-init" "$initrd"

echo "# guest kernel: $KVER"
run_tests "$@"
[ "$failed" = 0 ]
