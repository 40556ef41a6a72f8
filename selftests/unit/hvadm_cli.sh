#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hvadm's command line, where no kernel is needed: help, usage errors, bad
# arguments, a missing module; every failure is one "Error:" line on stderr.
# With valgrind installed, the same paths are checked for leaks and errors.
set -u
. "$(dirname "$0")/lib.sh"

# ok_help ARGS...: usage on stdout, nothing on stderr, status 0
ok_help() {
	ok "$@"
	grep -q '^Usage: hvadm' "$T/out" || fail "hvadm $*: no usage on stdout"
}

test_help() {
	ok_help help
	ok_help -h
	ok_help --help
	ok_help vm help
	ok_help -j vm help
	ok_help vm create help
	ok_help vm show help
	ok_help vm delete help
	ok_help monitor help
	ok_help vm start help
	ok_help vm stop help
	ok_help vm pause help
	ok_help vm resume help
	ok_help vm console help
	local c
	for c in start stop pause resume console; do
		grep -q "^       hvadm .*vm .*$c" "$T/out" || fail "vm help lacks $c"
	done
	[ "$(grep -c '\[ stimer { on | off } \]$' "$T/out")" = 2 ] ||
		fail "vm help lacks stimer for create and set"
	hv -V
	grep -q '^hvadm [0-9]' "$T/out" || fail "-V: $(cat "$T/out")"
}

test_no_command_prints_usage_on_stderr() {
	hv
	[ "$(cat "$T/rc")" = 1 ] || fail "status $(cat "$T/rc")"
	[ ! -s "$T/out" ] || fail "stdout not empty"
	grep -q '^Usage: hvadm' "$T/err" || fail "no usage on stderr"
}

test_unknown_words() {
	ko 'unknown option "-x", try "hvadm help"' -x vm
	ko 'unknown object "vms", try "hvadm help"' vms
	ko 'unknown command "boot" for vm, try "hvadm vm help"' vm boot web
	ko 'unknown argument "memroy", try "hvadm vm help"' \
		vm create web memroy 1G vcpus 1 kernel /k
	ko 'unexpected argument "x", try "hvadm monitor help"' monitor x
	ko 'unexpected argument "web"' vm list web
	ko 'unexpected argument "extra"' vm show web extra
	ko 'unexpected argument "x"' help x
}

test_vm_create_arguments() {
	ko 'missing NAME, try "hvadm vm help"' vm create
	ko 'invalid VM name "-web" .*' vm create -web memory 1G vcpus 1 kernel /k
	ko 'invalid VM name "a234567890123456789012345678901b" .*' \
		vm create a234567890123456789012345678901b memory 1G vcpus 1 kernel /k
	ko 'missing "memory"' vm create web vcpus 1 kernel /k
	ko 'missing "vcpus"' vm create web memory 1G kernel /k
	ko 'missing "kernel"' vm create web memory 1G vcpus 1
	ko 'missing value for "cmdline"' vm create web memory 1G vcpus 1 kernel /k cmdline
	ko '"vcpus" given twice' vm create web vcpus 1 vcpus 2
	ko 'empty kernel path' vm create web memory 1G vcpus 1 kernel ""
	ko 'invalid vcpus "two"' vm create web memory 1G vcpus two kernel /k
	ko 'invalid vcpus "-1"' vm create web memory 1G vcpus -1 kernel /k
	ko 'invalid vcpus "4294967296"' vm create web memory 1G vcpus 4294967296 kernel /k
}

test_stimer_arguments() {
	local v
	for v in maybe OFF On 0 1 yes ""; do
		ko "invalid stimer \"$v\" \\(on or off\\)" \
			vm create web memory 1G vcpus 1 kernel /k stimer "$v"
		ko "invalid stimer \"$v\" \\(on or off\\)" vm set web stimer "$v"
	done
	ko 'missing value for "stimer"' vm create web memory 1G vcpus 1 kernel /k stimer
	ko 'missing value for "stimer"' vm set web stimer
	ko '"stimer" given twice' vm create web memory 1G vcpus 1 kernel /k stimer on stimer off
	# stimer does not stand for a required keyword
	ko 'missing "kernel"' vm create web memory 1G vcpus 1 stimer off
}

