# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shell helpers of the lab suites (selftests/worker/run.sh, worker/vid.sh,
# vmbus/run.sh, vmbus/hostile.sh), one copy of each. A suite sources this
# right after `set -u`:
#
#	. "$(dirname "$0")/../lib/lab.sh" || exit 1
#
# It provides:
# - TAP: ok, not_ok, skip, counting in $n and $failed; run_tests, which
#   prints the plan and runs test_NAME for the names given or $all_tests;
# - build_initramfs: the guest's initramfs, or a TAP failure and exit 1;
# - waiting with a time-out: wait_until (any condition), wait_line (a
#   line in a VM's console log), polling every $wait_poll s (0.5; a suite
#   may set another);
# - VMs through hvadm: field, console_of, state_is, wait_state,
#   vm_define, define, down;
# - a failed test's diagnostics: diag_show, diag_console.
#
# The suite sets what these use when called: $top, $kernel, $initrd and
# $T (the default time-out in s); it may redefine console_of.
# (lib/tap.sh is another runner, a function a test, for vid/hvadm.sh.)
# shellcheck disable=SC2154 # $top, $kernel, $initrd, $T: set by the suite

# ---- TAP --------------------------------------------------------------------

n=0
failed=0
# ok NAME [DIRECTIVE]
ok() { n=$((n + 1)); echo "ok $n $1${2:+ # $2}"; }
# not_ok NAME WHY: WHY's lines become diagnostics.
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
	printf '# %s\n' "${2//$'\n'/$'\n'# }"
}
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }

