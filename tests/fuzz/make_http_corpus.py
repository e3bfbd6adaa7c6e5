#!/usr/bin/env python3
"""Writes the seed corpus of the HTTP fuzz targets (tests/fuzz/corpus/http_{server,client}/).

Each seed is a realistic exchange in the targets' input format (see the header comments of
fuzz_http_server.cpp and fuzz_http_client.cpp): two configuration bytes, then the peer's
bytes cut into segments by the escape byte 0xFF followed by an action byte. Run it again
after changing the format; the files are small and checked in."""
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
# server actions
S_SEG, S_EOF, S_TIMEOUT, S_RESPOND, S_FF = range(5)
# client actions
C_SEG, C_EOF, C_TIMEOUT, C_OPEN, C_FF = range(5)
FORM = "application/x-www-form-urlencoded"


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


def message(start, fields, body=""):
    return start + "\r\n" + "".join(f + "\r\n" for f in fields) + "\r\n" + body


def request(method, target, fields=(), body="", host=True):
    head = (["Host: www.example.com"] if host else []) + list(fields)
    if body or method == "POST":
        head.append(f"Content-Length: {len(body)}")
    return message(f"{method} {target} HTTP/1.1", head, body)


LOGIN_BODY = "user=alice&password=s3cr%26t"  # the password fuzz_http_server.cpp looks for
LOGIN = request("POST", "/login", [f"Content-Type: {FORM}"], LOGIN_BODY)
COOKIE = "Cookie: session=c0ffee"


def server_seeds():
    inbox = request("GET", "/inbox", [COOKIE])
    seeds = {
        "login": (0, 0x7F, [LOGIN[:40], LOGIN[40:]]),
        "get": (0, 0x7F, [inbox]),
        "get_close": (0, 0xFF, [inbox]),
        "login_then_pages": (0x01, 0x7F, [LOGIN, inbox + request("GET", "/message/1", [COOKIE]),
                                          request("HEAD", "/inbox", [COOKIE, "Connection: close"])]),
        "deferred": (0, 0x00, [LOGIN, S_RESPOND, inbox, S_TIMEOUT, S_RESPOND]),
        "send_form": (0, 0x7F, [request("POST", "/send", [COOKIE, f"Content-Type: {FORM}"],
                                        "to=bob%40example.org&subject=Hi&body=Hello%0D%0A")]),
        "http10": (0, 0x7F, ["GET /inbox HTTP/1.0\r\n\r\n"]),
        "bad_input": (0x0E, 0x7F, [inbox, "POST /login HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"]),
        "chunked": (0, 0x7F, [message("POST /send HTTP/1.1",
                                      ["Host: x", "Transfer-Encoding: chunked"], "0\r\n\r\n")]),
        "eof_mid_body": (0, 0x7F, [LOGIN[:-5], S_EOF]),
        "timeout_headers": (0, 0x7F, ["GET /inbox HTTP/1.1\r\nHost: x\r\n", S_TIMEOUT]),
    }
    for name, (cfg, owner, turns) in seeds.items():
        write("http_server", name, bytes([cfg, owner]) + session(turns, S_SEG))


def response(status, fields=(), body="", length=True):
    head = list(fields) + ([f"Content-Length: {len(body)}"] if length else [])
    return message(f"HTTP/1.1 {status}", head, body)


def client_seeds():
    ok_login = response("200 OK", ["Content-Type: text/plain", "Set-Cookie: session=c0ffee; Secure"],
                        "Logged in.\r\n")
    inbox = response("200 OK", ["Content-Type: text/plain"], "1 from bob: Hi\r\n")
    seeds = {
        "login": (0, 0x03, [ok_login[:20], ok_login[20:], inbox,
                            response("200 OK", [], "Subject: Hi\r\n\r\nHello\r\n")]),
        "get": (0, 0x00, [inbox]),
        "head_and_interim": (0x01, 0x04, ["HTTP/1.1 100 Continue\r\n\r\n" + inbox,
                                          response("200 OK", ["Content-Length: 99"], "", False)]),
        "until_close": (0, 0x00, [response("200 OK", ["Connection: close"], "all of it\r\n",
                                           False), C_EOF]),
        "no_content": (0, 0x08, ["HTTP/1.1 204 No Content\r\n\r\n"]),
        "refused": (0, 0x01, [response("401 Unauthorized", [], "Wrong password.\r\n")]),
        "bad_input": (0x0E, 0x03, ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"]),
        "open_more": (0, 0x10, [inbox, C_OPEN, inbox, C_TIMEOUT]),
    }
    for name, (cfg, owner, turns) in seeds.items():
        write("http_client", name, bytes([cfg, owner]) + session(turns, C_SEG))


if __name__ == "__main__":
    server_seeds()
    client_seeds()
