#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The synthetic SCSI controller (kmod/vsp_storage, hvkvm_storvsp) with a
# stock guest: Debian's kernel with its own hv_storvsc and sd, disks
# given with hvadm disk (LIO fileio backstores on image files). TAP:
#
#	tools/hvlab run selftests/storage/run.sh [TEST...]
#
# basic: a disk with a pattern the host wrote, and a read-only disk: the
#   guest sees both with their sizes and LIO's INQUIRY, reads the
#   pattern byte for byte, writes its own, which the host finds in the
#   image after power off; writes to the read-only disk fail in the
#   guest and leave its image as it was.
# hotplug: a disk added to a running guest appears in it, with I/O
#   counted by hvadm disk list; removed, it goes.
# unload: with every target gone, the module unloads (this script loads
#   it: the lab does not, yet).
# kill: the worker killed with kill -9 while the guest writes: every
#   write the guest flushed is on the image, the controller goes with the
#   VM, and the VM starts again with its disk.
# L1's kernel log stays clean throughout.
set -u
# shellcheck source=SCRIPTDIR/../lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh" || exit 1
top=${HVLAB_TOP:?run me through tools/hvlab}
here=$top/selftests/storage
export PATH=$top/tools/hvadm:$PATH
export HVKVM_WORKER=$top/tools/worker/hvkvm-worker
export HVKVM_RUN_DIR=/run/hvkvm-storage
gkver=${GUEST_KVER:-$KVER}
kernel=$(guest_kernel "$gkver")
work=/tmp/hvkvm-storage
initrd=$work/guest.cpio
T=${HVKVM_TEST_TIMEOUT:-300}
all_tests=(setup basic hotplug kill unload klog)
stor=${HVLAB_MODROOT:-$top}/kmod/vsp_storage/hvkvm_storvsp.ko
loaded_here=0

console_of() { echo "$HVKVM_RUN_DIR/$1/console.log"; }
klog() { dmesg | sed -n '/storage\/run.sh: start/,$p'; }
trouble() { klog | grep -E "$TROUBLE"; }
# The guest's HVTEST lines.
lines() { grep -ao 'HVTEST .*' "$(console_of "$1")" 2>/dev/null | tr -d '\r'; }
# The value after "HVTEST WORD " in VM's console.
said() { lines "$1" | sed -n "s/^HVTEST $2 //p" | tail -n1; }

# The guest's pattern (guest-init's), and md5 of sectors of an image.
pattern() {
	local i
	for ((i = 0; i < $1; i++)); do printf 'hvkvm-storvsp %09d\n' "$i"; done
}
sum_of() { dd if="$1" bs=512 skip="$2" count="$3" 2>/dev/null | md5sum | cut -d' ' -f1; }

diag() {
	diag_show "$1"
	echo "--- disks:"
	hvadm disk list "$1" 2>&1
	echo "--- console:"
	tail -n 40 "$(console_of "$1")" 2>/dev/null
	echo "--- host kernel:"
	klog | grep -E 'hvkvm|storvsp|TARGET' | tail -n 20
}

# The VM's disks and target, gone.
undisk() {
	local l
	for l in 0 1 2; do hvadm disk remove "$1" "$l" >/dev/null 2>&1; done
	rmdir "/sys/kernel/config/target/storvsp/$1/tpgt_0/acls/"* 2>/dev/null
	rmdir "/sys/kernel/config/target/storvsp/$1/tpgt_0" \
		"/sys/kernel/config/target/storvsp/$1" 2>/dev/null
}

cleanup() {
	down st1
	down st2
	down st3
	undisk st1
	undisk st2
	undisk st3
}
trap cleanup EXIT

