"""`smtpsim send` and `smtpsim fetch` against `smtpsim serve` (issue 7): STARTTLS on 587
verified with serve's own certificate (--ca), implicit TLS on 465, AUTH PLAIN and LOGIN, a
wrong password (28), serve's self-signed certificate without --ca (29), --insecure (works, and
says so on stderr); then the mail read back over POP3 (STLS), IMAP and IMAPS.
Usage: send_fetch_serve.py SMTPSIM_BINARY"""
import base64
import sys
import time

from real_peers import check, run
from serve_fixture import Serve


def main():
    binary = sys.argv[1]
    with Serve(binary) as s:
        sub = "127.0.0.1:%d" % s.port("submission")
        smtps = "127.0.0.1:%d" % s.port("smtps")
        base = ["send", "--from", "alice@example.com", "--to", "bob@example.com"]

        # 587: STARTTLS verified against serve's certificate, then AUTH PLAIN.
        code, out, err = run(binary, *base, "--server", sub, "--starttls", "--ca", s.cert,
                             "--auth", "alice:alice", "--auth-type", "PLAIN",
                             "--subject", "via starttls")
        check(code == 0, "starttls + AUTH PLAIN exits 0 (got %d)" % code, out, err)
        check(" -> STARTTLS" in out and "=== TLS started: TLS" in out, "TLS started", out)
        check(" ~> AUTH PLAIN [redacted]" in out or " ~> [redacted]" in out, "AUTH redacted",
              out)
        plain = base64.b64encode(b"\0alice\0alice").decode()
        check(plain not in out, "no credentials in the transcript", out)
        check("<~  235" in out and " ~> MAIL FROM:<alice@example.com>" in out,
              "authenticated inside TLS", out)

        # 465: implicit TLS, AUTH LOGIN.
        code, out, err = run(binary, *base, "--server", smtps, "--tls", "--ca", s.cert,
                             "--auth", "alice:alice", "--auth-type", "LOGIN",
                             "--subject", "via smtps")
        check(code == 0, "implicit TLS + AUTH LOGIN exits 0 (got %d)" % code, out, err)
        check("<~  220" in out and " ~> AUTH LOGIN" in out, "all inside TLS", out)
        check(base64.b64encode(b"alice").decode() not in out, "LOGIN answers redacted", out)

        # Wrong password: 28.
        code, out, err = run(binary, *base, "--server", sub, "--starttls", "--ca", s.cert,
                             "--auth", "alice:wrong")
        check(code == 28, "wrong password exits 28 (got %d)" % code, out, err)
        check("<~  535" in out, "the 535 is shown", out)

        # serve's self-signed certificate is not trusted without --ca: 29, nothing sent.
        code, out, err = run(binary, *base, "--server", sub, "--starttls", "--auth",
                             "alice:alice")
        check(code == 29, "untrusted certificate exits 29 (got %d)" % code, out, err)
        check("certificate" in err, "stderr says it was the certificate", err)
        check("> AUTH" not in out, "no AUTH after a failed handshake", out)
        code, out, err = run(binary, *base, "--server", smtps, "--tls", "--auth", "alice:alice")
        check(code == 29, "untrusted certificate on 465 exits 29 (got %d)" % code, out, err)

        # --insecure: works, and says so loudly.
        code, out, err = run(binary, *base, "--server", smtps, "--tls", "--insecure",
                             "--auth", "alice:alice", "--subject", "insecure")
        check(code == 0, "--insecure exits 0 (got %d)" % code, out, err)
        check("*** --insecure: the server's certificate is NOT checked" in err,
              "--insecure warns on stderr", err)

        # 587 without AUTH: MAIL refused with 530 -> 23.
        code, out, err = run(binary, *base, "--server", sub, "--starttls", "--ca", s.cert)
        check(code == 23, "MAIL without AUTH on 587 exits 23 (got %d)" % code, out, err)

        # Read it back: the three messages reach bob's mailbox through the simulated network.
        login = ["--user", "bob", "--pass", "bob"]
        pop3 = "127.0.0.1:%d" % s.port("pop3")
        deadline = time.time() + 120
        while True:
            code, out, err = run(binary, "fetch", "--pop3", pop3, *login, "--starttls",
                                 "--ca", s.cert, "--list")
            check(code == 0, "pop3 STLS list exits 0 (got %d)" % code, out, err)
            if len(out.strip().splitlines()) >= 3 or time.time() > deadline:
                break
            time.sleep(0.5)
        for subject in ("via starttls", "via smtps", "insecure"):
            check(subject in out, "POP3 lists " + subject, out)

        code, out, err = run(binary, "fetch", "--imap", "127.0.0.1:%d" % s.port("imap"), *login)
        check(code == 0, "imap fetch exits 0 (got %d)" % code, out, err)
        check("Subject: via smtps" in out and "This is a test mailing" in out, "IMAP prints", out)

        code, out, err = run(binary, "fetch", "--imap", "127.0.0.1:%d" % s.port("imaps"),
                             "--tls", "--ca", s.cert, *login, "--list", "--transcript", "-")
        check(code == 0, "imaps exits 0 (got %d)" % code, out, err)
        check(" ~> a1 LOGIN bob [redacted]" in err, "IMAP LOGIN redacted", err)

        code, out, err = run(binary, "fetch", "--pop3", pop3, "--user", "bob", "--pass", "x")
        check(code == 28, "wrong POP3 password on serve exits 28 (got %d)" % code, out, err)
        check(s.stop() == 0, "serve stops cleanly")
    print("ok")


if __name__ == "__main__":
    main()
