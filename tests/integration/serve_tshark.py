"""What an eavesdropper on the wire sees of a real session with `smtpsim serve` (issue 7,
lesson 10's claim checked on real packets): tshark captures loopback while smtplib sends one
message in plaintext on 25 and one with STARTTLS + AUTH on 587. The plaintext envelope is in
the capture; after STARTTLS only TLS records are (tshark decodes the ClientHello), and neither
the AUTH payload nor the second envelope appears. Skips (77) when tshark is missing or may not
capture here. Usage: serve_tshark.py SMTPSIM_BINARY"""
import os
import shutil
import signal
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time

from serve_fixture import Serve


def main():
    binary = sys.argv[1]
    if not shutil.which("tshark"):
        print("tshark not installed: skipped")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="smtpsim-tshark-")
    try:
        with Serve(binary) as s:
            pcap = os.path.join(tmp, "wire.pcap")
            flt = "tcp port %d or tcp port %d" % (s.port("smtp"), s.port("submission"))
            log = open(os.path.join(tmp, "tshark.txt"), "wb")
            cap = subprocess.Popen(["tshark", "-i", "lo", "-f", flt, "-w", pcap],
                                   stdout=log, stderr=subprocess.STDOUT)
            deadline = time.time() + 60
            while time.time() < deadline and cap.poll() is None:
                with open(log.name, "rb") as f:
                    if b"Capturing on" in f.read():
                        break
                time.sleep(0.05)
            if cap.poll() is not None:
                with open(log.name, "rb") as f:
                    print("tshark cannot capture here: skipped\n" + f.read().decode(errors="replace"))
                sys.exit(77)
            time.sleep(0.5)
            with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=60) as c:
                c.sendmail("plain-sender@example.org", ["bob@example.com"],
                           "Subject: readable by anyone\r\n\r\nsee me\r\n")
            ctx = ssl.create_default_context(cafile=s.cert)
            with smtplib.SMTP("127.0.0.1", s.port("submission"), timeout=60) as c:
                c.starttls(context=ctx)
                c.login("alice", "alice")
                c.sendmail("secret-sender@example.com", ["bob@example.com"],
                           "Subject: hidden\r\n\r\nnot on the wire\r\n")
            time.sleep(1.0)
            cap.send_signal(signal.SIGINT)
            cap.wait(timeout=60)
            log.close()
            raw = open(pcap, "rb").read()
            assert b"FROM:<plain-sender@example.org>" in raw, "plaintext envelope not captured"
            assert b"see me" in raw
            assert b"STARTTLS" in raw  # the upgrade itself is in the clear (RFC 3207)
            for secret in (b"secret-sender", b"not on the wire", b"AGFsaWNlAGFsaWNl",
                           b"YWxpY2U="):
                assert secret not in raw, secret
            hello = subprocess.run(["tshark", "-r", pcap, "-Y", "tls.handshake.type == 1",
                                    "-d", "tcp.port==%d,smtp" % s.port("submission"),
                                    "-d", "tcp.port==%d,smtp" % s.port("smtp")],
                                   capture_output=True, text=True, timeout=120)
            assert "Client Hello" in hello.stdout, hello.stdout + hello.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
