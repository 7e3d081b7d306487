#!/usr/bin/env python3
"""Cuts seed inputs for the fuzz targets out of real captures.

Usage: seeds.py CAPTURE_DIR OUT_DIR

Writes OUT_DIR/<target>/<hash> in each target's input format (see the comment at the top of
fuzz_targets/<target>.rs). Starting from real frames lets a short run spend its time on
the decoders' deeper paths instead of rediscovering Ethernet and IP headers. Seeds are
capped per capture and per target, so a folder of near-identical captures cannot crowd
out the rest.
"""

import hashlib
import os
import struct
import sys

MAX_LEN = 4096
PER_FILE = 6
PER_TARGET = 400
PACKETS_PER_FILE = 2000
FILE_LIMIT = 4 * 1024 * 1024

# Selector bytes, in the order of each target's table.
WIRE_LINKS = {1: 0, 0: 1, 101: 2, 228: 2, 229: 2, 12: 2, 14: 2, 108: 3, 113: 4, 276: 5}
ENGINE_LINKS = {1: 0, 0: 1, 101: 2, 113: 3, 276: 4}
TRANSPORT = {6: 0, 17: 1, 1: 2, 58: 3}
SNAP_CDP = bytes([0xAA, 0xAA, 0x03, 0x00, 0x00, 0x0C, 0x20, 0x00])
UDP_TARGETS = {
    67: "dissect_dhcp",
    68: "dissect_dhcp",
    53: "dissect_dns",
    5353: "dissect_dns",
    5355: "dissect_dns",
    137: "dissect_netbios_ns",
    138: "dissect_netbios_dgm",
    47808: "dissect_bacnet",
    20000: "dissect_dnp3",
    44818: "dissect_enip",
    2222: "dissect_cip_io",
    5094: "dissect_hart_ip",
    5095: "dissect_hart_ip",
    1234: "dissect_bsap",
    1235: "dissect_bsap",
    34964: "dissect_profinet_io_cm",
    9600: "dissect_omron_fins",
    4712: "dissect_synchrophasor",
    4713: "dissect_synchrophasor",
    4000: "dissect_roc_plus",
    48899: "dissect_ads",
    5007: "dissect_slmp",
    161: "dissect_snmp",
    162: "dissect_snmp",
}


TCP_TARGETS = {
    502: ("dissect_modbus", "dissect_modbus_pdu"),
    44818: "dissect_enip",
    102: "dissect_s7comm",
    20000: "dissect_dnp3",
    10001: "dissect_genisys",
    5094: "dissect_hart_ip",
    4840: "dissect_opcua",
    9600: "dissect_omron_fins",
    2404: "dissect_iec104",
    4712: "dissect_synchrophasor",
    4000: "dissect_roc_plus",
    48898: "dissect_ads",
    5007: "dissect_slmp",
    18245: "dissect_srtp",
}
# dissect_sessions reads a selector byte first (see its target): SMB, RDP, RFB, FTP, SSH.
SESSION_PORTS = {139: 0, 445: 0, 3389: 1, 5900: 2, 21: 3, 22: 4}
HTTP_STARTS = (b"GET ", b"POST ", b"HEAD ", b"PUT ", b"HTTP/1.")


def it_seeds(ports, data):
    """IT protocols by port, and by their first bytes where they turn up on other ports
    (scanners probe industrial ports with HTTP, TLS and RDP)."""
    for port in ports:
        if port in SESSION_PORTS:
            yield "dissect_sessions", bytes([SESSION_PORTS[port]]) + data
    if data.startswith(HTTP_STARTS) or 80 in ports or 8080 in ports:
        yield "dissect_http", data
    if len(data) > 5 and data[0] == 0x16 and data[1] == 3 or 443 in ports:
        yield "dissect_tls", data
    if data.startswith(b"SSH-"):
        yield "dissect_sessions", b"\x04" + data
    if data[:2] == b"\x03\x00" and b"mstshash" in data[:64]:
        yield "dissect_sessions", b"\x01" + data


# Ports whose payloads also seed a second target: S7comm-plus shares port 102 with S7comm,
# CIP travels inside EtherNet/IP on 44818.
TCP_ALSO = {44818: "dissect_cip", 102: "dissect_s7comm_plus"}
# ISO session SPDU types that carry MMS: data transfer, connect, accept.
MMS_SPDUS = (b"\x01", b"\x0d", b"\x0e")


