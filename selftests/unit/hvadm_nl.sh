#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hvadm's netlink path against fakevid.so, a stand-in for the hvkvm_vid
# module preloaded in place of libmnl's socket calls: text and JSON output,
# extack errors, what the requests carry, dump retries, monitor; the
# lifecycle (start, stop, pause, resume: how hvadm waits, the worker it
# runs) and the console, against consrv, a stand-in console socket.
set -u
. "$(dirname "$0")/lib.sh"
export LD_PRELOAD=$here/fakevid.so FAKEVID_LOG=$T/sent
unset FAKEVID_ABSENT FAKEVID_INTR FAKEVID_NOCAP FAKEVID_STATE FAKEVID_SOCK \
	FAKEVID_CRASH FAKEVID_ERROR FAKEVID_WORKER FAKEVID_STIMER
# the worker hvadm runs: by default one that says what it was given
export HVKVM_WORKER=$T/worker HVKVM_RUN_DIR=$T/run
cat >"$T/worker" <<'EOF'
#!/bin/sh
echo "args: $*"
echo "stdin: $(readlink /proc/$$/fd/0)"
echo "sid: $(cut -d' ' -f6 /proc/$$/stat) pid: $$"
exec ls /proc/self/fd | tr '\n' ' ' | sed 's/^/fds: /;s/$/\n/'
EOF
chmod +x "$T/worker"

WEB='1: web state running vcpus 2 memory 512M
    kernel /boot/vmlinuz initrd /boot/initrd.img cmdline "console=ttyS0 \"quoted\"\ttab café"'
DB='2: db state unknown(9) vcpus 1 memory 1536M
    kernel /k'
WEB_JSON='{"id":1,"name":"web","state":"running","vcpus":2,"memory":536870912,"stimer":true,"boot":{"kernel":"/boot/vmlinuz","initrd":"/boot/initrd.img","cmdline":"console=ttyS0 \"quoted\"\ttab café"}}'
DB_JSON='{"id":2,"name":"db","state":"unknown(9)","vcpus":1,"memory":1610612736,"stimer":true,"boot":{"kernel":"/k"}}'

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
	ko 'request too large' vm set web cmdline "$(head -c 70000 /dev/zero | tr '\0' x)"
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
	monitor_until 6 TERM
	same "$T/out" "new $WEB
set ${WEB/running/off}
del $DB"
}

test_monitor_json() {
	monitor_until 3 INT -j
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
	export FAKEVID_WORKER=run HVKVM_WORKER=/bin/true
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
		vm set web stimer off
		-j vm create new3 memory 1G vcpus 1 kernel /k stimer off
		vm delete web
		vm start web
		-j vm start id 1
		vm stop web force
		vm pause web
		vm console web
	EOF
}

# ---- stimer: the synthetic timers ----

# what hvadm sends: VM_STIMER only when given, 0 for off, 1 for on
test_stimer_sent() {
	ok vm create new3 memory 1G vcpus 1 kernel /k stimer off
	ok vm create new4 memory 1G vcpus 1 kernel /k stimer on cmdline x
	ok vm create new5 memory 1G vcpus 1 kernel /k
	ok vm set web stimer off
	ok vm set id 2 stimer on vcpus 2
	sent 'cmd 1 name new3 memory 1073741824 vcpus 1 stimer 0 boot1 "/k"
cmd 1 name new4 memory 1073741824 vcpus 1 stimer 1 boot1 "/k" boot3 "x"
cmd 1 name new5 memory 1073741824 vcpus 1 boot1 "/k"
cmd 3 name web stimer 0
cmd 3 id 2 vcpus 2 stimer 1'
	# the reply to create is VID's record: stimer as asked, on by default
	ok -j vm create new3 memory 1G vcpus 1 kernel /k stimer off
	jq -e '.name == "new3" and .stimer == false' "$T/out" >/dev/null ||
		fail "create stimer off -j: $(cat "$T/out")"
	ok -j vm create new5 memory 1G vcpus 1 kernel /k
	jq -e '.name == "new5" and .stimer == true' "$T/out" >/dev/null ||
		fail "create -j: $(cat "$T/out")"
}

