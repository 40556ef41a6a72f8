#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lab tests of hvkvm-worker (tools/worker), TAP on stdout:
#
#	tools/hvlab run selftests/worker/run.sh [TEST...]
#
# Each test boots Debian's own kernel (/boot/vmlinuz-$KVER, or the same
# uncompressed when hvlab made it) with a busybox
# initramfs whose /init (guest-init) does what hvtest=ACTION on the kernel
# command line says, and waits for the lines it prints: no fixed sleeps
# except where a test checks that nothing happens. Logs are kept in
# $HVLAB_OUT/worker/ for a look afterwards.
set -u
# shellcheck source=SCRIPTDIR/../lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh" || exit 1
top=${HVLAB_TOP:?run me through tools/hvlab}
here=$top/selftests/worker
worker=$top/tools/worker/hvkvm-worker
# L2 boots Debian's kernel, also when L1 runs the debug kernel:
# uncompressed (lab.sh's guest_kernel), but the bzImage for the tests of
# its boot and of boot specs.
bzimage=/boot/vmlinuz-${GUEST_KVER:-$KVER}
kernel=$(guest_kernel "${GUEST_KVER:-$KVER}")
out=$HVLAB_OUT/worker
# mknod does not work on the 9p output share: build the guest in /tmp.
initrd=/tmp/hvkvm-worker/guest.cpio
sockdir=/run/hvkvm
# The emulated lab is slow: an L2 boot takes 10-25 s.
boot_timeout=${HVKVM_TEST_TIMEOUT:-240}

all_tests=(bad_specs boot_hyperv poweroff_status reboot crash triple_fault
	smp console_socket console_flood pause_resume sigterm power_button
	vmbus_hypercalls high_memory boot_elf)

# wait_for FILE REGEX SECS [PID]: until FILE has a line matching REGEX;
# fails early when PID has exited.
wait_for() {
	local file=$1 re=$2 end=$((SECONDS + $3)) pid=${4:-}
	while [ "$SECONDS" -lt "$end" ]; do
		grep -aqE "$re" "$file" 2>/dev/null && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			grep -aqE "$re" "$file" 2>/dev/null
			return
		fi
		sleep 0.1
	done
	return 1
}

# run_guest NAME ACTION [WORKER ARGS...]: boot, wait for the worker to end;
# sets $status, $log (console), $err (worker's stderr).
run_guest() {
	local name=$1 act=$2
	shift 2
	log=$out/$name.log
	err=$out/$name.err
	rm -f "$log" "$err"
	timeout -k 5 "$boot_timeout" "$worker" --kernel "$kernel" \
		--initrd "$initrd" --cmdline "console=ttyS0 quiet hvtest=$act" \
		--memory 512 --vcpus 1 --console-log "$log" --name "$name" \
		--stats "$@" 2>"$err"
	status=$?
}

# start_guest NAME ACTION [ARGS...]: the same in the background; sets $pid.
start_guest() {
	local name=$1 act=$2
	shift 2
	log=$out/$name.log
	err=$out/$name.err
	rm -f "$log" "$err"
	# No timeout(1) in between: the tests signal the worker itself.
	"$worker" --kernel "$kernel" \
		--initrd "$initrd" --cmdline "console=ttyS0 quiet hvtest=$act" \
		--memory 512 --vcpus 1 --console-log "$log" --name "$name" \
		--stats "$@" 2>"$err" &
	pid=$!
}

# Wait for the background worker; SIGKILL it if it outstays the time-out.
finish_guest() {
	local end=$((SECONDS + boot_timeout))
	while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.2
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	status=$?
}

tail_of() { echo "--- console:"; tail -n 15 "$log" 2>/dev/null; echo "--- worker:"; cat "$err"; }

# ---- tests ------------------------------------------------------------------

