# SPDX-License-Identifier: GPL-2.0
# TAP for hvadm's shell tests: define test_* functions, source this, call
# tap_run (which calls setup, if defined, before each test). A check that fails calls fail, which marks the test failed and
# lets it go on (set -e does not work in a function called from an `if`),
# so one run shows every broken check. skip ends a test as skipped.
# HVADM is the binary under test; T a scratch directory.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HVADM=${HVADM:-$here/../../tools/hvadm/hvadm}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

fail() {
	echo "$*"
	: >"$T/failed"
	return 1
}

skip() {
	echo "$*" >"$T/skipped"
}

# hv ARGS...: run hvadm; its stdout, stderr and status in $T/{out,err,rc}
hv() {
	"$HVADM" "$@" >"$T/out" 2>"$T/err"
	echo $? >"$T/rc"
}

# ok ARGS...: status 0 and nothing on stderr
ok() {
	hv "$@"
	[ "$(cat "$T/rc")" = 0 ] && [ ! -s "$T/err" ] ||
		fail "hvadm $*: status $(cat "$T/rc"): $(cat "$T/err")"
}

# ko REGEX ARGS...: status 1, nothing on stdout, one "Error: " line matching
ko() {
	local re=$1

	shift
	hv "$@"
	[ "$(cat "$T/rc")" = 1 ] || fail "hvadm $*: status $(cat "$T/rc")"
	[ ! -s "$T/out" ] || fail "hvadm $*: stdout: $(cat "$T/out")"
	[ "$(wc -l <"$T/err")" = 1 ] && grep -Eq "^Error: $re\$" "$T/err" ||
		fail "hvadm $*: stderr: $(cat "$T/err")"
}

# same FILE EXPECTED: the file holds EXPECTED (trailing newlines aside)
same() {
	[ "$(cat "$1")" = "$2" ] || fail "expected:
$2
got:
$(cat "$1")"
}

# monitor_until N SIGNAL ARGS...: run "hvadm ARGS monitor" (stdout and
# stderr in $T/out and $T/err) until it printed N lines or 5 s passed,
# then stop it with SIGNAL; it must exit with status 0.
monitor_until() {
	local n=$1 sig=$2 pid i

	shift 2
	"$HVADM" "$@" monitor >"$T/out" 2>"$T/err" &
	pid=$!
	for i in $(seq 50); do
		[ "$(wc -l <"$T/out")" -ge "$n" ] && break
		sleep 0.1
	done
	# A background job starts with SIGINT ignored: a signal that comes
	# before hvadm installs its handler (a slow start, on a loaded
	# machine) is lost. So send it until hvadm is gone, for 10 s at most.
	for i in $(seq 100); do
		kill -"$sig" $pid 2>/dev/null || break
		sleep 0.1
		kill -0 $pid 2>/dev/null || break
	done
	if kill -0 $pid 2>/dev/null; then
		kill -9 $pid 2>/dev/null
		wait $pid
		fail "monitor: still running 10 s after SIG$sig: $(cat "$T/err")"
		return 1
	fi
	wait $pid || fail "monitor: status $?: $(cat "$T/err")"
}

tap_run() {
	local tests t n=0 failed=0 why

	tests=$(declare -F | awk '{ print $3 }' | grep '^test_')
	echo "TAP version 13"
	echo "1..$(echo "$tests" | wc -l)"
	for t in $tests; do
		n=$((n + 1))
		rm -f "$T/failed" "$T/skipped"
		! declare -F setup >/dev/null || setup
		( "$t" ) >"$T/tap.log" 2>&1 || : >"$T/failed"
		if [ -e "$T/failed" ]; then
			echo "not ok $n ${t#test_}"
			failed=$((failed + 1))
		elif [ -e "$T/skipped" ]; then
			why=$(cat "$T/skipped")
			echo "ok $n ${t#test_} # SKIP $why"
		else
			echo "ok $n ${t#test_}"
		fi
		sed 's/^/# /' "$T/tap.log"
	done
	[ "$failed" -eq 0 ]
}
