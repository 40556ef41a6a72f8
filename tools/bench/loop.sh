#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The loopback device's packet rates, in the lab (make bench):
#
#	tools/hvlab run tools/bench/loop.sh
#
# A stock guest (Debian's kernel, its own hv_vmbus, 2 vCPUs) runs
# guest/loopback's scenario "bench" against the host's test VSP
# (hvkvm_vsp_loop, loaded here with max_pkt=65600 and unloaded at the
# end): for each packet size and channel count, a guest-to-host stream
# (g2h: SINK packets the host consumes without answering) and round
# trips (rt: one ECHO at a time per channel), BENCH_MS each. Before and
# after each case the guest waits at the VSP's gate; meanwhile this
# script reads the host's counters, so each case is counted from a guest
# that is idle at both ends. The environment may set
#
#	BENCH_MS	each case's time (3000)
#	BENCH_SIZES	packet sizes, bytes after the descriptor (64,1500,65536)
#	BENCH_CHANS	1 (the primary) and/or 2 to 4 sub-channels (1,4)
#	BENCH_RING_KB	every ring, each way (512)
#
# It prints one table (see Documentation/vmbus.rst, "Benchmarks") and
# keeps the raw numbers in $HVLAB_OUT/bench-loop.txt. Its exit status says
# whether every case ran, never anything about the numbers.
set -u
# shellcheck source=SCRIPTDIR/../../selftests/lib/lab.sh
. "$(dirname "$0")/../../selftests/lib/lab.sh" || exit 1
top=${HVLAB_TOP:?run me through tools/hvlab}
export PATH=$top/tools/hvadm:$PATH
export HVKVM_WORKER=$top/tools/worker/hvkvm-worker
export HVKVM_RUN_DIR=/run/hvkvm-bench
gkver=${GUEST_KVER:-$KVER}
kernel=$(guest_kernel "$gkver")
work=/tmp/hvkvm-bench
initrd=$work/guest.cpio
gko=$top/guest/loopback/hvkvm_loop.ko
vsp=${HVLAB_MODROOT:-$top}/selftests/kmod/vsp_loop/hvkvm_vsp_loop.ko
param=/sys/module/hvkvm_vsp_loop/parameters
MS=${BENCH_MS:-3000}
SIZES=${BENCH_SIZES:-64,1500,65536}
CHANS=${BENCH_CHANS:-1,4}
RING_KB=${BENCH_RING_KB:-512}
MAX_PKT=65600		# HVLOOP_BENCH_MAX_PKT
VM=bench
T=${HVKVM_TEST_TIMEOUT:-300}
# A case's time limit: its run, its gates, under emulation.
CASE_T=$((MS / 1000 + 180))
# The worker reports its exit counters to VID once a second.
SETTLE=1.5
wait_poll=0.1
raw=${HVLAB_OUT:-$work}/bench-loop.txt

console_of() { echo "$HVKVM_RUN_DIR/$1/console.log"; }
# The guest module's benchmark lines of this run.
lines() {
	log_after "$(console_of "$VM")" "$place" | grep -ao 'HVBENCH loop .*' |
		tr -d '\r'
}
# result IDX: the IDX-th case's line (every case prints one, ok or FAIL).
result() { lines | grep '^HVBENCH loop dir=' | sed -n "${1}p"; }
has_result() { [ -n "$(result "$1")" ]; }
# case_line IDX: the line the guest prints before the case, if logged yet.
case_line() { lines | grep -m1 "^HVBENCH loop case $1 "; }
# shellcheck disable=SC2317 # called through wait_until
has_case() { [ -n "$(case_line "$1")" ]; }
# The guest gave up: its scenario ended, or failed before the cases.
guest_done() {
	log_after "$(console_of "$VM")" "$place" |
		grep -aqE 'HVBENCH loop end|HVTEST loop (bench|setup) FAIL|HVTEST loop done'
}
# shellcheck disable=SC2317 # called through wait_until
# gate_held IDX PHASE: the guest waits at that gate; or it gave up.
gate_held() { grep -q "^$VM $1 $2\$" "$param/gate" || has_result "$1" || guest_done; }

# shellcheck disable=SC2317 # the trap's
cleanup() {
	down "$VM"
	[ -d /sys/module/hvkvm_vsp_loop ] && rmmod hvkvm_vsp_loop 2>/dev/null
}
trap cleanup EXIT

# ---- counters ---------------------------------------------------------------

