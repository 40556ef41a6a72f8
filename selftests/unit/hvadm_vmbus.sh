#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hvadm and hvkvm_vmbus and hvkvm_ic against fakevid.so (fakevmbus.c and
# fakeic.c play the families): the VMBus side of vm show and vm list
# (text, JSON, the channels' own dump: 400 of them, a dump that raced,
# its refusals; the ICs' section, the IC-version warning), vm shutdown's
# outcomes, vm kvp (with and without the guest's pairs, set, delete,
# refusals), vm ic, monitor's VMBus and IC events, and the same without
# the modules, where nothing of them is shown and nothing fails.
set -u
. "$(dirname "$0")/lib.sh"
export LD_PRELOAD=$here/fakevid.so FAKEVID_LOG=$T/sent FAKEVMBUS=1
unset FAKEVID_ABSENT FAKEVID_INTR FAKEVID_NOCAP FAKEVID_STATE FAKEVID_SOCK \
	FAKEVID_CRASH FAKEVID_ERROR FAKEVID_WORKER FAKEVID_STIMER FAKEVMBUS_BUS \
	FAKEVMBUS_OLDIC FAKEVMBUS_SHUTDOWN FAKEVMBUS_KVP_ERROR FAKEVMBUS_KVP_WARN \
	FAKEVMBUS_CHANNELS FAKEVMBUS_CHAN_INTR FAKEVMBUS_CHAN_GONE FAKEVMBUS_OLD \
	FAKEIC_ABSENT

WEB='1: web state running vcpus 2 memory 512M
    kernel /boot/vmlinuz initrd /boot/initrd.img cmdline "console=ttyS0 \"quoted\"\ttab café"'
DB='2: db state unknown(9) vcpus 1 memory 1536M
    kernel /k'
WEB_JSON='{"id":1,"name":"web","state":"running","vcpus":2,"memory":536870912,"stimer":true,"boot":{"kernel":"/boot/vmlinuz","initrd":"/boot/initrd.img","cmdline":"console=ttyS0 \"quoted\"\ttab café"}'
CHANNELS='    vmbus connected version 5.3 messages in 17 out 21 faults 1
    channel heartbeat 57164f39-0001-4b48-6876-6b766d000001 relid 1 state open vp 0 ring in 12K out 12K packets in 43 out 44 signals in 43 out 44
    channel shutdown 0e0b6031-0001-4b48-6876-6b766d000002 relid 2 state offered packets in 0 out 0 signals in 0 out 0
    channel timesync 9527e630-0001-4b48-6876-6b766d000003 relid 3 state failed vp 1 ring in 12K out 12K packets in 2 out 1 signals in 2 out 1 error "the guest'"'"'s \"write\" index is beyond its ring"
    channel kvp a9a0f4e7-0001-4b48-6876-6b766d000004 sub 1 relid 4 state open vp 1 ring in 64K out 64K packets in 5 out 6 signals in 5 out 9'
BUS="$CHANNELS
    ic heartbeat state ready framework 3.0 message 3.0 seq 42 age 2s
    ic shutdown state ready framework 3.0 message 3.2
    ic timesync state negotiating
    ic kvp state ready framework 3.0 message 5.0"
