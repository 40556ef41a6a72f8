#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot to init, in the lab (make bench):
#
#	tools/hvlab run tools/bench/boot.sh
#
# Debian's kernel and the worker selftests' busybox initramfs (its init
# prints its uptime and powers off), the same command line and 512 MiB,
# booted by hvkvm-worker and by QEMU with KVM (-accel kvm, SeaBIOS), each
# from the bzImage and from the same kernel uncompressed (tools/lab/vmlinux;
# QEMU enters it through its PVH note). Each case BENCH_BOOTS times (3);
# the table gives the median wall time from the VMM's start to the init
# line and the guest's uptime then, in seconds. Its exit status says
# whether every boot reached init, never anything about the times.
# shellcheck disable=SC2317 # hvkvm and qemu are called by name
set -u
# shellcheck source=SCRIPTDIR/../../selftests/lib/lab.sh
. "$(dirname "$0")/../../selftests/lib/lab.sh" || exit 1
top=${HVLAB_TOP:?run me through tools/hvlab}
worker=$top/tools/worker/hvkvm-worker
gkver=${GUEST_KVER:-$KVER}
bzimage=/boot/vmlinuz-$gkver
vmlinux=$(guest_kernel "$gkver")
work=/tmp/hvkvm-bench-boot
initrd=$work/guest.cpio
out=${HVLAB_OUT:-$work}/bench-boot
cmd="console=ttyS0 quiet hvtest=poweroff"
BOOTS=${BENCH_BOOTS:-3}

# measure LOG CMD...: one boot; prints "WALL UPTIME", or fails.
measure() {
	local log=$1 t0 t1 p up end
	shift
	rm -f "$log"
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 &
	p=$!
	end=$((SECONDS + 240))
	# QEMU's guest starts this line with terminal escapes: no ^ here.
	until grep -aq 'HVTEST init' "$log" 2>/dev/null; do
		if ! kill -0 "$p" 2>/dev/null || [ "$SECONDS" -ge "$end" ]; then
			kill "$p" 2>/dev/null
			wait "$p" 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
	t1=$EPOCHREALTIME
	wait "$p"
	up=$(sed -n 's/.*HVTEST init: .* uptime \([0-9.]*\).*/\1/p' "$log" | tr -d '\r')
	printf '%.1f %s\n' "$(bc <<<"$t1 - $t0")" "${up:-?}"
}

hvkvm() {
	measure "$1" "$worker" --kernel "$2" --initrd "$initrd" --cmdline "$cmd" \
		--memory 512 --vcpus 1 --console-log "$1"
}

qemu() {
	measure "$1" qemu-system-x86_64 -accel kvm -cpu host -m 512 -nographic \
		-nodefaults -no-reboot -serial "file:$1" \
		-kernel "$2" -initrd "$initrd" -append "$cmd"
}

# median of the lines on stdin, by the first field
median() { sort -n | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'; }

mkdir -p "$work" "$out"
build_initramfs -m button -m evdev -m hv_vmbus "$top/selftests/worker/guest-init" "$initrd"
rc=0
printf '# %-8s %-8s %8s %10s\n' vmm kernel "wall s" "uptime s"
for vmm in hvkvm qemu; do
	for k in bzImage vmlinux; do
		f=$bzimage
		[ "$k" = vmlinux ] && f=$vmlinux
		if [ "$k" = vmlinux ] && [ "$f" = "$bzimage" ]; then
			printf '# %-8s %-8s %8s %10s\n' "$vmm" "$k" - "(none made)"
			continue
		fi
		res=$(for ((i = 1; i <= BOOTS; i++)); do
			"$vmm" "$out/$vmm-$k-$i.log" "$f" ||
				echo "fail $vmm $k $i" >&2
		done 2>"$out/errors" | median)
		[ -s "$out/errors" ] && { rc=1; sed 's/^/# /' "$out/errors"; }
		read -r wall up <<<"${res:-- -}"
		printf '# %-8s %-8s %8s %10s\n' "$vmm" "$k" "$wall" "$up"
	done
done
exit $rc
