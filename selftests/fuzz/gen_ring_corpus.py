#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-made seeds for fuzz_ring (see fuzz_ring.c for the input format).

usage: gen_ring_corpus.py DIR    writes seed-* files into DIR
"""
import os
import struct
import sys

OP_READ, OP_READ_DONE, OP_WRITE, OP_POKE_HDR, OP_POKE_DATA, OP_MASK, \
    OP_WANT, OP_QUERY, OP_GPA, OP_REINIT = range(10)
F_WRITE, F_READ, F_MASK, F_PENDING, F_FEAT = range(5)


def size_byte(size):
    assert size >= 24 and size % 8 == 0 and (size - 24) // 8 < 126
    return (size - 24) // 8


def seed(size, w=0, r=0, mask=0, pending=0, feat=1, data=b'', ops=b''):
    data = data + b'\0' * (-len(data) % 8)
    assert len(data) <= size
    return (bytes([size_byte(size)]) +
            struct.pack('<HHBHB', w, r, mask, pending, feat) +
            bytes([len(data) // 8]) + data + ops)


def read(buflen=1100):
    return struct.pack('<BH', OP_READ, buflen)


def read_done():
    return bytes([OP_READ_DONE])


def write(size, total, split=0, hdrunits=0, how=5, sd=1):
    """how: the type is 1 + how % 13 (5: inband); bit 7 makes len8 lie"""
    return struct.pack('<BHBBBH', OP_WRITE, (total - 16) % (size + 24),
                       split, hdrunits, how, sd)


def poke(field, v, raw=True):
    return struct.pack('<BBI', OP_POKE_HDR, field | (0x80 if raw else 0), v)


def poke_data(off, v):
    return struct.pack('<BHB', OP_POKE_DATA, off, v)


def mask(on):
    return bytes([OP_MASK, 1 if on else 0])


def want(need):
    return struct.pack('<BH', OP_WANT, need & ~1)


def clear_want():
    return struct.pack('<BH', OP_WANT, 1)


def query():
    return bytes([OP_QUERY])


def gpa_last():
    return bytes([OP_GPA, 0])


def gpa_inline(pkt, odd=False):
    assert len(pkt) < 64
    return bytes([OP_GPA, 1 | len(pkt) << 1 | (0x80 if odd else 0)]) + pkt


def reinit(consumer):
    return bytes([OP_REINIT, 1 if consumer else 0])


def desc(ptype, offset8, len8, flags=0, trans=7):
    return struct.pack('<HHHHQ', ptype, offset8, len8, flags, trans)


def pkt(ptype, offset8, len8, start, body=b''):
    """a packet as the guest writes it: descriptor, body, trailer"""
    b = desc(ptype, offset8, len8) + body
    b = b + b'\xab' * (len8 * 8 - len(b))
    return b[:len8 * 8] + struct.pack('<Q', start << 32)


def gpa(ranges, payload=b'', cnt=None, offset8=None):
    ext = b''
    for count, off, pfns in ranges:
        ext += struct.pack('<II', count, off)
        ext += b''.join(struct.pack('<Q', p) for p in pfns)
    hdrlen = 24 + len(ext)
    total = hdrlen + len(payload)
    len8 = (total + 7) // 8
    body = struct.pack('<II', 0, len(ranges) if cnt is None else cnt) + \
        ext + payload
    return desc(9, hdrlen // 8 if offset8 is None else offset8, len8,
                1) + body


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {}

    # host to host loopback: sizes, reads, signalling, queries
    ops = b''
    for t in (16, 17, 24, 40, 100, 200):
        ops += write(256, t, split=t, hdrunits=1, sd=t)
    ops += query() + read() + read(16) + read() + read_done() + query()
    ops += read() + read() + read() + read_done() + mask(True)
    ops += write(256, 64, how=0x0a) + mask(False) + read() + read_done()
    seeds['loopback'] = seed(256, ops=ops)

    # the same packets across the end of the data area
    ops = b''.join(write(192, t, split=0xc5, sd=t) + read() + read_done()
                   for t in (16, 60, 100, 150, 176))
    seeds['wrap'] = seed(192, w=184, r=184, ops=ops)

    # packets the guest made, one straddling the end
    data = pkt(6, 2, 4, 0, b'guest!') + pkt(11, 2, 2, 40)
    seeds['guest_pkts'] = seed(216, w=64, r=0, data=data,
                               ops=read() + read() + read() + read_done())
    wrap = pkt(6, 2, 3, 208, b'wrapping')
    data = wrap[8:] + b'\0' * (208 - 24) + wrap[:8]
    seeds['guest_wrap'] = seed(216, w=24, r=208, data=data,
                               ops=read() + read() + read_done())

    # lies
    good = pkt(6, 2, 4, 0)
    seeds['lie_windex'] = seed(128, w=44, data=good, ops=read() + query())
    seeds['lie_windex_big'] = seed(128, w=128, data=good, ops=read())
    seeds['lie_offset8'] = seed(128, w=40, data=pkt(6, 1, 4, 0), ops=read())
    seeds['lie_len8'] = seed(128, w=40, data=pkt(6, 3, 2, 0), ops=read())
    seeds['lie_len8_long'] = seed(128, w=40, data=pkt(6, 2, 0xffff, 0)[:40],
                                  ops=read())
    seeds['lie_avail'] = seed(128, w=32, data=good, ops=read())
    seeds['lie_tiny'] = seed(128, w=16, data=good, ops=read())
    seeds['lie_rindex'] = seed(128, r=12, ops=write(128, 40) + query() +
                               poke(F_READ, 0) + write(128, 40))

    # too small a buffer, then big enough
    seeds['emsgsize'] = seed(128, w=40, data=good,
                             ops=read(31) + read(0) + read(32) + read_done())

    # the guest changes the header between calls
    ops = write(256, 40) + poke(F_WRITE, 4) + read() + poke(F_WRITE, 48)
    ops += read() + poke(F_READ, 200, raw=False) + read_done()
    ops += poke(F_WRITE, 0x80000000) + write(256, 40) + query()
    ops += poke(F_MASK, 0x1234) + write(256, 24)
    ops += poke_data(96, 0x55) + read() + reinit(True) + reinit(False)
    ops += write(256, 24) + read() + read_done()
    seeds['header_changes'] = seed(256, ops=ops)

    # the guest waits for room: pending_send_sz crossed by our reads
    ops = b''.join(write(256, 24) for _ in range(8))
    ops += poke(F_PENDING, 64) + query()
    ops += read() + read_done() + read() + read_done() + read() + read_done()
    ops += b''.join(write(256, 24) for _ in range(3))
    ops += read() + read() + read() + read_done()
    ops += poke(F_FEAT, 0) + b''.join(write(256, 24) for _ in range(3))
    ops += read() + read() + read() + read_done()
    seeds['pending'] = seed(256, ops=ops)

    # the host waits for room
    ops = b''.join(write(128, 40) for _ in range(3)) + want(48) + query()
    ops += read() + read_done() + want(48) + write(128, 40) + clear_want()
    ops += write(128, 40, how=0x85)
    seeds['want_space'] = seed(128, ops=ops)

    # GPA-direct: in the ring, and straight
    g = gpa([(4096, 0, [0x1000]), (2, 4095, [0x2000, 0x2001])], b'payload')
    g = g + b'\0' * (-len(g) % 8)
    data = g + struct.pack('<Q', 0)
    seeds['gpa_ring'] = seed(256, w=len(data), data=data,
                             ops=read() + gpa_last() + read_done())
    seeds['gpa_inline'] = seed(64, ops=gpa_inline(
        gpa([(1, 0, [0x5354])])) + gpa_inline(gpa([(8192, 4, [1, 2, 3])]),
                                              odd=True))
    bad = [gpa([(1, 0, [1])], cnt=2),
           gpa([(1, 4096, [1])]),
           gpa([(0, 0, [1])]),
           gpa([(4097, 0, [1])]),
           gpa([(1, 0, [1])], offset8=3),
           gpa([(1, 0, [1])], offset8=9)]
    seeds['gpa_lies'] = seed(64, ops=b''.join(gpa_inline(b) for b in bad))

    for name, b in seeds.items():
        with open(os.path.join(out, 'seed-' + name), 'wb') as f:
            f.write(b)
    print('%d seeds in %s' % (len(seeds), out))


if __name__ == '__main__':
    main()
