"""Every bad input of REFERENCE.md sent to `smtpsim serve` over a real socket (issue 7):
SMTP smuggling (exactly one message or a rejection, never two, counted in bob's mailbox over
POP3), bare LF, NUL and 8-bit bytes, a session one byte at a time, pipelining, shell text in an
address, HTTP on the SMTP port, talking before the greeting, a 10,000-recipient flood, a huge
SIZE=, an endless line (serve's memory stays bounded), STARTTLS with plaintext pipelined after
it (in the same segment and in the next one), POP3 dropped after DELE, a huge IMAP literal.
Usage: serve_robust.py SMTPSIM_BINARY"""
import poplib
import smtplib
import socket
import ssl
import sys
import threading
import time

from robust_client import Lines, Smtp, code, connect, count_pop3, reset, vm_rss_kb
from serve_fixture import Serve

# REFERENCE.md "SMTP smuggling": each put where a body line ends, a second transaction after.
SMUGGLING = [b"\n.\n", b"\n.\r\n", b"\r.\r", b"\r.\n", b"\n.\r", b"\r\n.\n", b"\r.\r\n",
             b"\r\n.\r", b"\r\n\0.\r\n", b"\r\n.\0\r\n", b"\r\n.\r\r\n", b"\r\r\n.\r\r\n"]


def open_transaction(c, rcpt="bob@example.com"):
    assert code(c.cmd("EHLO robust.example.org")) == 250
    assert code(c.cmd("MAIL FROM:<x@example.org>")) == 250
    assert code(c.cmd("RCPT TO:<%s>" % rcpt)) == 250
    assert code(c.cmd("DATA")) == 354


def smuggling(s, delivered):
    for i, variant in enumerate(SMUGGLING):
        c = Smtp(s.port("smtp"))
        open_transaction(c)
        c.send(b"Subject: carrier %d\r\n\r\nhello" % i + variant +
               b"MAIL FROM:<x@example.org>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n"
               b"Subject: smuggled %d\r\n\r\nevil\r\n.\r\n" % i)
        first = c.reply()
        assert code(first) in (250, 550), (variant, first)
        # Nothing else: a smuggled MAIL/RCPT/DATA would answer 250 250 354 250 here.
        c.send(b"NOOP\r\n")
        assert code(c.reply()) == 250, variant
        assert code(c.cmd("QUIT")) == 221
        c.close()
        delivered += code(first) == 250
    n, headers = count_pop3(s.port("pop3"))
    assert n == delivered, (n, delivered)
    assert not any(b"Subject: smuggled" in h for h in headers), "a smuggled message was delivered"
    return delivered


def bad_bytes(s, delivered):
    c = Smtp(s.port("smtp"))
    # Only CRLF ends a line (RFC 5321 §2.3.8): a bare LF command is refused, not run.
    c.send(b"EHLO bare.example.org\n")
    r = c.reply()
    assert r.startswith("500 5.5.2"), r
    assert code(c.cmd("EHLO robust.example.org")) == 250
    # NUL and 8-bit bytes in commands: refused as syntax, the session goes on.
    assert code(c.cmd(b"MAIL FROM:<a\0b@example.org>")) // 100 == 5
    assert code(c.cmd("MAIL FROM:<x@example.org>")) == 250
    assert code(c.cmd("RCPT TO:<b\u00f6b@example.com>")) // 100 == 5
    # No shell ever sees an address; quotes and '=' in ESMTP parameters are just bad syntax.
    assert code(c.cmd("RCPT TO:<;sleep 10;>")) // 100 == 5
    assert code(c.cmd("RCPT TO:<bob@example.com> NOTIFY=\"x;y\"")) // 100 == 5
    assert code(c.cmd("RCPT TO:<bob@example.com>")) == 250
    assert code(c.cmd("DATA")) == 354
    # 8-bit text and a NUL in the body: one message, stored once.
    c.send(b"Subject: eight bit\r\n\r\nGr\xc3\xbc\xc3\x9fe \xff\xfe a\0b\r\n.\r\n")
    r = c.reply()
    assert code(r) in (250, 550), r
    delivered += code(r) == 250
    assert code(c.cmd("NOOP")) == 250
    c.close()
    c = Smtp(s.port("smtp"))
    assert code(c.cmd("EHLO robust.example.org")) == 250
    r = c.cmd("MAIL FROM:<;sleep 10;>")
    assert code(r) // 100 == 5, r
    r = c.cmd("MAIL FROM:<x@example.org> SIZE=\"10\" X=;y")
    assert code(r) // 100 == 5, r
    assert code(c.cmd("NOOP")) == 250
    c.close()
    return delivered


