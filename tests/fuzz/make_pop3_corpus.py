#!/usr/bin/env python3
"""Writes the seed corpus of the POP3 fuzz targets (tests/fuzz/corpus/pop3_{server,client}/).

Each seed is a realistic session in the targets' input format (see the header comments of
fuzz_pop3_server.cpp and fuzz_pop3_client.cpp): configuration bytes, then the peer's bytes
cut into segments by the escape byte 0xFF followed by an action byte. Run it again after
changing the format; the files are small and checked in."""
import hashlib
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
# server actions
S_SEG, S_EOF, S_TIMEOUT, S_SHUTDOWN, S_SPURIOUS_TLS, S_FF, S_DELIVER, S_STEAL = range(8)
# client actions
C_SEG, C_EOF, C_TIMEOUT, C_TLS_FAILS = range(4)
APOP_TS = "<1896.697170952@dbc.mtview.ca.us>"


def session(turns, seg=0):
    """Joins text turns with segment breaks; an int turn is the action ending the text before."""
    out = bytearray()
    for i, t in enumerate(turns):
        if isinstance(t, int):
            out += bytes([0xFF, t])
            continue
        out += t.encode("latin-1")
        if i + 1 < len(turns) and not isinstance(turns[i + 1], int):
            out += bytes([0xFF, seg])
    return bytes(out)


def write(kind, name, data):
    d = HERE / "corpus" / kind
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def server_seeds():
    login = "USER alice\r\nPASS secret\r\n"
    apop = "APOP alice " + hashlib.md5((APOP_TS + "secret").encode()).hexdigest() + "\r\n"
    seeds = {
        "happy": (0, 0, ["CAPA\r\n", login, "STAT\r\n", "LIST\r\n", "UIDL\r\n", "RETR 1\r\n",
                         "TOP 2 0\r\n", "DELE 1\r\n", "QUIT\r\n"]),
        "pipelined": (0, 0, [login + "STAT\r\nLIST 2\r\nUIDL 3\r\nRETR 3\r\nDELE 2\r\nRSET\r\n"
                             "DELE 4\r\nQUIT\r\n"]),
        "apop": (0x08, 0, [apop, "RETR 2\r\nDELE 2\r\nQUIT\r\n"]),
        "stls": (0x05, 0, ["CAPA\r\n", "USER alice\r\n", "STLS\r\nUSER alice\r\n", "CAPA\r\n",
                           login, "QUIT\r\n"]),
        "wrong_pass": (0, 0x01, [login, "USER ghost\r\nPASS boo\r\n", login, "NOOP\r\n"]),
        "bad_input": (0x30, 0, ["USER al\x00ce\r\n", "USER alice\nPASS x\n",
                                "X" * 300 + "\r\n", "RETR 0\r\n", login, "RETR -1\r\nTOP 1\r\n"]),
        "drop_after_dele": (0, 0, [login, "DELE 1\r\nDELE 2\r\n", S_EOF]),
        "changes": (0, 0, [login, S_DELIVER, "STAT\r\n", S_STEAL, "RETR 1\r\nDELE 1\r\nQUIT\r\n"]),
        "timeout": (0, 0, [login, "DELE 1\r\n", S_TIMEOUT]),
    }
    for name, (cfg, bits, turns) in seeds.items():
        write("pop3_server", name, bytes([cfg, bits]) + session(turns, S_SEG))


def server_lines(*lines):
    return "".join(l + "\r\n" for l in lines)


def client_seeds():
    greeting = "+OK POP3 ready " + APOP_TS + "\r\n"
    capa = server_lines("+OK", "TOP", "UIDL", "USER", "STLS", "PIPELINING", ".")
    msg1 = server_lines("+OK 30 octets", "Subject: a", "", "..dot", "body", ".")
    msg2 = server_lines("+OK", "Subject: b", "", "x", ".")
    uidl = server_lines("+OK", "1 1.1", "2 1.2", ".")
    seeds = {
        "happy": (0, [greeting, capa, "+OK\r\n", "+OK\r\n", "+OK 2 60\r\n", uidl, msg1, msg2,
                      "+OK bye\r\n"]),
        "delete": (0x08, [greeting, capa, "+OK\r\n", "+OK\r\n", "+OK 2 60\r\n", uidl, msg1,
                          "+OK\r\n", msg2, "-ERR no\r\n", "+OK\r\n"]),
        "apop_known": (0x14, [greeting, capa, "+OK\r\n", "+OK 2 60\r\n", uidl, msg2, "+OK\r\n"]),
        "stls": (0x02, [greeting, capa, "+OK begin\r\n+OK injected\r\n", capa, "+OK\r\n",
                        "+OK\r\n", "+OK 0 0\r\n", "+OK\r\n"]),
        "no_capa_no_uidl": (0x20, [greeting, "-ERR\r\n", "+OK\r\n", "+OK\r\n", "+OK 3 9\r\n",
                                   "-ERR\r\n", server_lines("+OK", "1 3", "2 3", "3 3", "."),
                                   msg1, "-ERR gone\r\n", msg2, "+OK\r\n"]),
        "errors": (0, [greeting, capa, "-ERR [AUTH] bad\r\n", "+OK\r\n"]),
        "garbage": (0, [greeting, capa, "+OK\r\n", "+OK\r\n", "+OK lots\r\n"]),
        "eof_mid_message": (0, [greeting, capa, "+OK\r\n", "+OK\r\n", "+OK 1 9\r\n",
                                server_lines("+OK", "1 z", "."), "+OK\r\nSubject: half",
                                C_EOF]),
    }
    for name, (cfg, turns) in seeds.items():
        write("pop3_client", name, bytes([cfg]) + session(turns, C_SEG))


if __name__ == "__main__":
    server_seeds()
    client_seeds()