# BUS without its channels: VMBus's line, then the ICs'
VMBUS_LINE=${CHANNELS%%$'\n'*}
ICS=${BUS#"$CHANNELS"$'\n'}
KVPS='pool external key "HostName" value "host1.example"
pool external key "Role" value "web \"front\""'
GUEST_KVPS='pool guest key "Owner" value "ops"
pool auto key "OSName" value "Debian GNU/Linux"
pool auto key "FullyQualifiedDomainName" value "web.example"
pool unknown(7) key "Odd" value "pool"'

setup() {
	rm -f "$T/sent"
}

# the requests hvadm sent, one line each
sent() {
	same "$T/sent" "$1"
	rm -f "$T/sent"
}

# warned REGEX ARGS...: status 0, one "Warning: " line matching on stderr
warned() {
	local re=$1

	shift
	hv "$@"
	[ "$(cat "$T/rc")" = 0 ] || fail "hvadm $*: status $(cat "$T/rc"): $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] && grep -Eq "^Warning: $re\$" "$T/err" ||
		fail "hvadm $*: stderr: $(cat "$T/err")"
}

# ---- show and list ----

test_show_text() {
	ok vm show web
	same "$T/out" "$WEB
$BUS"
	# by id: VMBus is asked by the name VID gave
	ok vm show id 1
	same "$T/out" "$WEB
$BUS"
	sent "cmd 2 name web
vmbus cmd 1 name web
vmbus cmd 3 dump name web
ic cmd 1 name web
cmd 2 id 1
vmbus cmd 1 name web
vmbus cmd 3 dump name web
ic cmd 1 name web"
	# db does not run: VMBus does not know it (-ENOENT), no error
	ok vm show db
	same "$T/out" "$DB"
}

test_show_json() {
	ok -j vm show web
	jq -e '.[0] | .name == "web" and .state == "running" and
		(.vmbus | .connected == true and .version == "5.3" and
		 .msgs_in == 17 and .msgs_out == 21 and .faults == 1 and
		 (.channels | length) == 4 and (.ics | length) == 4 and
		 .warnings == [])' "$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
	jq -e '.[0].vmbus.channels[0] == {"class":"heartbeat",
		"instance":"57164f39-0001-4b48-6876-6b766d000001",
		"type":"57164f39-9115-4e78-ab55-382f3bd5422d","sub_index":0,
		"relid":1,"conn_id":4097,"state":"open","target_vp":0,
		"ring_in":12288,"ring_out":12288,"packets_in":43,"packets_out":44,
		"signals_in":43,"signals_out":44}' "$T/out" >/dev/null ||
		fail "channel 0: $(jq -c '.[0].vmbus.channels[0]' "$T/out")"
	# an offered channel has no vp and no rings; a failed one says why
	jq -e '.[0].vmbus.channels[1] | .state == "offered" and
		.target_vp == null and .ring_in == null' "$T/out" >/dev/null ||
		fail "channel 1: $(jq -c '.[0].vmbus.channels[1]' "$T/out")"
	jq -e '.[0].vmbus.channels[2] | .state == "failed" and
		.error == "the guest'"'"'s \"write\" index is beyond its ring"' \
		"$T/out" >/dev/null || fail "channel 2: $(jq -c '.[0].vmbus.channels[2]' "$T/out")"
	jq -e '.[0].vmbus.channels[3].sub_index == 1' "$T/out" >/dev/null ||
		fail "channel 3: $(jq -c '.[0].vmbus.channels[3]' "$T/out")"
	jq -e '.[0].vmbus.ics[0] == {"name":"heartbeat","state":"ready",
		"framework_version":"3.0","message_version":"3.0",
		"host_message_version":"3.0","heartbeat_seq":42,
		"heartbeat_age_ms":2500}' "$T/out" >/dev/null ||
		fail "ic 0: $(jq -c '.[0].vmbus.ics[0]' "$T/out")"
	jq -e '.[0].vmbus.ics[2] == {"name":"timesync","state":"negotiating",
		"host_message_version":"4.0"}' "$T/out" >/dev/null ||
		fail "ic 2: $(jq -c '.[0].vmbus.ics[2]' "$T/out")"
	# VID's part is as it was
	[ "$(jq -c '.[0] | del(.vmbus)' "$T/out")" = "$WEB_JSON}" ] ||
		fail "VID's part: $(jq -c '.[0] | del(.vmbus)' "$T/out")"
	ok -p vm show web
	[ "$(jq -c . "$T/out")" = "$(hvadm_j vm show web)" ] || fail "-p differs from -j"
}

hvadm_j() {
	"$HVADM" -j "$@" | jq -c .
}

test_show_disconnected() {
	export FAKEVMBUS_BUS=disconnected
	ok vm show web
	same "$T/out" "$WEB
    vmbus not connected messages in 0 out 0 faults 0
    channel heartbeat 57164f39-0001-4b48-6876-6b766d000001 relid 1 state closed packets in 0 out 0 signals in 0 out 0
    channel shutdown 0e0b6031-0001-4b48-6876-6b766d000002 relid 2 state closed packets in 0 out 0 signals in 0 out 0
    channel timesync 9527e630-0001-4b48-6876-6b766d000003 relid 3 state closed packets in 0 out 0 signals in 0 out 0
    channel kvp a9a0f4e7-0001-4b48-6876-6b766d000004 sub 1 relid 4 state closed packets in 0 out 0 signals in 0 out 0
    ic heartbeat state closed
    ic shutdown state closed
    ic timesync state closed
    ic kvp state closed"
	ok -j vm show web
	jq -e '.[0].vmbus | .connected == false and .version == null and
		([.ics[].state] | unique) == ["closed"] and .warnings == []' \
		"$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
}