# KVM's own counters of the VM (debugfs, summed over its vCPUs): every
# exit, Hyper-V hypercalls handled in the kernel (the guest's signals),
# HLT exits and interrupts injected. "- - - -" without debugfs.
kvm_counts() {
	local pid d e=0 h=0 l=0 i=0 found=
	pid=$(hvadm -j vm show "$VM" | jq -r '.[0].worker_pid // empty')
	for d in /sys/kernel/debug/kvm/"$pid"-*; do
		if [ -z "$pid" ] || [ ! -r "$d/exits" ]; then
			continue
		fi
		found=1
		e=$((e + $(cat "$d/exits")))
		h=$((h + $(cat "$d/hypercalls")))
		l=$((l + $(cat "$d/halt_exits")))
		i=$((i + $(cat "$d/irq_injections")))
	done
	if [ -n "$found" ]; then echo "$e $h $l $i"; else echo "- - - -"; fi
}

# What VID and VMBus report: the worker's exits (all, and KVM_EXIT_HYPERV),
# the signals that came through the worker, and for the primary (SUBS
# false) or the sub-channels (true): the guest's doorbells, the host's
# interrupts, packets in and out.
host_counts() {
	hvadm -j vm show "$VM" | jq -r --argjson subs "$1" '.[0] as $v |
		[$v.vmbus.channels[]? | select(.class == "loopback" and
			(if $subs then .sub_index > 0 else .sub_index == 0 end))] as $c |
		[([$v.vcpus_stats[]?.exits | to_entries[].value] | add // 0),
		 ([$v.vcpus_stats[]?.exits.hyperv] | add // 0),
		 ($v.slow_signals // 0),
		 ([$c[].signals_in] | add // 0), ([$c[].signals_out] | add // 0),
		 ([$c[].packets_in] | add // 0), ([$c[].packets_out] | add // 0)] |
		@tsv'
}

# snapshot SUBS: KVM's counters at once (the guest is idle at a gate),
# the worker's after its next report.
snapshot() {
	local k
	k=$(kvm_counts)
	sleep "$SETTLE"
	echo "$k $(host_counts "$1")"
}

# ---- setup ------------------------------------------------------------------

mkdir -p "$work"
why=
[ -f "$gko" ] || why+="$gko is not built; "
[ -f "$vsp" ] || why+="$vsp is not built; "
v=$(modinfo -F vermagic "$gko" 2>/dev/null)
[ "${v%% *}" = "$gkver" ] || why+="the guest module is built for ${v%% *}, the guest runs $gkver; "
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
"$top/tools/lab/mkinitramfs" -k "$gkver" -m hv_vmbus -f "$gko:/lib/hvkvm_loop.ko" \
	"$top/selftests/vmbus/loopback-init" "$initrd" >"$work/mkinitramfs.log" 2>&1 ||
	why+="mkinitramfs: $(tail -n 3 "$work/mkinitramfs.log"); "
[ -z "$why" ] && { out=$(insmod "$vsp" max_pkt=$MAX_PKT 2>&1) || why+="insmod: $out; "; }
args="hvloop=bench hvloop.bench_ms=$MS hvloop.bench_sizes=$SIZES"
args+=" hvloop.bench_chans=$CHANS hvloop.ring_kb=$RING_KB hvloop.sub_ring_kb=$RING_KB"
if [ -z "$why" ]; then
	vm_define "$VM" 2 "$args" || why+="define failed; "
fi
place=$(console_size "$VM")
[ -z "$why" ] && { hvadm vm start "$VM" timeout "$T" || why+="start failed; "; }
[ -z "$why" ] && { wait_line_after "$VM" "$place" '^HVTEST loop waiting' ||
	why+="the guest did not get to the module; "; }
[ -z "$why" ] && { echo "$VM" >"$param/add" || why+="adding the device failed; "; }
[ -z "$why" ] && { wait_line_after "$VM" "$place" 'HVBENCH loop begin|HVTEST loop (bench|setup) FAIL' ||
	why+="the benchmark did not begin; "; }
begin=$(lines | grep -m1 '^HVBENCH loop begin')
ncases=$(sed -n 's/.* cases=\([0-9]*\).*/\1/p' <<<"$begin")
[ -n "$ncases" ] || why+="$(lines | tail -n 3; log_after "$(console_of "$VM")" "$place" | grep -a 'HVTEST loop' | tail -n 3); "
if [ -n "$why" ]; then
	echo "loop.sh: cannot run: $why" >&2
	diag_show "$VM" >&2
	exit 1
fi

# ---- the cases --------------------------------------------------------------

echo "# ==== loop.sh: the loopback device, $gkver guest with 2 vCPUs, L1 $KVER"
echo "# $begin"
{
	echo "# $(date -u +%FT%TZ) $begin"
	echo "# each case: the guest's line, then the host's counters before and after it:"
	echo "#   KVM's exits, hypercalls, halt_exits, irq_injections (- without debugfs);"
	echo "#   the worker's exits, hyperv exits; VID's slow_signals; the case's channels'"
	echo "#   doorbells (signals_in), interrupts (signals_out), packets in, packets out"
} >"$raw"
hdr='%-14s %10s %9s %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n'
# shellcheck disable=SC2059 # the format is the table's
printf "$hdr" case pkts/s MB/s exits hcalls uexits hvexit g.irqs c.irqs g.sigs dbells h.irqs full
# shellcheck disable=SC2059
printf "$hdr" "" "" "" /pkt /pkt /pkt /pkt /pkt /pkt /pkt /pkt /pkt ""
bad=0
for ((i = 1; i <= ncases; i++)); do
	b=
	a=
	if wait_until "$CASE_T" "$wait_poll" gate_held "$i" 0 &&
	   grep -q "^$VM $i 0\$" "$param/gate"; then
		# printed before the gate: in the log by now, or very soon
		wait_until 10 "$wait_poll" has_case "$i"
		chans=$(case_line "$i" | sed -n 's/.* chans=\([0-9]*\).*/\1/p')
		subs=false
		[ "${chans:-1}" -gt 1 ] && subs=true
		b=$(snapshot $subs)
		echo 1 >"$param/gate"
		if wait_until "$CASE_T" "$wait_poll" gate_held "$i" 1 &&
		   grep -q "^$VM $i 1\$" "$param/gate"; then
			a=$(snapshot $subs)
			echo 1 >"$param/gate"
		fi
	fi
	wait_until "$T" "$wait_poll" has_result "$i"
	line=$(result "$i")
	if [ -z "$line" ] || [[ $line == *FAIL* ]] || [ -z "$a" ]; then
		bad=$((bad + 1))
		line="${line:-no result line}${a:-, no counters}"
		echo "# case $i: $line"
		echo "# case $i: $line" >>"$raw"
		guest_done && ! has_result "$i" && break
		continue
	fi
	printf '%s\n  before: %s\n  after:  %s\n' "$line" "$b" "$a" >>"$raw"
	# One row: the guest's line, then the counters before and after.
	awk -v line="$line" -v b="$b" -v a="$a" -v fmt="$hdr" '
	function per(x) { return pkts ? sprintf("%.2f", x / pkts) : "-" }
	function d(k) { return (A[k] == "-" || B[k] == "-") ? "" : A[k] - B[k] }
	function perd(k) { v = d(k); return v == "" ? "-" : per(v) }
	BEGIN {
		n = split(line, f, " ")
		for (j = 1; j <= n; j++)
			if (split(f[j], kv, "=") == 2)
				g[kv[1]] = kv[2]
		split(b, B, /[ \t]+/)
		split(a, A, /[ \t]+/)
		pkts = g["pkts"]
		secs = g["secs"]
		rate = secs > 0 ? pkts / secs : 0
		name = g["dir"] " " g["size"] "x" g["chans"]
		printf fmt, name, sprintf("%.0f", rate),
			sprintf("%.1f", rate * g["size"] / 1e6),
			perd(1), perd(2), perd(5), perd(6),
			per(g["guest_irqs"]), per(g["chan_irqs"]),
			per(g["guest_signals"]), perd(8), perd(9),
			g["ring_full"]
	}'
done
echo "# pkts/s: packets (g2h) or round trips (rt) a second, all channels; MB/s: their data"
echo "# one way. Per packet (per round trip for rt): exits, every VM exit (KVM's count);"
echo "# hcalls, Hyper-V hypercalls KVM handled (the guest's signals); uexits, exits to the"
echo "# worker (hvexit: KVM_EXIT_HYPERV); g.irqs, the guest's VMBus interrupts (HYP);"
echo "# c.irqs, those hv_vmbus found for the case's channels; g.sigs, the guest's signals"
echo "# on them; dbells, the doorbells VMBus took; h.irqs, the interrupts it sent;"
echo "# full, how many sends found the ring full (and waited for the host's signal)."
echo "# case: dir size x channels (1: the primary, N: N sub-channels). Raw: $raw"
slow=$(host_counts false | cut -f3)
echo "# signals through the worker, whole run: ${slow:-?}"
[ -n "${HVLAB_OUT:-}" ] && cp "$(console_of "$VM")" "$HVLAB_OUT/bench-loop.console" 2>/dev/null
down "$VM"
out=$(rmmod hvkvm_vsp_loop 2>&1) || { echo "# rmmod hvkvm_vsp_loop: $out"; bad=$((bad + 1)); }
if [ "$bad" -gt 0 ]; then
	echo "# $bad of $ncases cases did not run through"
	exit 1
fi
exit 0