def byte_at_a_time(s, delivered):
    """A whole session with every command split at every byte boundary."""
    c = Smtp(s.port("smtp"))

    def slow(line):
        for b in line:
            c.send(bytes([b]))
            time.sleep(0.002)

    for line, want in ((b"EHLO slow.example.org\r\n", 250), (b"MAIL FROM:<x@example.org>\r\n", 250),
                       (b"RCPT TO:<bob@example.com>\r\n", 250), (b"DATA\r\n", 354),
                       (b"Subject: byte by byte\r\n\r\nslow\r\n.\r\n", 250),
                       (b"QUIT\r\n", 221)):
        slow(line)
        r = c.reply()
        assert code(r) == want, (line, r)
    c.close()
    return delivered + 1


def pipelining(s, delivered):
    c = Smtp(s.port("smtp"))
    assert "PIPELINING" in c.cmd("EHLO pipe.example.org")
    c.send(b"MAIL FROM:<x@example.org>\r\nRCPT TO:<bob@example.com>\r\n"
           b"RCPT TO:<nobody@elsewhere.test>\r\nDATA\r\n")
    answers = [code(c.reply()) for _ in range(4)]
    assert answers[:2] == [250, 250] and answers[2] // 100 in (4, 5) and answers[3] == 354, answers
    c.send(b"Subject: pipelined\r\n\r\nbody\r\n.\r\nQUIT\r\n")
    assert code(c.reply()) == 250
    assert code(c.reply()) == 221
    c.close()
    return delivered + 1


def http_and_early_talk(s):
    c = Smtp(s.port("smtp"))
    c.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    r = c.reply()
    assert code(r) in (221, 554), r
    c.closed()  # and the connection is closed
    c.close()
    # Talking before the greeting, pipelining without having seen PIPELINING: the greeting
    # comes first whatever the client does, and the MAIL never gets a 250.
    c = Smtp(s.port("smtp"), greet=False)
    c.send(b"EHLO early.example.org\r\nMAIL FROM:<x@example.org>\r\n")
    everything = c.closed()
    text = everything.decode("utf-8", "replace")
    assert text.startswith("220 "), text
    assert "250 2.1.0" not in text, text
    assert "554 5.5.0" in text, text
    c.close()


