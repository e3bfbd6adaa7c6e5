#!/usr/bin/env python3
"""Writes the seed corpus of the SMTP fuzz targets (tests/fuzz/corpus/{server,client}/).

Each seed is a realistic session in the targets' input format (see the header comments of
fuzz_smtp_server.cpp and fuzz_smtp_client.cpp): a few configuration bytes, then the peer's
bytes cut into segments by the escape byte 0xFF followed by an action byte. Run it again
after changing the format; the files are small and checked in."""
import base64
import hashlib
import hmac
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
SEG, SEG_NODRIVE, EOF, TIMEOUT, SHUTDOWN, SPURIOUS_TLS = range(6)  # server actions
# the client target's actions are the same numbers except 4 = spurious tls_established()


def session(turns):
    """Joins turns (str/bytes, or an int action) with escapes: consecutive text turns are
    separated by a plain segment break, an int turn is the action ending the text before."""
    out = bytearray()
    for i, t in enumerate(turns):
        if isinstance(t, int):
            out += bytes([0xFF, t])
            continue
        out += t.encode("latin-1") if isinstance(t, str) else t
        if i + 1 < len(turns) and not isinstance(turns[i + 1], int):
            out += bytes([0xFF, SEG])
    return bytes(out)


def server_seed(name, cfg_a, cfg_b, decisions, turns):
    data = bytes([cfg_a, cfg_b]) + struct.pack("<I", decisions) + session(turns)
    (HERE / "corpus" / "server" / name).write_bytes(data)


def b64(s):
    return base64.b64encode(s.encode()).decode()


# ServerConfig bits (fuzz_smtp_server.cpp make_config)
STARTTLS, IMPLICIT_TLS, AUTH, AUTH_REQ, PLAIN_NEEDS_TLS, TLS_REQ, SYNC, REJECT_BARE = (
    1 << i for i in range(8))
NO_PIPE, NO_8BIT, NO_SIZE, NO_ENH, RESTRICTED, SMALL_SIZE, SMALL_RCPT, SMALL_ERR = (
    1 << i for i in range(8))

BODY = ("From: Carol <carol@example.net>\r\nTo: Alice <alice@example.com>\r\n"
        "Subject: lunch\r\n\r\nAre we still on for noon?\r\n..and a dot line\r\n")

server_seed("plain.bin", SYNC, 0, 0, [
    "EHLO client.example.net\r\n",
    "MAIL FROM:<carol@example.net> SIZE=200\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n",
    BODY + ".\r\n",
    "QUIT\r\n",
])

server_seed("pipelined_rset.bin", 0, RESTRICTED, 0, [
    "EHLO client.example.net\r\n",
    "MAIL FROM:<carol@example.net> BODY=8BITMIME\r\nRCPT TO:<alice@example.com>\r\n"
    "RCPT TO:<nobody@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n",
    BODY[:40], BODY[40:] + ".\r", "\n",
    "MAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nRSET\r\nNOOP\r\n",
    "VRFY alice\r\nHELP MAIL\r\nHELP\r\n",
    "MAIL FROM:<carol@example.net>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n.\r\nQUIT\r\n",
])

server_seed("starttls_auth_plain.bin", STARTTLS | AUTH | PLAIN_NEEDS_TLS | SYNC, 0, 0, [
    "EHLO laptop.example.com\r\n",
    "AUTH PLAIN " + b64("\0alice\0alice") + "\r\n",
    "STARTTLS\r\n",
    "EHLO laptop.example.com\r\n",
    "AUTH PLAIN " + b64("\0alice\0alice") + "\r\n",
    "MAIL FROM:<alice@example.com>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n",
    BODY + ".\r\n",
    "QUIT\r\n",
])

challenge = "<1@mail.example.com>"
cram = "alice " + hmac.new(b"alice", challenge.encode(), hashlib.md5).hexdigest()
server_seed("submission_login_cram.bin",
            STARTTLS | AUTH | AUTH_REQ | PLAIN_NEEDS_TLS | TLS_REQ | SYNC, 0, 0, [
    "EHLO laptop.example.com\r\n",
    "MAIL FROM:<alice@example.com>\r\n",
    "STARTTLS\r\n",
    "EHLO laptop.example.com\r\n",
    "AUTH LOGIN\r\n", b64("alice") + "\r\n", b64("wrong") + "\r\n",
    "AUTH CRAM-MD5\r\n", b64(cram) + "\r\n",
    "MAIL FROM:<alice@example.com>\r\n",
    "RCPT TO:<bob@example.com>\r\n", "DATA\r\n", BODY + ".\r\n",
    "AUTH LOGIN " + b64("bob") + "\r\n",
    "QUIT\r\n",
])

