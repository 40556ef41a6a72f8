# SPDX-License-Identifier: GPL-2.0
#
# make            build every kernel module (against KDIR) and every tool
# make check      set up, build, run the native tests and the lab selftests
# make demo       set up, build, and run the main job in the lab
# make check-debug  the lab suites on the debug lab kernel (KASAN, lockdep,
#                 kmemleak, ...; built once, about an hour, then cached)
# make bench      benchmarks (not part of make check): the ring code natively,
#                 the loopback device and boot times in the lab
#                 (bench-native, bench-lab)
# make clean      remove everything built

SHELL	:= /bin/bash
TOP	:= $(CURDIR)
KVER	?= $(shell $(TOP)/tools/kver 2>/dev/null)
KDIR	?= /lib/modules/$(KVER)/build
BUILD	:= $(TOP)/build
LINUX_SRC_TAR ?= $(firstword $(wildcard /usr/src/linux-source-6.1.tar.xz))

export TOP BUILD

.PHONY: all modules tools selftests kselftest-headers setup check \
	check-native check-hvlab check-lab demo checkpatch clean \
	debug-kernel modules-debug check-debug check-lab-debug bench \
	bench-native bench-lab

all: modules tools selftests

modules:
	@test -d "$(KDIR)" || { echo "KDIR $(KDIR) not found: run tools/setup" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 modules

tools:
	$(MAKE) -C tools

# kselftest_harness.h and kselftest.h come from Debian's linux-source
# tarball at build time; they are never copied into the repository.
KSFT_DIR := $(BUILD)/kselftest
KSFT_HDRS := $(KSFT_DIR)/kselftest_harness.h $(KSFT_DIR)/kselftest.h

$(KSFT_HDRS):
	@test -n "$(LINUX_SRC_TAR)" || { echo "linux-source-6.1 is not installed: run tools/setup" >&2; exit 1; }
	mkdir -p $(KSFT_DIR)
	tar -xJf $(LINUX_SRC_TAR) -C $(KSFT_DIR) --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h
	touch $(KSFT_HDRS)

kselftest-headers: $(KSFT_HDRS)

selftests: kselftest-headers tools
	$(MAKE) -C selftests

setup:
	$(TOP)/tools/setup

check: setup
	$(MAKE) all
	mkdir -p $(BUILD)
	set -o pipefail; $(MAKE) -k check-native check-hvlab check-lab 2>&1 | tee $(BUILD)/check.log; \
		$(TOP)/tools/tap-summary $(BUILD)/check.log $$?

check-native:
	$(MAKE) -C selftests run-native

# The lab runner's own tests: streaming, exit statuses, time limits,
# kernel trouble, a nested guest.
check-hvlab:
	@echo "# ==== lab/selftest"
	$(TOP)/tools/lab/selftest

# L1 gets 8 GiB: the worker's tests run a 3.3 GiB guest, and a 4 GiB L1
# under that pressure was seen to stall the tests that follow.
check-lab:
	$(TOP)/tools/lab/check --mem 8192

# The debug lab kernel (tools/lab/debug-kernel), and our host modules
# built against it in a copy of their sources under build/debug-modules
# (Kbuild of 6.1 builds external modules in place, and the normal build's
# objects must stay Debian's). guest/ is not copied: its modules run in
# L2, on Debian's kernel; selftests/kmod is: its test VSPs load in L1.
DEBUG_MODS := $(BUILD)/debug-modules
debug-kernel: setup
	$(TOP)/tools/lab/debug-kernel

modules-debug: debug-kernel
	@set -e; kdir=$$($(TOP)/tools/lab/debug-kernel --print | cut -d' ' -f3); \
	mkdir -p $(DEBUG_MODS); \
	cd $(TOP) && find include kmod lib selftests/kmod \( -name '*.[ch]' -o -name Kbuild \) \
		! -name '*.mod.c' -print0 | cpio -p0dmu --quiet $(DEBUG_MODS); \
	printf '%s\n' '# SPDX-License-Identifier: GPL-2.0' \
		$(foreach d,$(wildcard kmod/*/Kbuild selftests/kmod/*/Kbuild),'obj-m += $(dir $(d))') \
		>$(DEBUG_MODS)/Kbuild; \
	$(MAKE) -C $$kdir M=$(DEBUG_MODS) W=1 modules

check-debug: setup
	$(MAKE) all modules-debug
	mkdir -p $(BUILD)
	set -o pipefail; $(MAKE) -k check-lab-debug 2>&1 | tee $(BUILD)/check-debug.log; \
		$(TOP)/tools/tap-summary $(BUILD)/check-debug.log $$?

# On the debug kernel L1 is slower (KASAN checks every access), and is
# never booted again after a death: every report there is to be read.
check-lab-debug:
	HVLAB_CHECK_MAX_BOOTS=1 HVLAB_CHECK_BUDGET=7200 \
		$(TOP)/tools/lab/check --kernel debug --mem 8192

demo: setup
	$(MAKE) all
	$(TOP)/tools/hvlab run --timeout 1800 $(TOP)/tools/demo/run.sh

# include/hvkvm/shim.h is left out: its native half defines for user space
# what the kernel has (READ_ONCE, barriers), which checkpatch rightly flags.
# So are include/hvkvm/compat*.h, whose LINUX_VERSION_CODE tests are their
# purpose: an out-of-tree module builds for several kernels.
CHECKPATCH_DIR := $(BUILD)/checkpatch
# Benchmarks print what they measure; nothing here passes or fails on a
# number, only on a run that broke. The native ring code first, then the
# loopback device in the lab (Documentation/vmbus.rst, "Benchmarks");
# BENCH_MS, BENCH_SIZES, BENCH_CHANS and BENCH_RING_KB go to
# tools/bench/loop.sh. The lab's device benchmarks join as they come.
BENCH_ENV := $(foreach v,BENCH_MS BENCH_SIZES BENCH_CHANS BENCH_RING_KB,\
	$(if $($(v)),--env $(v)=$($(v))))
bench: setup
	$(MAKE) all
	$(MAKE) bench-native
	$(MAKE) bench-lab

bench-native: tools
	$(MAKE) -C tools/bench
	@echo "# ==== ring_bench: lib/vmbus/ring.c natively, against memcpy"
	$(TOP)/tools/bench/ring_bench 1

bench-lab:
	$(TOP)/tools/hvlab run --timeout 1800 $(BENCH_ENV) $(TOP)/tools/bench/loop.sh
	@echo "# ==== boot to init: hvkvm-worker and QEMU, bzImage and vmlinux"
	$(TOP)/tools/hvlab run --timeout 1800 $(TOP)/tools/bench/boot.sh

checkpatch:
	@test -x $(CHECKPATCH_DIR)/scripts/checkpatch.pl || { \
		mkdir -p $(CHECKPATCH_DIR) && tar -xJf $(LINUX_SRC_TAR) -C $(CHECKPATCH_DIR) \
		--strip-components=1 linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch; }
	perl $(CHECKPATCH_DIR)/scripts/checkpatch.pl --no-tree --terse -f \
		$(shell find kmod guest lib include/hvkvm selftests/kmod -name '*.[ch]' ! -name '*.mod.c' \
		! -name shim.h ! -name 'compat*.h' 2>/dev/null)

clean:
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C tools clean
	$(MAKE) -C selftests clean
	rm -rf $(BUILD)
