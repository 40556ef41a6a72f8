#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Attach to a worker's console socket the way a person would.

    console-client.py SOCK WAIT_FOR SEND EXPECT [TIMEOUT]

Connects (retrying until the socket exists), reads the live console until
WAIT_FOR appears, types SEND and a newline, and reads until EXPECT appears.
While attached it checks that a second client is turned away. Exits 0 on
success; otherwise says what it saw last.
"""
import socket
import sys
import time

sock, wait_for, send, expect = sys.argv[1:5]
deadline = time.monotonic() + float(sys.argv[5] if len(sys.argv) > 5 else 120)


def connect():
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(sock)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                sys.exit("cannot connect to " + sock)
            time.sleep(0.1)


def read_until(s, pattern, seen):
    while pattern.encode() not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            sys.exit("timed out waiting for %r; last output: %r" % (pattern, seen[-300:]))
        s.settimeout(left)
        data = s.recv(4096)
        if not data:
            sys.exit("console closed while waiting for %r" % pattern)
        seen += data
    return seen


c = connect()
seen = read_until(c, wait_for, b"")
second = connect()
second.settimeout(10)
msg = second.recv(200)
if b"busy" not in msg:
    sys.exit("a second client was not turned away: %r" % msg)
second.close()
c.sendall(send.encode() + b"\n")
read_until(c, expect, seen)
print("console client: saw %r" % expect)
