# SPDX-License-Identifier: GPL-2.0
# TAP for shell selftests: define test_* functions, then call tap_run.
# A test fails by returning non-zero; what it printed (on stdout or stderr)
# is shown as TAP diagnostics.

# Fail with a message: `fail "why"` (returns 1 from the caller's &&-chain).
fail() {
	echo "$*" >&2
	return 1
}

tap_run() {
	local tests t n=0 failed=0 out
	tests=$(declare -F | awk '{ print $3 }' | grep '^test_')
	echo "TAP version 13"
	echo "1..$(echo "$tests" | wc -l)"
	for t in $tests; do
		n=$((n + 1))
		out=$(mktemp)
		# Not in an `if`: bash ignores set -e inside a condition.
		( set -e; "$t" ) >"$out" 2>&1
		if [ $? -eq 0 ]; then
			echo "ok $n ${t#test_}"
		else
			echo "not ok $n ${t#test_}"
			failed=$((failed + 1))
		fi
		sed 's/^/# /' "$out"
		rm -f "$out"
	done
	[ "$failed" -eq 0 ]
}