test_ic_version_warning() {
	export FAKEVMBUS_OLDIC=1
	ok vm show web
	same "$T/out" "$WEB
${BUS/message 5.0/message 4.0}
    warning: ic kvp: the guest speaks message version 4.0, older than the host's 5.0"
	ok -j vm show web
	jq -e '.[0].vmbus | .warnings == ["ic kvp: the guest speaks message version 4.0, older than the host'"'"'s 5.0"] and
		.ics[3].message_version == "4.0" and .ics[3].host_message_version == "5.0"' \
		"$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
}

test_list() {
	ok vm list
	same "$T/out" "$WEB
$BUS
$DB"
	# one dump of each family, and one of web's channels
	sent "vmbus cmd 1 dump
ic cmd 1 dump
cmd 2 dump
vmbus cmd 3 dump name web"
	ok -j vm list
	jq -e 'length == 2 and .[0].vmbus.version == "5.3" and .[1].vmbus == null' \
		"$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
	rm -f "$T/sent"
	# a retried dump of VID: VMBus's and the ICs' are read once, and
	# web's channels too
	FAKEVID_INTR=1 ok vm list
	same "$T/out" "$WEB
$BUS
$DB"
	sent "vmbus cmd 1 dump
ic cmd 1 dump
cmd 2 dump
vmbus cmd 3 dump name web
cmd 2 dump"
	! grep -q exits "$T/out" || fail "exits in the list"
}

test_without_module() {
	unset FAKEVMBUS
	ok vm show web
	same "$T/out" "$WEB"
	ok -j vm list
	jq -e 'length == 2 and .[0].vmbus == null' "$T/out" >/dev/null ||
		fail "jq: $(cat "$T/out")"
	sent "cmd 2 name web
cmd 2 dump"
	ko 'hvkvm_ic module not loaded \(no generic netlink family "hvkvm_ic"\)' \
		vm shutdown web
	ko 'hvkvm_ic module not loaded .*' vm kvp web
	ko 'hvkvm_ic module not loaded .*' vm kvp web set a b
	ko 'hvkvm_ic module not loaded .*' vm ic web disable kvp
	[ ! -e "$T/sent" ] || fail "sent: $(cat "$T/sent")"
	FAKEVID_ABSENT=1 ko 'hvkvm_vid module not loaded .*' vm show web
}

# ---- the channels: CHANNEL_GET, a dump of their own ----

# 400 channels, far more than a datagram holds (the fake fills 16 KiB
# ones; hvadm receives 64 KiB at most): each listed once, by relid.
test_show_many_channels() {
	export FAKEVMBUS_CHANNELS=400
	ok vm show web
	[ "$(grep -c '^    channel ' "$T/out")" = 400 ] ||
		fail "$(grep -c '^    channel ' "$T/out") channels listed"
	[ "$(grep -o ' relid [0-9]*' "$T/out" | cut -d' ' -f3)" = "$(seq 400)" ] ||
		fail "relids: $(grep -o ' relid [0-9]*' "$T/out" | cut -d' ' -f3 | tr '\n' ' ')"
	# the ICs' as always, then the loopback devices' (relid 5 is device 0)
	[ "$(sed -n 3,7p "$T/out")" = "$CHANNELS" ] || fail "the first ones: $(sed -n 3,7p "$T/out")"
	grep -qx '    channel loopback 6c6f6f70-0000-4000-8000-68760000018b relid 400 state open vp 0 ring in 16K out 16K packets in 400 out 400 signals in 400 out 400' \
		"$T/out" || fail "relid 400: $(grep ' relid 400 ' "$T/out")"
	[ "$(tail -n 4 "$T/out")" = "$ICS" ] || fail "the ICs' section: $(tail -n 4 "$T/out")"
	sent "cmd 2 name web
vmbus cmd 1 name web
vmbus cmd 3 dump name web
ic cmd 1 name web"
	ok -j vm show web
	jq -e '[.[0].vmbus.channels[].relid] == [range(1; 401)] and
		([.[0].vmbus.channels[] | select(.class == "loopback")] | length) == 396 and
		.[0].vmbus.channels[399].instance == "6c6f6f70-0000-4000-8000-68760000018b" and
		.[0].vmbus.warnings == []' "$T/out" >/dev/null ||
		fail "jq: $(jq -c '[.[0].vmbus.channels[].relid]' "$T/out")"
	# and in the list, the most a VM may have
	FAKEVMBUS_CHANNELS=2047 ok -j vm list
	jq -e '[.[0].vmbus.channels[].relid] == [range(1; 2048)] and .[1].vmbus == null' \
		"$T/out" >/dev/null || fail "2047: $(jq -c '.[0].vmbus.channels | length' "$T/out")"
}

