#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hvadm's netlink path against fakevid.so, a stand-in for the hvkvm_vid
# module preloaded in place of libmnl's socket calls: text and JSON output,
# extack errors, what the requests carry, dump retries, monitor.
set -u
. "$(dirname "$0")/lib.sh"
export LD_PRELOAD=$here/fakevid.so FAKEVID_LOG=$T/sent
unset FAKEVID_ABSENT FAKEVID_INTR FAKEVID_NOCAP

WEB='1: web state running vcpus 2 memory 512M
    kernel /boot/vmlinuz initrd /boot/initrd.img cmdline "console=ttyS0 \"quoted\"\ttab café"'
DB='2: db state unknown(9) vcpus 1 memory 1536M
    kernel /k'
WEB_JSON='{"id":1,"name":"web","state":"running","vcpus":2,"memory":536870912,"boot":{"kernel":"/boot/vmlinuz","initrd":"/boot/initrd.img","cmdline":"console=ttyS0 \"quoted\"\ttab café"}}'
DB_JSON='{"id":2,"name":"db","state":"unknown(9)","vcpus":1,"memory":1610612736,"boot":{"kernel":"/k"}}'

setup() {
	rm -f "$T/sent"
}

# the requests hvadm sent, one line each
sent() {
	same "$T/sent" "$1"
	rm -f "$T/sent"
}

test_list_text() {
	ok vm list
	same "$T/out" "$WEB
$DB"
	ok vm
	same "$T/out" "$WEB
$DB"
	ok vm show
	same "$T/out" "$WEB
$DB"
	sent "cmd 2 dump
cmd 2 dump
cmd 2 dump"
}

test_list_json() {
	ok -j vm list
	same "$T/out" "[$WEB_JSON,$DB_JSON]"
	jq -e 'length == 2' "$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
	ok -p vm list
	jq -e 'length == 2' "$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
	[ "$(jq -c . "$T/out")" = "[$WEB_JSON,$DB_JSON]" ] || fail "-p differs from -j"
	[ "$(wc -l <"$T/out")" -gt 10 ] || fail "-p is not pretty"
}

test_show() {
	ok vm show web
	same "$T/out" "$WEB"
	ok vm show id 2
	same "$T/out" "$DB"
	ok -j vm show name db
	same "$T/out" "[$DB_JSON]"
	sent "cmd 2 name web
cmd 2 id 2
cmd 2 name db"
}

test_extack() {
	ko 'no such partition: No such file or directory' vm show nope
	ko 'no such partition: No such file or directory' -j vm show nope
	FAKEVID_NOCAP=1 ko 'no such partition: No such file or directory' vm show id 9
	ko 'partition is not off: Device or resource busy' vm delete web
	ko 'partition name already in use: File exists' \
		vm create web memory 1G vcpus 1 kernel /k
	FAKEVID_ABSENT=1 ko 'hvkvm_vid module not loaded .*' vm list
	ko 'request too large' vm set web cmdline "$(head -c 40000 /dev/zero | tr '\0' x)"
}

test_create() {
	mkdir "$T/cwd"
	(cd "$T/cwd" && "$HVADM" vm create new1 memory 256M vcpus 4 \
		kernel ./boot/bzImage initrd ../i.img cmdline "a \"b\"" >"$T/out" 2>"$T/err")
	[ $? = 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "create: $(cat "$T/err")"
	ok -j vm create new2 memory 1G vcpus 1 kernel /k
	jq -e '.id == 3 and .name == "new2"' "$T/out" >/dev/null || fail "create -j: $(cat "$T/out")"
	sent "cmd 1 name new1 memory 268435456 vcpus 4 boot1 \"$T/cwd/boot/bzImage\" boot2 \"$T/cwd/../i.img\" boot3 \"a \"b\"\"
cmd 1 name new2 memory 1073741824 vcpus 1 boot1 \"/k\""
}

test_set() {
	ok vm set web initrd "" cmdline "" memory 2GiB
	[ ! -s "$T/out" ] || fail "set printed $(cat "$T/out")"
	ok vm set id 2 vcpus 3
	ok vm set db kernel /vmlinuz
	sent 'cmd 3 name web memory 2147483648 boot2 "" boot3 ""
cmd 3 id 2 vcpus 3
cmd 3 name db boot1 "/vmlinuz"'
	ok vm delete db
	sent "cmd 4 name db"
}

test_dump_retry() {
	FAKEVID_INTR=2 ok -j vm list
	same "$T/out" "[$WEB_JSON,$DB_JSON]"
	[ "$(grep -c dump "$T/sent")" = 3 ] || fail "$(cat "$T/sent")"
	rm -f "$T/sent"
	FAKEVID_INTR=99 hv vm list
	[ "$(cat "$T/rc")" = 0 ] || fail "status $(cat "$T/rc")"
	same "$T/out" "$WEB
$DB"
	grep -q '^Warning: ' "$T/err" && [ "$(wc -l <"$T/err")" = 1 ] ||
		fail "stderr: $(cat "$T/err")"
}


test_monitor_text() {
	"$HVADM" monitor >"$T/out" 2>"$T/err" &
	local pid=$!
	for i in $(seq 50); do
		[ "$(wc -l <"$T/out")" -ge 6 ] && break
		sleep 0.1
	done
	kill -TERM $pid
	wait $pid || fail "monitor: status $?: $(cat "$T/err")"
	same "$T/out" "new $WEB
set ${WEB/running/off}
del $DB"
}

test_monitor_json() {
	"$HVADM" -j monitor >"$T/out" 2>"$T/err" &
	local pid=$!
	for i in $(seq 50); do
		[ "$(wc -l <"$T/out")" -ge 3 ] && break
		sleep 0.1
	done
	kill -INT $pid
	wait $pid || fail "monitor: status $?: $(cat "$T/err")"
	same "$T/out" "{\"event\":\"new\",\"vm\":$WEB_JSON}
{\"event\":\"set\",\"vm\":${WEB_JSON/running/off}}
{\"event\":\"del\",\"vm\":$DB_JSON}"
	[ "$(jq -c .event "$T/out" | tr '\n' ' ')" = '"new" "set" "del" ' ] ||
		fail "not NDJSON"
}

test_write_error() {
	"$HVADM" vm list >/dev/full 2>"$T/err" && fail "list: status 0"
	same "$T/err" "Error: cannot write output: No space left on device"
	"$HVADM" -j monitor >/dev/full 2>"$T/err" && fail "monitor: status 0"
	same "$T/err" "Error: No space left on device"
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
		vm list
		-p vm list
		vm show id 1
		vm show nope
		vm create new1 memory 1G vcpus 1 kernel k initrd i cmdline c
		vm create web memory 1G vcpus 1 kernel /k
		vm set web initrd ../x
		vm delete web
	EOF
}

tap_run
