#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lab selftests of hvadm against the real hvkvm_vid module: what a user
# types, what they read back, and what they are told when they get it wrong.
# The lifecycle runs selftests/vid/fake_worker as the worker.
set -u
. "$(dirname "$0")/../lib/tap.sh"

K=/boot/vmlinuz
HVKVM_WORKER=$(cd "$(dirname "$0")" && pwd)/fake_worker
export HVKVM_WORKER
unset FAKE_WORKER_FAIL FAKE_WORKER_CRASH FAKE_WORKER_EXIT FAKE_WORKER_IGNORE_STOP

cleanup() {
	local n
	for n in $(hvadm -j vm list | jq -r '.[] | select(.state != "off" and .state != "crashed") | .name'); do
		hvadm vm stop "$n" force timeout 60 >/dev/null
	done
	for n in $(hvadm -j vm list | jq -r '.[].name'); do
		hvadm vm delete "$n"
	done
}

# Run a command that must fail; its stderr must be exactly one line that
# contains $1. Usage: refused "message" hvadm ...
refused() {
	local want=$1 err rc=0
	shift
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	[ "$rc" -ne 0 ] || fail "'$*' succeeded"
	[ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] ||
		fail "'$*' printed more than one line on stderr: $err"
	case $err in
	*"$want"*) ;;
	*) fail "'$*' said '$err', not '$want'" ;;
	esac
}

test_create_list_show() {
	cleanup
	hvadm vm create web memory 512M vcpus 2 kernel $K \
		initrd /boot/initrd.img cmdline "console=ttyS0 quiet"
	hvadm vm list | grep -q 'web'
	hvadm vm show web | grep -q 'state off'
	hvadm -j vm show web | jq -e '.[0] |
		.name == "web" and .state == "off" and .vcpus == 2 and
		.memory == 536870912 and .boot.kernel == "/boot/vmlinuz" and
		.boot.initrd == "/boot/initrd.img" and
		.boot.cmdline == "console=ttyS0 quiet" and .id > 0' >/dev/null ||
		fail "vm show -j: $(hvadm -j vm show web)"
	hvadm vm delete web
	refused "no partition has this name" hvadm vm show web
	cleanup
}

test_sizes() {
	cleanup
	hvadm vm create a memory 1G vcpus 1 kernel $K
	hvadm vm create b memory 16777216 vcpus 1 kernel $K
	hvadm vm create c memory 2048k vcpus 1 kernel $K 2>/dev/null &&
		fail "2 MiB is below the minimum and was taken"
	hvadm vm create d memory 1T vcpus 240 kernel $K
	[ "$(hvadm -j vm show a | jq '.[0].memory')" = 1073741824 ] || fail "1G"
	[ "$(hvadm -j vm show b | jq '.[0].memory')" = 16777216 ] || fail "bytes"
	[ "$(hvadm -j vm show d | jq '.[0].memory')" = 1099511627776 ] || fail "1T"
	refused "memory" hvadm vm create e memory 12Q vcpus 1 kernel $K
	refused "memory" hvadm vm create e memory -1G vcpus 1 kernel $K
	refused "memory" hvadm vm create e memory 99999999999999999999 vcpus 1 kernel $K
	cleanup
}

test_json_parses() {
	cleanup
	hvadm vm create j1 memory 64M vcpus 1 kernel $K \
		cmdline 'say "hi" \ back	tab é'
	hvadm vm create j2 memory 64M vcpus 1 kernel $K
	hvadm vm create j3 memory 64M vcpus 3 kernel $K initrd /i
	hvadm -j vm list | jq -e 'length == 3' >/dev/null || fail "list: $(hvadm -j vm list)"
	[ "$(hvadm -j vm show j1 | jq -r '.[0].boot.cmdline')" = 'say "hi" \ back	tab é' ] ||
		fail "cmdline did not round-trip: $(hvadm -j vm show j1)"
	hvadm -j -p vm list | jq -e '.[2].vcpus == 3' >/dev/null || fail "pretty"
	cleanup
	[ "$(hvadm -j vm list)" != "" ] || fail "empty list is not JSON"
	hvadm -j vm list | jq -e 'length == 0' >/dev/null || fail "empty list"
}