# A channel came or went during the dump: asked again; printed with a
# warning when it keeps changing.
test_channels_changing() {
	FAKEVMBUS_CHAN_INTR=1 ok vm show web
	same "$T/out" "$WEB
$BUS"
	sent "cmd 2 name web
vmbus cmd 1 name web
vmbus cmd 3 dump name web
vmbus cmd 3 dump name web
ic cmd 1 name web"
	FAKEVMBUS_CHAN_INTR=9 warned "the VMBus channels of web kept changing during the dump: the list may be inconsistent" \
		vm show web
	same "$T/out" "$WEB
$BUS"
	[ "$(grep -c 'vmbus cmd 3' "$T/sent")" = 4 ] || fail "sent: $(cat "$T/sent")"
}

# web stopped between its record and its channels: no channel, no error.
# A module without CHANNEL_GET: no channel, and a warning.
test_channels_refused() {
	FAKEVMBUS_CHAN_GONE=1 ok vm show web
	same "$T/out" "$WEB
$VMBUS_LINE
$ICS"
	FAKEVMBUS_OLD=1 warned "cannot read the VMBus channels of web: Operation not supported" \
		-j vm show web
	jq -e '.[0].vmbus | .connected == true and .channels == [] and (.ics | length) == 4' \
		"$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
}

# chan_get_is STATUS OUTPUT ARGS...: chan_get ARGS (a raw CHANNEL_GET)
# exits with STATUS, having printed OUTPUT
chan_get_is() {
	local want_rc=$1 want=$2 out rc

	shift 2
	out=$("$here/chan_get" "$@")
	rc=$?
	[ "$rc" = "$want_rc" ] || fail "chan_get $*: status $rc: $out"
	[ "$out" = "$want" ] || fail "chan_get $*: $out"
}

# The refusals of CHANNEL_GET itself, as a client sees them: a dump's
# errors come in its NLMSG_DONE, with the extack message.
test_channel_get_errors() {
	chan_get_is 1 "error -22: missing vm name"
	chan_get_is 1 "error -2: no running partition has this name" db
	chan_get_is 1 "error -2: no running partition has this name" nosuchvm
	# a dump only
	chan_get_is 1 "error -95" --do web
	chan_get_is 0 "$(printf 'web relid %s\n' 1 2 3 4)" web
	sent "vmbus cmd 3 dump
vmbus cmd 3 dump name db
vmbus cmd 3 dump name nosuchvm
vmbus cmd 3 name web
vmbus cmd 3 dump name web"
}

# ---- shutdown ----

test_shutdown_accepted() {
	ok vm shutdown web
	same "$T/out" "web: the guest accepted the shutdown"
	ok vm shutdown web reboot timeout 5
	same "$T/out" "web: the guest accepted the reboot"
	ok vm shutdown id 1 timeout 600 reboot
	same "$T/out" "web: the guest accepted the reboot"
	sent "ic cmd 2 name web timeout_ms 30000
ic cmd 2 name web reboot timeout_ms 5000
cmd 2 id 1
ic cmd 2 name web reboot timeout_ms 600000"
	ok -j vm shutdown web
	same "$T/out" '{"name":"web","action":"shutdown","result":"accepted","guest_status":0}'
	jq -e '.result == "accepted"' "$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
}

test_shutdown_refused() {
	export FAKEVMBUS_SHUTDOWN=refused
	ko 'web: the guest refused the shutdown \(status 0x80004005\)' vm shutdown web
	ko 'web: the guest refused the reboot \(status 0x80004005\)' -j vm shutdown web reboot
}

