#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Print a running VM's VMBus state as JSON, asked of hvkvm_vmbus and
hvkvm_ic (VM_GET of each, and hvkvm_vmbus's CHANNEL_GET dump).

    vmbus-state.py NAME

A small stand-in for hvadm, independent of it: connected, version,
faults, each channel (relid, class, state, error, packets) and each IC
(name, state, heartbeat_seq; none when hvkvm_ic is not loaded).
Attribute numbers follow include/uapi/linux/hvkvm_vmbus.h and
hvkvm_ic.h.
"""
import json
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 1
NLM_F_DUMP = 0x300
NLM_F_DUMP_INTR = 0x10
NLMSG_ERROR = 2
NLMSG_DONE = 3

CMD_VM_GET = 1             # both families
CMD_CHANNEL_GET = 3        # hvkvm_vmbus's: a dump, a channel per message
A_VM_NAME, A_CONNECTED, A_VERSION, A_FAULTS, A_CHANNEL = 2, 3, 4, 7, 10
CH_CLASS, CH_RELID, CH_STATE, CH_PKTS_IN, CH_PKTS_OUT, CH_ERROR = 3, 7, 9, 13, 14, 17
IC_A_VM_NAME, IC_A_ICS = 2, 3
IC_NAME, IC_STATE, IC_HB_SEQ = 3, 4, 8
CHAN_STATES = ["offered", "closed", "open", "rescinded", "failed"]
IC_STATES = ["closed", "negotiating", "ready", "no-common-version", "lost"]


def attrs(buf):
    out = {}
    off = 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("HH", buf, off)
        if alen < 4:
            break
        out.setdefault(atype & 0x3fff, []).append(buf[off + 4:off + alen])
        off += (alen + 3) & ~3
    return out


def one(a, t, fmt=None):
    v = a.get(t)
    if not v:
        return None
    if fmt == "s":
        return v[0].split(b"\0")[0].decode()
    return struct.unpack_from(fmt, v[0])[0]


def request(sock, ftype, cmd, payload):
    msg = struct.pack("BBH", cmd, 1, 0) + payload
    sock.send(struct.pack("IHHII", 16 + len(msg), ftype, NLM_F_REQUEST, 1, 0) + msg)
    data = sock.recv(1 << 20)
    mlen, mtype = struct.unpack_from("IH", data, 0)
    if mtype == NLMSG_ERROR:
        err = struct.unpack_from("i", data, 16)[0]
        raise OSError(-err, os.strerror(-err))
    return attrs(data[20:mlen])


def dump(sock, ftype, cmd, payload):
    """A dump's messages, each as attrs(); raises OSError on its error.
    One that raced with a change (NLM_F_DUMP_INTR) is asked again, up
    to 4 times, then kept."""
    for _ in range(4):
        msg = struct.pack("BBH", cmd, 1, 0) + payload
        sock.send(struct.pack("IHHII", 16 + len(msg), ftype,
                              NLM_F_REQUEST | NLM_F_DUMP, 2, 0) + msg)
        out, intr, done = [], False, False
        while not done:
            data = sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags = struct.unpack_from("IHH", data, off)
                if mlen < 16:
                    break
                intr |= bool(mflags & NLM_F_DUMP_INTR)
                if mtype in (NLMSG_DONE, NLMSG_ERROR):
                    err = struct.unpack_from("i", data, off + 16)[0]
                    if err:
                        raise OSError(-err, os.strerror(-err))
                    done = True
                    break
                if mtype == ftype:
                    out.append(attrs(data[off + 20:off + mlen]))
                off += (mlen + 3) & ~3
        if not intr:
            break
    return out


def nla_str(t, s):
    b = s.encode() + b"\0"
    return struct.pack("HH", 4 + len(b), t) + b + b"\0" * ((4 - len(b) % 4) % 4)


def family_id(sock, family):
    fam = request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                  nla_str(CTRL_ATTR_FAMILY_NAME, family))
    return one(fam, CTRL_ATTR_FAMILY_ID, "H")


def vm_get(sock, family, name_attr):
    return request(sock, family_id(sock, family), CMD_VM_GET,
                   nla_str(name_attr, sys.argv[1]))


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.bind((0, 0))
    a = vm_get(sock, "hvkvm_vmbus", A_VM_NAME)
    chans = dump(sock, family_id(sock, "hvkvm_vmbus"), CMD_CHANNEL_GET,
                 nla_str(A_VM_NAME, sys.argv[1]))
    try:
        ics = vm_get(sock, "hvkvm_ic", IC_A_VM_NAME)
    except OSError:
        ics = {}            # hvkvm_ic not loaded, or not serving the VM
    res = {
        "name": one(a, A_VM_NAME, "s"),
        "connected": bool(one(a, A_CONNECTED, "B")),
        "version": one(a, A_VERSION, "I"),
        "faults": one(a, A_FAULTS, "Q"),
        "channels": [],
        "ics": [],
    }
    for m in chans:
        for c in m.get(A_CHANNEL, []):
            c = attrs(c)
            st = one(c, CH_STATE, "I")
            res["channels"].append({
                "relid": one(c, CH_RELID, "I"),
                "class": one(c, CH_CLASS, "s"),
                "state": CHAN_STATES[st] if st < len(CHAN_STATES) else st,
                "error": one(c, CH_ERROR, "s"),
                "pkts_in": one(c, CH_PKTS_IN, "Q"),
                "pkts_out": one(c, CH_PKTS_OUT, "Q"),
            })
    for nest in ics.get(IC_A_ICS, []):
        for i in attrs(nest).get(2, []):
            i = attrs(i)
            st = one(i, IC_STATE, "I")
            res["ics"].append({
                "name": one(i, IC_NAME, "s"),
                "state": IC_STATES[st] if st < len(IC_STATES) else st,
                "heartbeat_seq": one(i, IC_HB_SEQ, "Q"),
            })
    print(json.dumps(res))


if __name__ == "__main__":
    try:
        main()
    except (OSError, IndexError, TypeError) as e:
        print("vmbus-state: %s" % e, file=sys.stderr)
        sys.exit(1)
