#!/usr/bin/env python3
"""Python's imaplib (a real, independent IMAP client) drives `smtpsim imapd --stdio`
through imaplib.IMAP4_stream: log in, select, fetch, store flags, search, append, expunge,
log out, with assertions on every answer. Usage: imaplib_stdio.py SMTPSIM_BINARY"""
import imaplib
import shlex
import sys

BIN = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    else:
        print("ok:", what)


def main():
    m = imaplib.IMAP4_stream(shlex.quote(BIN) + " imapd --stdio --crlf never")
    check("IMAP4REV1" in m.capabilities, "greeting advertises IMAP4rev1")
    check("IDLE" in m.capabilities, "IDLE advertised")

    try:
        m.login("alice", "wrong")
        check(False, "wrong password refused")
    except imaplib.IMAP4.error as e:
        check("AUTHENTICATIONFAILED" in str(e), "wrong password refused")

    typ, _ = m.login("alice", "alice")
    check(typ == "OK", "LOGIN alice")

    typ, data = m.list()
    names = [d.decode() for d in data]
    check(typ == "OK" and any('"INBOX"' in n for n in names) and any('"Sent"' in n for n in names),
          "LIST shows INBOX and Sent: %s" % names)

    typ, data = m.select("INBOX")
    check(typ == "OK" and data == [b"2"], "SELECT INBOX has 2 welcome messages: %s" % data)

    typ, data = m.fetch("1:2", "(UID FLAGS RFC822.SIZE ENVELOPE)")
    check(typ == "OK" and len([d for d in data if d]) == 2, "FETCH 1:2 metadata")
    check(b"Welcome to smtpsim" in data[0], "ENVELOPE carries the subject")

    typ, data = m.fetch("2", "(BODY.PEEK[])")
    body = data[0][1]
    check(typ == "OK" and b"Shall we meet at noon?" in body and b"Subject: Lunch tomorrow?" in body,
          "BODY.PEEK[] returns the whole message as a literal")

    typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    check(data[0][1] == b"Subject: Welcome to smtpsim\r\n\r\n", "HEADER.FIELDS (SUBJECT)")

    typ, data = m.search(None, "UNSEEN")
    check(data == [b"1 2"], "both unseen at first: %s" % data)

    typ, data = m.store("1", "+FLAGS", "(\\Seen \\Flagged)")
    check(typ == "OK" and b"\\Seen" in data[0] and b"\\Flagged" in data[0], "STORE +FLAGS: %s" % data)

    typ, data = m.search(None, "UNSEEN")
    check(data == [b"2"], "SEARCH UNSEEN after STORE: %s" % data)
    typ, data = m.search(None, "FROM", '"bob"')
    check(data == [b"2"], "SEARCH FROM bob: %s" % data)
    typ, data = m.uid("SEARCH", "FLAGGED")
    check(data == [b"1"], "UID SEARCH FLAGGED: %s" % data)

    msg = b"From: alice@example.com\r\nTo: bob@example.com\r\nSubject: draft\r\n\r\nhello\r\n"
    typ, data = m.append("INBOX", "(\\Draft)", imaplib.Time2Internaldate(1700000000), msg)
    check(typ == "OK", "APPEND with flags and date: %s" % data)
    typ, data = m.noop()
    typ, data = m.select("INBOX")
    check(data == [b"3"], "three messages after APPEND: %s" % data)
    typ, data = m.fetch("3", "(FLAGS INTERNALDATE BODY.PEEK[TEXT])")
    check(b"\\Draft" in data[0][0] and data[0][1] == b"hello\r\n", "appended message comes back")

    typ, data = m.copy("3", "Sent")
    check(typ == "OK", "COPY to Sent")
    typ, data = m.status("Sent", "(MESSAGES UNSEEN)")
    check(typ == "OK" and b"MESSAGES 1" in data[0], "STATUS Sent: %s" % data)

    m.store("2", "+FLAGS", "(\\Deleted)")
    typ, data = m.expunge()
    check(typ == "OK" and data == [b"2"], "EXPUNGE reports message 2: %s" % data)
    typ, data = m.search(None, "ALL")
    check(data == [b"1 2"], "two messages left: %s" % data)
    typ, data = m.uid("FETCH", "3", "(UID)")
    check(b"UID 3" in data[0], "UID FETCH of the appended message: %s" % data)

    typ, data = m.close()
    check(typ == "OK", "CLOSE")
    typ, data = m.logout()
    check(typ == "BYE", "LOGOUT: %s" % typ)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # an exception is a failure with its reason shown
        failures.append(repr(e))
        print("FAIL: exception", repr(e))
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")