test_shutdown_no_answer() {
	export FAKEVMBUS_SHUTDOWN=noanswer
	ko 'web: the guest did not answer within 30 s' vm shutdown web
	ko 'web: the guest did not answer within 7 s' -j vm shutdown web timeout 7
	# not even the kernel's own NO_ANSWER: hvadm stops waiting itself
	FAKEVMBUS_SHUTDOWN=silent ko 'web: the guest did not answer within 1 s' \
		vm shutdown web timeout 1
}

test_shutdown_errors() {
	FAKEVMBUS_SHUTDOWN=notready ko 'the guest has not opened this integration service \(no VMBus driver or no hv_utils\): Transport endpoint is not connected' \
		vm shutdown web
	ko 'no running partition has this name: No such file or directory' vm shutdown db
	ko 'integer out of range: Numerical result out of range' vm shutdown web timeout 601
	ko 'no such partition: No such file or directory' vm shutdown id 9
	ko 'invalid timeout "0" \(1 to 86400 seconds\)' vm shutdown web timeout 0
	ko 'missing value for "timeout"' vm shutdown web timeout
	ko 'unexpected argument "now", try "hvadm vm help"' vm shutdown web now
	ko 'missing VM, try "hvadm vm help"' vm shutdown
	ko 'invalid VM name "-x" .*' vm shutdown -x
	# refused before anything is sent
	sent "ic cmd 2 name web timeout_ms 30000
ic cmd 2 name db timeout_ms 30000
ic cmd 2 name web timeout_ms 601000
cmd 2 id 9"
}

# ---- kvp ----

test_kvp_list() {
	ok vm kvp web
	same "$T/out" "$KVPS
$GUEST_KVPS"
	ok vm kvp name web show
	same "$T/out" "$KVPS
$GUEST_KVPS"
	sent "ic cmd 3 dump name web
ic cmd 3 dump name web"
	ok -j vm kvp web
	jq -e 'length == 6 and .[0] == {"pool":"external","key":"HostName","value":"host1.example"} and
		.[1].value == "web \"front\"" and
		([.[].pool] == ["external","external","guest","auto","auto","unknown(7)"])' \
		"$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
	ok -p vm kvp web
	jq -e 'length == 6' "$T/out" >/dev/null || fail "-p: $(cat "$T/out")"
}

test_kvp_guest_error() {
	export FAKEVMBUS_KVP_ERROR="the guest's KVP service does not answer (is hv_kvp_daemon running?)"
	warned "web: only the host's pairs: the guest's KVP service does not answer \(is hv_kvp_daemon running\?\)" \
		vm kvp web
	same "$T/out" "$KVPS"
	warned "web: only the host's pairs: .*" -j vm kvp web
	jq -e 'length == 2 and ([.[].pool] | unique) == ["external"]' "$T/out" >/dev/null ||
		fail "jq: $(cat "$T/out")"
}

test_kvp_set_delete() {
	ok vm kvp web set Role "db \"back\""
	[ ! -s "$T/out" ] || fail "set printed $(cat "$T/out")"
	ok vm kvp id 1 delete HostName
	[ ! -s "$T/out" ] || fail "delete printed $(cat "$T/out")"
	sent 'ic cmd 4 name web key "Role" value "db "back""
cmd 2 id 1
ic cmd 4 name web key "HostName" value ""'
	FAKEVMBUS_KVP_WARN="kept, but the guest's KVP service did not answer in time" \
		warned "kept, but the guest's KVP service did not answer in time" vm kvp web set a b
	[ ! -s "$T/out" ] || fail "set printed $(cat "$T/out")"
}

test_kvp_refusals() {
	ko 'no such key: No such file or directory' vm kvp web delete Nope
	ko 'no running partition has this name: No such file or directory' vm kvp db
	ko 'no running partition has this name: No such file or directory' vm kvp db set a b
	ko "the key \\(255 characters at most\\) or the value \\(1023\\) is too long: Argument list too long" \
		vm kvp web set "$(head -c 300 /dev/zero | tr '\0' k)" v
	sent "ic cmd 4 name web key \"Nope\" value \"\"
ic cmd 3 dump name db
ic cmd 4 name db key \"a\" value \"b\"
ic cmd 4 name web key \"$(head -c 300 /dev/zero | tr '\0' k)\" value \"v\""
	# refused by hvadm, before anything is sent
	ko 'empty value for "a": to remove a pair, use "delete KEY"' vm kvp web set a ""
	ko 'empty key' vm kvp web delete ""
	ko 'missing KEY and VALUE, try "hvadm vm help"' vm kvp web set
	ko 'missing VALUE, try "hvadm vm help"' vm kvp web set a
	ko 'missing KEY, try "hvadm vm help"' vm kvp web delete
	ko 'unexpected argument "c", try "hvadm vm help"' vm kvp web set a b c
	ko 'unexpected argument "get", try "hvadm vm help"' vm kvp web get
	ko 'missing VM, try "hvadm vm help"' vm kvp
	[ ! -e "$T/sent" ] || fail "sent: $(cat "$T/sent")"
}

