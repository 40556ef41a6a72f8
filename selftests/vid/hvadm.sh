#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lab selftests of hvadm against the real hvkvm_vid module: what a user
# types, what they read back, and what they are told when they get it wrong.
set -u
. "$(dirname "$0")/../lib/tap.sh"

K=/boot/vmlinuz

cleanup() {
	local n
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

tap_run