# run_tests [TEST...]: the plan, then test_TEST for each TEST named, or for
# each of $all_tests when none is; after each, "# test time: TEST N s".
run_tests() {
	local lab_tests=("$@") lab_t lab_t0
	[ ${#lab_tests[@]} -gt 0 ] || lab_tests=("${all_tests[@]}")
	echo "1..${#lab_tests[@]}"
	for lab_t in "${lab_tests[@]}"; do
		lab_t0=$SECONDS
		"test_$lab_t"
		echo "# test time: $lab_t $((SECONDS - lab_t0)) s"
	done
}

# build_initramfs [MKINITRAMFS ARGS...]: tools/lab/mkinitramfs; when that
# fails, a plan of one failed test and exit 1.
build_initramfs() {
	# L1's /dev has no /dev/fd, which mkinitramfs's process substitutions need.
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
	"$top/tools/lab/mkinitramfs" "$@" ||
		{ echo "1..1"; echo "not ok 1 cannot build the guest initramfs"; exit 1; }
}

# Kernel trouble in L1's log, as tools/lab/stage2 looks for it at the end
# of a run: the suites look for it after each test too.
TROUBLE='BUG:|WARNING:|Oops|general protection|kernel BUG at|refcount_t:|UBSAN:|list_add corruption|list_del corruption|scheduling while atomic|possible circular locking|possible recursive locking|inconsistent lock state|hung_task|blocked for more than|suspected memory leak|ODEBUG:'

# ---- waiting ----------------------------------------------------------------

wait_poll=0.5

# wait_until SECS POLL CMD [ARG...]: until CMD succeeds, trying it every
# POLL s; fails when SECS s have gone by.
wait_until() {
	local lab_end=$((SECONDS + $1)) lab_poll=$2
	shift 2
	while [ "$SECONDS" -lt "$lab_end" ]; do
		"$@" && return 0
		sleep "$lab_poll"
	done
	return 1
}

# console_has VM REGEX: the VM's console log has a matching line.
console_has() { console_has_after "$1" 0 "$2"; }

# wait_line VM REGEX [SECS]: the VM's console log gets a matching line
# within SECS ($T) s (serial lines end in \r: end patterns with
# ([^0-9]|$), not $).
wait_line() { wait_until "${3:-$T}" "$wait_poll" console_has "$1" "$2"; }

# A VM's console log goes on across its runs (and across a delete and a
# new VM of the same name), and the worker rotates it at its cap
# (console.log becomes console.log.1): to wait for a line of this run,
# take the log's place before the start (console_size VM: its inode and
# size, INODE:SIZE) and look only beyond it.
console_size() {
	local log
	log=$(console_of "$1")
	[ "$log" != null ] && stat -c %i:%s "$log" 2>/dev/null || echo 0
}

# log_after LOG PLACE: what LOG holds beyond PLACE, INODE:SIZE from
# console_size (0: everything kept). When LOG has been rotated since,
# the rest of LOG.1 (which is that inode now) comes first; when it was
# rotated more than once, all there is (as far as inode numbers, which
# the file system may reuse, can tell).
log_after() {
	local log=$1 place=$2 ino
	ino=${place%%:*}
	if [ "$place" = 0 ] || [ "$ino" = "$place" ]; then
		cat "$log.1" "$log" 2>/dev/null
	elif [ "$(stat -c %i "$log" 2>/dev/null)" = "$ino" ]; then
		tail -c +"$((${place#*:} + 1))" "$log" 2>/dev/null
	elif [ "$(stat -c %i "$log.1" 2>/dev/null)" = "$ino" ]; then
		tail -c +"$((${place#*:} + 1))" "$log.1" 2>/dev/null
		cat "$log" 2>/dev/null
	else
		cat "$log.1" "$log" 2>/dev/null
	fi
}

# console_has_after VM PLACE REGEX: a matching line beyond PLACE.
# (grep reads a process substitution: grep -q ending a pipe early would
# kill tail with SIGPIPE, and pipefail turn the match into a miss.)
console_has_after() {
	local log
	log=$(console_of "$1")
	[ "$log" != null ] && grep -aqE "$3" < <(log_after "$log" "$2")
}

# wait_line_after VM PLACE REGEX [SECS]: wait_line beyond PLACE.
wait_line_after() {
	wait_until "${4:-$T}" "$wait_poll" console_has_after "$1" "$2" "$3"
}

# ticks_after VM PLACE: the "HVTEST tick" lines beyond PLACE.
ticks_after() {
	local log
	log=$(console_of "$1")
	[ "$log" != null ] && grep -ac '^HVTEST tick' < <(log_after "$log" "$2")
}

# wait_gone PID SECS: process PID has ended within SECS s.
pid_gone() { ! kill -0 "$1" 2>/dev/null; }
wait_gone() { wait_until "$2" "$wait_poll" pid_gone "$1"; }

# ---- VMs --------------------------------------------------------------------

# guest_kernel KVER: the kernel a guest of version KVER boots: the
# uncompressed vmlinux hvlab made for the run (tools/lab/vmlinux: the
# bzImage's decompression costs seconds of each boot under emulation),
# or Debian's bzImage when there is none.
guest_kernel() {
	local v=${HVLAB_GUEST_KERNELS:-/nonexistent}/vmlinux-$1
	if [ -f "$v" ]; then echo "$v"; else echo "/boot/vmlinuz-$1"; fi
}

# field VM KEY: .[0].KEY of `hvadm -j vm show VM`.
field() { hvadm -j vm show "$1" | jq -r ".[0].$2"; }

# console_of VM: the VM's console log as hvadm shows it ("null" when it
# has none).
console_of() { field "$1" console_log; }

# state_is VM STATE: VID has VM in STATE; wait_state: within $T s.
state_is() { [ "$(field "$1" state)" = "$2" ]; }
wait_state() { wait_until "$T" "$wait_poll" state_is "$1" "$2"; }

# vm_define VM VCPUS ARGS: VM afresh, 512 MiB, VCPUS vCPUs, booting $kernel
# and $initrd with the command line "console=ttyS0 quiet ARGS".
vm_define() {
	hvadm vm delete "$1" 2>/dev/null
	hvadm vm create "$1" memory 512M vcpus "$2" kernel "$kernel" \
		initrd "$initrd" cmdline "console=ttyS0 quiet $3"
}

# define VM ACTION [VCPUS]: the same for a guest-init, which does what
# hvtest=ACTION says; one vCPU unless VCPUS.
define() { vm_define "$1" "${3:-1}" "hvtest=$2"; }

# down VM: force it off and delete it, quietly.
down() {
	hvadm vm stop "$1" force >/dev/null 2>&1
	hvadm vm delete "$1" >/dev/null 2>&1
}

# ---- diagnostics ------------------------------------------------------------

diag_show() {
	echo "--- hvadm vm show $1:"
	hvadm vm show "$1" 2>&1
}

# diag_console VM LINES: the last LINES of the VM's console log, if any.
diag_console() {
	local log
	log=$(console_of "$1" 2>/dev/null)
	echo "--- console:"
	[ -n "$log" ] && [ "$log" != null ] && tail -n "$2" "$log"
}
