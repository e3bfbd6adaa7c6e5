#!/usr/bin/env python3
"""Live mode in a real window (issue 7): `smtpsim gui --serve` under xvfb-run, real peers on
127.0.0.1, the picture and the layout file checked.

  clients  two raw-socket SMTP clients connect mid-session (greeting read, EHLO sent, kept
           open, NOOP every 0.2 s); the GUI takes its screenshot a few frames after the second
           one arrived. Both must be drawn as hosts "external client 127.0.0.1:PORT", above
           every scenario host, with the real hosts' plum fill, and both still connected.
  panel    a `smtpsim serve` (tests/integration/serve_fixture.py) plays the real server; the
           GUI's live panel sends alice -> bob to its submission port with STARTTLS and AUTH
           (the certificate verified against serve's own). The panel must report the real
           server's 250, and "this computer" and "real server 127.0.0.1" must be drawn.
  spool    `gui --serve --state-dir D` (no screenshot: a window that runs) accepts a message
           over SMTP, says where mail is kept, and stops on Ctrl-C (SIGINT to the program)
           with exit 0; then `smtpsim serve --state-dir D` hands the same message out over
           POP3: the window keeps mail as serve does, in the same place.
  relay    `gui --serve relay_scenario.json --relay 127.0.0.1:PORT` with a second `smtpsim
           serve` (example.test) as the smarthost: mail alice submits on 587 for
           someone@example.test crosses the real hop (STARTTLS) and is delivered there.

Each run has its own XDG dirs and a free port offset; everything is stopped by PID and the temp
dir removed. Waits are generous (the sanitizer build starts slowly) and never asserted on.
Exit 77 (skipped) without xvfb-run.

usage: live_check.py SMTPSIM clients|panel|spool|relay OUTDIR
"""
import json
import os
import poplib
import smtplib
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import serve_fixture  # noqa: E402
from screenshot_check import near, read_png  # noqa: E402

REAL_FILL = (58, 24, 48)  # gui/canvas.cpp kRealFill


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


class LiveGui:
    """`smtpsim gui --serve` on a free port offset, screenshot mode, own XDG dirs."""

    def __init__(self, binary, outdir, name, tmp, extra, shot=True):
        self.binary, self.outdir, self.name, self.tmp, self.extra = binary, outdir, name, tmp, extra
        self.shot = shot
        self.png = os.path.join(outdir, name + ".png")
        self.json = os.path.join(outdir, name + ".json")
        self.out_path = os.path.join(tmp, name + ".stdout")
        self.err_path = os.path.join(tmp, name + ".stderr")
        self.proc = None

    def start(self, timeout=180):
        env = dict(os.environ, XDG_DATA_HOME=os.path.join(self.tmp, "data"),
                   XDG_STATE_HOME=os.path.join(self.tmp, "state"), ASAN_OPTIONS="detect_leaks=0",
                   SMTPSIM_DATA_DIR=os.environ.get("SMTPSIM_DATA_DIR", ""))
        for _ in range(20):
            self.offset = random.randrange(20000, 59000, 1000) + random.randrange(0, 900)
            if not serve_fixture.ports_free(self.offset):
                continue
            cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x900x24", self.binary, "gui", "--serve",
                   "--port-offset", str(self.offset)]
            if self.shot:
                cmd += ["--screenshot", self.png, "--layout-json", self.json]
            cmd += self.extra
            with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
                self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env,
                                             start_new_session=True)
            deadline = time.time() + timeout
            while time.time() < deadline and self.proc.poll() is None:
                if "Ctrl-C stops" in self.stdout():
                    return self
                time.sleep(0.1)
            if self.proc.poll() is None:
                self.stop()
                fail("gui --serve printed no banner in time:\n" + self.stderr())
            if "cannot listen" not in self.stderr():
                fail("gui --serve exited with %s:\n%s" % (self.proc.returncode, self.stderr()))
        fail("no free port offset found")

    def stdout(self):
        return open(self.out_path, "rb").read().decode("utf-8", "replace")

    def stderr(self):
        return open(self.err_path, "rb").read().decode("utf-8", "replace")

    def wait(self, timeout=240):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            fail("the screenshot was not taken in time:\n" + self.stderr())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # xvfb-run and the program: its own group
            self.proc.wait()


    def program_pid(self):
        """The smtpsim process under xvfb-run (its own session: same group as xvfb-run)."""
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    argv = f.read().split(b"\0")
                if os.getpgid(int(pid)) != self.proc.pid:
                    continue
            except OSError:
                continue
            if argv and argv[0] == self.binary.encode() and b"gui" in argv:
                return int(pid)
        fail("the smtpsim process under xvfb-run was not found")