def recipient_flood(s):
    c = Smtp(s.port("smtp"))
    assert code(c.cmd("EHLO flood.example.org")) == 250
    assert code(c.cmd("MAIL FROM:<x@example.org>")) == 250
    total = 10000
    codes = []

    def reader():
        for _ in range(total):
            r = c.reply()
            if r is None:
                break
            codes.append(r[:9])

    t = threading.Thread(target=reader)
    t.start()
    batch = b"".join(b"RCPT TO:<bob@example.com>\r\n" for _ in range(100))
    for _ in range(total // 100):
        c.send(batch)
    t.join(600)
    assert not t.is_alive(), "replies stopped"
    accepted = sum(1 for x in codes if x.startswith("250"))
    over = [x for x in codes if not x.startswith("250")]
    assert accepted >= 100, accepted  # RFC 5321 §4.5.3.1.8: at least 100
    assert len(codes) == total, len(codes)
    assert all(x == "452 4.5.3" for x in over) and len(over) == total - accepted, set(over)
    assert code(c.cmd("RSET")) == 250
    assert code(c.cmd("QUIT")) == 221
    c.close()


def huge_size(s):
    c = Smtp(s.port("smtp"))
    assert code(c.cmd("EHLO size.example.org")) == 250
    r = c.cmd("MAIL FROM:<x@example.org> SIZE=20000000")
    assert r.startswith("552"), r
    r = c.cmd("MAIL FROM:<x@example.org> SIZE=" + "9" * 40)
    assert code(r) in (552, 501, 555), r
    assert code(c.cmd("MAIL FROM:<x@example.org> SIZE=1000")) == 250
    c.close()


def endless_line(s):
    c = Smtp(s.port("smtp"))
    assert code(c.cmd("EHLO long.example.org")) == 250
    before = vm_rss_kb(s.proc.pid)
    chunk = b"A" * (1 << 20)
    for _ in range(64):  # 64 MB without CRLF
        c.send(chunk)
    c.send(b"\r\n")
    r = c.reply()
    assert r.startswith("500 5.5.2"), r
    assert code(c.cmd("NOOP")) == 250  # the session continues
    after = vm_rss_kb(s.proc.pid)
    # 64 MB went through; what serve kept is far less (ASan's own pools move a little).
    assert after - before < 32 * 1024, (before, after)
    c.close()
    return before, after


def never_reads(s):
    """A client that pipelines commands and never reads the replies: serve stops reading from
    it once its answers pile up (its sends block) instead of holding them all in memory."""
    c = Smtp(s.port("smtp"))
    assert code(c.cmd("EHLO deaf.example.org")) == 250
    assert code(c.cmd("MAIL FROM:<x@example.org>")) == 250
    before = vm_rss_kb(s.proc.pid)
    batch = b"RCPT TO:<bob@example.com>\r\n" * 4000
    c.sock.settimeout(10)
    sent = 0
    try:
        while sent < 400 * len(batch):  # 43 MB of commands, ~55 MB of replies
            c.sock.sendall(batch)
            sent += len(batch)
    except socket.timeout:
        pass
    after = vm_rss_kb(s.proc.pid)
    assert sent < 400 * len(batch), "serve read 43 MB without anyone reading its replies"
    assert after - before < 32 * 1024, (before, after)
    reset(c.sock)
    return sent


def connection_flood(s):
    """1,000 short sessions, plain and TLS, one after another: serve's memory stays flat (each
    finished connection used to stay in memory, ~100 kB under ASan)."""
    ctx = ssl.create_default_context(cafile=s.cert)
    ctx.check_hostname = False
    before = vm_rss_kb(s.proc.pid)
    for i in range(1000):
        if i % 10 == 0:
            c = Smtp.__new__(Smtp)
            Lines.__init__(c, ctx.wrap_socket(connect(s.port("smtps")), server_hostname="x"))
            assert c.reply().startswith("220")
        else:
            c = Smtp(s.port("smtp"))
        assert code(c.cmd("QUIT")) == 221
        c.sock.close()
    time.sleep(0.5)
    after = vm_rss_kb(s.proc.pid)
    assert after - before < 20 * 1024, (before, after)
    return after - before


def starttls_injection(s):
    ctx = ssl.create_default_context(cafile=s.cert)
    ctx.check_hostname = False
    # 1. The injected command in the same segment as STARTTLS (CVE-2011-0411).
    c = Smtp(s.port("smtp"))
    assert code(c.cmd("EHLO tls.example.org")) == 250
    c.send(b"STARTTLS\r\nRSET\r\nVRFY injected-one@example.com\r\n")
    r = c.reply()
    assert r.startswith("220"), r
    tls = ctx.wrap_socket(c.sock, server_hostname="mail.example.com")
    t = Smtp.__new__(Smtp)
    Lines.__init__(t, tls)
    # Inside TLS the first thing the server says is the answer to our EHLO, nothing earlier.
    r = t.cmd("EHLO tls.example.org")
    assert r.startswith("250-"), r
    assert "STARTTLS" not in r, r  # RFC 3207 §4.2: not offered again
    assert code(t.cmd("QUIT")) == 221
    tls.close()
    # 2. Plaintext sent right after the 220, in its own segment: it must not run; it ends up
    # as the start of the "ClientHello", so the handshake fails and the connection closes.
    c = Smtp(s.port("smtp"))
    assert code(c.cmd("EHLO tls.example.org")) == 250
    assert c.cmd("STARTTLS").startswith("220")
    c.send(b"VRFY injected-two@example.com\r\n")
    rest = c.closed()
    assert rest == b"" or not rest[:3].isdigit(), rest  # no plaintext reply to it
    c.close()
    # 3. The same on submission with STLS-like pipelining of AUTH (a credential grab).
    c = Smtp(s.port("submission"))
    assert code(c.cmd("EHLO tls.example.org")) == 250
    c.send(b"STARTTLS\r\nAUTH PLAIN AGFsaWNlAGFsaWNl\r\n")
    assert c.reply().startswith("220")
    tls = ctx.wrap_socket(c.sock, server_hostname="mail.example.com")
    t = Smtp.__new__(Smtp)
    Lines.__init__(t, tls)
    r = t.cmd("MAIL FROM:<alice@example.com>")
    assert code(r) in (503, 530), r  # neither EHLO nor AUTH survived the switch
    tls.close()


def pop3_drop_after_dele(s):
    n, _ = count_pop3(s.port("pop3"))
    assert n >= 2, n
    for close in (lambda sock: sock.close(), reset):
        c = Lines(connect(s.port("pop3")))
        assert c.line().startswith(b"+OK")
        for line in (b"USER bob\r\n", b"PASS bob\r\n", b"DELE 1\r\n", b"DELE 2\r\n"):
            c.sock.sendall(line)
            assert c.line().startswith(b"+OK"), line
        close(c.sock)  # no QUIT: RFC 1939 §6, the UPDATE state never comes
        time.sleep(0.5)
        again, _ = count_pop3(s.port("pop3"))
        assert again == n, (again, n)


def imap_huge_literal(s):
    c = Lines(connect(s.port("imap")))
    assert c.line().startswith(b"* OK")
    c.sock.sendall(b"a1 LOGIN {4000000000}\r\n")
    r = c.line()
    assert r.startswith(b"a1 BAD") or r.startswith(b"a1 NO") or r.startswith(b"* BYE"), r
    if not r.startswith(b"* BYE"):
        c.sock.sendall(b"a2 LOGIN bob bob\r\n")
        r = c.line()
        assert r.startswith(b"a2 OK"), r
        c.sock.sendall(b"a3 APPEND INBOX {999999999}\r\n")
        r = c.line()
        assert r.startswith(b"a3 BAD") or r.startswith(b"a3 NO") or r.startswith(b"* BYE"), r
        if not r.startswith(b"* BYE"):
            c.sock.sendall(b"a4 NOOP\r\n")
            while True:
                r = c.line()
                if not r.startswith(b"*"):
                    break
            assert r.startswith(b"a4 OK"), r
            # A non-synchronizing literal (RFC 7888 LITERAL+) past the cap: BAD, and the
            # bytes announced are discarded, never run as commands.
            c.sock.sendall(b"a5 APPEND INBOX {999999999+}\r\na6 CREATE smuggled\r\n")
            r = c.line()
            assert r.startswith(b"a5 BAD") or r.startswith(b"* BYE"), r
    c.sock.close()
    c = Lines(connect(s.port("imap")))
    assert c.line().startswith(b"* OK")
    c.sock.sendall(b"b1 LOGIN bob bob\r\nb2 LIST \"\" *\r\n")
    listing = b""
    while not listing.endswith(b"b2 OK LIST completed\r\n"):
        listing += c.line()
    assert b"smuggled" not in listing, listing
    c.sock.close()


def vanish_mid_data(s, delivered):
    # A session that stays open through all of it: others are not disturbed.
    bystander = Smtp(s.port("smtp"))
    assert code(bystander.cmd("EHLO bystander.example.org")) == 250
    for close in (lambda sock: sock.close(), reset):
        c = Smtp(s.port("smtp"))
        open_transaction(c)
        c.send(b"Subject: acknowledged\r\n\r\nkept\r\n.\r\n")
        assert code(c.reply()) == 250  # taken responsibility for: must arrive
        delivered += 1
        assert code(c.cmd("MAIL FROM:<x@example.org>")) == 250
        assert code(c.cmd("RCPT TO:<bob@example.com>")) == 250
        assert code(c.cmd("DATA")) == 354
        c.send(b"Subject: half\r\n\r\n" + b"first half of the body\r\n" * 200)
        time.sleep(0.3)
        close(c.sock)
    assert code(bystander.cmd("MAIL FROM:<x@example.org>")) == 250
    assert code(bystander.cmd("RCPT TO:<bob@example.com>")) == 250
    assert code(bystander.cmd("DATA")) == 354
    bystander.send(b"Subject: bystander\r\n\r\nfine\r\n.\r\n")
    assert code(bystander.reply()) == 250
    delivered += 1
    assert code(bystander.cmd("QUIT")) == 221
    bystander.close()
    time.sleep(0.5)
    n, headers = count_pop3(s.port("pop3"))
    assert n == delivered, (n, delivered)
    assert not any(b"Subject: half" in h for h in headers)
    assert sum(b"Subject: acknowledged" in h for h in headers) == 2
    return delivered


def silent_crowd(s):
    """50 connections that say nothing (or never start their TLS handshake) from 50 other
    addresses do not stop a normal client from sending and reading."""
    ports = ["smtp", "submission", "smtps", "pop3", "imap", "imaps"]
    crowd = [connect(s.port(ports[i % len(ports)]), source="127.0.0.%d" % (i + 2))
             for i in range(50)]
    start = time.time()
    with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=120) as c:
        c.sendmail("x@example.org", ["bob@example.com"], "Subject: past the crowd\r\n\r\nhi\r\n")
    p = poplib.POP3("127.0.0.1", s.port("pop3"), timeout=120)
    p.user("bob")
    p.pass_("bob")
    n, _ = p.stat()
    p.quit()
    took = time.time() - start
    for sock in crowd:
        sock.close()
    return n, took


