"""`smtpsim serve`'s limits over real sockets (issue 7): the total and per-client connection
caps (421 4.7.0 on SMTP, -ERR on POP3, * BYE on IMAP; the refused client is closed, the others
go on), and a timeout on every wait of the server side — idle SMTP, POP3 and IMAP sessions,
the message text, an AUTH exchange, a TLS handshake that never starts (implicit TLS and after
STARTTLS) — plus the minimum data rate (a trickle is cut with 421 4.4.2, a slow but steady
sender is not). The timeouts run with --timeout-scale so the RFC's minutes take seconds.
Usage: serve_limits.py SMTPSIM_BINARY"""
import socket
import ssl
import sys
import threading
import time

from robust_client import Lines, Smtp, code, connect, count_pop3
from serve_fixture import Serve

SCALE = 0.02  # SMTP 5 min -> 6 s, POP3 10 min -> 12 s, IMAP 30 min -> 36 s, TLS 60 s -> 1.2 s


def caps(binary):
    with Serve(binary, "--max-connections", "6", "--max-per-client", "3") as s:
        held = [Smtp(s.port("smtp")) for _ in range(3)]
        assert all(h.greeting.startswith("220") for h in held)
        # Past the per-client cap, each protocol's "busy" greeting, then the close.
        for port, busy in (("smtp", "421 4.7.0"), ("submission", "421 4.7.0"),
                           ("pop3", "-ERR"), ("imap", "* BYE")):
            c = Lines(connect(s.port(port)))
            text = c.closed().decode()
            assert text.startswith(busy), (port, text)
            c.sock.close()
        # Another address still gets in, up to the total cap.
        others = [Smtp(s.port("smtp"), source="127.0.0.2") for _ in range(3)]
        assert all(o.greeting.startswith("220") for o in others)
        c = Lines(connect(s.port("smtp"), source="127.0.0.3"))
        text = c.closed().decode()
        assert text.startswith("421 4.7.0"), text
        c.sock.close()
        # The held sessions were not disturbed: one sends a message.
        h = held[0]
        assert code(h.cmd("EHLO held.example.org")) == 250
        assert code(h.cmd("MAIL FROM:<x@example.org>")) == 250
        assert code(h.cmd("RCPT TO:<bob@example.com>")) == 250
        assert code(h.cmd("DATA")) == 354
        h.send(b"Subject: held\r\n\r\nstill here\r\n.\r\n")
        assert code(h.reply()) == 250
        assert code(h.cmd("QUIT")) == 221
        h.close()
        for o in held[1:] + others:
            o.close()
        # Once they are gone, there is room again (the server notices closes at once).
        deadline = time.time() + 60
        while True:
            c = Lines(connect(s.port("pop3")))
            first = c.line()
            c.sock.close()
            if first.startswith(b"+OK") or time.time() > deadline:
                break
            time.sleep(0.2)
        assert first.startswith(b"+OK"), first
        n, _ = count_pop3(s.port("pop3"))
        assert n == 1, n
        assert s.stop() == 0
        refusals = s.stdout().count("too many connections")
        assert refusals >= 5, refusals  # each refusal is in the transcript
        return refusals


def expect_closed_with(name, c, prefix, results, budget=120):
    """Waits (in a thread) for the server's last words and the close."""
    start = time.time()
    try:
        text = c.closed(timeout=budget).decode("utf-8", "replace")
        took = time.time() - start
        results[name] = (text.startswith(prefix) or (prefix == "" and text == ""), took, text)
    except Exception as e:  # a timeout: the server never gave up on the client
        results[name] = (False, time.time() - start, repr(e))


