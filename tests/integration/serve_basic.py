"""`smtpsim serve` with Python's own clients: mail in on 25 and 587, read back on 110 and 143,
Ctrl-C stops with exit 0 (issue 7). Usage: serve_basic.py SMTPSIM_BINARY"""
import imaplib
import poplib
import smtplib
import ssl
import sys

from serve_fixture import Serve


def main():
    binary = sys.argv[1]
    with Serve(binary) as s:
        # Port 25: an MX accepts mail for its own domain without AUTH.
        with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=60) as c:
            c.ehlo("client.example.org")
            assert c.has_extn("starttls"), c.esmtp_features
            c.sendmail("x@example.org", ["bob@example.com"],
                       "Subject: via 25\r\n\r\nline one\r\n.leading dot\r\n")
        # ... but not for others (no relaying for strangers).
        with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=60) as c:
            try:
                c.sendmail("x@example.org", ["someone@elsewhere.test"], "Subject: x\r\n\r\nx\r\n")
                raise AssertionError("relay accepted")
            except smtplib.SMTPRecipientsRefused as e:
                code = e.recipients["someone@elsewhere.test"][0]
                assert code in (454, 550, 554), code
        # Port 587: STARTTLS, then AUTH; the certificate is the one serve made.
        ctx = ssl.create_default_context(cafile=s.cert)
        with smtplib.SMTP("127.0.0.1", s.port("submission"), timeout=60) as c:
            c.ehlo("laptop")
            # RFC 6409 + REFERENCE.md: MAIL without AUTH -> 530
            code, _ = c.mail("alice@example.com")
            assert code == 530, code
            c.rset()
            c.starttls(context=ctx)
            c.ehlo("laptop")
            c.login("alice", "alice")
            c.sendmail("alice@example.com", ["bob@example.com"],
                       "Subject: via 587\r\n\r\nsubmitted\r\n")
        assert s.wait_for("delivered to mailbox bob"), s.stdout()[-3000:]
        # POP3: both messages, dot-stuffing undone.
        p = poplib.POP3("127.0.0.1", s.port("pop3"), timeout=60)
        p.user("bob")
        p.pass_("bob")
        count, _ = p.stat()
        assert count == 2, count
        bodies = [b"\n".join(p.retr(i)[1]) for i in (1, 2)]
        p.quit()
        assert any(b".leading dot" in b for b in bodies), bodies
        assert any(b"Subject: via 587" in b for b in bodies), bodies
        # IMAP over implicit TLS sees the same mailbox.
        m = imaplib.IMAP4_SSL("127.0.0.1", s.port("imaps"), ssl_context=ctx, timeout=60)
        m.login("bob", "bob")
        typ, data = m.select("INBOX")
        assert typ == "OK" and int(data[0]) == 2, data
        typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        subjects = b"".join(x[1] for x in data if isinstance(x, tuple))
        assert b"via 25" in subjects and b"via 587" in subjects, subjects
        m.logout()
        code = s.stop()
        assert code == 0, (code, s.stderr())
        # Ctrl-C and a new start on the same state directory: the mailbox is still there
        # (Maildir under --state-dir, fsynced before each 250), UIDs and all.
        with Serve(binary, tmp=s.tmp) as again:
            p = poplib.POP3("127.0.0.1", again.port("pop3"), timeout=60)
            p.user("bob")
            p.pass_("bob")
            assert p.stat()[0] == 2, p.stat()
            p.quit()
            m = imaplib.IMAP4("127.0.0.1", again.port("imap"), timeout=60)
            m.login("bob", "bob")
            typ, data = m.select("INBOX")
            assert typ == "OK" and int(data[0]) == 2, data
            typ, data = m.uid("SEARCH", None, "ALL")
            assert data[0].split() == [b"1", b"2"], data
            m.logout()
            assert again.stop() == 0, again.stderr()
        out = s.stdout()
        assert "external client 127.0.0.1:" in out, out[:2000]
        # The AUTH payload (base64 of "\0alice\0alice") never reaches the transcript.
        assert "AGFsaWNlAGFsaWNl" not in out and "[redacted]" in out, "credentials shown"
        assert "TLS handshake complete" in out, out[:3000]
    print("ok")


if __name__ == "__main__":
    main()
