#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# hvadm disk against a fake LIO configfs tree (HVKVM_CONFIGFS), in which
# this script plays the kernel: it makes beforehand what the kernel would
# make (storvsp/, core/fileio_0, core/iblock_0, each VM's tpgt_0 with its
# nexus, enable, rescan, lun_stats, lun/ and acls/), and afterwards what
# LIO would show (a backstore's info and serial). hvadm creates the
# attribute files it writes there, appending to them: each file is the
# list of the values written, one a line. hvadm must never run modprobe
# on such a tree.
set -u
. "$(dirname "$0")/lib.sh"

TR=$(realpath "$T")
R=$TR/target			# ROOT
INIT=naa.50014050a1b2c3d4	# tpgt_0/nexus
export HVKVM_CONFIGFS=$R
mkdir "$T/bin"
cat >"$T/bin/modprobe" <<EOF
#!/bin/sh
echo "modprobe \$*" >>"$T/modprobe.log"
exit 1
EOF
chmod +x "$T/bin/modprobe"
export PATH=$T/bin:$PATH

UUID_RE='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'

# vm_tree VM: what the kernel makes with ROOT/storvsp/VM/tpgt_0
vm_tree() {
	local tpg=$R/storvsp/$1/tpgt_0

	mkdir -p "$tpg/lun" "$tpg/acls"
	echo "$INIT" >"$tpg/nexus"
	echo 0 >"$tpg/enable"
	: >"$tpg/rescan"
	: >"$tpg/lun_stats"
}