test_refusals_carry_kernel_message() {
	cleanup
	hvadm vm create dup memory 64M vcpus 1 kernel $K
	refused "a partition with this name exists" \
		hvadm vm create dup memory 64M vcpus 1 kernel $K
	refused "invalid VM name" \
		hvadm vm create 'bad!' memory 64M vcpus 1 kernel $K
	refused "memory is below the minimum of 16 MiB" \
		hvadm vm create small memory 8M vcpus 1 kernel $K
	refused "memory must be a multiple of 1 MiB" \
		hvadm vm create odd memory 16385K vcpus 1 kernel $K
	refused "vcpus is above the maximum of 240" \
		hvadm vm create many memory 64M vcpus 241 kernel $K
	refused "no partition has this name" hvadm vm delete nosuch
	refused "no partition has this name" hvadm vm set nosuch vcpus 2
	refused "vcpus is above the maximum of 240" hvadm vm set dup vcpus 1000
	[ "$(hvadm -j vm show dup | jq '.[0].vcpus')" = 1 ] || fail "refused set changed vcpus"
	cleanup
}

test_set() {
	cleanup
	hvadm vm create s memory 64M vcpus 1 kernel $K initrd /i cmdline "a=b"
	hvadm vm set s memory 128M vcpus 2 cmdline "c=d"
	hvadm -j vm show s | jq -e '.[0] | .memory == 134217728 and .vcpus == 2 and
		.boot.cmdline == "c=d" and .boot.initrd == "/i"' >/dev/null ||
		fail "after set: $(hvadm -j vm show s)"
	hvadm vm set s initrd ""
	hvadm -j vm show s | jq -e '.[0].boot.initrd == null' >/dev/null ||
		fail "initrd not cleared: $(hvadm -j vm show s)"
	cleanup
}

test_usage_errors() {
	refused 'unknown command "frobnicate"' hvadm vm frobnicate
	refused 'unknown object "nosuchobject"' hvadm nosuchobject
	refused "missing NAME" hvadm vm create
	refused 'missing "kernel"' hvadm vm create x memory 64M vcpus 1
	hvadm help >/dev/null
	hvadm vm help >/dev/null
}

test_unprivileged_refused() {
	cleanup
	hvadm vm create p memory 64M vcpus 1 kernel $K
	refused "Operation not permitted" \
		setpriv --reuid=65534 --regid=65534 --clear-groups hvadm vm list
	refused "Operation not permitted" \
		setpriv --reuid=65534 --regid=65534 --clear-groups hvadm vm delete p
	hvadm vm show p >/dev/null
	cleanup
}

test_monitor() {
	local out pid i
	cleanup
	out=$(mktemp)
	hvadm -j monitor >"$out" &
	pid=$!
	# The monitor has joined when it reports a probe's creation.
	for i in $(seq 1 100); do
		hvadm vm create probe memory 16M vcpus 1 kernel $K
		hvadm vm delete probe
		grep -q probe "$out" && break
		sleep 0.2
	done
	grep -q probe "$out" || fail "monitor never saw an event"
	hvadm vm create m memory 64M vcpus 1 kernel $K
	hvadm vm set m vcpus 5
	hvadm vm delete m
	for i in $(seq 1 100); do
		[ "$(grep -c '"m"' "$out")" -ge 3 ] && break
		sleep 0.1
	done
	kill -INT $pid
	wait $pid || fail "monitor exited with $? on SIGINT"
	jq -e . "$out" >/dev/null || fail "monitor output is not JSON lines: $(cat "$out")"
	[ "$(jq -r 'select(.vm.name == "m") | "\(.event) \(.vm.vcpus)"' "$out" | tr '\n' ' ')" = \
		"new 1 set 5 del 5 " ] || fail "events: $(cat "$out")"
	rm -f "$out"
}

# ---- the lifecycle, with selftests/vid/fake_worker as the worker ----

# state NAME: the state of VM NAME
state() {
	hvadm -j vm show "$1" | jq -r '.[0].state'
}