test_setup() {
	local why=
	mkdir -p "$work"
	echo "storage/run.sh: start" >/dev/kmsg
	# LIO, then storvsp (the lab does not load it yet: tools/lab/modules)
	if [ ! -d /sys/module/hvkvm_storvsp ]; then
		modprobe -a target_core_mod target_core_file target_core_iblock ||
			why+="cannot load LIO; "
		out=$(insmod "$stor" 2>&1) && loaded_here=1 || why+="insmod $stor: $out; "
	fi
	mountpoint -q /sys/kernel/config ||
		mount -t configfs configfs /sys/kernel/config || why+="no configfs; "
	# LIO shows a fabric once its directory is made (hvadm does too)
	mkdir -p /sys/kernel/config/target/storvsp 2>/dev/null
	[ -d /sys/kernel/config/target/storvsp ] || why+="no storvsp fabric in configfs; "
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
	"$top/tools/lab/mkinitramfs" -k "$gkver" -m hv_vmbus -m hv_storvsc \
		-m sd_mod "$here/guest-init" "$initrd" >"$work/mkinitramfs.log" 2>&1 ||
		why+="mkinitramfs: $(tail -n 3 "$work/mkinitramfs.log"); "
	[ -z "$why" ] && ok "the fabric is there, the guest initramfs is built" ||
		{ not_ok "setup" "$why"; exit 1; }
}

test_basic() {
	local why= img=$work/st1.img ro=$work/st1-ro.img d ro_sum
	rm -f "$img" "$ro"
	truncate -s 64M "$img"
	pattern 256 | dd of="$img" bs=512 seek=100 conv=notrunc 2>/dev/null
	head -c 4M /dev/urandom >"$ro"
	ro_sum=$(md5sum <"$ro")
	hvadm disk add st1 "$img" || why+="disk add failed; "
	hvadm disk add st1 "$ro" lun 1 readonly || why+="read-only disk add failed; "
	vm_define st1 2 "hvtest=basic" || why+="define failed; "
	hvadm vm start st1 timeout "$T" || why+="start failed; "
	wait_line st1 '^HVTEST done' 600 || why+="the guest did not finish; "
	wait_state st1 off || why+="the guest did not power off; "
	d=$(lines st1 | grep '^HVTEST disk lun 0 ')
	[[ $d == *" sectors 131072 vendor LIO-ORG "*" ro 0" ]] ||
		why+="disk 0 as the guest sees it: '$d'; "
	d=$(lines st1 | grep '^HVTEST disk lun 1 ')
	[[ $d == *" sectors 8192 "*" ro 1" ]] || why+="disk 1 as the guest sees it: '$d'; "
	[ "$(said st1 read)" = "$(sum_of "$img" 100 8)" ] ||
		why+="the guest read $(said st1 read), the image has $(sum_of "$img" 100 8); "
	d=$(pattern 2048 | md5sum | cut -d' ' -f1)
	[ "$(said st1 wrote)" = "$d $((2048 * 24))" ] ||
		why+="the guest wrote '$(said st1 wrote)'; "
	[ "$(sum_of "$img" 2048 96)" = "$d" ] ||
		why+="the image does not hold what the guest wrote; "
	lines st1 | grep -q '^HVTEST ro write refused' ||
		why+="the read-only disk: $(lines st1 | grep 'ro write'); "
	[ "$(md5sum <"$ro")" = "$ro_sum" ] || why+="the read-only image changed; "
	[ "$(said st1 'ro read')" = "$(sum_of "$ro" 0 8)" ] ||
		why+="the read-only disk reads wrong; "
	[ -z "$why" ] && ok "a guest reads and writes its disk, the host finds its data; read-only holds" ||
		{ not_ok "basic I/O" "$why"; diag st1; }
	down st1
	undisk st1
}

test_hotplug() {
	local why= img=$work/st2.img img2=$work/st2-b.img
	rm -f "$img" "$img2"
	truncate -s 16M "$img"
	truncate -s 32M "$img2"
	hvadm disk add st2 "$img" || why+="disk add failed; "
	vm_define st2 2 "hvtest=hotplug" || why+="define failed; "
	hvadm vm start st2 timeout "$T" || why+="start failed; "
	wait_line st2 '^HVTEST disks: 1' 600 || why+="the guest did not see its disk; "
	hvadm disk add st2 "$img2" lun 2 || why+="hot add failed; "
	wait_line st2 '^HVTEST disks: 2' "$T" || why+="the guest did not see the new disk; "
	lines st2 | grep -q '^HVTEST disk lun 2 .* sectors 65536 ' ||
		why+="the new disk: $(lines st2 | grep 'disk lun 2'); "
	hvadm disk list st2 | grep -qE '^lun 0 .* requests [1-9]' ||
		why+="no requests counted: $(hvadm disk list st2); "
	hvadm disk remove st2 2 || why+="hot remove failed; "
	wait_until "$T" "$wait_poll" eval \
		'[ "$(lines st2 | grep "^HVTEST disks:" | tail -n1)" = "HVTEST disks: 1" ]' ||
		why+="the guest kept the removed disk; "
	[ -z "$why" ] && ok "a disk added to a running guest appears, removed it goes" ||
		{ not_ok "hot add and remove" "$why"; diag st2; }
	down st2
	undisk st2
}

