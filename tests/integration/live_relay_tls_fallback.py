"""Live relay's opportunistic TLS against a real server whose TLS handshake fails (issue 7):
`smtpsim serve --relay HOST:PORT` relays to a small SMTP server here that offers STARTTLS,
records the SNI of the ClientHello and then aborts the handshake with a TLS alert. As Postfix
does at smtp_tls_security_level=may (RFC 7435 §3), serve's MTA tries the same server again at
once over a new plaintext connection: the mail arrives in the same attempt, nothing is
deferred, and one transcript line says that TLS failed and why. The SNI is the smarthost's
name (--relay localhost:PORT), and none is sent for an IP literal (--relay 127.0.0.1:PORT,
RFC 6066 §3). Mode opensmtpd: the same against a real MTA, OpenSMTPD with a pki, whose
STARTTLS fails on this machine (OpenSSL 3: "EVP lib"); the mail lands in its Maildir.
Usage: live_relay_tls_fallback.py SMTPSIM_BINARY [python|opensmtpd]
Trusts serve_fixture.Serve; the Python peer runs in threads of this process on a free port.
"""
import os
import smtplib
import socket
import ssl
import sys
import threading
import time

from relay_peers import SKIP, OpenSmtpd, free_port
from serve_fixture import Serve

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "relay_scenario.json")


