"""Python's smtplib, poplib and imaplib against `smtpsim serve`: what serve_basic.py does not
cover (issue 7). AUTH PLAIN tried before TLS on 587 gets 538 5.7.11; AUTH LOGIN and PLAIN forced
through smtplib (its login() would pick CRAM-MD5) on 587 and 465; poplib with STLS; imaplib with
STARTTLS; and two IMAP clients on one mailbox seeing each other's flags and expunges, once by
NOOP and once pushed during IDLE (RFC 3501 section 7, RFC 2177): "IMAP synchronises".
Trusts: serve_fixture.Serve. Every TLS connection is verified against serve's certificate.
Usage: serve_pyclients.py SMTPSIM_BINARY
"""
import base64
import imaplib
import poplib
import smtplib
import ssl
import sys
import time

from serve_fixture import Serve


def submit(s, ctx):
    # 587 before TLS: PLAIN would send the password in the clear (RFC 4954 section 4).
    with smtplib.SMTP("127.0.0.1", s.port("submission"), timeout=60) as c:
        c.ehlo("laptop")
        assert "PLAIN" not in c.esmtp_features.get("auth", ""), c.esmtp_features
        code, msg = c.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice\0alice").decode())
        assert code == 538 and msg.startswith(b"5.7.11"), (code, msg)
        c.starttls(context=ctx)
        c.ehlo("laptop")
        assert "LOGIN" in c.esmtp_features["auth"], c.esmtp_features
        c.user, c.password = "alice", "alice"  # what login() would set before auth()
        code, msg = c.auth("LOGIN", c.auth_login)
        assert code == 235, (code, msg)
        c.sendmail("alice@example.com", ["bob@example.com"],
                   "Subject: py 587 login\r\n\r\none\r\n")
    # 465: implicit TLS, AUTH PLAIN forced; a second AUTH is a sequence error (RFC 4954 4).
    with smtplib.SMTP_SSL("127.0.0.1", s.port("smtps"), timeout=60, context=ctx) as c:
        c.ehlo("laptop")
        c.user, c.password = "alice", "alice"
        code, msg = c.auth("PLAIN", c.auth_plain)
        assert code == 235, (code, msg)
        code, _ = c.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice\0alice").decode())
        assert code == 503, code
        c.sendmail("alice@example.com", ["bob@example.com"],
                   "Subject: py 465 plain\r\n\r\ntwo\r\n")
    # A wrong password through LOGIN: 535 5.7.8.
    with smtplib.SMTP_SSL("127.0.0.1", s.port("smtps"), timeout=60, context=ctx) as c:
        c.ehlo("laptop")
        c.user, c.password = "alice", "wrong"
        try:
            c.auth("LOGIN", c.auth_login)
            raise AssertionError("wrong password accepted")
        except smtplib.SMTPAuthenticationError as e:
            assert e.smtp_code == 535 and e.smtp_error.startswith(b"5.7.8"), e


def pop3_stls(s, ctx):
    p = poplib.POP3("127.0.0.1", s.port("pop3"), timeout=60)
    assert "STLS" in p.capa(), p.capa()
    p.stls(context=ctx)
    assert "STLS" not in p.capa()  # RFC 2595 section 4: not offered once TLS is on
    p.user("bob")
    p.pass_("bob")
    count, _ = p.stat()
    assert count == 2, count
    uids = [l.split()[1] for l in p.uidl()[1]]
    assert len(set(uids)) == 2, uids
    body = b"\n".join(p.retr(2)[1])
    assert b"Subject: py 465 plain" in body, body
    p.quit()


def imap_starttls(s, ctx):
    m = imaplib.IMAP4("127.0.0.1", s.port("imap"), timeout=60)
    m.starttls(ssl_context=ctx)
    m.login("bob", "bob")
    typ, data = m.select("INBOX")
    assert typ == "OK" and int(data[0]) == 2, data
    typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"py 587 login" in data[0][1], data
    m.logout()


def imap_clients(s, ctx):
    """Two sessions on bob's INBOX: A changes, B is told (untagged FETCH / EXPUNGE)."""
    a = imaplib.IMAP4_SSL("127.0.0.1", s.port("imaps"), ssl_context=ctx, timeout=60)
    b = imaplib.IMAP4("127.0.0.1", s.port("imap"), timeout=60)
    b.starttls(ssl_context=ctx)
    for m in (a, b):
        m.login("bob", "bob")
        typ, data = m.select("INBOX")
        assert typ == "OK" and int(data[0]) == 2, data
    # A flags message 1; B's next NOOP carries the new flags (RFC 3501 section 7.4.2).
    typ, _ = a.store("1", "+FLAGS", "(\\Flagged)")
    assert typ == "OK"
    typ, _ = b.noop()
    fetches = b.untagged_responses.pop("FETCH", [])
    assert any(f.startswith(b"1 (FLAGS") and b"\\Flagged" in f for f in fetches), fetches
    typ, data = b.fetch("1", "(FLAGS)")
    assert b"\\Flagged" in data[0], data

    # B idles (RFC 2177); A marks message 2 \Deleted and expunges it: B is told at once,
    # without asking, first the flags then the EXPUNGE.
    tag = b._new_tag()
    b.send(tag + b" IDLE\r\n")
    line = b.readline()
    assert line.startswith(b"+"), line
    a.store("2", "+FLAGS", "(\\Deleted)")
    a.expunge()
    pushed = []
    while not any(l.startswith(b"* 2 EXPUNGE") for l in pushed):
        line = b.readline()
        assert line, pushed
        pushed.append(line)
    assert any(b"FETCH" in l and b"\\Deleted" in l for l in pushed), pushed
    b.send(b"DONE\r\n")
    line = b.readline()
    while line.startswith(b"*"):
        line = b.readline()
    assert line.startswith(tag + b" OK"), line
    typ, data = b.search(None, "ALL")
    assert data == [b"1"], data
    a.logout()
    b.logout()


def main():
    binary = sys.argv[1]
    with Serve(binary) as s:
        ctx = ssl.create_default_context(cafile=s.cert)
        submit(s, ctx)
        deadline = time.time() + 120
        while s.stdout().count("delivered to mailbox bob") < 2 and time.time() < deadline:
            time.sleep(0.05)
        pop3_stls(s, ctx)
        imap_starttls(s, ctx)
        imap_clients(s, ctx)
        code = s.stop()
        assert code == 0, (code, s.stderr())
        out = s.stdout()
        assert out.count("delivered to mailbox bob") == 2, out[-4000:]
        assert "538 5.7.11" in out and "535 5.7.8" in out, out[-4000:]
        assert "AGFsaWNlAGFsaWNl" not in out and "YWxpY2U=" not in out, "credentials shown"
    print("ok")


if __name__ == "__main__":
    main()