# The pattern of round N of guest-init's "io" (64 KiB).
round_of() {
	local i
	if [ ! -s "$work/base" ]; then
		for ((i = 0; i < 4400; i++)); do printf 'line %09d\n' "$i"; done >"$work/base"
	fi
	{ printf 'round %06d\n' "$1"; cat "$work/base"; } | head -c 65536 |
		md5sum | cut -d' ' -f1
}

# The worker killed in the middle of the guest's writes: every round the
# guest flushed is on the image, nothing is left in flight, and the VM
# starts again with its disk.
test_kill() {
	local why= img=$work/st3.img last r bad=0 st
	rm -f "$img"
	truncate -s 64M "$img"
	hvadm disk add st3 "$img" || why+="disk add failed; "
	vm_define st3 2 "hvtest=io" || why+="define failed; "
	hvadm vm start st3 timeout "$T" || why+="start failed; "
	wait_line st3 '^HVTEST flushed 20' 600 || why+="the guest did not write; "
	pkill -9 -f "hvkvm-worker st3" || why+="no worker to kill; "
	wait_state st3 crashed || why+="the VM is not crashed: $(field st3 state); "
	last=$(said st3 flushed)
	for ((r = 0; r <= ${last:-0}; r++)); do
		[ "$(dd if="$img" bs=65536 skip="$r" count=1 2>/dev/null | md5sum | cut -d' ' -f1)" = "$(round_of "$r")" ] ||
			bad=$((bad + 1))
	done
	[ "$bad" = 0 ] || why+="$bad of the $((last + 1)) rounds flushed are not on the image; "
	wait_until "$T" "$wait_poll" eval \
		'[ -z "$(cat /sys/kernel/config/target/storvsp/st3/tpgt_0/lun_stats)" ]' ||
		why+="the controller outlived its VM: $(cat /sys/kernel/config/target/storvsp/st3/tpgt_0/lun_stats); "
	st=$(klog | grep -c 'st3: SCSI controller 0 offered')
	hvadm vm start st3 timeout "$T" || why+="restart failed; "
	wait_until "$T" "$wait_poll" eval \
		"[ \$(lines st3 | grep -c '^HVTEST ready') -ge 2 ]" ||
		why+="the restarted guest did not find its disk; "
	[ "$(klog | grep -c 'st3: SCSI controller 0 offered')" -gt "$st" ] ||
		why+="the controller was not offered again; "
	[ -z "$why" ] && ok "a worker killed in the middle of I/O: flushed data kept, the disk works again" ||
		{ not_ok "worker killed mid-I/O" "$why"; diag st3; }
	down st3
	undisk st3
}

# With no target left, the module unloads (when this script loaded it),
# and the fabric's directory goes first: LIO holds the module meanwhile.
test_unload() {
	local why= out
	if [ "$loaded_here" != 1 ]; then
		skip "unload" "hvkvm_storvsp was loaded before this script"
		return
	fi
	rmdir /sys/kernel/config/target/storvsp 2>/dev/null
	out=$(rmmod hvkvm_storvsp 2>&1) || why+="rmmod: $out; "
	[ -d /sys/module/hvkvm_storvsp ] && why+="still loaded; "
	[ -z "$why" ] && ok "with its targets gone, hvkvm_storvsp unloads" ||
		not_ok "unload" "$why$(ls /sys/kernel/config/target/storvsp 2>&1)"
}

test_klog() {
	local t
	t=$(trouble)
	[ -n "${HVLAB_OUT:-}" ] && klog >"$HVLAB_OUT/storage-klog.txt"
	[ -z "$t" ] && ok "L1's kernel log is clean" || not_ok "kernel log" "$t"
}

run_tests "$@"
[ "$failed" = 0 ]