class BrokenTlsPeer:
    """SMTP on 127.0.0.1:port: STARTTLS offered, every handshake refused with an alert after
    the ClientHello is read (its SNI kept); plaintext sessions accept any mail."""

    def __init__(self, port, cert, key):
        self.port = port
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.ctx.sni_callback = self._sni
        self.sessions = []  # one dict per connection: sni, starttls, commands, messages
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.stopping = False
        self.current = threading.local()  # the session whose handshake runs in this thread
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _sni(self, sslobj, server_name, ctx):
        with self.lock:
            self.sessions[self.current.index]["sni"] = server_name or ""
        return ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.sessions.append({"sni": None, "starttls": False, "commands": [],
                                      "messages": []})
                index = len(self.sessions) - 1
            threading.Thread(target=self._session, args=(conn, index), daemon=True).start()

    def _session(self, conn, index):
        me = self.sessions[index]
        conn.settimeout(120)
        f = conn.makefile("rb")

        def reply(text):
            conn.sendall(text.encode() + b"\r\n")

        try:
            reply("220 mx.example.test ESMTP broken-TLS test peer")
            while True:
                line = f.readline()
                if not line:
                    return
                cmd = line.decode("ascii", "replace").rstrip("\r\n")
                me["commands"].append(cmd)
                verb = cmd[:4].upper()
                if verb == "EHLO":
                    reply("250-mx.example.test\r\n250-8BITMIME\r\n250 STARTTLS")
                elif verb == "STAR":
                    me["starttls"] = True
                    reply("220 2.0.0 Ready to start TLS")
                    tls = self.ctx.wrap_socket(conn, server_side=True,
                                               do_handshake_on_connect=False)
                    self.current.index = index
                    try:
                        tls.do_handshake()
                    except (ssl.SSLError, OSError):
                        pass
                    return
                elif verb == "DATA":
                    reply("354 End data with <CR><LF>.<CR><LF>")
                    body = []
                    while True:
                        data = f.readline()
                        if not data or data in (b".\r\n", b".\n"):
                            break
                        body.append(data.decode("utf-8", "replace"))
                    me["messages"].append("".join(body))
                    reply("250 2.0.0 Ok: queued")
                elif verb == "QUIT":
                    reply("221 2.0.0 Bye")
                    return
                else:
                    reply("250 2.0.0 Ok")
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def wait_message(self, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if any(s["messages"] for s in self.sessions):
                    return True
            time.sleep(0.1)
        return False

    def stop(self):
        self.stopping = True
        self.sock.close()


def submit(serve, subject):
    """As a mail program would: 587, STARTTLS (serve's own certificate), AUTH alice/alice."""
    ctx = ssl.create_default_context(cafile=serve.cert)
    with smtplib.SMTP("127.0.0.1", serve.port("submission"), timeout=120) as c:
        c.ehlo("laptop")
        c.starttls(context=ctx)
        c.ehlo("laptop")
        c.login("alice", "alice")
        c.sendmail("alice@example.com", ["someone@example.test"],
                   "From: alice@example.com\r\nTo: someone@example.test\r\nSubject: %s\r\n\r\n"
                   "hello over a hop whose TLS is broken\r\n" % subject)


def run(binary, relay_host, expect_sni):
    port = free_port()
    with Serve(binary, "--relay", "%s:%d" % (relay_host, port), scenario=SCENARIO) as s:
        key = os.path.join(os.path.dirname(s.cert), "key.pem")
        peer = BrokenTlsPeer(port, s.cert, key)
        try:
            submit(s, "fallback via " + relay_host)
            assert peer.wait_message(), (peer.sessions, s.stdout()[-3000:])
            assert s.wait_for("relayed to " + relay_host), s.stdout()[-3000:]
            out = s.stdout()
            first, second = peer.sessions[0], peer.sessions[1]
            # The TLS try: STARTTLS, the ClientHello's SNI, then the alert; no mail there.
            assert first["starttls"] and not first["messages"], peer.sessions
            assert first["sni"] == expect_sni, (first["sni"], expect_sni)
            # At once a new plaintext connection to the same server, which takes the mail.
            assert not second["starttls"], peer.sessions
            assert "STARTTLS" not in second["commands"], second["commands"]
            assert len(second["messages"]) == 1, peer.sessions
            assert "Subject: fallback via " + relay_host in second["messages"][0], second
            lines = [ln for ln in out.splitlines()
                     if "TLS handshake with %s failed (" % relay_host in ln]
            assert len(lines) == 1, (lines, out[-3000:])
            assert "trying it again at once without TLS" in lines[0], lines
            assert lines[0].startswith("***") or " *** " in lines[0], lines
            assert "deferred" not in out, out[-3000:]
            assert len(peer.sessions) == 2, peer.sessions
            assert s.stop() == 0
        finally:
            peer.stop()
    print("  --relay %s:PORT: SNI %r, TLS failed, delivered in plaintext at once" %
          (relay_host, expect_sni))


def run_opensmtpd(binary):
    port = free_port()
    with Serve(binary, "--relay", "localhost:%d" % port, scenario=SCENARIO) as s:
        key = os.path.join(os.path.dirname(s.cert), "key.pem")
        with OpenSmtpd(port=port, pki=(s.cert, key)) as mta:
            submit(s, "fallback to OpenSMTPD")
            got = mta.wait_messages(1)
            out = s.stdout()
            # The relay hop's own success line: then OpenSMTPD's TLS works on this machine.
            if "not verified (opportunistic TLS, RFC 7435)" in out:
                print("OpenSMTPD's TLS works here: nothing to fall back from; skipped")
                raise SystemExit(SKIP)
            assert len(got) == 1, (got, out[-3000:], open(mta.log).read()[-2000:])
            assert "Subject: fallback to OpenSMTPD" in got[0], got[0]
            # Received: by OpenSMTPD says how it came: plain ESMTP, not ESMTPS.
            assert "with ESMTP id" in got[0], got[0]
            lines = [ln for ln in out.splitlines()
                     if "TLS handshake with localhost failed (" in ln]
            assert len(lines) == 1, (lines, out[-3000:])
            assert "trying it again at once without TLS" in lines[0], lines
            assert "deferred" not in out, out[-3000:]
            assert s.wait_for("relayed to localhost"), out[-3000:]
            print("  OpenSMTPD: %s" % lines[0].split("*** ", 1)[-1])
            assert s.stop() == 0


def main():
    binary = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else "python"
    started = time.time()
    if mode == "opensmtpd":
        run_opensmtpd(binary)
    else:
        run(binary, "localhost", "localhost")  # a name: sent as SNI
        run(binary, "127.0.0.1", "")           # an IP literal: no SNI (RFC 6066 §3)
    print("live relay TLS fallback (%s): ok (%.1f s)" % (mode, time.time() - started))


if __name__ == "__main__":
    main()
