"""swaks, a real SMTP client, against `smtpsim serve` on 25, 465 and 587 (issue 7).

Each case asserts swaks' exit code, which names the stage that failed (0 ok, 23 MAIL, 24 RCPT,
28 AUTH, 29 TLS), and the server reply swaks printed; at the end the serve transcript must show
the deliveries, the TLS handshakes and the refusals, with no credentials in it. TLS is verified
against serve's own self-signed certificate (swaks --tls-verify --tls-ca-path), and once against
the system CAs, which must fail: a verification that cannot fail would prove nothing.
Trusts: serve_fixture.Serve (free ports, own XDG dirs). Exit 77 (skipped) without swaks.
Usage: serve_swaks.py SMTPSIM_BINARY
"""
import os
import shutil
import subprocess
import sys

from serve_fixture import Serve

SYSTEM_CAS = "/etc/ssl/certs/ca-certificates.crt"


class Cases:
    def __init__(self, serve):
        self.s = serve
        self.failed = []

    def swaks(self, name, want_exit, port, args, expect=(), reject=()):
        cmd = ["swaks", "--server", "127.0.0.1", "--port", str(self.s.port(port)),
               "--helo", "client.example.org", "--timeout", "60"] + args
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=240)
        out = r.stdout.decode("utf-8", "replace")
        problems = []
        if r.returncode != want_exit:
            problems.append("swaks exit %d, wanted %d" % (r.returncode, want_exit))
        problems += ["%r not in swaks output" % e for e in expect if e not in out]
        problems += ["%r in swaks output" % e for e in reject if e in out]
        if problems:
            print("FAIL: %s: %s\n%s" % (name, "; ".join(problems), out))
            self.failed.append(name)
        else:
            print("ok: %s (exit %d)" % (name, r.returncode))
        return out


def main():
    binary = sys.argv[1]
    if not shutil.which("swaks"):
        print("swaks not installed")
        return 77
    with Serve(binary) as s:
        c = Cases(s)
        verify = ["--tls-verify", "--tls-ca-path", s.cert]
        alice = ["--auth-user", "alice", "--auth-password", "alice",
                 "--from", "alice@example.com"]
        stranger = ["--from", "x@example.org", "--to", "bob@example.com"]

        # Port 25, the MX: mail for its own domain without AUTH, in the clear and with STARTTLS.
        c.swaks("25 plain", 0, "smtp", stranger + ["--header", "Subject: swaks 25 plain"],
                expect=["<-  250 2.0.0", "<-  250-STARTTLS"])
        c.swaks("25 STARTTLS, verified against serve's certificate", 0, "smtp",
                stranger + verify + ["-tls", "--header", "Subject: swaks 25 starttls"],
                expect=["<-  220 2.0.0", "=== TLS started", "<~  250 2.0.0"])
        if os.path.exists(SYSTEM_CAS):
            c.swaks("25 STARTTLS against the system CAs fails verification", 29, "smtp",
                    stranger + ["-tls", "--tls-verify", "--tls-ca-path", SYSTEM_CAS],
                    expect=["certificate verify failed"])

        # Port 465, submission with implicit TLS (RFC 8314): TLS before the greeting, and
        # like 587 it wants AUTH before MAIL (RFC 6409 section 4.3).
        c.swaks("465 implicit TLS + AUTH PLAIN", 0, "smtps",
                alice + verify + ["--tlsc", "--auth", "PLAIN", "--to", "bob@example.com",
                                  "--header", "Subject: swaks 465 plain"],
                expect=["=== TLS started", "<~  220 ", "<~  235 2.7.0", "<~  250 2.0.0"])
        c.swaks("465 without AUTH refused at MAIL", 23, "smtps",
                stranger + verify + ["--tlsc"], expect=["<~* 530 5.7.0"])

        # Port 587: STARTTLS, then AUTH PLAIN or LOGIN (RFC 4954), then relaying is allowed.
        c.swaks("587 STARTTLS + AUTH PLAIN", 0, "submission",
                alice + verify + ["-tls", "--auth", "PLAIN", "--to", "bob@example.com",
                                  "--header", "Subject: swaks 587 plain"],
                expect=["<~  250-AUTH PLAIN LOGIN", "<~  235 2.7.0", "<~  250 2.0.0"])
        c.swaks("587 STARTTLS + AUTH LOGIN, relayed to another domain", 0, "submission",
                alice + verify + ["-tls", "--auth", "LOGIN", "--to", "carol@example.net",
                                  "--header", "Subject: swaks 587 login"],
                expect=["<~  334 VXNlcm5hbWU6", "<~  334 UGFzc3dvcmQ6", "<~  235 2.7.0",
                        "<~  250 2.0.0"])
        c.swaks("587 wrong password -> 535 5.7.8", 28, "submission",
                verify + ["-tls", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password",
                          "wrong", "--from", "alice@example.com", "--to", "bob@example.com"],
                expect=["<~* 535 5.7.8"])
        # Before TLS, 587 offers no plaintext mechanism (RFC 4954 section 4; the 538 5.7.11 a
        # client gets by trying anyway is asserted in serve_pyclients.py: swaks will not try
        # a mechanism that is not offered).
        out = c.swaks("587 AUTH PLAIN before TLS: not offered", 28, "submission",
                      alice + ["--auth", "PLAIN", "--to", "bob@example.com"],
                      expect=["<-  250-STARTTLS", "requested type not available"])
        if "<-  250-AUTH PLAIN" in out or "<-  250-AUTH LOGIN" in out:
            print("FAIL: plaintext AUTH advertised before TLS on 587\n" + out)
            c.failed.append("587 AUTH before TLS")
        c.swaks("587 MAIL without AUTH -> 530", 23, "submission",
                ["--from", "alice@example.com", "--to", "bob@example.com"],
                expect=["<** 530 5.7.0"])

        # Five messages reached bob, one went through the simulated relay to carol.
        ok = s.wait_for("delivered to mailbox carol", timeout=120)
        code = s.stop()
        out = s.stdout()
        checks = [
            (code == 0, "serve exit %s" % code),
            (ok, "carol's message never delivered"),
            (out.count("delivered to mailbox bob") == 4,
             "%d deliveries to bob, wanted 4" % out.count("delivered to mailbox bob")),
            ("external client 127.0.0.1:" in out, "no external client in the transcript"),
            (out.count("TLS handshake complete") >= 6, "fewer than 6 TLS handshakes"),
            ("535 5.7.8" in out and "530 5.7.0" in out, "refusals missing from transcript"),
            # base64 of "\0alice\0alice" (PLAIN) and of "alice" (LOGIN) never appear.
            ("AGFsaWNlAGFsaWNl" not in out and "YWxpY2U=" not in out, "credentials shown"),
        ]
        for good, what in checks:
            if not good:
                print("FAIL: transcript: " + what)
                c.failed.append(what)
        if c.failed:
            print(out[-6000:])
            return 1
        print("ok: transcript (deliveries, TLS, refusals, no credentials)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