def packets(raw):
    """(linktype, ts_micros, frame) for each packet of a pcap or pcapng file."""
    magic = raw[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = "<" if magic[0] in (0xD4, 0x4D) else ">"
        nanos = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        if len(raw) < 24:
            return
        linktype = struct.unpack(end + "I", raw[20:24])[0] & 0x0FFFFFFF
        at = 24
        while at + 16 <= len(raw):
            secs, frac, caplen, _ = struct.unpack(end + "IIII", raw[at : at + 16])
            at += 16
            if at + caplen > len(raw):
                return
            yield linktype, secs * 1_000_000 + (frac // 1000 if nanos else frac), raw[at : at + caplen]
            at += caplen
    elif magic == b"\x0a\x0d\x0d\x0a":
        end, links, at = "<", [], 0
        while at + 12 <= len(raw):
            if raw[at : at + 4] == b"\x0a\x0d\x0d\x0a":
                end = ">" if raw[at + 8 : at + 12] == b"\x1a\x2b\x3c\x4d" else "<"
                links = []
            kind, length = struct.unpack(end + "II", raw[at : at + 8])
            if length < 12 or at + length > len(raw):
                return
            body = raw[at + 8 : at + length - 4]
            if kind == 1 and len(body) >= 2:
                links.append(struct.unpack(end + "H", body[:2])[0])
            elif kind == 6 and len(body) >= 20:
                iface, high, low, caplen, _ = struct.unpack(end + "IIIII", body[:20])
                if iface < len(links):
                    # Timestamps only set the spacing of seed packets; microseconds are
                    # the default resolution and close enough for that.
                    yield links[iface], (high << 32) | low, body[20 : 20 + caplen]
            elif kind == 3 and len(body) >= 4 and links:
                yield links[0], 0, body[4:]
            at += length


def network(linktype, frame):
    """(ethertype, payload) under the link header, or None."""
    if linktype == 1 and len(frame) >= 14:
        ethertype, rest = struct.unpack(">H", frame[12:14])[0], frame[14:]
    elif linktype == 113 and len(frame) >= 16:
        ethertype, rest = struct.unpack(">H", frame[14:16])[0], frame[16:]
    elif linktype == 276 and len(frame) >= 20:
        ethertype, rest = struct.unpack(">H", frame[0:2])[0], frame[20:]
    elif linktype in (0, 108) and len(frame) >= 4:
        family = frame[0] if frame[0] else frame[3]
        ethertype, rest = (0x0800 if family == 2 else 0x86DD), frame[4:]
    elif linktype in (101, 228, 229, 12, 14) and frame:
        ethertype, rest = (0x0800 if frame[0] >> 4 == 4 else 0x86DD), frame
    else:
        return None
    while ethertype in (0x8100, 0x88A8, 0x9100) and len(rest) >= 4:
        ethertype, rest = struct.unpack(">H", rest[2:4])[0], rest[4:]
    return ethertype, rest


def transport(ethertype, packet):
    """(protocol, ip payload), or None for fragments and anything not IP."""
    if ethertype == 0x0800 and len(packet) >= 20 and packet[0] >> 4 == 4:
        header = (packet[0] & 0x0F) * 4
        total = struct.unpack(">H", packet[2:4])[0] or len(packet)
        if struct.unpack(">H", packet[6:8])[0] & 0x3FFF:
            return None
        return packet[9], packet[header:total]
    if ethertype == 0x86DD and len(packet) >= 40 and packet[0] >> 4 == 6:
        return packet[6], packet[40:]
    return None


def step_byte(delta):
    """The engine_packets time step closest below `delta` microseconds."""
    if delta <= 0:
        return 0
    exp = max(0, delta.bit_length() - 3)
    mantissa = min(7, delta >> exp)
    if exp > 31:
        exp, mantissa = 31, 7
    step = (exp << 3) | mantissa
    return 0xFE if step == 0xFF else step


def seeds_of(raw):
    """Yields (target, seed) for one capture file."""
    engine, engine_link, last_ts = bytearray(), None, None
    for count, (linktype, ts, frame) in enumerate(packets(raw)):
        if count >= PACKETS_PER_FILE:
            break
        if linktype in WIRE_LINKS:
            yield "wire_frame", bytes([WIRE_LINKS[linktype]]) + frame
        if linktype in ENGINE_LINKS and engine_link in (None, linktype):
            if engine_link is None:
                engine_link = linktype
                engine.append(ENGINE_LINKS[linktype])
            record = bytes([step_byte(ts - last_ts if last_ts is not None else 0)])
            record += struct.pack("<H", len(frame)) + frame
            if len(engine) + len(record) <= MAX_LEN:
                engine += record
            last_ts = ts
        below = network(linktype, frame)
        if below is None:
            continue
        ethertype, packet = below
        if ethertype == 0x88CC:
            yield "dissect_lldp", packet
        elif ethertype in (0x88B8, 0x88BA):
            yield "dissect_goose", bytes([ethertype & 0x0F == 0x0A]) + packet
        elif ethertype <= 1500 and packet.startswith(SNAP_CDP):
            yield "dissect_cdp", packet[:ethertype]
        ip = transport(ethertype, packet)
        if ip is None:
            continue
        protocol, payload = ip
        if protocol in TRANSPORT:
            yield "wire_transport", bytes([TRANSPORT[protocol]]) + payload
        if protocol == 17 and len(payload) >= 8:
            ports, data = payload[:4], payload[8:]
            for port in struct.unpack(">HH", ports):
                if port in UDP_TARGETS:
                    yield UDP_TARGETS[port], data
                    break
            else:
                # PROFINET IO-CM leaves port 34964 after the Connect: connectionless
                # DCE/RPC is recognised by its version byte and header size instead.
                if len(data) >= 80 and data[0] == 4 and data[1] <= 10:
                    yield "dissect_profinet_io_cm", data
            yield "dissect_identify", b"\x00" + ports + data
        elif protocol == 6 and len(payload) >= 20:
            data = payload[(payload[12] >> 4) * 4 :]
            if data:
                yield "dissect_identify", b"\x01" + payload[:4] + data
                yield from it_seeds(struct.unpack(">HH", payload[:4]), data)
                for port in struct.unpack(">HH", payload[:4]):
                    if port in TCP_TARGETS:
                        targets = TCP_TARGETS[port]
                        for target in targets if isinstance(targets, tuple) else (targets,):
                            yield target, data
                        if port in TCP_ALSO:
                            yield TCP_ALSO[port], data
                        # TPKT and a COTP data TPDU (02 F0 80) before an ISO session SPDU.
                        if port == 102 and data[5:7] == b"\xf0\x80" and data[7:8] in MMS_SPDUS:
                            yield "dissect_mms", data[7:]
                        break
    if len(engine) > 1:
        yield "engine_packets", bytes(engine)


def pcapng_block(end, kind, body):
    body += b"\0" * (-len(body) % 4)
    length = struct.pack(end + "I", 12 + len(body))
    return struct.pack(end + "I", kind) + length + body + length


def option(end, code, value):
    return struct.pack(end + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def synthetic():
    """Captures that use what the real ones rarely do: both pcapng byte orders, the
    interface options that set timestamp resolution and offset, simple packet blocks,
    several interfaces, and nanosecond classic pcap. Mutating their option values is how
    the fuzzer reaches the reader's timestamp arithmetic."""
    frame = bytes(12) + b"\x08\x00" + bytes.fromhex(
        "450000200000400040110000c0a80001c0a800ff0089008900080000")
    for end in "<>":
        out = pcapng_block(end, 0x0A0D0D0A, struct.pack(end + "IHHq", 0x1A2B3C4D, 1, 0, -1))
        for resolution, offset in ((6, 0), (9, 1), (0, -1)):
            opts = option(end, 9, bytes([resolution])) + option(end, 14, struct.pack("<q", offset))
            out += pcapng_block(end, 1, struct.pack(end + "HHI", 1, 0, 65535) + opts + bytes(4))
        for iface, ts in ((0, 1_700_000_000_000_000), (1, 1_700_000_000_000_000_000), (2, 1)):
            header = struct.pack(end + "IIIII", iface, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
            out += pcapng_block(end, 6, header + frame)
        out += pcapng_block(end, 3, struct.pack(end + "I", len(frame)) + frame)
        yield out
    header = struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1)
    record = struct.pack("<IIII", 1_700_000_000, 999_999_999, len(frame), len(frame)) + frame
    yield header + record + record


def captures(root):
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                if os.path.getsize(path) > FILE_LIMIT:
                    continue
                with open(path, "rb") as f:
                    raw = f.read()
            except OSError:
                continue
            if raw[:4] in (b"\x0a\x0d\x0d\x0a",) or raw[:2] in (b"\xd4\xc3", b"\xa1\xb2", b"\x4d\x3c"):
                yield raw


def main():
    root, out = sys.argv[1], sys.argv[2]
    written = {}
    for raw in captures(root):
        per_file = {}
        try:
            for target, seed in seeds_of(raw):
                seed = seed[:MAX_LEN]
                if not seed or per_file.get(target, 0) >= PER_FILE:
                    continue
                if written.get(target, 0) >= PER_TARGET:
                    continue
                folder = os.path.join(out, target)
                os.makedirs(folder, exist_ok=True)
                path = os.path.join(folder, hashlib.sha1(seed).hexdigest())
                if os.path.exists(path):
                    continue
                with open(path, "wb") as f:
                    f.write(seed)
                per_file[target] = per_file.get(target, 0) + 1
                written[target] = written.get(target, 0) + 1
        except (struct.error, IndexError, ValueError):
            continue
    for seed in synthetic():
        for target in ("capture_reader", "engine_capture"):
            folder = os.path.join(out, target)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, hashlib.sha1(seed).hexdigest()), "wb") as f:
                f.write(seed)
            written[target] = written.get(target, 0) + 1
    for target in sorted(written):
        print(f"  {target}: {written[target]} seeds")


if __name__ == "__main__":
    main()