# ---- monitor ----

# monitor_until N ARGS...: as lib.sh's, stopped with SIGINT, and quiet
monitor_until_quiet() {
	local n=$1

	shift
	monitor_until "$n" INT "$@"
	[ ! -s "$T/err" ] || fail "monitor: stderr: $(cat "$T/err")"
}

test_monitor_text() {
	monitor_until_quiet 12
	# each family's in its order; the families interleave as they come
	[ "$(grep -E '^vmbus-' "$T/out")" = "vmbus-connected web version 5.3
vmbus-disconnected web
vmbus-unknown(9) web" ] || fail "VMBus events: $(cat "$T/out")"
	[ "$(grep -E '^(heartbeat-|ic-)' "$T/out")" = "heartbeat-lost web
heartbeat-regained web
ic-unknown(7) web" ] || fail "IC events: $(cat "$T/out")"
	[ "$(grep -cE '^(new|set|del) ' "$T/out")" = 3 ] || fail "VID events: $(cat "$T/out")"
}

test_monitor_json() {
	monitor_until_quiet 9 -j
	jq -e . "$T/out" >/dev/null || fail "not JSON lines: $(cat "$T/out")"
	[ "$(jq -c 'select(.event | test("^vmbus"))' "$T/out")" = \
'{"event":"vmbus-connected","vm":{"name":"web"},"version":"5.3"}
{"event":"vmbus-disconnected","vm":{"name":"web"}}
{"event":"vmbus-unknown(9)","vm":{"name":"web"}}' ] || fail "VMBus events: $(cat "$T/out")"
	[ "$(jq -c 'select(.event | test("^(heartbeat|ic-)"))' "$T/out")" = \
'{"event":"heartbeat-lost","vm":{"name":"web"}}
{"event":"heartbeat-regained","vm":{"name":"web"}}
{"event":"ic-unknown(7)","vm":{"name":"web"}}' ] || fail "IC events: $(cat "$T/out")"
	[ "$(jq -r .vm.name "$T/out" | sort | uniq -c | tr -s ' ')" = " 1 db
 8 web" ] || fail "names: $(cat "$T/out")"
}

test_monitor_without_module() {
	unset FAKEVMBUS
	monitor_until_quiet 6
	! grep -qE '^(vmbus|heartbeat|ic)-' "$T/out" || fail "VMBus events: $(cat "$T/out")"
	[ "$(wc -l <"$T/out")" = 6 ] || fail "$(cat "$T/out")"
}

# hvkvm_vmbus without hvkvm_ic: the VMBus side, without the ICs' section
test_without_ic_module() {
	export FAKEIC_ABSENT=1
	ok vm show web
	same "$T/out" "$WEB
$CHANNELS"
	ok -j vm show web
	jq -e '.[0].vmbus | .connected == true and (.channels | length) == 4 and
		.ics == null and .warnings == []' "$T/out" >/dev/null ||
		fail "jq: $(cat "$T/out")"
	ok vm list
	same "$T/out" "$WEB
$CHANNELS
$DB"
	sent "cmd 2 name web
vmbus cmd 1 name web
vmbus cmd 3 dump name web
cmd 2 name web
vmbus cmd 1 name web
vmbus cmd 3 dump name web
vmbus cmd 1 dump
cmd 2 dump
vmbus cmd 3 dump name web"
	ko 'hvkvm_ic module not loaded \(no generic netlink family "hvkvm_ic"\)' \
		vm shutdown web
	ko 'hvkvm_ic module not loaded .*' vm kvp web
	[ ! -e "$T/sent" ] || fail "sent: $(cat "$T/sent")"
	monitor_until_quiet 9
	[ "$(grep -cE '^vmbus-' "$T/out")" = 3 ] && ! grep -qE '^(heartbeat|ic)-' "$T/out" ||
		fail "events: $(cat "$T/out")"
}

# ---- vm ic ----

test_ic_enable_disable() {
	ok vm ic web disable timesync
	[ ! -s "$T/out" ] || fail "disable printed $(cat "$T/out")"
	ok vm ic id 1 enable kvp
	sent "ic cmd 5 name web ic timesync enabled 0
cmd 2 id 1
ic cmd 5 name web ic kvp enabled 1"
	ko 'no such integration service \(heartbeat, shutdown, timesync, kvp\): Invalid argument' \
		vm ic web enable bogus
	ko 'no running partition has this name: No such file or directory' \
		vm ic db disable kvp
	ko 'expected "enable" or "disable", try "hvadm vm help"' vm ic web off kvp
	ko 'missing SERVICE \(heartbeat, shutdown, timesync, kvp\)' vm ic web enable
}

# ---- help and leaks ----

test_help() {
	ok vm help
	grep -q '^       hvadm \[ -j \] vm shutdown VM \[ reboot \] \[ timeout SECS \]$' "$T/out" ||
		fail "no shutdown: $(cat "$T/out")"
	grep -q '^       hvadm vm kvp VM { set KEY VALUE | delete KEY }$' "$T/out" ||
		fail "no kvp: $(cat "$T/out")"
	ok vm shutdown help
	grep -q '^Usage: hvadm' "$T/out" || fail "shutdown help"
	ok vm kvp help
	grep -q '^Usage: hvadm' "$T/out" || fail "kvp help"
	ok monitor help
	grep -q 'vmbus-connected' "$T/out" || fail "monitor help: $(cat "$T/out")"
}

test_valgrind() {
	command -v valgrind >/dev/null || { skip "no valgrind"; return; }
	local args
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		FAKEVMBUS_OLDIC=1 valgrind -q --leak-check=full --show-leak-kinds=all \
			--errors-for-leak-kinds=all --error-exitcode=99 \
			"$HVADM" $args >/dev/null 2>"$T/vg"
		[ $? -ne 99 ] || fail "valgrind hvadm $args: $(cat "$T/vg")"
	done <<-EOF
		vm show web
		-j vm show id 1
		vm show db
		-p vm list
		vm shutdown web reboot
		-j vm shutdown id 1
		vm shutdown db
		vm kvp web
		-j vm kvp id 1
		vm kvp web set a b
		vm kvp web delete Nope
		vm kvp web set a
		vm ic web disable kvp
		vm ic web enable bogus
	EOF
	FAKEIC_ABSENT=1 valgrind -q --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 \
		"$HVADM" -j vm list >/dev/null 2>"$T/vg"
	[ $? -ne 99 ] || fail "valgrind without hvkvm_ic: $(cat "$T/vg")"
	FAKEVMBUS_CHANNELS=400 FAKEVMBUS_CHAN_INTR=9 valgrind -q --leak-check=full \
		--show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99 \
		"$HVADM" vm list >/dev/null 2>"$T/vg"
	[ $? -ne 99 ] || fail "valgrind, 400 channels, changing: $(cat "$T/vg")"
	FAKEVMBUS_OLD=1 valgrind -q --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 \
		"$HVADM" vm show web >/dev/null 2>"$T/vg"
	[ $? -ne 99 ] || fail "valgrind without CHANNEL_GET: $(cat "$T/vg")"
	FAKEVMBUS_SHUTDOWN=refused valgrind -q --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 \
		"$HVADM" vm shutdown web >/dev/null 2>"$T/vg"
	[ $? -ne 99 ] || fail "valgrind refused: $(cat "$T/vg")"
	FAKEVMBUS_KVP_ERROR=gone valgrind -q --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 \
		"$HVADM" vm kvp web >/dev/null 2>"$T/vg"
	[ $? -ne 99 ] || fail "valgrind guest error: $(cat "$T/vg")"
	env -u FAKEVMBUS valgrind -q --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --error-exitcode=99 \
		"$HVADM" vm list >/dev/null 2>"$T/vg"
	[ $? -ne 99 ] || fail "valgrind without the module: $(cat "$T/vg")"
}

tap_run