def timeouts(binary):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with Serve(binary, "-q", "--timeout-scale", str(SCALE)) as s:
        results = {}
        threads = []

        def watch(name, c, prefix):
            t = threading.Thread(target=expect_closed_with, args=(name, c, prefix, results))
            t.start()
            threads.append(t)

        # Silent after the greeting (RFC 5321 §4.5.3.2.7).
        watch("smtp idle", Smtp(s.port("smtp")), "421 4.4.2")
        # Silent after 354 (the DATA block wait).
        c = Smtp(s.port("smtp"))
        assert code(c.cmd("EHLO idle.example.org")) == 250
        assert code(c.cmd("MAIL FROM:<x@example.org>")) == 250
        assert code(c.cmd("RCPT TO:<bob@example.com>")) == 250
        assert code(c.cmd("DATA")) == 354
        watch("smtp data", c, "421 4.4.2")
        # Silent in the middle of an AUTH exchange (implicit TLS, then AUTH LOGIN's 334).
        c = Smtp.__new__(Smtp)
        Lines.__init__(c, ctx.wrap_socket(connect(s.port("smtps")), server_hostname="x"))
        assert c.reply().startswith("220")
        assert code(c.cmd("EHLO auth.example.org")) == 250
        assert c.cmd("AUTH LOGIN").startswith("334")
        watch("smtp auth", c, "421 4.4.2")
        # A TLS port and never a ClientHello; STARTTLS and never a ClientHello.
        watch("smtps no hello", Lines(connect(s.port("smtps"))), "")
        c = Smtp(s.port("submission"))
        assert code(c.cmd("EHLO tls.example.org")) == 250
        assert c.cmd("STARTTLS").startswith("220")
        watch("starttls no hello", c, "")
        watch("pop3s no hello", Lines(connect(s.port("pop3s"))), "")
        # POP3 (RFC 1939 §3) and IMAP (RFC 3501 §5.4) idle sessions.
        p = Lines(connect(s.port("pop3")))
        assert p.line().startswith(b"+OK")
        watch("pop3 idle", p, "-ERR")
        m = Lines(connect(s.port("imap")))
        assert m.line().startswith(b"* OK")
        watch("imap idle", m, "* BYE")

        # A client that pipelines and never reads: serve stops reading it, its idle timeout
        # ends the session, and the close gives up on the unread answers after 30 s
        # (net::Stream::kCloseGrace): the socket does not stay open for ever.
        deaf = Smtp(s.port("smtp"))
        assert code(deaf.cmd("EHLO deaf.example.org")) == 250
        assert code(deaf.cmd("MAIL FROM:<x@example.org>")) == 250
        deaf.sock.setblocking(False)
        batch = b"RCPT TO:<bob@example.com>\r\n" * 4000
        try:
            while True:
                deaf.sock.send(batch)
        except BlockingIOError:
            pass
        deaf.sock.setblocking(True)

        def deaf_watch():
            start = time.time()
            # Looked at without reading (reading would let serve finish its writes): the
            # kernel's TCP state of our end, 1 = still ESTABLISHED, 7 = CLOSE (reset).
            # Idle timeout + 30 s grace, after serve has worked through what it had read.
            state = 1
            while state == 1 and time.time() - start < 300 * SCALE + 30 + 120:
                time.sleep(1)
                state = deaf.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
            results["deaf"] = (state != 1, time.time() - start, "tcp state %d" % state)
            deaf.sock.close()

        t = threading.Thread(target=deaf_watch)
        t.start()
        threads.append(t)

        # The minimum data rate: 4 bytes a second is far below 500 B/s; the budget (the idle
        # timeout) runs out and the client hears 421 4.4.2. Nothing is delivered.
        trickle = Smtp(s.port("smtp"))
        assert code(trickle.cmd("EHLO trickle.example.org")) == 250
        assert code(trickle.cmd("MAIL FROM:<x@example.org>")) == 250
        assert code(trickle.cmd("RCPT TO:<bob@example.com>")) == 250
        assert code(trickle.cmd("DATA")) == 354
        # A steady sender at ~3 kB/s for longer than the idle timeout is never cut.
        steady = Smtp(s.port("smtp"))
        assert code(steady.cmd("EHLO steady.example.org")) == 250
        assert code(steady.cmd("MAIL FROM:<x@example.org>")) == 250
        assert code(steady.cmd("RCPT TO:<bob@example.com>")) == 250
        assert code(steady.cmd("DATA")) == 354
        steady.send(b"Subject: steady\r\n\r\n")
        start = time.time()
        trickle_cut = None
        line = b"x" * 298 + b"\r\n"
        idle = 300 * SCALE
        while time.time() - start < idle * 1.8:
            steady.send(line)
            if trickle_cut is None:
                try:
                    trickle.send(b"y")
                except OSError:
                    trickle_cut = time.time() - start
            time.sleep(0.1)
        steady.send(b".\r\n")
        r = steady.reply()
        assert code(r) == 250, r
        trickle_text = trickle.closed(timeout=120).decode()
        assert trickle_text.startswith("421 4.4.2"), trickle_text
        assert "minimum data rate" in trickle_text, trickle_text

        for t in threads:
            t.join(300)
        failed = {k: v for k, v in results.items() if not v[0]}
        assert not failed, failed
        assert len(results) == 9, results
        n, headers = count_pop3(s.port("pop3"))
        assert n == 1 and b"Subject: steady" in headers[0], (n, headers)
        assert s.stop() == 0
        return {k: round(v[1], 1) for k, v in results.items()}


def main():
    binary = sys.argv[1]
    refused = caps(binary)
    took = timeouts(binary)
    print("ok: caps (refusals traced: %s); timeouts at scale %s, seconds: %s" % (refused, SCALE,
                                                                               took))


if __name__ == "__main__":
    main()
