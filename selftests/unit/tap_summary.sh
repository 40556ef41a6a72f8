#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/tap-summary, the last line of make check: what it counts, and the
# runs it must not call good.
set -u
. "$(dirname "$0")/lib.sh"
top=$(cd "$here/../.." && pwd)

# summary STATUS: tap-summary over $T/log; sets $out and $rc.
summary() {
	out=$("$top/tools/tap-summary" "$T/log" "$1" 2>&1)
	rc=$?
}

# last_line_is LINE
last_line_is() {
	[ "$(tail -n 1 <<<"$out")" = "$1" ] || fail "last line: $(tail -n 1 <<<"$out") (want $1)"
}

test_clean_run() {
	printf '%s\n' "# ==== a" "1..2" "ok 1 x" "ok 2 y # SKIP no disk" "# time: a 3 s" \
		"# ==== b" "TAP version 13" "1..1" "ok 1 z" >"$T/log"
	summary 0
	[ "$rc" = 0 ] || fail "status $rc: $out"
	last_line_is "2 passed, 0 failed, 1 skipped"
	grep -q '^#     3 s  a$' <<<"$out" || fail "no time for a: $out"
}

test_failure_counted() {
	printf '%s\n' "# ==== a" "1..2" "ok 1 x" "not ok 2 y" >"$T/log"
	summary 1
	[ "$rc" = 1 ] || fail "status $rc"
	last_line_is "1 passed, 1 failed"
}

# A test whose local variable shadowed the TAP counter: the numbers go
# wrong while the count still matches the plan.
test_misnumbered() {
	printf '%s\n' "# ==== a" "1..3" "ok 1 x" "ok 4 y" "ok 1 z" >"$T/log"
	summary 0
	[ "$rc" = 1 ] || fail "status $rc: $out"
	grep -q '^# tap-summary: a: result 4 where 2 was due$' <<<"$out" || fail "$out"
	grep -q '^# tap-summary: a: result 1 where 5 was due$' <<<"$out" || fail "$out"
	last_line_is "3 passed, 2 failed"
}

# A suite that stopped early and still exited 0.
test_short_of_plan() {
	printf '%s\n' "# ==== a" "1..3" "ok 1 x" "ok 2 y" "# ==== b" "1..1" "ok 1 z" >"$T/log"
	summary 0
	[ "$rc" = 1 ] || fail "status $rc: $out"
	grep -q '^# tap-summary: a: 2 results for a plan of 3$' <<<"$out" || fail "$out"
	last_line_is "3 passed, 1 failed"
}

# A suite run again after an L1 death counts once, by its last run.
test_suite_run_again() {
	printf '%s\n' "# ==== a" "1..3" "ok 1 x" "# lab: L1 booted again after a death in a" \
		"# ==== a" "1..3" "ok 1 x" "ok 2 y" "ok 3 z" >"$T/log"
	summary 0
	[ "$rc" = 0 ] || fail "status $rc: $out"
	grep -q '^# L1 restarts: 1$' <<<"$out" || fail "$out"
	last_line_is "3 passed, 0 failed"
}

test_failed_outside_tests() {
	printf '%s\n' "# ==== a" "1..1" "ok 1 x" >"$T/log"
	summary 2
	[ "$rc" = 1 ] || fail "status $rc"
	grep -q 'failed (status 2) outside any test' <<<"$out" || fail "$out"
	last_line_is "1 passed, 1 failed"
}

tap_run