setup() {
	rm -rf "$R" "$T/modprobe.log" "$TR"/*.img "$TR/dir"
	mkdir -p "$R/core/fileio_0" "$R/core/iblock_0" "$R/core/alua" "$R/storvsp"
	vm_tree web1
	vm_tree web2
}

# img NAME [SIZE]: a disk image, 1M by default
img() {
	truncate -s "${2:-1M}" "$TR/$1"
}

# esc STRING: STRING as an extended regular expression that matches it
esc() {
	printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'
}

# kernel_info VM LUN: what LIO shows of a fileio backstore, made from what
# hvadm wrote (as fd_show_configfs_dev_params and vpd_unit_serial_show)
kernel_info() {
	local bs=$R/core/fileio_0/hvkvm.$1.l$2 ctl name size serial

	ctl=$(head -1 "$bs/control")
	name=${ctl#fd_dev_name=}
	name=${name%,fd_dev_size=*}
	size=${ctl##*,fd_dev_size=}
	printf 'Status: ACTIVATED  Max Queue Depth: 128  SectorSize: 512  HwMaxSectors: 16384\n        TCM FILEIO ID: %s        File: %s  Size: %s  Mode: O_DSYNC Async: 1\n' \
		"$2" "$name" "$size" >"$bs/info"
	serial=$(cat "$bs/wwn/vpd_unit_serial")
	echo "T10 VPD Unit Serial Number: $serial" >"$bs/wwn/vpd_unit_serial"
}

no_modprobe() {
	[ ! -e "$T/modprobe.log" ] || fail "modprobe ran: $(cat "$T/modprobe.log")"
}

# tree: every path under ROOT, with its link's target or its content
tree() {
	(cd "$R" && find . | sort | while read -r f; do
		if [ -L "$f" ]; then
			echo "$f -> $(readlink "$f")"
		elif [ -f "$f" ]; then
			echo "$f: $(tr '\n' '|' <"$f")"
		else
			echo "$f"
		fi
	done)
}

# Whether O_DIRECT works on the file system of $T (hvadm then asks for
# fd_async_io).
direct_io() {
	dd if="$TR/$1" of=/dev/null bs=512 count=1 iflag=direct 2>/dev/null
}

test_add_file() {
	local bs=$R/core/fileio_0/hvkvm.web1.l0 tpg=$R/storvsp/web1/tpgt_0 ctl

	img a.img 1M
	ok disk add web1 "$TR/a.img"
	[ ! -s "$T/out" ] || fail "text add printed: $(cat "$T/out")"
	[ -d "$bs" ] || fail "no backstore $bs"
	ctl="fd_dev_name=$TR/a.img,fd_dev_size=1048576"
	if direct_io a.img; then
		ctl="$ctl
fd_async_io=1"
	fi
	same "$bs/control" "$ctl"
	grep -Eqx "$UUID_RE" "$bs/wwn/vpd_unit_serial" ||
		fail "serial: $(cat "$bs/wwn/vpd_unit_serial")"
	same "$bs/enable" 1
	same "$bs/attrib/emulate_tpu" 1
	[ "$(readlink "$tpg/lun/lun_0/disk")" = "$bs" ] ||
		fail "lun_0/disk -> $(readlink "$tpg/lun/lun_0/disk")"
	[ "$(readlink "$tpg/acls/$INIT/lun_0/disk")" = "$tpg/lun/lun_0" ] ||
		fail "ACL's lun_0/disk -> $(readlink "$tpg/acls/$INIT/lun_0/disk")"
	[ ! -e "$tpg/acls/$INIT/lun_0/write_protect" ] ||
		fail "write_protect written for a read-write disk"
	same "$tpg/enable" "0
1"
	same "$tpg/rescan" 1
	[ ! -e "$R/core/iblock_0/hvkvm.web1.l0" ] || fail "an iblock backstore too"
	# a relative path is stored absolute; a second disk finds tpgt_0 enabled
	img b.img 4K
	(cd "$TR" && "$HVADM" disk add web1 ./b.img lun 1) ||
		fail "add of a relative path failed"
	same "$R/core/fileio_0/hvkvm.web1.l1/control" \
		"fd_dev_name=$TR/b.img,fd_dev_size=4096$(direct_io b.img && printf '\nfd_async_io=1')"
	same "$tpg/enable" "0
1"
	same "$tpg/rescan" "1
1"
	no_modprobe
}

test_add_enabled_controller() {
	local tpg=$R/storvsp/web1/tpgt_0

	# a controller enabled already: enable is not written again
	echo 1 >"$tpg/enable"
	img a.img
	ok disk add web1 "$TR/a.img" lun 7
	same "$tpg/enable" 1
	same "$tpg/rescan" 1
	no_modprobe
}

test_add_readonly() {
	local tpg=$R/storvsp/web1/tpgt_0

	img a.img
	ok -j disk add web1 "$TR/a.img" lun 5 readonly
	jq -e --arg p "$TR/a.img" '.lun == 5 and .readonly == true and
		.type == "file" and .path == $p and .size == 1048576 and
		(.serial | test("^[0-9a-f-]{36}$"))' "$T/out" >/dev/null ||
		fail "json: $(cat "$T/out")"
	same "$tpg/acls/$INIT/lun_5/write_protect" 1
	[ "$(readlink "$tpg/acls/$INIT/lun_5/disk")" = "$tpg/lun/lun_5" ] ||
		fail "ACL's lun_5/disk -> $(readlink "$tpg/acls/$INIT/lun_5/disk")"
	ko '"readonly" given twice' disk add web1 "$TR/a.img" readonly readonly
}

test_lun_in_use() {
	img a.img
	img b.img
	ok disk add web1 "$TR/a.img" lun 3
	kernel_info web1 3
	before=$(tree)
	ko "LUN 3 of web1 is in use by $(esc "$TR/a.img")" disk add web1 "$TR/b.img" lun 3
	[ "$(tree)" = "$before" ] || fail "the refused add changed the tree"
	# without LIO's info, the LUN is in use all the same
	rm "$R/core/fileio_0/hvkvm.web1.l3/info"
	ko "LUN 3 of web1 is in use" disk add web1 "$TR/b.img" lun 3
	# what a remove that failed halfway left takes its LUN too
	mkdir "$R/core/fileio_0/hvkvm.web1.l9"
	ko 'LUN 9 of web1 is taken by a disk half removed: try "hvadm disk remove web1 9"' \
		disk add web1 "$TR/b.img" lun 9
	mkdir -p "$R/storvsp/web1/tpgt_0/acls/$INIT/lun_10"
	ko 'LUN 10 of web1 is taken by a disk half removed: try "hvadm disk remove web1 10"' \
		disk add web1 "$TR/b.img" lun 10
}

test_bad_paths() {
	img empty.img 0
	img odd.img 1000
	mkdir "$TR/dir"
	ko "$(esc "$TR/nope.img"): No such file or directory" disk add web1 "$TR/nope.img"
	ko "$(esc "$TR/dir") is neither a regular file nor a block device" disk add web1 "$TR/dir"
	ko '/dev/null is neither a regular file nor a block device' disk add web1 /dev/null
	ko "$(esc "$TR/empty.img"): its size, 0 bytes, is not a positive multiple of 512" \
		disk add web1 "$TR/empty.img"
	ko "$(esc "$TR/odd.img"): its size, 1000 bytes, is not a positive multiple of 512" \
		disk add web1 "$TR/odd.img"
	ko 'empty path' disk add web1 ""
	img "a,b.img"
	ko "$(esc "$TR/a,b.img"): LIO cannot take a path with a comma or a newline" \
		disk add web1 "$TR/a,b.img"
	ko 'missing PATH, try "hvadm disk help"' disk add web1
	[ -z "$(ls "$R/core/fileio_0")" ] || fail "a backstore was made"
}

test_lun_range() {
	local v

	img a.img
	for v in 64 -1 x 1x "" 4294967296 " 1"; do
		ko "invalid LUN \"$v\" \\(0 to 63\\)" disk add web1 "$TR/a.img" lun "$v"
		ko "invalid LUN \"$v\" \\(0 to 63\\)" disk remove web1 "$v"
	done
	ko 'missing value for "lun"' disk add web1 "$TR/a.img" lun
	ko '"lun" given twice' disk add web1 "$TR/a.img" lun 1 lun 2
	ok disk add web1 "$TR/a.img" lun 63
	[ -d "$R/storvsp/web1/tpgt_0/lun/lun_63" ] || fail "no lun_63"
}

test_lowest_free_lun() {
	local f n

	for f in a b c d e; do img $f.img; done
	ok disk add web1 "$TR/a.img" lun 0
	ok disk add web1 "$TR/b.img" lun 2
	ok -j disk add web1 "$TR/c.img"
	jq -e '.lun == 1' "$T/out" >/dev/null || fail "c: $(cat "$T/out")"
	# a half-removed disk's LUN is not free
	mkdir "$R/core/iblock_0/hvkvm.web1.l3"
	ok -j disk add web1 "$TR/d.img"
	jq -e '.lun == 4' "$T/out" >/dev/null || fail "d: $(cat "$T/out")"
	# another VM's LUNs are its own
	ok -j disk add web2 "$TR/e.img"
	jq -e '.lun == 0' "$T/out" >/dev/null || fail "e: $(cat "$T/out")"
	# all taken
	for n in $(seq 5 63); do mkdir "$R/storvsp/web1/tpgt_0/lun/lun_$n"; done
	img f.img
	ko 'web1 has no free LUN \(0 to 63 are taken\)' disk add web1 "$TR/f.img"
}

test_path_used_twice() {
	img a.img
	ok disk add web1 "$TR/a.img"
	kernel_info web1 0
	ko "$(esc "$TR/a.img") is already LUN 0 of web1" disk add web2 "$TR/a.img"
	ko "$(esc "$TR/a.img") is already LUN 0 of web1" disk add web1 "$TR/a.img" lun 1
	# the same file by another name
	ln -s a.img "$TR/link.img"
	ko "$(esc "$TR/a.img") is already LUN 0 of web1" disk add web2 "$TR/link.img"
	ln "$TR/a.img" "$TR/hard.img"
	ko "$(esc "$TR/hard.img") is already LUN 0 of web1" disk add web2 "$TR/hard.img"
	rm -f "$TR/link.img" "$TR/hard.img"
	# once removed, it can be used again
	ok disk remove web1 0
	ok disk add web2 "$TR/a.img"
}

test_list() {
	local s0 s5 tpg=$R/storvsp/web1/tpgt_0

	img "my disk.img" 1G
	img b.img 8K
	ok disk add web1 "$TR/my disk.img"
	ok disk add web1 "$TR/b.img" lun 5 readonly
	kernel_info web1 0
	kernel_info web1 5
	s0=$(sed 's/^T10 VPD Unit Serial Number: //' "$R/core/fileio_0/hvkvm.web1.l0/wwn/vpd_unit_serial")
	s5=$(sed 's/^T10 VPD Unit Serial Number: //' "$R/core/fileio_0/hvkvm.web1.l5/wwn/vpd_unit_serial")
	printf '0 10 40960 0 0\n5 7 3584 2 1\n' >"$tpg/lun_stats"
	ok disk list web1
	same "$T/out" "lun 0 file $TR/my disk.img 1073741824 bytes rw serial $s0 requests 10 bytes 40960 errors 0 inflight 0
lun 5 file $TR/b.img 8192 bytes ro serial $s5 requests 7 bytes 3584 errors 2 inflight 1"
	ok disk show web1
	[ "$(wc -l <"$T/out")" = 2 ] || fail "show: $(cat "$T/out")"
	ok -j disk list web1
	jq -e --arg p "$TR/my disk.img" --arg s "$s0" \
		'length == 2 and .[0] == {"lun":0,"type":"file","path":$p,
		"size":1073741824,"readonly":false,"serial":$s,"requests":10,
		"bytes":40960,"errors":0,"inflight":0}' "$T/out" >/dev/null ||
		fail "json: $(cat "$T/out")"
	jq -e '.[1] | .lun == 5 and .readonly and .size == 8192 and
		.requests == 7 and .bytes == 3584 and .errors == 2 and .inflight == 1' \
		"$T/out" >/dev/null || fail "json: $(cat "$T/out")"
	ok -p disk list web1
	jq -e 'length == 2' "$T/out" >/dev/null || fail "pretty: $(cat "$T/out")"
	# LUNs in number order, not the directory's
	img c.img
	ok disk add web1 "$TR/c.img" lun 12
	ok -j disk list web1
	jq -e '[.[].lun] == [0, 5, 12]' "$T/out" >/dev/null || fail "order: $(cat "$T/out")"
	# no info yet (or no more): what is known is printed
	jq -e '.[2] | .type == "file" and (has("path") | not) and
		(.serial | test("^[0-9a-f-]{36}$"))' "$T/out" >/dev/null ||
		fail "lun 12: $(cat "$T/out")"
	# a VM without disks, or no VM at all
	ok disk list web2
	[ ! -s "$T/out" ] || fail "web2: $(cat "$T/out")"
	ok -j disk list nosuchvm
	same "$T/out" "[]"
	no_modprobe
}

test_counters() {
	local tpg=$R/storvsp/web1/tpgt_0

	img a.img
	img b.img
	ok disk add web1 "$TR/a.img"
	ok disk add web1 "$TR/b.img" lun 2
	# not running: lun_stats empty, or absent
	ok -j disk list web1
	jq -e 'all(.[]; .requests == 0 and .bytes == 0 and .errors == 0 and
		.inflight == 0)' "$T/out" >/dev/null || fail "empty: $(cat "$T/out")"
	rm "$tpg/lun_stats"
	ok -j disk list web1
	jq -e 'all(.[]; .requests == 0)' "$T/out" >/dev/null || fail "absent: $(cat "$T/out")"
	# only LUN 2 had requests; a line of another LUN and junk are ignored
	printf '2 18446744073709551615 123456789012 3 0\n7 1 1 1 1\ngarbage\n' >"$tpg/lun_stats"
	ok -j disk list web1
	jq -e '.[0].requests == 0 and .[1].requests == 18446744073709551615 and
		.[1].bytes == 123456789012 and .[1].errors == 3' "$T/out" >/dev/null ||
		fail "stats: $(cat "$T/out")"
	ok disk list web1
	grep -q '^lun 2 .* requests 18446744073709551615 bytes 123456789012 errors 3 inflight 0$' \
		"$T/out" || fail "text: $(cat "$T/out")"
}

test_remove() {
	local tpg=$R/storvsp/web1/tpgt_0 bs=$R/core/fileio_0/hvkvm.web1.l0

	img a.img
	img b.img
	ok disk add web1 "$TR/a.img"
	ok disk add web1 "$TR/b.img" lun 1 readonly
	: >"$tpg/rescan"
	ok disk remove web1 0
	[ ! -e "$tpg/acls/$INIT/lun_0" ] || fail "ACL mapping left"
	[ ! -e "$tpg/lun/lun_0" ] || fail "LUN left"
	[ ! -e "$bs" ] || fail "backstore left"
	same "$tpg/rescan" 1
	# the other disk, the target, the controller and the ACL stay
	[ -L "$tpg/acls/$INIT/lun_1/disk" ] || fail "LUN 1's mapping went too"
	[ -L "$tpg/lun/lun_1/disk" ] || fail "LUN 1 went too"
	[ -d "$R/core/fileio_0/hvkvm.web1.l1" ] || fail "LUN 1's backstore went too"
	ok disk remove web1 lun 1
	[ -d "$tpg/acls/$INIT" ] || fail "the ACL went"
	[ -z "$(ls "$tpg/lun")" ] || fail "lun/: $(ls "$tpg/lun")"
	[ -z "$(ls "$R/core/fileio_0")" ] || fail "fileio_0: $(ls "$R/core/fileio_0")"
	# a second remove: there is nothing left to remove
	ko 'web1 has no disk at LUN 0' disk remove web1 0
	ko 'web1 has no disk at LUN 0' disk remove web1 lun 0
	ko 'nosuchvm has no disk at LUN 0' disk remove nosuchvm 0
	# a LUN made again after a remove
	ok -j disk add web1 "$TR/a.img"
	jq -e '.lun == 0' "$T/out" >/dev/null || fail "re-add: $(cat "$T/out")"
	no_modprobe
}

test_remove_finishes_a_half_remove() {
	local tpg=$R/storvsp/web1/tpgt_0 bs=$R/core/fileio_0/hvkvm.web1.l0

	img a.img
	ok disk add web1 "$TR/a.img"
	# the kernel refuses to remove the backstore (a link in it, for the
	# fake: configfs refuses as well)
	ln -s /nowhere "$bs/pin"
	ko "cannot remove $(esc "$bs"): Directory not empty" disk remove web1 0
	# what was undone stays undone
	[ ! -e "$tpg/acls/$INIT/lun_0" ] || fail "the mapping is left"
	[ ! -e "$tpg/lun/lun_0" ] || fail "the LUN is left"
	[ -d "$bs" ] || fail "the backstore went"
	ko 'LUN 0 of web1 is taken by a disk half removed: try "hvadm disk remove web1 0"' \
		disk add web1 "$TR/a.img" lun 0
	rm "$bs/pin"
	ok disk remove web1 0
	[ ! -e "$bs" ] || fail "the backstore is left"
	# an ACL mapping alone
	ok disk add web1 "$TR/a.img"
	rm -r "$tpg/lun/lun_0" "$bs"
	ok disk remove web1 0
	[ ! -e "$tpg/acls/$INIT/lun_0" ] || fail "the mapping is left"
	# a LUN whose link is gone
	ok disk add web1 "$TR/a.img"
	rm "$tpg/acls/$INIT/lun_0/disk" "$tpg/lun/lun_0/disk"
	ok disk remove web1 0
	[ -z "$(find "$tpg/lun" "$tpg/acls/$INIT" "$R/core/fileio_0" -mindepth 1)" ] ||
		fail "left: $(tree)"
}

test_add_undone_on_failure() {
	local before

	img a.img
	# no nexus: the controller was not made by the kernel
	mkdir -p "$R/storvsp/web3"
	before=$(tree)
	ko "cannot read the controller's initiator from $(esc "$R/storvsp/web3/tpgt_0/nexus"): No such file or directory" \
		disk add web3 "$TR/a.img"
	[ "$(tree)" = "$before" ] || fail "left: $(diff <(echo "$before") <(tree))"
	# the ACL cannot be made
	touch "$R/storvsp/web1/tpgt_0/acls/$INIT"
	before=$(tree)
	ko "cannot create $(esc "$R/storvsp/web1/tpgt_0/acls/$INIT"): File exists" \
		disk add web1 "$TR/a.img" readonly
	[ "$(tree)" = "$before" ] || fail "left: $(diff <(echo "$before") <(tree))"
	rm "$R/storvsp/web1/tpgt_0/acls/$INIT"
	# the backstores' HBA is made when missing, and unmade on failure
	rm -r "$R/core/fileio_0" "$R/storvsp/web1/tpgt_0/lun"
	touch "$R/storvsp/web1/tpgt_0/lun"
	before=$(tree)
	ko "cannot create $(esc "$R/storvsp/web1/tpgt_0/lun/lun_0"): Not a directory" \
		disk add web1 "$TR/a.img"
	[ "$(tree)" = "$before" ] || fail "left: $(diff <(echo "$before") <(tree))"
	[ ! -e "$R/core/fileio_0" ] || fail "fileio_0 left"
	no_modprobe
}

test_block_device() {
	local dev bs=$R/core/iblock_0/hvkvm.web1.l0 size ma mi

	dev=$(find /dev -maxdepth 1 -type b | sort | head -1)
	[ -n "$dev" ] || { skip "no block device in /dev"; return; }
	ok disk add web1 "$dev"
	same "$bs/control" "udev_path=$dev"
	same "$bs/udev_path" "$dev"
	same "$bs/enable" 1
	grep -Eqx "$UUID_RE" "$bs/wwn/vpd_unit_serial" || fail "serial"
	[ "$(readlink "$R/storvsp/web1/tpgt_0/lun/lun_0/disk")" = "$bs" ] || fail "lun link"
	[ ! -e "$R/core/fileio_0/hvkvm.web1.l0" ] || fail "a fileio backstore too"
	ko "$(esc "$dev") is already LUN 0 of web1" disk add web2 "$dev"
	ok -j disk list web1
	jq -e --arg d "$dev" '.[0] | .type == "block" and .path == $d and
		.readonly == false' "$T/out" >/dev/null || fail "list: $(cat "$T/out")"
	IFS=: read -r ma mi <<<"$(stat -c '%t:%T' "$dev")"
	size=$(cat "/sys/dev/block/$((16#$ma)):$((16#$mi))/size" 2>/dev/null)
	if [ -n "$size" ]; then
		jq -e --argjson s "$((size * 512))" '.[0].size == $s' "$T/out" >/dev/null ||
			fail "size $((size * 512)): $(cat "$T/out")"
	fi
	ok disk remove web1 0
	[ ! -e "$bs" ] || fail "backstore left"
	ok disk add web2 "$dev" readonly lun 2
	same "$R/core/iblock_0/hvkvm.web2.l2/control" "udev_path=$dev,readonly=1"
	same "$R/storvsp/web2/tpgt_0/acls/$INIT/lun_2/write_protect" 1
	no_modprobe
}

test_arguments() {
	ko 'missing command, try "hvadm disk help"' disk
	ko 'unknown command "attach" for disk, try "hvadm disk help"' disk attach web1
	ko 'missing VM, try "hvadm disk help"' disk add
	ko 'missing VM, try "hvadm disk help"' disk list
	ko 'missing VM, try "hvadm disk help"' disk remove
	ko 'missing LUN, try "hvadm disk help"' disk remove web1
	ko 'missing LUN, try "hvadm disk help"' disk remove web1 lun
	ko 'invalid VM name "-web" .*' disk add -web /x
	ko 'invalid VM name "a b" .*' disk list "a b"
	ko 'invalid VM name "a234567890123456789012345678901b" .*' \
		disk remove a234567890123456789012345678901b 0
	ko 'invalid VM name "" .*' disk list ""
	img a.img
	ko 'unexpected argument "rw", try "hvadm disk help"' disk add web1 "$TR/a.img" rw
	ko 'unexpected argument "x", try "hvadm disk help"' disk list web1 x
	ko 'unexpected argument "x", try "hvadm disk help"' disk remove web1 0 x
	ok disk help
	grep -q '^Usage: hvadm \[ -j \] disk { list | show } VM' "$T/out" || fail "help: $(cat "$T/out")"
	ok disk add help
	grep -q '^Usage: hvadm' "$T/out" || fail "add help"
	ok help
	grep -q 'OBJECT := { vm | disk | monitor | help }' "$T/out" || fail "hvadm help"
	grep -q '^  disk ' "$T/out" || fail "hvadm help lacks disk"
}

test_module_not_loaded() {
	rm -r "$R/storvsp"
	ko "hvkvm_storvsp is not loaded \\(no $(esc "$R/storvsp")\\)" disk list web1
	img a.img
	ko "hvkvm_storvsp is not loaded \\(no $(esc "$R/storvsp")\\)" disk add web1 "$TR/a.img"
	ko "hvkvm_storvsp is not loaded \\(no $(esc "$R/storvsp")\\)" disk remove web1 0
	rm -r "$R/core"
	ko "target_core_mod is not loaded \\(no $(esc "$R/core")\\)" disk list web1
	no_modprobe
}

test_valgrind() {
	command -v valgrind >/dev/null || { skip "no valgrind"; return; }
	local args

	img a.img
	img b.img
	while IFS= read -r args; do
		# shellcheck disable=SC2086
		valgrind -q --leak-check=full --show-leak-kinds=all \
			--errors-for-leak-kinds=all --error-exitcode=99 \
			"$HVADM" $args >/dev/null 2>"$T/vg"
		[ $? -ne 99 ] || fail "valgrind hvadm $args: $(cat "$T/vg")"
	done <<-EOF
		disk add web1 $TR/a.img
		-j disk add web1 $TR/b.img lun 4 readonly
		disk add web1 $TR/b.img lun 4
		disk add web2 $TR/a.img
		disk add web1 $TR/nope
		disk add web1 $TR/a.img lun 99
		-j disk list web1
		disk list web1
		disk remove web1 4
		disk remove web1 4
		disk add web3 $TR/b.img
		disk help
	EOF
}

tap_run