def main():
    binary = sys.argv[1]
    # ASan keeps freed memory in a quarantine (256 MB by default) that would hide or fake
    # growth in the endless-line check: keep it small so VmRSS shows what serve holds.
    serve = Serve(binary, "-q", env={"ASAN_OPTIONS": "detect_leaks=0:quarantine_size_mb=8"})
    serve.args += ["-o", serve.tmp + "/transcript.txt"]
    with serve as s:
        s.transcript = lambda: open(s.tmp + "/transcript.txt", "rb").read().decode("utf-8",
                                                                                  "replace")
        delivered = smuggling(s, 0)
        delivered = bad_bytes(s, delivered)
        delivered = byte_at_a_time(s, delivered)
        delivered = pipelining(s, delivered)
        http_and_early_talk(s)
        recipient_flood(s)
        huge_size(s)
        before, after = endless_line(s)
        deaf = never_reads(s)
        flood_kb = connection_flood(s)
        starttls_injection(s)
        delivered = vanish_mid_data(s, delivered)
        pop3_drop_after_dele(s)
        imap_huge_literal(s)
        n, took = silent_crowd(s)
        delivered += 1
        assert n == delivered, (n, delivered)
        n, _ = count_pop3(s.port("pop3"))
        assert n == delivered, (n, delivered)
        code_ = s.stop()
        assert code_ == 0, (code_, s.stderr())
        # Nothing half-received was queued either (all of bob's mail is local).
        assert "(0 messages in the queue)" in s.stdout(), s.stdout()[-500:]
        text = s.transcript()
        # The injected commands never ran: no line of the transcript carries them as a command.
        assert "injected-one" not in text and "injected-two" not in text, "injection ran"
        assert "discarded (CVE-2011-0411)" in text or "TLS handshake failed" in text
        print("ok: %d messages; VmRSS %d kB -> %d kB over a 64 MB line; a client that never "
              "reads was read %d bytes; 1,000 connections: +%d kB; send+read past 50 silent "
              "connections: %.2f s" % (delivered, before, after, deaf, flood_kb, took))


if __name__ == "__main__":
    main()
