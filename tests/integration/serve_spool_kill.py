"""serve killed with SIGKILL right after its answers (no clean shutdown, no last commit) keeps
everything it answered for (issue 7, RFC 5321 section 6.1): a message for a local mailbox
(accepted on 25 and delivered in the same turn, so it never had a queue file), a message for
a remote domain that stays queued (its relay refuses), and an IMAP STORE answered OK. The
restart finds them all and nothing unfinished to clean up; the queued entry is one
<id>.queue file whose first line is the envelope.
Trusts: serve_fixture.Serve. Usage: serve_spool_kill.py SMTPSIM_BINARY
"""
import glob
import imaplib
import json
import os
import poplib
import smtplib
import socket
import ssl
import sys

from serve_fixture import Serve


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there: the relay is refused
    return port


def main(binary):
    relay = "127.0.0.1:%d" % closed_port()
    with Serve(binary, "--relay", relay) as s:
        ctx = ssl.create_default_context(cafile=s.cert)
        with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=60) as c:
            code, _ = c.ehlo("peer")
            assert code == 250
            c.sendmail("x@example.org", ["bob@example.com"], "Subject: local\r\n\r\nkept\r\n")
        with smtplib.SMTP("127.0.0.1", s.port("submission"), timeout=60) as c:
            c.starttls(context=ctx)
            c.login("alice", "alice")
            c.sendmail("alice@example.com", ["someone@example.org"],
                       "Subject: remote\r\n\r\nqueued\r\n")
        m = imaplib.IMAP4("127.0.0.1", s.port("imap"), timeout=60)
        m.login("bob", "bob")
        typ, data = m.select("INBOX")
        assert typ == "OK" and int(data[0]) == 1, data
        typ, _ = m.store("1", "+FLAGS", "(\\Flagged)")
        assert typ == "OK"
        # No LOGOUT, no Ctrl-C: the process is gone the moment the OK arrived.
        s.proc.kill()
        s.proc.wait()
        s.stop()
        spool = os.path.join(s.tmp, "spool", "mail.example.com")
        queued = glob.glob(os.path.join(spool, "queue", "*"))
        assert len(queued) == 1 and queued[0].endswith(".queue"), queued
        with open(queued[0], "rb") as f:
            envelope = json.loads(f.readline())
            body = f.read()
        assert envelope["format"] == "smtpsim-queue-2", envelope
        assert envelope["recipients"][0]["address"] == "someone@example.org", envelope
        assert envelope["content_bytes"] == len(body) and b"queued" in body, envelope
        with Serve(binary, "--relay", relay, tmp=s.tmp) as again:
            err = again.stderr()
            assert "unfinished" not in err and "cannot be read" not in err, err
            p = poplib.POP3("127.0.0.1", again.port("pop3"), timeout=60)
            p.user("bob")
            p.pass_("bob")
            assert p.stat()[0] == 1, p.stat()
            assert b"kept" in b"\n".join(p.retr(1)[1])
            p.quit()
            m = imaplib.IMAP4("127.0.0.1", again.port("imap"), timeout=60)
            m.login("bob", "bob")
            m.select("INBOX")
            typ, data = m.fetch("1", "(FLAGS)")
            assert typ == "OK" and b"\\Flagged" in data[0], data
            m.logout()
            assert again.stop() == 0, again.stderr()
            assert "(1 messages in the queue)" in again.stdout(), again.stdout()[-2000:]
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1])