# wait_state NAME STATE: within 30 s
wait_state() {
	local i
	for i in $(seq 1 300); do
		[ "$(state "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "$1 is $(state "$1"), not $2"
}

# alive PID: the process exists (and is no zombie)
alive() {
	[ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

test_lifecycle_round_trip() {
	local pid out
	cleanup
	hvadm vm create life memory 64M vcpus 2 kernel $K
	out=$(hvadm vm start life)
	[ -z "$out" ] || fail "start printed: $out"
	[ "$(state life)" = running ] || fail "after start: $(state life)"
	hvadm -j vm show life | jq -e '.[0] | .uptime_ns >= 0 and .worker_pid > 0 and
		.console_log == "/run/hvkvm/life/console.log" and
		.console_sock == "/run/hvkvm/life/console.sock" and
		(.vcpus_stats | length) == 2 and .vcpus_stats[1].vcpu == 1 and
		.vcpus_stats[0].exits.io > 0' >/dev/null ||
		fail "running: $(hvadm -j vm show life)"
	pid=$(hvadm -j vm show life | jq '.[0].worker_pid')
	alive "$pid" || fail "no worker $pid"
	hvadm vm show life | grep -Eq "^[0-9]+: life state running vcpus 2 memory 64M uptime [0-9dhm]+s worker $pid( |$)" ||
		fail "text: $(hvadm vm show life)"
	hvadm vm show life | grep -q '^    vcpu 1 exits io [0-9]* mmio [0-9]* hlt' ||
		fail "no counters: $(hvadm vm show life)"
	! hvadm vm list | grep -q exits || fail "counters in the list"
	hvadm vm pause life
	[ "$(state life)" = paused ] || fail "after pause: $(state life)"
	hvadm -j vm resume life | jq -e '.state == "running"' >/dev/null ||
		fail "resume -j"
	[ "$(state life)" = running ] || fail "after resume: $(state life)"
	refused "partition is running, not paused" hvadm vm resume life
	refused "partition is running already" hvadm vm start life
	hvadm vm stop life
	[ "$(state life)" = off ] || fail "after stop: $(state life)"
	hvadm -j vm show life | jq -e '.[0].worker_pid == null and .[0].uptime_ns == null' \
		>/dev/null || fail "off: $(hvadm -j vm show life)"
	for i in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
	! alive "$pid" || fail "the worker $pid stayed"
	refused "partition is not running" hvadm vm stop life
	# and again, by id, stopped at once
	hvadm vm start id "$(hvadm -j vm show life | jq '.[0].id')" timeout 300
	[ "$(state life)" = running ] || fail "second start: $(state life)"
	hvadm -j vm stop life force | jq -e '.state == "off"' >/dev/null || fail "stop force -j"
	cleanup
}

test_start_failure_reported() {
	cleanup
	hvadm vm create bad memory 64M vcpus 1 kernel /nonexistent
	FAKE_WORKER_FAIL="cannot open /nonexistent: No such file or directory" \
		refused "cannot open /nonexistent: No such file or directory" hvadm vm start bad
	FAKE_WORKER_FAIL="cannot open /nonexistent: No such file or directory" \
		hvadm vm start bad 2>&1 >/dev/null | grep -qx "Error: cannot open /nonexistent: No such file or directory" ||
		fail "not exactly the worker's message"
	[ "$(state bad)" = off ] || fail "after a failed start: $(state bad)"
	hvadm vm show bad | grep -qx '    error "cannot open /nonexistent: No such file or directory"' ||
		fail "show: $(hvadm vm show bad)"
	FAKE_WORKER_CRASH=triple refused "crashed: triple fault" hvadm vm start bad
	[ "$(state bad)" = crashed ] || fail "after a crash: $(state bad)"
	FAKE_WORKER_CRASH=guest refused "crashed: guest crash P0=0x1e P1=0xffffffff81000000 P2=0x2 P3=0x3 P4=0x4 (fake guest panic)" \
		hvadm vm start bad
	FAKE_WORKER_EXIT=3 refused "crashed: worker exited with status 3" hvadm vm start bad
	# no worker at all: the start is taken back
	HVKVM_WORKER=/nonexistent refused 'cannot run the worker "/nonexistent": No such file or directory' \
		hvadm vm start bad
	[ "$(state bad)" = off ] || fail "without a worker: $(state bad)"
	HVKVM_WORKER=/bin/false refused "the worker exited before it took the VM up (see /run/hvkvm/bad/worker.log)" \
		hvadm vm start bad
	[ "$(state bad)" = off ] || fail "with a worker that leaves: $(state bad)"
	cleanup
}

test_stop_force() {
	cleanup
	hvadm vm create stubborn memory 64M vcpus 1 kernel $K
	FAKE_WORKER_IGNORE_STOP=1 hvadm vm start stubborn
	refused 'no answer from the worker within 3 s; try "hvadm vm stop stubborn force"' \
		hvadm vm stop stubborn timeout 3
	[ "$(state stubborn)" = stopping ] || fail "after the graceful stop: $(state stubborn)"
	hvadm vm stop stubborn force
	[ "$(state stubborn)" = off ] || fail "after stop force: $(state stubborn)"
	grep -q "ignoring the shutdown request" /run/hvkvm/stubborn/console.log ||
		fail "console log: $(cat /run/hvkvm/stubborn/console.log)"
	cleanup
}

test_worker_killed() {
	local pid
	cleanup
	hvadm vm create victim memory 64M vcpus 1 kernel $K
	hvadm vm start victim
	pid=$(hvadm -j vm show victim | jq '.[0].worker_pid')
	kill -9 "$pid"
	wait_state victim crashed
	hvadm vm show victim | grep -qx '    crashed: worker killed by signal 9' ||
		fail "show: $(hvadm vm show victim)"
	hvadm -j vm show victim | jq -e '.[0].crash == {"kind":"worker-signal","code":9}' \
		>/dev/null || fail "show -j: $(hvadm -j vm show victim)"
	refused "partition is not running" hvadm vm stop victim
	# a crashed VM starts again, and its crash is forgotten
	hvadm vm start victim
	hvadm -j vm show victim | jq -e '.[0].crash == null and .[0].state == "running"' \
		>/dev/null || fail "restart: $(hvadm -j vm show victim)"
	cleanup
}

test_console() {
	local out
	cleanup
	hvadm vm create tty memory 64M vcpus 1 kernel $K
	refused "the VM is not running (it is off)" hvadm vm console tty
	hvadm vm start tty
	out=$(printf 'hello\nbye\n' | hvadm vm console tty timeout 60)
	case $out in
	*"Fake guest tty console."*"echo: hello"*"bye"*) ;;
	*) fail "console: $out" ;;
	esac
	# stdin at its end: output until the time-out
	out=$(hvadm vm console tty timeout 2 </dev/null)
	case $out in
	*"Fake guest tty console."*) ;;
	*) fail "console: $out" ;;
	esac
	grep -q "echo: hello" /run/hvkvm/tty/console.log || fail "log: $(cat /run/hvkvm/tty/console.log)"
	hvadm vm pause tty
	out=$(hvadm vm console tty timeout 1 </dev/null)
	[ -n "$out" ] || fail "no console while paused"
	cleanup
}

