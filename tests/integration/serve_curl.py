"""curl, a real SMTP/POP3/IMAP client, against `smtpsim serve` (issue 7).

Mail in through 25 (plain and STARTTLS), 465 (implicit TLS) and 587 (STARTTLS + AUTH PLAIN and
LOGIN); read back through 110 (plain and STLS), 995, 143 (plain and STARTTLS) and 993. Every TLS
connection is verified against serve's own certificate (--cacert), and once against the system
CAs, which must fail (curl exit 60). curl dot-stuffs on upload and undoes it on download, so a
body line starting with "." must come back unchanged through both POP3 and IMAP.
Trusts: serve_fixture.Serve. Exit 77 (skipped) without curl.
Usage: serve_curl.py SMTPSIM_BINARY
"""
import os
import shutil
import subprocess
import sys
import time

from serve_fixture import Serve

SYSTEM_CAS = "/etc/ssl/certs/ca-certificates.crt"


class Cases:
    def __init__(self, serve):
        self.s = serve
        self.failed = []

    def curl(self, name, want_exit, url, args, expect=()):
        cmd = ["curl", "-sS", "--max-time", "120", url] + args
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=240)
        out = r.stdout.decode("utf-8", "replace")
        problems = []
        if r.returncode != want_exit:
            problems.append("curl exit %d, wanted %d" % (r.returncode, want_exit))
        problems += ["%r not in curl output" % e for e in expect if e not in out]
        if problems:
            print("FAIL: %s: %s\n%s" % (name, "; ".join(problems), out[-3000:]))
            self.failed.append(name)
        else:
            print("ok: %s (exit %d)" % (name, r.returncode))
        return out


def message(path, sender, subject):
    with open(path, "wb") as f:
        f.write(("From: %s\r\nTo: bob@example.com\r\nSubject: %s\r\n\r\n"
                 "first line\r\n.leading dot\r\nlast line\r\n" % (sender, subject)).encode())
    return path


def wait_count(s, text, n, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline and s.stdout().count(text) < n:
        time.sleep(0.05)
    return s.stdout().count(text)


def main():
    binary = sys.argv[1]
    if not shutil.which("curl"):
        print("curl not installed")
        return 77
    with Serve(binary) as s:
        c = Cases(s)
        url = lambda scheme, port, path="": "%s://127.0.0.1:%d%s" % (scheme, s.port(port), path)
        tls = ["--cacert", s.cert]
        bob = ["-u", "bob:bob"]
        stranger = ["--mail-from", "x@example.org", "--mail-rcpt", "bob@example.com"]
        alice = ["-u", "alice:alice", "--mail-from", "alice@example.com",
                 "--mail-rcpt", "bob@example.com"]
        m = lambda subject, sender="x@example.org": message(
            os.path.join(s.tmp, subject.replace(" ", "-") + ".eml"), sender, subject)

        # Mail in, in the order the mailbox will hold it (UIDs 1..4).
        c.curl("smtp:// 25 plain", 0, url("smtp", "smtp"),
               stranger + ["-T", m("curl 25 plain")])
        c.curl("smtp:// 25 STARTTLS (--ssl-reqd)", 0, url("smtp", "smtp"),
               stranger + tls + ["--ssl-reqd", "-T", m("curl 25 starttls")])
        c.curl("smtps:// 465 + AUTH=PLAIN", 0, url("smtps", "smtps"),
               alice + tls + ["--login-options", "AUTH=PLAIN",
                              "-T", m("curl 465 plain", "alice@example.com")])
        c.curl("smtp:// 587 STARTTLS + AUTH=LOGIN", 0, url("smtp", "submission"),
               alice + tls + ["--ssl-reqd", "--login-options", "AUTH=LOGIN",
                              "-T", m("curl 587 login", "alice@example.com")])
        # Refusals: a bad password is a failed login (67); a certificate no CA vouches for is
        # refused by curl itself (60) before a byte of mail is sent.
        c.curl("587 wrong password -> login denied", 67, url("smtp", "submission"),
               tls + ["--ssl-reqd", "-u", "alice:wrong", "--mail-from", "alice@example.com",
                      "--mail-rcpt", "bob@example.com", "-T", m("curl refused")],
               expect=["Login denied"])
        if os.path.exists(SYSTEM_CAS):
            c.curl("465 against the system CAs -> certificate refused", 60, url("smtps", "smtps"),
                   alice + ["--cacert", SYSTEM_CAS, "-T", m("curl untrusted")])

        n = wait_count(s, "delivered to mailbox bob", 4)
        if n != 4:
            print("FAIL: %d deliveries to bob, wanted 4" % n)
            c.failed.append("deliveries")

        # POP3: LIST, RETR; plain, STLS and implicit TLS.
        out = c.curl("pop3:// LIST", 0, url("pop3", "pop3"), bob)
        if [l.split()[0] for l in out.splitlines()] != ["1", "2", "3", "4"]:
            print("FAIL: pop3 LIST: %r" % out)
            c.failed.append("pop3 list")
        c.curl("pop3:// RETR 1", 0, url("pop3", "pop3", "/1"), bob,
               expect=["Subject: curl 25 plain", "\r\n.leading dot\r\nlast line"])
        c.curl("pop3:// STLS RETR 2", 0, url("pop3", "pop3", "/2"),
               bob + tls + ["--ssl-reqd"], expect=["Subject: curl 25 starttls"])
        c.curl("pop3s:// RETR 3", 0, url("pop3s", "pop3s", "/3"), bob + tls,
               expect=["Subject: curl 465 plain", "with ESMTPSA"])
        c.curl("pop3:// wrong password", 67, url("pop3", "pop3"), ["-u", "bob:nope"])

        # IMAP: LIST, FETCH by UID; plain, STARTTLS with AUTHENTICATE PLAIN, implicit TLS.
        c.curl("imap:// LIST", 0, url("imap", "imap", "/"), bob,
               expect=['"INBOX"'])
        c.curl("imap:// INBOX;UID=1", 0, url("imap", "imap", "/INBOX;UID=1"), bob,
               expect=["Subject: curl 25 plain", "\r\n.leading dot\r\nlast line"])
        c.curl("imap:// STARTTLS + AUTH=PLAIN, UID=4", 0, url("imap", "imap", "/INBOX;UID=4"),
               bob + tls + ["--ssl-reqd", "--login-options", "AUTH=PLAIN"],
               expect=["Subject: curl 587 login"])
        c.curl("imaps:// INBOX;UID=2", 0, url("imaps", "imaps", "/INBOX;UID=2"), bob + tls,
               expect=["Subject: curl 25 starttls"])
        c.curl("imaps:// SEARCH ALL", 0, url("imaps", "imaps", "/INBOX"),
               bob + tls + ["-X", "SEARCH ALL"], expect=["* SEARCH 1 2 3 4"])

        code = s.stop()
        out = s.stdout()
        if code != 0:
            print("FAIL: serve exit %s\n%s" % (code, s.stderr()))
            c.failed.append("exit")
        for port in (25, 465, 587, 110, 995, 143, 993):
            if "mail.example.com:%d" % port not in out:
                print("FAIL: no connection to port %d in the transcript" % port)
                c.failed.append("port %d" % port)
        if c.failed:
            print(out[-6000:])
            return 1
        print("ok: transcript shows every port")
    return 0


if __name__ == "__main__":
    sys.exit(main())