# what show prints: "stimer off" in the text only when off, always in JSON
test_stimer_show() {
	local web_off=${WEB/memory 512M/memory 512M stimer off}
	local json_off=${WEB_JSON/\"stimer\":true/\"stimer\":false}
	export FAKEVID_STIMER=off
	ok vm show web
	same "$T/out" "$web_off"
	ok -j vm show web
	same "$T/out" "[$json_off]"
	jq -e '.[0].stimer == false' "$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
	ok vm list
	same "$T/out" "$web_off
$DB"
	ok -j vm list
	same "$T/out" "[$json_off,$DB_JSON]"
	jq -e '[.[].stimer] == [false, true]' "$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
	# it comes before what a run adds
	FAKEVID_STATE=running ok vm show web
	grep -q '^1: web state running vcpus 2 memory 512M stimer off uptime 1h02m03s worker 4321 pinned 512M$' \
		"$T/out" || fail "running: $(cat "$T/out")"
	# on: nothing in the text, true in JSON
	unset FAKEVID_STIMER
	ok vm show web
	same "$T/out" "$WEB"
	! grep -q stimer "$T/out" || fail "stimer on in the text: $(cat "$T/out")"
	ok -j vm show web
	jq -e '.[0].stimer == true' "$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
}

test_stimer_monitor() {
	FAKEVID_STIMER=off monitor_until 6 TERM
	[ "$(head -1 "$T/out")" = "new 1: web state running vcpus 2 memory 512M stimer off" ] ||
		fail "monitor: $(cat "$T/out")"
}

# ---- the new fields of a record ----

RUN_TEXT='1: web state running vcpus 2 memory 512M uptime 1h02m03s worker 4321 pinned 512M
    kernel /boot/vmlinuz initrd /boot/initrd.img cmdline "console=ttyS0 \"quoted\"\ttab café"
    console /run/hvkvm/web/console.log socket /run/hvkvm/web/console.sock'
VCPUS_TEXT='    vcpu 0 exits io 1000 mmio 1001 hlt 1002 hyperv 1003 shutdown 1004 system_event 1005 intr 1006 other 1007
    vcpu 1 exits io 2000 mmio 2001 hlt 2002 hyperv 2003 shutdown 2004 system_event 2005 intr 2006 other 2007'
RUN_JSON='{"id":1,"name":"web","state":"running","vcpus":2,"memory":536870912,"stimer":true,"uptime_ns":3723000000000,"worker_pid":4321,"pinned":536870912,"boot":{"kernel":"/boot/vmlinuz","initrd":"/boot/initrd.img","cmdline":"console=ttyS0 \"quoted\"\ttab café"},"console_log":"/run/hvkvm/web/console.log","console_sock":"/run/hvkvm/web/console.sock"'
VCPUS_JSON='"vcpus_stats":[{"vcpu":0,"exits":{"io":1000,"mmio":1001,"hlt":1002,"hyperv":1003,"shutdown":1004,"system_event":1005,"intr":1006,"other":1007}},{"vcpu":1,"exits":{"io":2000,"mmio":2001,"hlt":2002,"hyperv":2003,"shutdown":2004,"system_event":2005,"intr":2006,"other":2007}}]'

test_show_running() {
	export FAKEVID_STATE=running
	ok vm show web
	same "$T/out" "$RUN_TEXT
$VCPUS_TEXT"
	ok -j vm show web
	same "$T/out" "[$RUN_JSON,$VCPUS_JSON}]"
	jq -e '.[0] | .uptime_ns == 3723000000000 and .worker_pid == 4321 and
		(.vcpus_stats | length) == 2 and .vcpus_stats[1].exits.other == 2007' \
		"$T/out" >/dev/null || fail "jq: $(cat "$T/out")"
	ok -p vm show web
	[ "$(jq -c . "$T/out")" = "[$RUN_JSON,$VCPUS_JSON}]" ] || fail "-p differs from -j"
	# a list has no counters (VID sends none in dumps)
	ok vm list
	same "$T/out" "$RUN_TEXT
$DB"
	ok -j vm list
	same "$T/out" "[$RUN_JSON},$DB_JSON]"
	FAKEVID_STATE=paused ok vm show web
	grep -q '^1: web state paused .* uptime 1h02m03s worker 4321 pinned 512M$' "$T/out" ||
		fail "paused: $(cat "$T/out")"
}

test_show_crashed() {
	local k want
	export FAKEVID_STATE=crashed
	while IFS='|' read -r k want; do
		FAKEVID_CRASH=$k ok vm show web
		same "$T/out" "${WEB/running/crashed}
    console /run/hvkvm/web/console.log
    crashed: $want"
	done <<-EOF
		signal|worker killed by signal 9
		exit|worker exited with status 3
		triple|triple fault
		guest|guest crash P0=0x1e P1=0xffffffff81000000 P2=0x2 P3=0x3 P4=0x4 (guest panic)
		error|worker error: KVM_RUN: Bad address
	EOF
	FAKEVID_CRASH=signal ok -j vm show web
	jq -e '.[0] | .crash == {"kind":"worker-signal","code":9} and
		.uptime_ns == null and .worker_pid == null' "$T/out" >/dev/null ||
		fail "signal: $(cat "$T/out")"
	FAKEVID_CRASH=guest ok -j vm list
	jq -e '.[0].crash == {"kind":"guest","code":0,"params":["0x1e","0xffffffff81000000","0x2","0x3","0x4"],"message":"guest panic"}' \
		"$T/out" >/dev/null || fail "guest: $(cat "$T/out")"
	FAKEVID_CRASH=error ok -j vm show web
	jq -e '.[0].crash | .kind == "worker-error" and .message == "KVM_RUN: Bad address"' \
		"$T/out" >/dev/null || fail "error: $(cat "$T/out")"
	FAKEVID_CRASH=exit ok -j vm show web
	jq -e '.[0].crash == {"kind":"worker-exit","code":3}' "$T/out" >/dev/null ||
		fail "exit: $(cat "$T/out")"
}

test_show_error() {
	export FAKEVID_STATE=off FAKEVID_ERROR='bad "kernel"
second line'
	ok vm show web
	same "$T/out" "${WEB/running/off}
    error \"bad \\\"kernel\\\"\\nsecond line\""
	ok -j vm show web
	jq -e '.[0].error == "bad \"kernel\"\nsecond line"' "$T/out" >/dev/null ||
		fail "jq: $(cat "$T/out")"
}

test_monitor_new_fields() {
	FAKEVID_STATE=running monitor_until 3 INT -j
	[ "$(head -1 "$T/out")" = "{\"event\":\"new\",\"vm\":$RUN_JSON}}" ] ||
		fail "new: $(head -1 "$T/out")"
	FAKEVID_STATE=running monitor_until 8 INT
	[ "$(head -3 "$T/out")" = "new $RUN_TEXT" ] || fail "new: $(cat "$T/out")"
	! grep -q exits "$T/out" || fail "counters in events: $(cat "$T/out")"
}

# ---- the lifecycle ----

test_start() {
	export FAKEVID_STATE=off FAKEVID_WORKER=run HVKVM_RUN_DIR=$T/run-start
	ok vm start web
	[ ! -s "$T/out" ] || fail "start printed $(cat "$T/out")"
	sent "cmd 2 name web
cmd 8 name web"
	ok -j vm start web
	jq -e '.state == "running" and .worker_pid == 4321 and
		.console_sock == "/run/hvkvm/web/console.sock" and .name == "web"' \
		"$T/out" >/dev/null || fail "start -j: $(cat "$T/out")"
	# by id: the worker is given the name
	ok vm start id 1 timeout 5
	sent "cmd 2 name web
cmd 8 name web
cmd 2 id 1
cmd 8 id 1"
	# the worker: its arguments, detached, its output in its log
	for i in $(seq 50); do
		[ "$(grep -c '^fds:' "$T/run-start/web/worker.log" 2>/dev/null)" = 3 ] && break
		sleep 0.1
	done
	[ "$(stat -c %a "$T/run-start/web")" = 700 ] ||
		fail "mode $(stat -c %a "$T/run-start/web")"
	[ "$(grep -c '^args: web$' "$T/run-start/web/worker.log")" = 3 ] ||
		fail "log: $(cat "$T/run-start/web/worker.log")"
	grep -q '^stdin: /dev/null$' "$T/run-start/web/worker.log" || fail "stdin"
	# 0, 1, 2, and the one ls opens to read the directory
	[ "$(grep '^fds: ' "$T/run-start/web/worker.log" | sort -u)" = "fds: 0 1 2 3 " ] ||
		fail "fds: $(grep '^fds: ' "$T/run-start/web/worker.log")"
	grep '^sid: ' "$T/run-start/web/worker.log" | while read -r _ sid _ pid; do
		[ "$sid" != "$$" ] && [ "$sid" != "$pid" ] || fail "sid $sid pid $pid"
	done
}

test_start_fails() {
	export FAKEVID_STATE=off
	FAKEVID_WORKER=fail ko 'cannot open /boot/vmlinuz: No such file or directory' vm start web
	FAKEVID_WORKER=fail ko 'cannot open /boot/vmlinuz: No such file or directory' -j vm start web
	FAKEVID_WORKER=crash ko 'crashed: worker killed by signal 9' vm start web
	FAKEVID_WORKER=crash FAKEVID_CRASH=triple ko 'crashed: triple fault' vm start web
	FAKEVID_WORKER=crash FAKEVID_CRASH=guest \
		ko 'crashed: guest crash P0=0x1e P1=0xffffffff81000000 P2=0x2 P3=0x3 P4=0x4 \(guest panic\)' vm start web
	FAKEVID_STATE=running ko 'partition is running already: Device or resource busy' vm start web
	ko 'no such partition: No such file or directory' vm start nope
	ko 'no such partition: No such file or directory' vm start id 9
}

test_start_timeout() {
	local t0
	export FAKEVID_STATE=off FAKEVID_WORKER=hang
	t0=$(date +%s%N)
	ko 'no answer from the worker within 1 s' vm start web timeout 1
	[ $(($(date +%s%N) - t0)) -ge 1000000000 ] || fail "did not wait"
	# the VM stays as it is: no stop (the worker leaving makes hvadm look)
	[ "$(grep -v '^cmd 2 name web$' "$T/sent")" = "cmd 8 name web" ] ||
		fail "sent: $(cat "$T/sent")"
}

test_start_without_worker() {
	export FAKEVID_STATE=off FAKEVID_WORKER=run
	HVKVM_WORKER=$T/nonexistent \
		ko "cannot run the worker \"$T/nonexistent\": No such file or directory" vm start web
	sent "cmd 2 name web
cmd 8 name web
cmd 9 name web"
	HVKVM_WORKER=no-such-worker-anywhere \
		ko 'cannot run the worker "no-such-worker-anywhere": No such file or directory' vm start web
	sent "cmd 2 name web
cmd 8 name web
cmd 9 name web"
	: >"$T/noexec"
	HVKVM_WORKER=$T/noexec ko "cannot run the worker \"$T/noexec\": Permission denied" vm start web
	rm -f "$T/sent"
	# it runs, and leaves before it attaches
	FAKEVID_WORKER=noattach HVKVM_WORKER=/bin/false \
		ko "the worker exited before it took the VM up \(see $T/run/web/worker.log\)" vm start web timeout 30
	sent "cmd 2 name web
cmd 8 name web
cmd 2 name web
cmd 9 name web"
	# no run directory: no start
	HVKVM_RUN_DIR=/proc/nope ko 'cannot create /proc/nope: .*' vm start web
	sent "cmd 2 name web"
	# worker.log a symbolic link: refused, nothing written through it
	mkdir -p "$T/run-link/web"
	ln -sfn "$T/link-target" "$T/run-link/web/worker.log"
	HVKVM_RUN_DIR=$T/run-link \
		ko "cannot open $T/run-link/web/worker.log: a symbolic link, refused" vm start web
	sent "cmd 2 name web"
	[ ! -e "$T/link-target" ] || fail "wrote through the link"
	# no VM: no directory
	ko 'no such partition: No such file or directory' vm start nope
	[ ! -e "$T/run/nope" ] || fail "made $T/run/nope"
}

test_worker_lookup() {
	export FAKEVID_STATE=off FAKEVID_WORKER=run HVKVM_RUN_DIR=$T/run-lookup
	unset HVKVM_WORKER
	mkdir -p "$T/tree/tools/hvadm" "$T/tree/tools/worker" "$T/path"
	cp "$HVADM" "$T/tree/tools/hvadm/hvadm"
	printf '#!/bin/sh\necho beside "$@"\n' >"$T/tree/tools/worker/hvkvm-worker"
	printf '#!/bin/sh\necho on-path "$@"\n' >"$T/path/hvkvm-worker"
	chmod +x "$T/tree/tools/worker/hvkvm-worker" "$T/path/hvkvm-worker"
	HVADM=$T/tree/tools/hvadm/hvadm PATH=$T/path:$PATH ok vm start web
	for i in $(seq 50); do
		[ -s "$T/run-lookup/web/worker.log" ] && break
		sleep 0.1
	done
	rm "$T/tree/tools/worker/hvkvm-worker"
	HVADM=$T/tree/tools/hvadm/hvadm PATH=$T/path:$PATH ok vm start web
	for i in $(seq 50); do
		[ "$(wc -l <"$T/run-lookup/web/worker.log")" -ge 2 ] && break
		sleep 0.1
	done
	same "$T/run-lookup/web/worker.log" "beside web
on-path web"
}

test_stop() {
	export FAKEVID_STATE=running FAKEVID_WORKER=run
	ok vm stop web
	[ ! -s "$T/out" ] || fail "stop printed $(cat "$T/out")"
	ok -j vm stop web force timeout 10
	jq -e '.state == "off" and .worker_pid == null' "$T/out" >/dev/null ||
		fail "stop -j: $(cat "$T/out")"
	sent "cmd 9 name web
cmd 9 name web force"
	# a start no worker took up
	FAKEVID_STATE=starting ok vm stop web
	FAKEVID_WORKER=hang ko 'no answer from the worker within 1 s; try "hvadm vm stop web force"' \
		vm stop web timeout 1
	FAKEVID_WORKER=hang ko 'no answer from the worker within 1 s; try "hvadm vm stop id 1 force"' \
		vm stop id 1 timeout 1
	FAKEVID_WORKER=hang ok vm stop web force timeout 1
	FAKEVID_STATE=off ko 'partition is not running: Operation already in progress' vm stop web
	FAKEVID_STATE=crashed ko 'partition is not running: Operation already in progress' vm stop web
}

test_pause_resume() {
	export FAKEVID_WORKER=run
	FAKEVID_STATE=running ok vm pause web
	[ ! -s "$T/out" ] || fail "pause printed $(cat "$T/out")"
	FAKEVID_STATE=running ok -j vm pause web
	jq -e '.state == "paused"' "$T/out" >/dev/null || fail "pause -j: $(cat "$T/out")"
	FAKEVID_STATE=paused ok vm resume id 1
	FAKEVID_STATE=paused ok -j vm resume web timeout 3
	jq -e '.state == "running"' "$T/out" >/dev/null || fail "resume -j: $(cat "$T/out")"
	sent "cmd 10 name web
cmd 10 name web
cmd 11 id 1
cmd 11 name web"
	FAKEVID_STATE=paused ko 'partition is paused already: Operation already in progress' vm pause web
	FAKEVID_STATE=running ko 'partition is running, not paused: Operation already in progress' vm resume web
	FAKEVID_STATE=off ko 'only a running partition can be paused: Device or resource busy' vm pause web
	FAKEVID_STATE=running FAKEVID_WORKER=hang ko 'no answer from the worker within 1 s' vm pause web timeout 1
	FAKEVID_STATE=paused FAKEVID_WORKER=hang ko 'no answer from the worker within 1 s' vm resume web timeout 1
}

# ---- the console ----

# serve [MODE]: consrv on $T/c.sock, ready when this returns
serve() {
	rm -f "$T/c.sock.in" "$T/ready"
	"$here/consrv" "$T/c.sock" "$@" >"$T/ready" &
	for i in $(seq 50); do
		[ -s "$T/ready" ] && return
		sleep 0.1
	done
	fail "consrv did not start"
}

test_console_copy() {
	export FAKEVID_STATE=running FAKEVID_SOCK=$T/c.sock
	serve
	printf 'hi\nbye\n' | "$HVADM" vm console web >"$T/out" 2>"$T/err" ||
		fail "status $?: $(cat "$T/err")"
	[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
	[ "$(cat "$T/out")" = "$(printf 'hello from the guest\r\necho: hi\r\ngoodbye\r')" ] ||
		fail "out: $(od -c "$T/out")"
	wait
	same "$T/c.sock.in" "hi
bye"
	# stdin ends first: the output goes on until the socket closes
	serve close
	ok vm console web </dev/null
	same "$T/out" "$(printf 'hello from the guest\r\nlater\r')"
	wait
}

test_console_timeout() {
	local t0
	export FAKEVID_STATE=paused FAKEVID_SOCK=$T/c.sock
	serve hold
	t0=$(date +%s%N)
	ok vm console web timeout 1 </dev/null
	[ $(($(date +%s%N) - t0)) -ge 1000000000 ] || fail "did not wait"
	same "$T/out" "$(printf 'hello from the guest\r')"
	wait
	# typed input reaches the guest
	serve hold
	printf 'ls\n' | "$HVADM" vm console web timeout 1 >/dev/null 2>"$T/err" ||
		fail "status $?: $(cat "$T/err")"
	wait
	same "$T/c.sock.in" "ls"
}

test_console_errors() {
	FAKEVID_STATE=off ko 'the VM is not running \(it is off\)' vm console web
	FAKEVID_STATE=crashed ko 'the VM is not running \(it is crashed\)' vm console web
	FAKEVID_STATE=running FAKEVID_SOCK= \
		ko 'the VM has no console socket \(its worker gave none\)' vm console web
	FAKEVID_STATE=running FAKEVID_SOCK=$T/none \
		ko "cannot connect to the console $T/none: No such file or directory" vm console web
	ko 'no such partition: No such file or directory' vm console nope
}

test_console_terminal() {
	command -v script >/dev/null || { skip "no script(1)"; return; }
	export FAKEVID_STATE=running FAKEVID_SOCK=$T/c.sock
	serve
	# raw: the CR goes as it is; Ctrl-] detaches; the terminal is restored
	(sleep 0.5; printf 'hi\r'; sleep 0.5; printf 'x\035'; sleep 1) |
		script -qec "'$HVADM' vm console web; echo rc=\$?; stty -a" /dev/null >"$T/out"
	wait
	grep -q "Connected to the console; Ctrl-] detaches." "$T/out" || fail "no hint: $(cat "$T/out")"
	grep -q "hello from the guest" "$T/out" || fail "no output: $(cat "$T/out")"
	grep -q "rc=0" "$T/out" || fail "status: $(cat "$T/out")"
	grep -qw -- "icanon" "$T/out" && ! grep -qw -- "-icanon" "$T/out" ||
		fail "terminal not restored: $(cat "$T/out")"
	same "$T/c.sock.in" "$(printf 'hi\rx')"
}

tap_run

