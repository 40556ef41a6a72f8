#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-made seeds for fuzz_stor_msg (see fuzz_stor_msg.c for the input
format): Linux's storvsc initialisation, then SCSI commands as storvsc
sends them, with and without data, on the primary and a sub-channel.

usage: gen_stor_corpus.py DIR    writes seed-* files into DIR
"""
import os
import struct
import sys

INBAND, GPA = 6, 9
INIT = (1 << 64) - 3


def vstor(op, body=b''):
    return (struct.pack('<III', op, 1, 0) + body).ljust(64, b'\0')


def inband(payload, trans_id=INIT, flags=1):
    payload = payload + b'\0' * (-len(payload) % 8)
    return struct.pack('<HHHHQ', INBAND, 2, 2 + len(payload) // 8, flags,
                       trans_id) + payload


def gpa(payload, count, offset, pfn, trans_id=7):
    npfn = (offset + count + 4095) // 4096
    ext = struct.pack('<II', 0, 1) + struct.pack('<II', count, offset) + \
        b''.join(struct.pack('<Q', pfn + i) for i in range(npfn))
    off8 = (16 + len(ext)) // 8
    payload = payload + b'\0' * (-len(payload) % 8)
    return struct.pack('<HHHHQ', GPA, off8, off8 + len(payload) // 8, 1,
                       trans_id) + ext + payload


def srb(cdb, lun=0, path=0, target=0, data_in=2, xfer=0):
    body = struct.pack('<HBBBBBBBBBBI', 52, 0, 0, 0, path, target, lun,
                       len(cdb), 20, data_in, 0, xfer)
    body += cdb.ljust(20, b'\0') + struct.pack('<HBBIII', 0, 0xff, 0x20,
                                               0x10a, 60, 0)
    return vstor(3, body)


def rec(pkt, sub=False):
    return struct.pack('<H', len(pkt) | (0x8000 if sub else 0)) + pkt


def linux_init(nsub=1):
    s = rec(inband(vstor(7)))
    for v in (0x0602,):
        s += rec(inband(vstor(9, struct.pack('<HH', v, 0))))
    s += rec(inband(vstor(10))) + rec(inband(vstor(8)))
    if nsub:
        s += rec(inband(vstor(13, struct.pack('<H', nsub))))
    return s


INQ = bytes([0x12, 0, 0, 0, 36, 0])
RL = bytes([0xa0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0])
TUR = bytes(6)
RD10 = bytes([0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0])
WR10 = bytes([0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0])

SEEDS = {
    'init': bytes([0x13]) + linux_init(),
    'init-old': bytes([0x03]) + rec(inband(vstor(7))) +
    rec(inband(vstor(9, struct.pack('<HH', 0x0700, 0)))) +
    rec(inband(vstor(9, struct.pack('<HH', 0x0402, 0)))) +
    rec(inband(vstor(10))) + rec(inband(vstor(8))),
    'scan': bytes([0x13]) + linux_init() +
    rec(gpa(srb(INQ, path=1, data_in=1, xfer=36), 36, 0, 0x100)) +
    rec(gpa(srb(RL, data_in=1, xfer=4096), 4096, 0, 0x200)) +
    rec(gpa(srb(INQ, lun=3, data_in=1, xfer=36), 36, 100, 0x300)) +
    rec(inband(srb(TUR, lun=70), 9)),
    'io': bytes([0x13]) + linux_init(2) +
    rec(gpa(srb(RD10, lun=1, data_in=1, xfer=4096), 4096, 512, 0x400)) +
    rec(gpa(srb(WR10, lun=1, data_in=0, xfer=8192), 8192, 0, 0x500),
        sub=True) +
    rec(inband(vstor(6), (1 << 64) - 4)),
    'big': bytes([0x00]) + linux_init(0) +
    rec(gpa(srb(RD10, data_in=1, xfer=128 * 1024), 128 * 1024, 0, 0x9000)),
}


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(d, 'seed-' + name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