test_lifecycle_arguments() {
	local v
	for v in start stop pause resume console; do
		ko 'missing VM, try "hvadm vm help"' vm $v
		ko 'missing value for "timeout"' vm $v web timeout
		ko 'invalid timeout "0" \(1 to 86400 seconds\)' vm $v web timeout 0
		ko 'invalid timeout "1s" \(1 to 86400 seconds\)' vm $v web timeout 1s
		ko 'invalid timeout "86401" \(1 to 86400 seconds\)' vm $v id 1 timeout 86401
		ko 'invalid timeout "-5" \(1 to 86400 seconds\)' vm $v name web timeout -5
		ko 'unexpected argument "now", try "hvadm vm help"' vm $v web now
		ko 'invalid VM name "a b" .*' vm $v "a b"
		ko 'invalid id "x"' vm $v id x
	done
	for v in start pause resume console; do
		ko 'unexpected argument "force", try "hvadm vm help"' vm $v web force
	done
	ko 'unexpected argument "timeout", try "hvadm vm help"' vm console web timeout 5 timeout 6
}

test_bad_sizes() {
	local s
	for s in 0 0M -1G 1.5G 12X 1GG "" " 1G" 0x10 1iB; do
		ko "invalid memory size \"$s\"" vm create web memory "$s" vcpus 1 kernel /k
	done
	ko 'invalid memory size "16E" \(too large\)' vm set web memory 16E
	ko 'invalid memory size "99999999999999999999" \(too large\)' \
		vm set web memory 99999999999999999999
}

test_vm_handles() {
	ko 'missing VM, try "hvadm vm help"' vm delete
	ko 'missing VM, try "hvadm vm help"' vm set
	ko 'invalid id "web"' vm show id web
	ko 'invalid id "-1"' vm delete id -1
	ko 'invalid VM name "a b" .*' vm show "a b"
	ko 'invalid VM name "" .*' vm show name ""
	ko 'nothing to change, try "hvadm vm help"' vm set web
	ko 'nothing to change, try "hvadm vm help"' vm set id 1
}

test_module_not_loaded() {
	# on a host where hvkvm_vid is loaded, there is nothing to see here
	hv vm list
	[ "$(cat "$T/rc")" = 1 ] || { skip "hvkvm_vid is loaded"; return; }
	for args in "vm" "-j vm list" "vm show web" "vm delete id 3" "monitor" \
		    "vm create web memory 1G vcpus 1 kernel /k" "vm set web vcpus 2" \
		    "vm start web" "vm stop web force" "vm pause id 1" "vm resume web" \
		    "vm console web"; do
		# shellcheck disable=SC2086
		ko 'hvkvm_vid module not loaded \(no generic netlink family "hvkvm_vid"\)' $args
	done
}

test_valgrind() {
	command -v valgrind >/dev/null || { skip "no valgrind"; return; }
	local args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		valgrind -q --leak-check=full --show-leak-kinds=all \
			--errors-for-leak-kinds=all --error-exitcode=99 \
			"$HVADM" $args >/dev/null 2>"$T/vg"
		[ $? -ne 99 ] || fail "valgrind hvadm $args: $(cat "$T/vg")"
	done <<-EOF
		help
		vm help
		-j vm list
		vm show web
		vm create web memory 1G vcpus 1 kernel vmlinuz initrd i cmdline x
		vm create web memory 1G vcpus 1 kernel /k initrd
		vm create web memory 1G vcpus 1 kernel k bogus
		vm create web memory 1G vcpus 1 kernel k stimer maybe
		vm set web stimer
		vm set web memory 0
		vm set web kernel k kernel k
		vm create web memory 1G vcpus 1
		vm delete id x
		vm start web timeout 0
		vm stop web force timeout
		vm console web now
		vm start web
		vm console web
		monitor
		bogus
	EOF
}

tap_run
