#!/usr/bin/env python3
"""Writes adversarial captures for bench/hostile.sh: traffic built to exhaust a passive
monitor's memory or time. Each is a classic pcap of Ethernet frames.

Usage: bench/hostile.py KIND OUT.pcap [COUNT]
  fragments   COUNT first fragments of distinct IPv4 datagrams, never completed
  gap         one TCP connection whose data jumps ahead by a gigabyte, COUNT times
  dnp3        one DNP3 connection carrying COUNT link frames whose transport segments
              start application fragments that never finish
  lengths     COUNT connections, each opening with a message whose length field claims
              the most its protocol allows (Modbus, EtherNet/IP, S7comm TPKT, DNP3, IEC 104,
              OPC UA), then closing
"""
import struct
import sys

SRC_MAC = bytes.fromhex("001b1b000001")
DST_MAC = bytes.fromhex("001b1b000002")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=0, frag=0, more=False):
    flags = (0x2000 if more else 0) | (frag // 8)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, flags,
                         64, proto, 0, bytes(src), bytes(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def tcp(sport, dport, seq, ack, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50,
                       flags, 65535, 0, 0) + payload


def ether(ip_packet):
    return DST_MAC + SRC_MAC + b"\x08\x00" + ip_packet


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = 1_700_000_000_000_000

    def frame(self, data, step_us=10):
        self.t += step_us
        self.f.write(struct.pack("<IIII", self.t // 1_000_000, self.t % 1_000_000,
                                 len(data), len(data)))
        self.f.write(data)


def conversation(w, client, server, sport, dport, payloads, isn=1000):
    """A TCP connection: handshake, each payload from the client, close."""
    w.frame(ether(ipv4(client, server, 6, tcp(sport, dport, isn, 0, 0x02))))
    w.frame(ether(ipv4(server, client, 6, tcp(dport, sport, 5000, isn + 1, 0x12))))
    seq = isn + 1
    for p in payloads:
        w.frame(ether(ipv4(client, server, 6, tcp(sport, dport, seq, 5001, 0x18, p))))
        seq += len(p)
    w.frame(ether(ipv4(client, server, 6, tcp(sport, dport, seq, 5001, 0x11))))
    w.frame(ether(ipv4(server, client, 6, tcp(dport, sport, 5001, seq + 1, 0x11))))


def fragments(w, count):
    for i in range(count):
        src = (10, 1, (i >> 8) & 0xFF, i & 0xFF)
        udp = struct.pack("!HHHH", 5000, 161, 8 + 64, 0) + b"\0" * 64
        # The first 24 bytes of a 72-byte datagram; the rest never comes.
        w.frame(ether(ipv4(src, (10, 0, 0, 1), 17, udp[:24], ident=i, more=True)), 1)


def gap(w, count):
    client, server = (10, 0, 0, 1), (10, 0, 0, 2)
    w.frame(ether(ipv4(client, server, 6, tcp(40000, 502, 1000, 0, 0x02))))
    w.frame(ether(ipv4(server, client, 6, tcp(502, 40000, 5000, 1001, 0x12))))
    seq = 1001
    request = bytes.fromhex("000100000006010300000001")
    for _ in range(count):
        w.frame(ether(ipv4(client, server, 6, tcp(40000, 502, seq, 5001, 0x18, request))))
        seq += len(request) + 1_000_000_000


def dnp3_crc(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA6BC if crc & 1 else crc >> 1
    return struct.pack("<H", ~crc & 0xFFFF)


def dnp3_frame(user):
    header = struct.pack("<BBBBHH", 0x05, 0x64, 5 + len(user), 0xC4, 10, 1)
    out = header + dnp3_crc(header)
    for i in range(0, len(user), 16):
        block = user[i:i + 16]
        out += block + dnp3_crc(block)
    return out


def dnp3(w, count):
    client, server = (10, 0, 0, 1), (10, 0, 0, 2)
    w.frame(ether(ipv4(client, server, 6, tcp(40000, 20000, 1000, 0, 0x02))))
    w.frame(ether(ipv4(server, client, 6, tcp(20000, 40000, 5000, 1001, 0x12))))
    seq = 1001
    # Transport header FIR, not FIN, sequence 0-63: fragments that only ever start.
    frames = [dnp3_frame(bytes([0x40 | n, 0xC0, 0x01]) + b"\x3c\x02\x06" * 5) for n in range(64)]
    for i in range(count):
        payload = frames[i % 64]
        w.frame(ether(ipv4(client, server, 6, tcp(40000, 20000, seq, 5001, 0x18, payload))))
        seq += len(payload)


def lengths(w, count):
    openings = [
        (502, bytes.fromhex("0001 0000 ffff 01 03 0000 0001".replace(" ", ""))),
        (44818, struct.pack("<HHI", 0x6F, 0xFFFF, 1) + b"\0" * 16),
        (102, bytes.fromhex("0300ffff") + b"\x02\xf0\x80"),
        (20000, bytes.fromhex("0564ff") + b"\0" * 7),
        (2404, bytes.fromhex("68fd") + b"\0" * 4),
        (4840, b"MSGF" + struct.pack("<I", 0x7FFFFFFF) + b"\0" * 8),
    ]
    for i in range(count):
        port, opening = openings[i % len(openings)]
        client = (10, 2, (i >> 8) & 0xFF, i & 0xFF)
        conversation(w, client, (10, 0, 0, 9), 40000 + i % 20000, port, [opening])


def main():
    kind, out = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    w = Writer(out)
    {"fragments": fragments, "gap": gap, "dnp3": dnp3, "lengths": lengths}[kind](w, count)
    w.f.close()


if __name__ == "__main__":
    main()