def layout(gui):
    with open(gui.json) as f:
        return json.load(f)


def pixel_fill(png, box):
    width, height, rows = png
    x, y = (box["x0"] + box["x1"]) // 2, box["y1"] - 6  # under the text, above the badges
    return rows[y][x]


def check_clients(binary, outdir, tmp):
    gui = LiveGui(binary, outdir, "live_clients", tmp,
                  ["--wait-clients", "2", "--frames", "12"]).start()
    socks = []
    try:
        for _ in range(2):
            s = socket.create_connection(("127.0.0.1", 25 + gui.offset), timeout=120)
            greeting = s.recv(4096)
            if not greeting.startswith(b"220"):
                fail("no 220 greeting: %r" % greeting)
            s.sendall(b"EHLO student.example\r\n")
            reply = b""
            while b"\r\n250 " not in b"\r\n" + reply:  # the EHLO reply's last line
                chunk = s.recv(4096)
                if not chunk:
                    fail("the connection closed after EHLO: %r" % reply)
                reply += chunk
            socks.append(s)
        names = ["external client 127.0.0.1:%d" % s.getsockname()[1] for s in socks]
        # Mid-session: both keep talking (NOOP, RFC 5321 §4.1.1.9) while the frames are drawn.
        talking = threading.Event()
        talking.set()

        def talk():
            while talking.is_set():
                for s in socks:
                    try:
                        s.sendall(b"NOOP\r\n")
                    except OSError:
                        return
                time.sleep(0.2)
        t = threading.Thread(target=talk, daemon=True)
        t.start()
        code = gui.wait()
        talking.clear()
        t.join()
        if code != 0:
            fail("gui exited with an error:\n" + gui.stderr())
    finally:
        for s in socks:
            s.close()
        gui.stop()
    lay = layout(gui)
    boxes = {h["name"]: h for h in lay["hosts"]}
    png = read_png(gui.png)
    for n in names:
        if n not in boxes:
            fail("%s is not drawn; hosts: %s" % (n, sorted(boxes)))
        b = boxes[n]
        for other in lay["hosts"]:
            if other["name"] not in names and not b["y1"] < other["y0"]:
                fail("%s is not above %s" % (n, other["name"]))
        if not near(pixel_fill(png, b), REAL_FILL, 6):
            fail("%s is not drawn with the real hosts' fill: %s" % (n, pixel_fill(png, b)))
    if lay.get("live", {}).get("accepted") != 2:
        fail("the strip does not count 2 real clients: %s" % lay.get("live"))
    if lay["live"].get("clients") != 2:
        fail("the strip does not show 2 clients connected: %s" % lay["live"])
    print("ok: %s drawn above the scenario" % ", ".join(names))


def check_panel(binary, outdir, tmp):
    os.makedirs(os.path.join(tmp, "server"))
    with serve_fixture.Serve(binary, tmp=os.path.join(tmp, "server"), keep_tmp=True) as server:
        # The same XDG_DATA_HOME as serve: the panel trusts smtpsim's own certificate there.
        gui = LiveGui(binary, outdir, "live_panel", os.path.join(tmp, "server"),
                      ["--live-send", "127.0.0.1:%d" % server.port("submission"),
                       "--live-auth", "alice:alice", "--frames", "12"])
        gui.start()
        try:
            if gui.wait() != 0:
                fail("gui exited with an error:\n" + gui.stderr())
        finally:
            gui.stop()
        lay = layout(gui)
        names = {h["name"] for h in lay["hosts"]}
        for n in ("this computer", "real server 127.0.0.1"):
            if n not in names:
                fail("%s is not drawn; hosts: %s" % (n, sorted(names)))
        said = lay.get("live", {}).get("panel", "")
        if not said.startswith("The real server accepted the message: 250"):
            fail("the panel says: %r\n%s" % (said, gui.stderr()))
        if not server.wait_for(" delivered ", 60):
            fail("serve did not deliver the panel's message:\n" + server.stdout()[-3000:])
        if "AGFsaWNlAGFsaWNl" in server.stdout():  # base64 of \0alice\0alice: AUTH PLAIN
            fail("the password is in serve's transcript")
    print("ok: " + said)


