#!/usr/bin/env python3
"""Python's smtplib (a real, independent SMTP client) drives `smtpsim smtpd --stdio`
through a socket pair: the server's stdin and stdout are one end, smtplib holds the other.
Checks what lands in the Maildir. Usage: smtplib_stdio.py SMTPSIM_BINARY"""
import email
import os
import smtplib
import socket
import subprocess
import sys
import tempfile

BIN = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    else:
        print("ok:", what)


class PipeSMTP(smtplib.SMTP):
    """smtplib over an already-connected socket instead of a TCP connection."""

    def __init__(self, sock):
        super().__init__()
        self.sock = sock
        self.file = None
        code, msg = self.getreply()
        if code != 220:
            raise smtplib.SMTPConnectError(code, msg)


def session(args, maildir):
    ours, theirs = socket.socketpair()
    proc = subprocess.Popen([BIN, "smtpd", "--stdio", "--maildir", maildir] + args,
                            stdin=theirs, stdout=theirs, stderr=subprocess.PIPE)
    theirs.close()
    return PipeSMTP(ours), proc


def finish(smtp, proc):
    smtp.quit()
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err.decode()


def messages(maildir, rcpt):
    d = os.path.join(maildir, rcpt, "new")
    if not os.path.isdir(d):
        return []
    out = []
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            out.append(email.message_from_bytes(f.read()))
    return out


with tempfile.TemporaryDirectory() as md:
    # 1. Plain session: two recipients, a body with lines starting with "." (dot-stuffing).
    s, p = session(["--mailbox", "bob@example.com", "--mailbox", "carol@example.com"], md)
    code, _ = s.ehlo("client.example.net")
    check(code == 250, "EHLO answered 250")
    check(s.has_extn("pipelining") and s.has_extn("size") and s.has_extn("8bitmime"),
          "PIPELINING, SIZE and 8BITMIME advertised")
    body = ("From: a@example.org\r\nTo: bob@example.com\r\nSubject: dots\r\n\r\n"
            ".\r\n..two\r\n.leading\r\nend\r\n")
    refused = s.sendmail("a@example.org", ["bob@example.com", "carol@example.com"], body)
    check(refused == {}, "both recipients accepted")
    try:
        s.sendmail("a@example.org", ["nobody@example.com"], "Subject: x\r\n\r\nx\r\n")
        check(False, "unknown user refused")
    except smtplib.SMTPRecipientsRefused as e:
        check(e.recipients["nobody@example.com"][0] == 550, "unknown user refused with 550")
    try:
        s.sendmail("a@example.org", ["someone@example.net"], "Subject: x\r\n\r\nx\r\n")
        check(False, "relay refused")
    except smtplib.SMTPRecipientsRefused as e:
        check(e.recipients["someone@example.net"][0] == 554, "relay to example.net refused (554)")
    rc, _ = finish(s, p)
    check(rc == 0, "server exited 0 after QUIT")
    for rcpt in ("bob@example.com", "carol@example.com"):
        msgs = messages(md, rcpt)
        check(len(msgs) == 1, f"exactly one message for {rcpt}")
        if msgs:
            m = msgs[0]
            check(m["Return-Path"] == "<a@example.org>", f"Return-Path for {rcpt}")
            check(f"for <{rcpt}>" in m["Received"], f"Received: names {rcpt}")
            check(m.get_payload() == ".\n..two\n.leading\nend\n",
                  f"dot-stuffing undone exactly for {rcpt}")

    # 2. Submission rules with each AUTH mechanism smtplib knows (CRAM-MD5, PLAIN, LOGIN).
    for mech in ("CRAM-MD5", "PLAIN", "LOGIN"):
        s, p = session(["--submission"], md)
        s.ehlo("laptop.example.org")
        try:
            s.sendmail("alice@example.com", ["bob@example.com"], "Subject: x\r\n\r\nx\r\n")
            check(False, f"{mech}: MAIL without AUTH refused")
        except smtplib.SMTPSenderRefused as e:
            check(e.smtp_code == 530, f"{mech}: MAIL without AUTH gets 530")
        try:
            s.user, s.password = "alice", "wrong"
            s.auth(mech, getattr(s, "auth_" + mech.lower().replace("-", "_")))
            check(False, f"{mech}: wrong password refused")
        except smtplib.SMTPAuthenticationError as e:
            check(e.smtp_code == 535, f"{mech}: wrong password gets 535")
        s.user, s.password = "alice", "alice"
        code, _ = s.auth(mech, getattr(s, "auth_" + mech.lower().replace("-", "_")))
        check(code == 235, f"{mech}: right password gets 235")
        refused = s.sendmail("alice@example.com", ["carol@example.net"],
                             f"Subject: via {mech}\r\n\r\nrelayed\r\n")
        check(refused == {}, f"{mech}: authenticated client may relay")
        rc, err = finish(s, p)
        check(rc == 0, f"{mech}: server exited 0")
        check("wrong" not in err, f"{mech}: no password on stderr")
    check(len(messages(md, "carol@example.net")) == 3, "three relayed messages stored")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
