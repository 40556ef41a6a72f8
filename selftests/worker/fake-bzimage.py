#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write a tiny bzImage-shaped file for the worker's tests.

    fake-bzimage.py OUT [--protocol 0x020f] [--no-64bit]

Its setup header passes the worker's checks (protocol 2.15, 64-bit entry,
relocatable); the "kernel" at the 64-bit entry point is a single ud2 with
no IDT, so the guest triple-faults at its first instruction.
"""
import argparse
import struct

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--protocol", type=lambda s: int(s, 0), default=0x020F)
p.add_argument("--no-64bit", action="store_true")
a = p.parse_args()

setup_sects = 1
img = bytearray((setup_sects + 1) * 512 + 0x1000)


def put(off, fmt, val):
    struct.pack_into("<" + fmt, img, off, val)


put(0x1F1, "B", setup_sects)
put(0x1FE, "H", 0xAA55)
put(0x200, "B", 0xEB)            # jmp short: the header ends at 0x202 + 0x6a
put(0x201, "B", 0x6A)
put(0x202, "I", 0x53726448)      # "HdrS"
put(0x206, "H", a.protocol)
put(0x211, "B", 0x01)            # LOADED_HIGH
put(0x22C, "I", 0x7FFFFFFF)      # initrd_addr_max
put(0x230, "I", 0x200000)        # kernel_alignment
put(0x234, "B", 1)               # relocatable_kernel
put(0x236, "H", 0 if a.no_64bit else 1)   # XLF_KERNEL_64
put(0x238, "I", 2047)            # cmdline_size
put(0x258, "Q", 0x1000000)       # pref_address
put(0x260, "I", 0x100000)        # init_size
entry = (setup_sects + 1) * 512 + 0x200
img[entry:entry + 2] = b"\x0f\x0b"   # ud2
with open(a.out, "wb") as f:
    f.write(img)