test_lifecycle_json_and_monitor() {
	local out pid
	cleanup
	hvadm vm create js memory 64M vcpus 3 kernel $K cmdline 'quiet "q"'
	out=$(mktemp)
	hvadm -j monitor >"$out" &
	pid=$!
	sleep 1
	hvadm -j vm start js | jq -e '.name == "js" and .state == "running"' >/dev/null ||
		fail "start -j"
	hvadm -j vm show js | jq -e '.[0] | (.vcpus_stats | length) == 3 and
		(.vcpus_stats[2].exits | keys) == ["hlt","hyperv","intr","io","mmio","other","shutdown","system_event"]' \
		>/dev/null || fail "show -j: $(hvadm -j vm show js)"
	hvadm -p vm show js | jq -e '.[0].boot.cmdline == "quiet \"q\""' >/dev/null || fail "-p"
	hvadm -j vm list | jq -e '.[0].vcpus_stats == null and .[0].worker_pid > 0' >/dev/null ||
		fail "list -j: $(hvadm -j vm list)"
	hvadm vm stop js
	for i in $(seq 1 50); do
		grep -q '"state":"off","vcpus":3' "$out" && break
		sleep 0.1
	done
	kill -INT $pid
	wait $pid || fail "monitor: $?"
	jq -e . "$out" >/dev/null || fail "monitor output: $(cat "$out")"
	[ "$(jq -r 'select(.vm.name == "js") | .vm.state' "$out" | uniq | tr '\n' ' ')" = \
		"starting running stopping off " ] || fail "states: $(cat "$out")"
	jq -se 'map(select(.vm.name == "js" and .vm.state == "running")) | .[0].vm |
		.worker_pid > 0 and .console_sock != null and .vcpus_stats == null' \
		"$out" >/dev/null ||
		fail "running event: $(cat "$out")"
	rm -f "$out"
	cleanup
}

tap_run