def check_spool(binary, outdir, tmp):
    # serve_fixture keeps serve's state in TMP/spool: the window uses that directory.
    state = os.path.join(tmp, "server", "spool")
    token = "kept-across-windows-%d" % random.randrange(1 << 30)
    gui = LiveGui(binary, outdir, "live_spool", tmp, ["--state-dir", state], shot=False).start()
    try:
        if "mail kept in: %s" % state not in gui.stdout():
            fail("the banner does not say where mail is kept:\n" + gui.stdout())
        with smtplib.SMTP("127.0.0.1", 25 + gui.offset, timeout=120) as s:
            s.sendmail("student@example.org", ["bob@example.com"],
                       "From: student@example.org\r\nTo: bob@example.com\r\n"
                       "Subject: spool\r\n\r\n%s\r\n" % token)
        os.kill(gui.program_pid(), signal.SIGINT)
        try:
            code = gui.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            fail("Ctrl-C did not stop gui --serve:\n" + gui.stderr())
        if code != 0:
            fail("gui --serve exited %s on Ctrl-C:\n%s" % (code, gui.stderr()))
    finally:
        gui.stop()
    with serve_fixture.Serve(binary, tmp=os.path.join(tmp, "server"), keep_tmp=True) as server:
        pop = poplib.POP3("127.0.0.1", server.port("pop3"), timeout=120)
        pop.user("bob")
        pop.pass_("bob")
        count, _ = pop.stat()
        bodies = [b"\n".join(pop.retr(i + 1)[1]).decode() for i in range(count)]
        pop.quit()
    if count != 1 or token not in bodies[0]:
        fail("serve on the window's state dir has %d messages for bob: %r" % (count, bodies))
    print("ok: the window's message is in %s and serve hands it out" % state)


def check_relay(binary, outdir, tmp):
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration")
    os.makedirs(os.path.join(tmp, "peer"))
    with serve_fixture.Serve(binary, scenario=os.path.join(here, "relay_peer_scenario.json"),
                             tmp=os.path.join(tmp, "peer"), keep_tmp=True) as peer:
        gui = LiveGui(binary, outdir, "live_relay", tmp,
                      ["--state-dir", os.path.join(tmp, "state"), "--relay",
                       "127.0.0.1:%d" % peer.port("smtp"),
                       os.path.join(here, "relay_scenario.json")], shot=False).start()
        try:
            if "mail for other domains goes to the smarthost 127.0.0.1" not in gui.stdout():
                fail("the banner does not name the smarthost:\n" + gui.stdout())
            ctx = ssl.create_default_context(
                cafile=os.path.join(tmp, "data", "smtpsim", "tls", "cert.pem"))
            with smtplib.SMTP("127.0.0.1", 587 + gui.offset, timeout=120) as c:
                c.starttls(context=ctx)
                c.login("alice", "alice")
                c.sendmail("alice@example.com", ["someone@example.test"],
                           "From: alice@example.com\r\nTo: someone@example.test\r\n"
                           "Subject: from the window\r\n\r\nover the real hop\r\n")
            if not peer.wait_for("delivered to mailbox someone", 120):
                fail("the smarthost did not deliver:\n" + peer.stdout()[-3000:] + gui.stderr())
            os.kill(gui.program_pid(), signal.SIGINT)
            if gui.proc.wait(timeout=120) != 0:
                fail("gui --serve --relay did not stop cleanly:\n" + gui.stderr())
        finally:
            gui.stop()
    print("ok: the window relayed through the smarthost")


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in ("clients", "panel", "spool", "relay"):
        print(__doc__)
        return 2
    if not shutil.which("xvfb-run"):
        print("skipped: xvfb-run is not installed")
        return 77
    binary, mode, outdir = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(outdir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="smtpsim-livegui-")
    try:
        {"clients": check_clients, "panel": check_panel, "spool": check_spool,
         "relay": check_relay}[mode](
            binary, outdir, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
