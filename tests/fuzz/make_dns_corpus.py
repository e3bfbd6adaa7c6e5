#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_dns_decode (tests/fuzz/corpus/dns/).

Each seed is one DNS message in RFC 1035 wire format, built here independently of the C++
encoder (test_dns_message.cpp checks that every seed decodes, except the bad_* ones, which
must be refused). Run it again after changing the seeds; the files are small and checked in."""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "corpus" / "dns"
A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, OPT, ANY = 1, 2, 5, 6, 12, 15, 16, 28, 41, 255
IN, CH = 1, 3


def name(text):
    """Uncompressed wire name; "" is the root."""
    out = b""
    for label in text.split(".") if text else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def ptr(offset):
    return struct.pack(">H", 0xC000 | offset)


def header(ident, flags, qd=0, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", ident, flags, qd, an, ns, ar)


def question(qname, qtype, qclass=IN):
    return qname + struct.pack(">HH", qtype, qclass)


def rr(owner, rtype, rdata, ttl=3600, rclass=IN):
    return owner + struct.pack(">HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def txt(*strings):
    return b"".join(bytes([len(s)]) + s for s in strings)


QUERY, RESPONSE_AA = 0x0100, 0x8500  # RD; QR AA RD

seeds = {}
seeds["query_mx.bin"] = header(0x1234, QUERY, qd=1) + question(name("example.com"), MX)
# dig-style: an OPT record (EDNS, 1232-byte payload, DO bit, a cookie option).
seeds["query_edns.bin"] = (header(0x0BAD, 0x0120, qd=1, ar=1) + question(name("example.com"), A)
                           + rr(b"\0", OPT, struct.pack(">HH", 10, 8) + b"\1\2\3\4\5\6\7\x08",
                                ttl=0x8000, rclass=1232))
# MX answer with compression: owner -> question (12), exchange "mx1" + pointer, additional
# owners -> the exchanges.
q = name("example.com")
resp = header(7, RESPONSE_AA, qd=1, an=2, ar=3) + question(q, MX)
mx1_at = len(resp) + 12 + 2
resp += rr(ptr(12), MX, struct.pack(">H", 10) + name("mx1")[:-1] + ptr(12))
mx2_at = len(resp) + 12 + 2
resp += rr(ptr(12), MX, struct.pack(">H", 20) + name("mx2")[:-1] + ptr(12))
resp += rr(ptr(mx1_at), A, bytes([192, 0, 2, 10]))
resp += rr(ptr(mx1_at), AAAA, bytes.fromhex("20010db8000000000000000000000010"))
resp += rr(ptr(mx2_at), A, bytes([192, 0, 2, 20]))
seeds["answer_mx_additional.bin"] = resp
soa = name("ns1.example.com") + name("hostmaster.example.com") + struct.pack(">IIIII", 1, 3600, 600, 86400, 300)
seeds["nxdomain_soa.bin"] = (header(8, 0x8503, qd=1, ns=1) + question(name("nosuch.example.com"), MX)
                             + rr(name("example.com"), SOA, soa, ttl=300))
seeds["nodata.bin"] = (header(9, RESPONSE_AA, qd=1, ns=1) + question(name("example.com"), AAAA)
                       + rr(ptr(12), SOA, name("ns1") [:-1] + ptr(12) + name("hostmaster")[:-1] + ptr(12)
                            + struct.pack(">IIIII", 1, 3600, 600, 86400, 300)))
seeds["null_mx.bin"] = (header(10, RESPONSE_AA, qd=1, an=1) + question(name("example.net"), MX)
                        + rr(ptr(12), MX, struct.pack(">H", 0) + b"\0"))
seeds["txt_spf.bin"] = (header(11, RESPONSE_AA, qd=1, an=1) + question(name("example.com"), TXT)
                        + rr(ptr(12), TXT, txt(b"v=spf1 mx -all", b"", b"x" * 255)))
seeds["cname_chain.bin"] = (header(12, RESPONSE_AA, qd=1, an=2) + question(name("www.example.com"), A)
                            + rr(ptr(12), CNAME, name("web")[:-1] + ptr(16))
                            + rr(ptr(45), A, bytes([192, 0, 2, 80])))
seeds["refused.bin"] = header(13, 0x8105, qd=1) + question(name("example.edu"), MX)
seeds["misc_types.bin"] = (header(14, 0x8400, qd=1, an=4) + question(name("version.bind"), TXT, CH)
                           + rr(ptr(12), TXT, txt(b"9.18"), rclass=CH)
                           + rr(name("1.2.0.192.in-addr.arpa"), PTR, name("example.com"))
                           + rr(name(""), NS, name("a.root-servers.net"))
                           + rr(name("odd"), 99, b"\xc0\x0c\x00"))
# STATUS opcode with many distinct questions (600+ bytes): the NOTIMP answer echoes them all,
# which cannot fit in one 512-byte datagram (the first bug this target found in CI).
STATUS = 0x1100  # opcode 2, RD
seeds["status_many_questions.bin"] = header(18, STATUS, qd=12) + b"".join(
    question(name(f"q{i}-a-rather-long-label-for-the-seed.example.com"), A) for i in range(12))
# Malformed on purpose: the decoder must refuse these (and not loop).
seeds["bad_pointer_loop.bin"] = header(15, 0, qd=1) + b"\x01a" + ptr(12) + struct.pack(">HH", A, IN)
seeds["bad_forward_pointer.bin"] = header(16, 0, qd=1) + ptr(20) + struct.pack(">HH", A, IN) + name("a")
seeds["bad_truncated.bin"] = seeds["answer_mx_additional.bin"][:-3]
seeds["bad_counts.bin"] = header(17, 0, qd=0xFFFF, an=0xFFFF)

OUT.mkdir(parents=True, exist_ok=True)
for fname, data in seeds.items():
    (OUT / fname).write_bytes(data)
print(f"wrote {len(seeds)} seeds to {OUT}")
