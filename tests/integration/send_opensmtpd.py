"""`smtpsim send` against OpenSMTPD delivering to Maildirs (issue 7): the message arrives with
the right headers and its dot-stuffed lines intact, several recipients each get it, a refused
recipient gives swaks' RCPT exit code (24), a refused connection the connect code (2), -o
writes the transcript. Usage: send_opensmtpd.py SMTPSIM_BINARY (exit 77 without OpenSMTPD)."""
import os
import shutil
import socket
import sys
import tempfile

from real_peers import OpenSmtpd, check, free_port, maildir_files, run

BODY = "first line\n.leading dot\n..two dots\n.\nlast line\n"


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="smtpsim-send-")
    try:
        scenarios(binary, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("ok")


def scenarios(binary, work):
    body_file = os.path.join(work, "body.txt")
    with open(body_file, "w") as f:
        f.write(BODY)
    with OpenSmtpd(users=("alice", "bob")) as mx:
        server = "127.0.0.1:%d" % mx.port

        # One recipient, body from a file with lines that need dot-stuffing (RFC 5321 §4.5.2).
        transcript = os.path.join(work, "t.txt")
        code, out, err = run(binary, "send", "--server", server, "--from", "sender@example.org",
                             "--to", "alice@example.test", "--subject", "Dots survive",
                             "--body", "@" + body_file, "-o", transcript, "--helo",
                             "client.example.org")
        check(code == 0, "plain send exits 0 (got %d)" % code, out, err)
        check(out == "", "-o: nothing on standard output", out)
        text = open(transcript).read()
        check(" -> MAIL FROM:<sender@example.org>" in text, "transcript has MAIL", text)
        check(" -> ..leading dot" in text, "transcript shows the line dot-stuffed", text)
        check("<-  250 " in text and " -> QUIT" in text, "transcript has replies and QUIT", text)
        files = mx.wait_delivered("alice", 1)
        check(len(files) == 1, "delivered once to alice", files, mx.log())
        msg = open(files[0], "rb").read().decode()
        check("\nSubject: Dots survive\n" in msg, "Subject header", msg)
        check("\nFrom: sender@example.org\n" in msg, "From header", msg)
        check("\nTo: alice@example.test\n" in msg, "To header", msg)
        check("\nMessage-ID: <" in msg and "\nDate: " in msg, "Message-ID and Date", msg)
        body = msg.split("\n\n", 1)[1]
        check(body == BODY, "body intact after dot-stuffing: %r" % body, msg)

        # Several recipients, given twice and comma-separated.
        code, out, err = run(binary, "send", "--server", server, "--from", "sender@example.org",
                             "--to", "alice@example.test,bob@example.test", "--subject", "Both",
                             "--body", "hello both")
        check(code == 0, "two recipients exit 0 (got %d)" % code, out, err)
        check(out.count("RCPT TO:") == 2, "two RCPT commands", out)
        bob = mx.wait_delivered("bob", 1)
        alice = mx.wait_delivered("alice", 2)
        check(len(bob) == 1 and len(alice) == 2, "each recipient got it", alice, bob)
        check("\nTo: alice@example.test, bob@example.test\n" in open(bob[0]).read(),
              "To header lists both", open(bob[0]).read())

        # A domain OpenSMTPD does not deliver: 550 to RCPT -> 24, as swaks.
        code, out, err = run(binary, "send", "--server", server, "--from", "sender@example.org",
                             "--to", "someone@unknown.invalid")
        check(code == 24, "unknown domain exits 24 (got %d)" % code, out, err)
        check("<-  550" in out and "*** <someone@unknown.invalid>: refused" in out,
              "the refusal is in the transcript", out)
        check(" -> DATA" not in out, "no DATA without a recipient", out)

        # One good, one refused: the message goes; the refusal is reported; exit 0 (swaks).
        code, out, err = run(binary, "send", "--server", server, "--from", "sender@example.org",
                             "--to", "bob@example.test", "--to", "x@unknown.invalid")
        check(code == 0, "partly refused exits 0 (got %d)" % code, out, err)
        check("*** <x@unknown.invalid>: refused" in out, "the refused one is flagged", out)
        check(len(mx.wait_delivered("bob", 2)) == 2, "bob got the second one")

        # The body from standard input (--body @-); a display name stays out of the envelope.
        code, out, err = run(binary, "send", "--server", server, "--from", "sender@example.org",
                             "--to", "Bob Example <bob@example.test>", "--subject", "stdin",
                             "--body", "@-", stdin=b"piped in\n.\n")
        check(code == 0, "--body @- exits 0 (got %d)" % code, out, err)
        check(" -> RCPT TO:<bob@example.test>" in out, "bare address in RCPT", out)
        got = [open(f).read() for f in mx.wait_delivered("bob", 3)]
        piped = [g for g in got if g.endswith("\n\npiped in\n.\n")]
        check(len(piped) == 1, "piped body delivered", got)
        check("\nTo: Bob Example <bob@example.test>\n" in piped[0], "To: keeps the name", piped)

        # This OpenSMTPD has no certificate and no AUTH: asking for them fails at that stage.
        code, out, err = run(binary, "send", "--server", server, "--from", "sender@example.org",
                             "--to", "alice@example.test", "--starttls")
        check(code == 29, "--starttls without STARTTLS offered exits 29 (got %d)" % code, out, err)
        check(" -> MAIL" not in out, "nothing sent in plaintext instead", out)
        code, out, err = run(binary, "send", "--server", server, "--from", "sender@example.org",
                             "--to", "alice@example.test", "--auth", "alice:secret")
        check(code == 28, "--auth without AUTH offered exits 28 (got %d)" % code, out, err)
        check(" -> MAIL" not in out, "no mail without the AUTH asked for", out)
        check(len(maildir_files(mx.home("alice"))) == 2, "alice got nothing more")

    # Nothing listens there any more: connection refused -> 2.
    port = free_port()
    code, out, err = run(binary, "send", "--server", "127.0.0.1:%d" % port, "--from",
                         "a@example.org", "--to", "b@example.test")
    check(code == 2, "connection refused exits 2 (got %d)" % code, out, err)
    check("connection refused" in err, "says so on stderr", err)

    # A server that accepts the connection and never greets: --timeout ends it with 21.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    code, out, err = run(binary, "send", "--server", "127.0.0.1:%d" % silent.getsockname()[1],
                         "--from", "a@example.org", "--to", "b@example.test", "--timeout", "1")
    silent.close()
    check(code == 21, "silent server exits 21 (got %d)" % code, out, err)
    check("timeout" in out, "the transcript says timeout", out)

    # Bad options: 1, as swaks.
    code, out, err = run(binary, "send", "--server", "127.0.0.1:25", "--to", "b@example.test")
    check(code == 1, "missing --from exits 1 (got %d)" % code, out, err)
    code, out, err = run(binary, "send", "--server", "127.0.0.1:25", "--from", "a@example.org",
                         "--to", "b@example.test", "--body", "@" + os.path.join(work, "nope"))
    check(code == 1, "unreadable body file exits 1 (got %d)" % code, out, err)


if __name__ == "__main__":
    main()
