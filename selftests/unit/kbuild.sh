#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every kernel module builds, with W=1 and no warning, against each kernel
# the project supports besides the one `make modules` targets: Debian 12's
# 6.12 (tools/kver 6.12). Built in a copy of the sources under
# $BUILD/modules-KVER: Kbuild builds external modules in place, and the
# tree's objects must stay those of Debian's default kernel, which the lab
# loads.
set -u
. "$(dirname "$0")/lib.sh"
top=$(cd "$here/../.." && pwd)
build=${BUILD:-$top/build}

# build_for KVER: the copy's build log in $T/log
build_for() {
	local kver=$1 dir=$build/modules-$1 kdir=/lib/modules/$1/build

	[ -d "$kdir" ] || { skip "no headers for $kver (run tools/setup)"; return 1; }
	rm -rf "$dir" && mkdir -p "$dir" || { fail "cannot make $dir"; return 1; }
	(cd "$top" && find include kmod lib guest selftests/kmod \( -name '*.[ch]' -o -name Kbuild \) \
		! -name '*.mod.c' -print0 | cpio -p0dmu --quiet "$dir") &&
		cp "$top/Kbuild" "$dir/" || { fail "cannot copy the sources"; return 1; }
	make -C "$kdir" M="$dir" W=1 modules >"$T/log" 2>&1 ||
		{ fail "the build failed: $(grep -iE 'error|warning' "$T/log" | head -n 20)"; return 1; }
	! grep -iE 'warning:|error:' "$T/log" ||
		fail "warnings: $(grep -iE 'warning:|error:' "$T/log" | head -n 20)"
}

test_modules_6_12() {
	local kver

	kver=$("$top/tools/kver" 6.12 2>/dev/null) || { skip "no 6.12 kernel"; return; }
	build_for "$kver"
}

tap_run