server_seed("errors_limits.bin", REJECT_BARE, SMALL_SIZE | SMALL_RCPT, 0, [
    "HELO me\r\n",
    "FOO bar\r\nMAIL\r\nRCPT TO:<a@example.com>\r\nDATA\r\nEXPN staff\r\nAUTH PLAIN\r\n",
    "MAIL FROM:<carol@example.net> SIZE=99999\r\n",
    "MAIL FROM:<carol@example.net>\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
    "RCPT TO:<c@example.com>\r\nRCPT TO:<d@example.com>\r\nRCPT TO:<x@[192.0.2.1]>\r\nDATA\r\n",
    "Subject: smuggle\r\n\r\nhello\n.\nMAIL FROM:<evil@example.net>\r\nline\r\n.\r\n",
    "NOOP\nRSET\r\n" + "X" * 600 + "\r\n",
    "GET / HTTP/1.1\r\n",
])

server_seed("controls.bin", AUTH, NO_ENH, 0x9C6E35A1, [
    "EHLO c.example.net\r\nMAIL FROM:<a@example.net>\r\n", SEG_NODRIVE,
    "RCPT TO:<alice@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n", SEG,
    "body\r\n.\r\n", SPURIOUS_TLS,
    "MAIL FROM:<b@example.net>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nunfinished\r\n", TIMEOUT,
    "NOOP\r\n", EOF,
])

server_seed("too_many_errors.bin", 0, SMALL_ERR | NO_PIPE, 0, [
    "EHLO c.example.net\r\n", "MAIL FROM:<a@example.net>\r\nRCPT TO:<alice@example.com>\r\n",
    "DATA x\r\nBDAT 10\r\nHELO\r\nVRFY\r\nRCPT TO:<bad address>\r\nQUIT\r\n",
])

whole = "EHLO x.example.net\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n.hi\r\n.\r\nQUIT\r\n"
server_seed("bytewise.bin", 0, 0, 0x00000000, [c for c in whole])


# ---------------------------------------------------------------------------------------
# Client seeds: byte 0 ClientConfig, byte 1 the owner (fuzz_smtp_client.cpp make_config).
def client_seed(name, cfg_a, cfg_b, turns):
    data = bytes([cfg_a, cfg_b]) + session(turns)
    (HERE / "corpus" / "client" / name).write_bytes(data)


T_NONE, T_IF_OFFERED, T_REQUIRED, T_IMPLICIT = range(4)
C_AUTH, C_PLAIN, C_LOGIN, C_CRAM, C_HELO, C_NO_PIPE, C_ALL_OR_NOTHING = (
    0x04, 0x08, 0x10, 0x18, 0x20, 0x40, 0x80)
O_NO_SIZE, O_8BIT, O_FINISH_EARLY, O_MORE_WHEN_IDLE, O_TLS_FAILS, O_LONG_PASS = (
    0x01, 0x02, 0x10, 0x20, 0x40, 0x80)
def O_MESSAGES(n): return (n - 1) << 2

GREETING = "220 mx.example.com ESMTP smtpsim\r\n"
EHLO = ("250-mx.example.com Hello client.example.net\r\n250-PIPELINING\r\n"
        "250-SIZE 10240000\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n")

client_seed("plain_pipelined.bin", T_NONE, O_MESSAGES(2) | O_8BIT, [
    GREETING, EHLO,
    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n",
    "250 2.0.0 Ok: queued as 1A2B\r\n",
    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <carol@example.net>: User unknown\r\n",
    "354 End data with <CR><LF>.<CR><LF>\r\n",
    "250 2.0.0 Ok: queued as 3C4D\r\n",
    "221 2.0.0 Bye\r\n",
])

