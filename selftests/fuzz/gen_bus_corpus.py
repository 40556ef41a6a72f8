#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seeds for fuzz_bus (see fuzz_bus.c for the input format): what a
Linux 6.1 guest sends, byte for byte, and the host's hot-plug actions.

usage: gen_bus_corpus.py DIR    writes seed-* files into DIR
"""
import os
import struct
import sys

(INITIATE_CONTACT, REQUESTOFFERS, OPEN, CLOSE, GPADL_HEADER, GPADL_BODY,
 GPADL_TEARDOWN, RELID_RELEASED, UNLOAD, TL_CONNECT, MODIFY) = \
    (14, 3, 5, 7, 8, 9, 11, 13, 16, 21, 22)

VERSIONS = [0x50003, 0x50002, 0x50001, 0x50000, 0x40001, 0x40000, 0x30000,
            0x20004]


def msg(body, conn=0):
    """A guest message; conn 0: connection 1, 1: connection 4."""
    assert len(body) <= 255
    return bytes([0, conn, len(body)]) + body


def hdr(t):
    return struct.pack('<II', t, 0)


def contact(version, vcpu=0, sint=2):
    if version >= 0x50000:
        page = struct.pack('<BBBBI', sint, 0, 0, 0, 0)
    else:
        page = struct.pack('<Q', 0x7f001000)
    return msg(hdr(INITIATE_CONTACT) + struct.pack('<II', version, vcpu) +
               page + struct.pack('<QQ', 0x7f002000, 0x7f003000),
               1 if version >= 0x50000 else 0)


def request_offers():
    return msg(hdr(REQUESTOFFERS))


class Guest:
    def __init__(self):
        self.handle = 0xe1e10

    def gpadl(self, relid, pages, pfn0=0x100):
        """create_gpadl_header: 26 pfns in the header, 28 a body."""
        self.handle += 1
        h = self.handle
        n = min(pages, 26)
        out = msg(hdr(GPADL_HEADER) +
                  struct.pack('<IIHHII', relid, h, 8 + 8 * pages, 1,
                              pages * 4096, 0) +
                  b''.join(struct.pack('<Q', pfn0 + i) for i in range(n)))
        done = n
        while done < pages:
            n = min(pages - done, 28)
            out += msg(hdr(GPADL_BODY) + struct.pack('<II', 0, h) +
                       b''.join(struct.pack('<Q', pfn0 + done + i)
                                for i in range(n)))
            done += n
        return h, out


def open_chan(relid, handle, vp, ds):
    return msg(hdr(OPEN) + struct.pack('<IIIII', relid, relid, handle, vp,
                                       ds) + b'\0' * 120)


def relid_msg(t, relid):
    return msg(hdr(t) + struct.pack('<I', relid))


def teardown(relid, handle):
    return msg(hdr(GPADL_TEARDOWN) + struct.pack('<II', relid, handle))


def modify(relid, vp):
    return msg(hdr(MODIFY) + struct.pack('<II', relid, vp))


def add(slot, sub=0):
    return bytes([0xe0 + slot, sub])


def remove(slot):
    return bytes([0xe8 + slot])


RESET = b'\xf0'


def fail_alloc(n):
    return bytes([0xf1, n])


FAIL_POST, FAIL_OPEN, FAIL_RETARGET = b'\xf2', b'\xf3', b'\xf4'


def macro_gpadl(relid, pages, base=1):
    return struct.pack('<BBHB', 0xf5, relid, pages, base)


def macro_open(relid, vp, ds):
    return bytes([0xf6, relid, vp, ds])


def connect(max_version=0x50003, vcpu=0):
    """vmbus_connect: the versions from max down; the host takes the first."""
    return contact(max_version, vcpu)


def boot(nchan=3, version=0x50003, subs=0):
    out = b''.join(add(i) for i in range(nchan))
    out += b''.join(add(nchan + i, 1 + i) for i in range(subs))
    return out + connect(version) + request_offers()


def linux_open(g, relid, pages, vp=0):
    h, out = g.gpadl(relid, pages, 0x1000 * relid)
    return h, out + open_chan(relid, h, vp, pages // 2)


def seeds():
    s = {}
    g = Guest()
    # A Linux boot: contact, offers, the ICs' 2 x 16 KiB rings, storvsc's
    # 2 x 128 KiB, netvsc's ring and its 16 MiB receive buffer.
    out = boot(4)
    for relid in (1, 2):
        out += linux_open(g, relid, 8)[1]
    out += linux_open(g, 3, 64, 1)[1]
    h, o = linux_open(g, 4, 32, 2)
    out += o
    s['boot'] = out + macro_gpadl(4, 4096, 4)
    # The 16 MiB buffer as Linux sends it: a header and 146 bodies.
    s['gpadl-4096'] = boot(1) + Guest().gpadl(1, 4096, 0x40000)[1]

    # Every version in Linux's order, the host refusing none.
    for v in VERSIONS:
        g = Guest()
        s['version-%x' % v] = (boot(2, v) + linux_open(g, 1, 8)[1] +
                               modify(1, 1))
    # Refusals, then the next version.
    s['refused'] = (contact(0x50003, 7) + contact(0x50003, 0, 3) +
                    msg(contact(0x40000)[3:], 1) + contact(0x10001) +
                    contact(0x50002) + request_offers())

    # Close and teardown, re-open.
    g = Guest()
    h, o = linux_open(g, 1, 8)
    h2, o2 = linux_open(g, 1, 64, 1)
    s['close-reopen'] = (boot(1) + o + relid_msg(CLOSE, 1) + teardown(1, h) +
                         o2 + teardown(1, h2))
    # netvsc: buffer torn down after close.
    g = Guest()
    h, o = linux_open(g, 1, 8)
    b, ob = g.gpadl(1, 100, 0x9000)
    s['netvsc-close'] = (boot(1, 0x40000) + o + ob + relid_msg(CLOSE, 1) +
                         teardown(1, b) + teardown(1, h))

    # Rescind: the host removes an open channel; the guest closes it and
    # releases the relid; the slot comes back.
    g = Guest()
    h, o = linux_open(g, 2, 8)
    s['rescind'] = (boot(3) + o + g.gpadl(2, 30)[1] + remove(1) +
                    relid_msg(CLOSE, 2) + relid_msg(RELID_RELEASED, 2) +
                    add(1) + linux_open(g, 2, 8)[1])
    # A guest that releases a channel it could not set up.
    s['released'] = boot(2) + relid_msg(RELID_RELEASED, 1) + remove(0)
    # Sub-channels, offered after their primaries, opened.
    g = Guest()
    out = boot(2, subs=2)
    for relid in range(1, 5):
        out += linux_open(g, relid, 8, relid % 4)[1]
    s['subchannels'] = out + modify(3, 2) + modify(4, 3)

    # kexec: UNLOAD, a new kernel, a second contact without UNLOAD.
    g = Guest()
    s['unload'] = (boot(2) + linux_open(g, 1, 8)[1] + msg(hdr(UNLOAD)) +
                   connect() + request_offers() + linux_open(g, 2, 8)[1] +
                   connect(0x30000) + request_offers() + RESET)
    # hv_sock.
    s['tl-connect'] = boot(0) + msg(hdr(TL_CONNECT) + bytes(range(32)))

    # Interleaved GPADLs.
    g = Guest()
    h1, o1 = g.gpadl(1, 64)
    h2, o2 = g.gpadl(2, 64, 0x5000)
    m1 = [o1[i:i + 3 + o1[i + 2]] for i in _records(o1)]
    m2 = [o2[i:i + 3 + o2[i + 2]] for i in _records(o2)]
    inter = b''.join(a + b for a, b in zip(m1, m2))
    s['gpadl-interleaved'] = (boot(2) + inter + open_chan(1, h1, 0, 32) +
                              open_chan(2, h2, 1, 32))

    # The macros, and the host's failures.
    s['macros'] = (boot(3) + macro_gpadl(1, 8) + macro_open(1, 0, 4) +
                   macro_gpadl(2, 4096, 2) + macro_gpadl(3, 8, 0xff) +
                   macro_gpadl(3, 64) + macro_open(3, 3, 32) + remove(2))
    s['failures'] = (boot(2) + fail_alloc(2) + macro_gpadl(1, 8) +
                     FAIL_OPEN + macro_gpadl(1, 8) + macro_open(1, 0, 4) +
                     FAIL_OPEN + macro_open(1, 0, 4) + FAIL_RETARGET +
                     modify(1, 1) + FAIL_POST + remove(0) + RESET)
    # Short, long and odd messages.
    s['odd'] = (boot(1) + msg(b'') + msg(hdr(UNLOAD)[:5]) +
                msg(hdr(GPADL_TEARDOWN) + b'\1\0\0\0\x11\x1e\x0e') +
                msg(contact(0x50003)[3:-1], 1) + bytes([0, 0xf3, 4]) +
                b'\x0e\0\0\0' + msg(b'\xff' * 255) + request_offers())
    return s


def _records(b):
    i = 0
    while i < len(b):
        yield i
        i += 3 + b[i + 2]


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    for name, data in sorted(seeds().items()):
        with open(os.path.join(d, 'seed-' + name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
