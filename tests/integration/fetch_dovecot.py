"""`smtpsim fetch` against Dovecot (issue 7): POP3 and IMAP print, list and save the messages
put into its Maildir (a dot-led line arrives un-stuffed), --delete empties the Maildir, a wrong
password gives the login exit code (28), a refused connection 2.
Usage: fetch_dovecot.py SMTPSIM_BINARY (exit 77 without Dovecot)."""
import os
import shutil
import sys
import tempfile

from real_peers import Dovecot, check, free_port, maildir_files, run

ONE = "From: x@example.org\nTo: alice@example.test\nSubject: first\n\nbody one\n.dot line\n"
TWO = "From: y@example.org\nTo: alice@example.test\nSubject: second\n\nbody two\n"


def fill(d, round_=0):
    # New names each round: Dovecot remembers expunged file names (dovecot-uidlist).
    d.put("alice", "%d.1.test" % (1000 + 10 * round_), ONE)
    d.put("alice", "%d.2.test" % (1001 + 10 * round_), TWO)


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="smtpsim-fetch-")
    try:
        with Dovecot(users=("alice",)) as d:
            scenarios(binary, d, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("ok")


def scenarios(binary, d, work):
    fill(d)
    pop3 = "127.0.0.1:%d" % d.pop3_port
    imap = "127.0.0.1:%d" % d.imap_port
    login = ["--user", "alice", "--pass", "secret"]

    # POP3: both messages printed in order, dot-stuffing undone (RFC 1939 §3).
    code, out, err = run(binary, "fetch", "--pop3", pop3, *login, "--transcript", "-")
    check(code == 0, "pop3 fetch exits 0 (got %d)" % code, out, err)
    check(out.index("Subject: first") < out.index("Subject: second"), "both, in order", out)
    check("\n.dot line\n" in out, "the dot line un-stuffed", out)
    check(" -> PASS [redacted]" in err and "secret" not in err, "password redacted", err)
    check(" -> RETR 2" in err and " -> QUIT" in err, "transcript on stderr", err)
    check(len(maildir_files(d.home("alice"))) == 2, "nothing deleted without --delete")

    # IMAP --list: one line each, with the subject; the transcript to a file.
    tfile = os.path.join(work, "imap.txt")
    code, out, err = run(binary, "fetch", "--imap", imap, *login, "--list", "--transcript", tfile)
    t = open(tfile).read()
    check(" -> a1 LOGIN alice [redacted]" in t and "BODY.PEEK[HEADER]" in t and "secret" not in t,
          "--transcript FILE: the session, password redacted, headers only for --list", t)
    check(code == 0, "imap list exits 0 (got %d)" % code, out, err)
    lines = out.strip().splitlines()
    check(len(lines) == 2 and "first" in lines[0] and "second" in lines[1], "two lines", out)

    # IMAP -o DIR: each message saved as a file, same bytes as POP3 gave (CRLF).
    save = os.path.join(work, "saved")
    code, out, err = run(binary, "fetch", "--imap", imap, *login, "-o", save)
    check(code == 0, "imap save exits 0 (got %d)" % code, out, err)
    saved = sorted(os.listdir(save))
    check(len(saved) == 2, "two files", saved)
    texts = [open(os.path.join(save, f), "rb").read() for f in saved]
    check(any(t.endswith(b"body one\r\n.dot line\r\n") for t in texts), "content saved", texts)

    # Wrong password: 28 for both protocols.
    for proto, where in (("--pop3", pop3), ("--imap", imap)):
        code, out, err = run(binary, "fetch", proto, where, "--user", "alice", "--pass", "nope")
        check(code == 28, "%s wrong password exits 28 (got %d)" % (proto, code), out, err)

    # STLS / STARTTLS required but not offered (ssl = no): the TLS code.
    code, out, err = run(binary, "fetch", "--pop3", pop3, *login, "--starttls")
    check(code == 29, "pop3 --starttls without STLS exits 29 (got %d)" % code, out, err)

    # --delete over POP3 empties the Maildir (DELE + QUIT, RFC 1939 §6).
    code, out, err = run(binary, "fetch", "--pop3", pop3, *login, "--delete", "--list",
                         "--transcript", "-")
    check(" -> TOP 1 0" in err and " -> RETR" not in err, "--list: TOP, not RETR", err)
    check(code == 0, "pop3 delete exits 0 (got %d)" % code, out, err)
    check(len(out.strip().splitlines()) == 2, "listed what it deleted", out)
    check(" 84  x@example.org" in out, "size from LIST (84 octets with CRLF), not the header", out)
    check(maildir_files(d.home("alice")) == [], "POP3 --delete emptied the Maildir",
          maildir_files(d.home("alice")))

    # --delete over IMAP (STORE \Deleted + EXPUNGE).
    fill(d, 1)
    code, out, err = run(binary, "fetch", "--imap", imap, *login, "--delete", "--transcript", "-")
    check(code == 0, "imap delete exits 0 (got %d)" % code, out, err)
    check("Subject: first" in out and "Subject: second" in out, "printed before deleting", out)
    check(" -> a4 UID STORE 3:4 +FLAGS.SILENT (\\Deleted)" in err and "EXPUNGE" in err,
          "deleted by UID (the two shown: UIDs 3 and 4 after the first round), then EXPUNGE",
          err)
    check(maildir_files(d.home("alice")) == [], "IMAP --delete emptied the Maildir",
          maildir_files(d.home("alice")))

    # An empty mailbox is not an error.
    code, out, err = run(binary, "fetch", "--imap", imap, *login)
    check(code == 0 and "no messages" in out, "empty mailbox exits 0", out, err)

    # Nobody listening: 2.
    code, out, err = run(binary, "fetch", "--pop3", "127.0.0.1:%d" % free_port(), *login)
    check(code == 2, "connection refused exits 2 (got %d)" % code, out, err)


if __name__ == "__main__":
    main()