client_seed("starttls_auth_plain.bin", T_REQUIRED | C_AUTH | C_PLAIN, O_MESSAGES(1), [
    GREETING,
    "250-mx.example.com\r\n250-STARTTLS\r\n250 PIPELINING\r\n",
    "220 2.0.0 Ready to start TLS\r\n",
    "250-mx.example.com\r\n250-AUTH PLAIN LOGIN\r\n250-PIPELINING\r\n250 SIZE 1000000\r\n",
    "235 2.7.0 Authentication successful\r\n",
    "250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n354 Go ahead\r\n",
    "250 2.0.0 Ok: queued\r\n",
    "221 2.0.0 Bye\r\n",
])

client_seed("auth_login_sequential.bin", T_IF_OFFERED | C_AUTH | C_LOGIN | C_NO_PIPE,
            O_MESSAGES(2) | O_NO_SIZE, [
    GREETING,
    "250-mx.example.com\r\n250-AUTH LOGIN PLAIN\r\n250 8BITMIME\r\n",
    "334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "235 2.7.0 Ok\r\n",
    "250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n", "354 Go ahead\r\n", "250 2.0.0 Ok: queued\r\n",
    "250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n", "451 4.3.0 Try again later\r\n",
    "354 Go ahead\r\n", "250 2.0.0 Ok: queued\r\n",
    "221 2.0.0 Bye\r\n",
])

client_seed("implicit_tls_cram.bin", T_IMPLICIT | C_AUTH | C_CRAM, O_MESSAGES(1) | O_FINISH_EARLY, [
    "220 smtps.example.com ESMTP\r\n",
    "250-smtps.example.com\r\n250 AUTH CRAM-MD5\r\n",
    "334 " + b64("<1@mail.example.com>") + "\r\n",
    "235 2.7.0 Ok\r\n",
    "250 Ok\r\n", "250 Ok\r\n", "354 Go\r\n", "250 Ok\r\n",
    "221 Bye\r\n",
])

client_seed("helo_fallback_refusals.bin", T_NONE, O_MESSAGES(4) | O_MORE_WHEN_IDLE, [
    GREETING,
    "500 5.5.2 Error: command not recognized\r\n",
    "250 mx.example.com\r\n",
    "550 5.7.1 Sender rejected\r\n", "250 2.0.0 Ok\r\n",
    "250 Ok\r\n", "250 Ok\r\n", "550 5.1.1 No such user\r\n", "354 Go\r\n",
    "552-5.3.4 Message too big\r\n552 5.3.4 for this system\r\n",
    "250 Ok\r\n", "250 Ok\r\n", "354 Go\r\n", "250 Ok\r\n",
    "250 Ok\r\n", "421 4.4.2 mx.example.com Error: timeout exceeded\r\n",
])

client_seed("all_or_nothing.bin", C_ALL_OR_NOTHING, O_MESSAGES(2), [
    GREETING, EHLO,
    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n", "354 Go\r\n", "250 2.0.0 Ok\r\n",
    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n450 4.2.0 Greylisted\r\n", "250 2.0.0 Ok\r\n",
    "221 2.0.0 Bye\r\n", SEG, "", EOF,
])

client_seed("greeting_refused.bin", T_IF_OFFERED, O_MESSAGES(1), [
    "554-mx.example.com\r\n554 No SMTP service here\r\n", "221 Bye\r\n",
])

client_seed("starttls_injection.bin", T_IF_OFFERED, O_MESSAGES(1), [
    GREETING, "250-mx.example.com\r\n250 STARTTLS\r\n",
    "220 Ready\r\n250 injected before the handshake\r\n",
    "250-mx.example.com\r\n250 SIZE\r\n", "250 Ok\r\n", "250 Ok\r\n", "354 Go\r\n",
    "250 Ok\r\n", "221 Bye\r\n",
])

client_seed("starttls_handshake_fails.bin", T_IF_OFFERED, O_MESSAGES(1) | O_TLS_FAILS, [
    GREETING, "250-mx.example.com\r\n250 STARTTLS\r\n", "220 Ready\r\n",
])

client_seed("timeout_during_data.bin", T_NONE, O_MESSAGES(1) | O_LONG_PASS, [
    GREETING, EHLO, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n", TIMEOUT, "354 Go\r\n",
])