# Bad boot specs: one clear line, status 1, and nothing started (no log).
test_bad_specs() {
	local fake=$out/fake-old.bzImage trunc=$out/truncated.bzImage
	local elf=$out/vmlinux-cut big=$out/big.initrd msg case_ok=1 why=
	local kernel=$bzimage vmlinux=$kernel
	"$here/fake-bzimage.py" --protocol 0x0204 "$fake"
	head -c 4096 "$kernel" >"$trunc"
	truncate -s 40M "$big"
	local cases=(
		"cannot open kernel /nonexistent: No such file or directory|--kernel /nonexistent"
		"/etc/hostname: not a bzImage$|--kernel /etc/hostname"
		"not a bzImage \(boot protocol 2.04, need 2.06 or later\)|--kernel $fake"
		"not a bzImage \(truncated\)|--kernel $trunc"
		"memory too small for the kernel: 48 MiB|--kernel $kernel --memory 48"
		"command line too long: 3000 bytes, the kernel takes at most 2047|--kernel $kernel --cmdline $(printf '%*s' 3000 '' | tr ' ' x)"
		"the initrd \(40960 KiB\) does not fit|--kernel $kernel --memory 100 --initrd $big"
		"/bin/true: not an x86-64 ELF executable|--kernel /bin/true"
	)
	# An uncompressed vmlinux cut short, or too big for the memory.
	if [ "$vmlinux" != "$bzimage" ]; then
		head -c 1M "$vmlinux" >"$elf"
		cases+=("$elf: ELF segment [0-9]+ is truncated|--kernel $elf"
			"memory too small for the kernel: 48 MiB|--kernel $vmlinux --memory 48")
	fi
	local c re args
	for c in "${cases[@]}"; do
		re=${c%%|*}
		args=${c#*|}
		rm -f "$out/bad.log"
		# shellcheck disable=SC2086 # args are words
		msg=$("$worker" --memory 256 --vcpus 1 --console-log "$out/bad.log" $args 2>&1)
		status=$?
		if [ "$status" != 1 ] || [ "$(wc -l <<<"$msg")" != 1 ] ||
		   ! grep -qE "^hvkvm-worker: .*$re" <<<"$msg" || [ -e "$out/bad.log" ]; then
			case_ok=0
			why+="status $status for '${args:0:60}': $msg"$'\n'
		fi
	done
	"$worker" --kernel "$kernel" >/dev/null 2>&1
	[ $? = 2 ] || { case_ok=0; why+="usage error did not give 2"$'\n'; }
	rm -f "$big" "$trunc" "$fake" "$elf"
	[ "$case_ok" = 1 ] && ok "bad boot specs give one error line and status 1, nothing started" ||
		not_ok "bad boot specs" "$why"
}

# The bzImage, through its decompressor (the other tests boot the kernel
# uncompressed when hvlab made it).
test_boot_hyperv() {
	local kernel=$bzimage
	run_guest boot poweroff
	local why=
	grep -aq '^HVTEST init' "$log" || why+="no init line; "
	grep -aq 'Hypervisor detected: Microsoft Hyper-V' "$log" || why+="not Hyper-V; "
	grep -aq 'Switched to clocksource hyperv_clocksource_tsc_page' "$log" ||
		why+="no Hyper-V clocksource; "
	grep -aqE 'Hypervisor detected: KVM|kvm-clock' "$log" && why+="guest saw KVM; "
	grep -aq 'ACPI: DSDT .* HVKVMDSD' "$log" || why+="no DSDT; "
	grep -aq 'ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A' "$log" ||
		why+="no 16550A; "
	if [ -z "$why" ]; then
		ok "guest boots to init on Hyper-V with the TSC page clocksource"
		grep -aE 'Hypervisor detected|Switched to clocksource|Hyper-V: privilege' "$log" |
			sed 's/^/# /'
	else
		not_ok "guest boots on Hyper-V" "$why"$'\n'"$(tail_of)"
	fi
}

test_poweroff_status() {
	# the guest of test_boot_hyperv ran poweroff -f
	[ "${log:-}" = "$out/boot.log" ] || run_guest boot poweroff
	[ "$status" = 0 ] && grep -q 'guest powered off' "$err" &&
		grep -aq 'reboot: Power down' "$log" &&
		ok "poweroff -f in the guest: status 0" ||
		not_ok "poweroff -f in the guest: status 0" "status $status"$'\n'"$(tail_of)"
}

test_reboot() {
	run_guest reboot reboot
	[ "$status" = 3 ] && grep -q 'guest reset' "$err" &&
		ok "reboot -f in the guest: status 3 (reset)" ||
		not_ok "reboot -f: status 3" "status $status"$'\n'"$(tail_of)"
}

test_crash() {
	run_guest crash crash
	# P1 is the guest OS id: 0x8100 (Linux) in bits 48..63.
	if [ "$status" = 5 ] && grep -qE 'guest crashed on vCPU 0: P0=(0|0x[0-9a-f]+) P1=0x8100[0-9a-f]{12} P2=0x[0-9a-f]+' "$err"; then
		ok "a guest panic reaches the crash MSRs: status 5"
		grep 'guest crashed' "$err" | sed 's/^/# /'
		grep -a 'Kernel panic' "$log" | sed 's/^/# guest: /'
	else
		not_ok "guest panic: status 5 with P0..P4" "status $status"$'\n'"$(tail_of)"
	fi
}

test_triple_fault() {
	local fake=$out/fake.bzImage
	"$here/fake-bzimage.py" "$fake"
	log=$out/triple.log
	err=$out/triple.err
	rm -f "$log"
	timeout -k 5 60 "$worker" --kernel "$fake" --memory 64 --vcpus 1 \
		--console-log "$log" 2>"$err"
	status=$?
	[ "$status" = 4 ] && grep -q 'triple fault on vCPU 0' "$err" &&
		ok "a triple fault ends the worker with status 4" ||
		not_ok "triple fault: status 4" "status $status: $(cat "$err")"
}

test_smp() {
	run_guest smp poweroff --vcpus 2
	grep -aq '^HVTEST init: .* cpus 2 ' "$log" && [ "$status" = 0 ] &&
		grep -aq 'smp: Brought up 1 node, 2 CPUs' "$log" &&
		ok "2 vCPUs: the guest brings up 2 CPUs" ||
		not_ok "2 vCPUs" "status $status"$'\n'"$(tail_of)"
}

# 3328 MiB of RAM: 3 GiB below the hole, 256 MiB above 4 GiB, all of it
# seen. (Not more: L1 has 4 GiB, and a squeezed L1 stalls its 9p shares.)
test_high_memory() {
	local kib
	run_guest highmem poweroff --memory 3328
	kib=$(sed -n 's/^HVTEST init: .* mem \([0-9]*\) kB.*/\1/p' "$log")
	# More than 3 GiB in MemTotal: only RAM above 4 GiB can give that.
	if [ "$status" = 0 ] && [ "${kib:-0}" -gt $((3072 * 1024)) ] &&
	   grep -aq 'HVTEST e820: .*0x0000000100000000-0x000000010fffffff\] usable' "$log"; then
		ok "3328 MiB: the 256 MiB above 4 GiB are usable (MemTotal $kib kB)"
	else
		not_ok "3328 MiB of RAM" "status $status, MemTotal ${kib:-?}"$'\n'"$(tail_of)"
	fi
}

# An uncompressed ELF vmlinux (tools/lab/vmlinux made it from the
# bzImage): loaded by its segments, entered at startup_64, it boots the
# same kernel to init, on Hyper-V, with its initrd and command line.
test_boot_elf() {
	local why= magic
	[ "$kernel" != "$bzimage" ] || { skip "boot an ELF vmlinux" "hvlab made none"; return; }
	magic=$(od -An -t x1 -N 4 "$kernel" | tr -d ' ')
	[ "$magic" = 7f454c46 ] || why+="$kernel is not an ELF file ($magic); "
	run_guest elf poweroff
	[ "$status" = 0 ] || why+="status $status; "
	grep -aq "^HVTEST init: kernel ${GUEST_KVER:-$KVER} " "$log" ||
		why+="no init line of kernel ${GUEST_KVER:-$KVER}; "
	grep -aq 'Hypervisor detected: Microsoft Hyper-V' "$log" || why+="not Hyper-V; "
	grep -aq 'Command line: console=ttyS0 quiet hvtest=poweroff' "$log" ||
		why+="not our command line; "
	[ -z "$why" ] && ok "an uncompressed vmlinux boots to init on Hyper-V" ||
		not_ok "boot an ELF vmlinux" "$why"$'\n'"$(tail_of)"
}

test_console_socket() {
	local sock=$sockdir/console-test.console cout
	mkdir -p "$sockdir"
	start_guest console echo --console-sock "$sock"
	cout=$("$here/console-client.py" "$sock" "HVTEST ready for input" \
		"hello-from-the-socket" "HVTEST got: hello-from-the-socket" \
		"$boot_timeout" 2>&1)
	local cst=$?
	finish_guest
	if [ "$cst" = 0 ] && [ "$status" = 0 ] &&
	   grep -aq 'HVTEST got: hello-from-the-socket' "$log" && [ ! -e "$sock" ]; then
		ok "console socket: live output, input reaches the guest, one client at a time"
	else
		not_ok "console socket" "client: $cout; status $status"$'\n'"$(tail_of)"
	fi
}

# A guest that writes to COM1 as fast as it can (guest-init's flood: 16 KiB
# chunks to /dev/ttyS0 for at least 20 s and at least 8 chunks) leaves the
# console log at its cap and one rotated generation at most the cap, no
# other file; the newest bytes are in the log (the kernel's last words at
# power-off), and the line the guest prints after the flood is kept. The
# cap is 32 KiB here, so that the lab's slow guest passes it many times.
test_console_flood() {
	local cap=32768 s0 s1 chunks others why=
	rm -f "$out/flood.log.1"
	run_guest flood flood --console-log-cap 32K
	s0=$(stat -c %s "$log" 2>/dev/null) || s0=none
	s1=$(stat -c %s "$log.1" 2>/dev/null) || s1=none
	chunks=$(cat "$log.1" "$log" 2>/dev/null |
		sed -n 's/^HVTEST flood done: \([0-9]*\) chunks.*/\1/p')
	[ "$status" = 0 ] || why+="status $status; "
	[ -n "$chunks" ] || why+="the line after the flood is not in the log; "
	# More than two caps written: the log must have rotated.
	[ "$((${chunks:-0} * 16384))" -gt $((2 * cap)) ] ||
		why+="the guest wrote ${chunks:-no} chunks of 16 KiB; "
	if [ "$s0" = none ] || [ "$s0" -gt "$cap" ]; then
		why+="console log: $s0 bytes, cap $cap; "
	fi
	if [ "$s1" = none ] || [ "$s1" -gt "$cap" ]; then
		why+="rotated log: $s1 bytes, cap $cap; "
	fi
	# Not a byte of the last cap lost: together at least a cap.
	if [ "$s0" != none ] && [ "$s1" != none ] && [ $((s0 + s1)) -lt "$cap" ]; then
		why+="only $((s0 + s1)) bytes kept; "
	fi
	others=$(find "$out" -maxdepth 1 -name 'flood.log?*' ! -name flood.log.1)
	[ -z "$others" ] || why+="more generations: $others; "
	tail -c 512 "$log" 2>/dev/null | grep -aq 'reboot: Power down' ||
		why+="the log does not end with the power-off; "
	if [ -z "$why" ]; then
		ok "a guest flooding COM1 leaves the console log at its cap ($s0 + $s1 bytes of ${chunks}x16 KiB, cap $cap)"
		grep -ah "^HVTEST flood done" "$log.1" "$log" | sed 's/^/# /'
	else
		not_ok "a guest flooding COM1 leaves the console log at its cap" \
			"$why"$'\n'"$(tail_of)"
	fi
}

test_pause_resume() {
	local n1 n2 why=
	start_guest pause ticks
	if ! wait_for "$log" '^HVTEST tick 3[^0-9]' "$boot_timeout" "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		finish_guest
		not_ok "pause and resume" "guest never ticked"$'\n'"$(tail_of)"
		return
	fi
	kill -USR1 "$pid"
	sleep 0.5			# a tick on its way may still land
	n1=$(grep -ac '^HVTEST tick' "$log")
	sleep 3				# paused: nothing may happen
	n2=$(grep -ac '^HVTEST tick' "$log")
	[ "$n1" = "$n2" ] || why+="ticks went on while paused ($n1 -> $n2); "
	kill -USR2 "$pid"
	wait_for "$log" "^HVTEST tick $((n2 + 3))[^0-9]" 60 "$pid" ||
		why+="no ticks after resume; "
	kill -TERM "$pid"
	finish_guest
	[ -z "$why" ] && ok "pause holds the vCPUs, resume lets them go ($n2 ticks before)" ||
		not_ok "pause and resume" "$why"$'\n'"$(tail_of)"
}

test_sigterm() {
	local t0
	start_guest sigterm ticks
	if ! wait_for "$log" '^HVTEST tick 2[^0-9]' "$boot_timeout" "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		finish_guest
		not_ok "SIGTERM force-stops" "guest never ticked"$'\n'"$(tail_of)"
		return
	fi
	t0=$SECONDS
	kill -TERM "$pid"
	finish_guest
	[ "$status" = 6 ] && grep -q 'stopped' "$err" && [ $((SECONDS - t0)) -le 10 ] &&
		ok "SIGTERM force-stops a running guest: status 6" ||
		not_ok "SIGTERM force-stops" "status $status after $((SECONDS - t0)) s"$'\n'"$(tail_of)"
}

test_power_button() {
	start_guest button button --stop-timeout 120
	if ! wait_for "$log" '^HVTEST waiting for the power button on /dev/input/event' "$boot_timeout" "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		finish_guest
		not_ok "graceful stop: ACPI power button" "guest not ready"$'\n'"$(tail_of)"
		return
	fi
	kill -INT "$pid"
	finish_guest
	[ "$status" = 0 ] && grep -aq 'HVTEST power button pressed' "$log" &&
		ok "graceful stop presses the ACPI power button; the guest powers off" ||
		not_ok "graceful stop: ACPI power button" "status $status"$'\n'"$(tail_of)"
}

# hv_vmbus binds to our ACPI device, programs the SynIC (KVM_EXIT_HYPERV
# SYNIC) and posts INITIATE_CONTACT, which the default hook refuses: no
# VMBus host yet.
test_vmbus_hypercalls() {
	local hv
	run_guest vmbus vmbus
	hv=$(sed -n 's/.*vcpu0 exits:.* hyperv=\([0-9]*\).*/\1/p' "$err")
	if [ "$status" = 0 ] && [ "${hv:-0}" -gt 0 ] &&
	   grep -aqE 'HVTEST insmod hv_vmbus: status [1-9]' "$log"; then
		ok "hv_vmbus finds the VMBus device; SynIC and hypercalls reach the worker ($hv Hyper-V exits)"
		grep -aE 'HVTEST (insmod|dmesg: .*(vmbus|hv_))' "$log" | sed 's/^/# /'
	else
		not_ok "hv_vmbus reaches the worker" "status $status, hyperv exits ${hv:-none}"$'\n'"$(tail_of)"
	fi
}

# ---- main -------------------------------------------------------------------

mkdir -p "$out"
[ -x "$worker" ] || { echo "1..1"; echo "not ok 1 $worker is not built"; exit 1; }
build_initramfs -m button -m evdev -m hv_vmbus "$here/guest-init" "$initrd"
run_tests "$@"
[ "$failed" = 0 ]
