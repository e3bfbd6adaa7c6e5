"""Raw-socket clients for the live-mode robustness tests (issue 7): just enough SMTP, POP3
and IMAP to send hostile bytes exactly as written, one segment per send(), and read back what
the server answers. Trusts nothing the server says: every read has a timeout, and a reply
that never comes fails the test instead of hanging it."""
import re
import socket
import struct
import time

TIMEOUT = 60  # the sanitizer build is slow; never asserted on


def connect(port, source="127.0.0.1", timeout=TIMEOUT):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def reset(s):
    """Closes with a TCP RST (SO_LINGER 0) instead of an orderly FIN."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


class Lines:
    """A socket read line by line (CRLF or LF), with a timeout per read."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def line(self, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while b"\n" not in self.buf:
            if self.eof:
                return None
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no line within %ss; have %r" % (timeout, self.buf[:200]))
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.eof = True
                if not self.buf:
                    return None
                out, self.buf = self.buf, b""
                return out
            self.buf += chunk
        out, _, self.buf = self.buf.partition(b"\n")
        return out + b"\n"

    def closed(self, timeout=TIMEOUT):
        """Reads until the peer closes; returns everything read (raises if it never closes)."""
        got = b""
        while True:
            line = self.line(timeout)
            if line is None:
                return got
            got += line


class Smtp(Lines):
    def __init__(self, port, source="127.0.0.1", greet=True):
        super().__init__(connect(port, source))
        self.greeting = self.reply() if greet else None

    def reply(self, timeout=TIMEOUT):
        """One whole reply (all its lines) as text, or None when the server closed."""
        text = ""
        while True:
            line = self.line(timeout)
            if line is None:
                return text or None
            s = line.decode("utf-8", "replace")
            text += s
            if len(s) < 4 or s[3] != "-":
                return text

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def cmd(self, line):
        self.send(line + ("\r\n" if isinstance(line, str) else b"\r\n"))
        return self.reply()

    def close(self):
        self.sock.close()


def code(reply):
    return int(reply[:3]) if reply and re.match(r"\d{3}", reply) else None


def count_pop3(port, user="bob", password="bob"):
    """The number of messages in a mailbox, and their header blocks, over POP3."""
    c = Lines(connect(port))
    assert c.line().startswith(b"+OK")
    for line in ("USER " + user, "PASS " + password, "STAT"):
        c.sock.sendall(line.encode() + b"\r\n")
        answer = c.line()
        assert answer.startswith(b"+OK"), (line, answer)
    n = int(answer.split()[1])
    headers = []
    for i in range(1, n + 1):
        c.sock.sendall(b"TOP %d 0\r\n" % i)
        assert c.line().startswith(b"+OK")
        block = b""
        while True:
            line = c.line()
            if line in (b".\r\n", None):
                break
            block += line
        headers.append(block)
    c.sock.sendall(b"QUIT\r\n")
    c.line()
    c.sock.close()
    return n, headers


def vm_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0
