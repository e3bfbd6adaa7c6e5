"""Real peers for live relay tests (issue 7): dnsmasq with MX records and OpenSMTPD
delivering example.test to a Maildir, each on a free port of 127.0.0.1, in its own temp dir,
stopped by PID. Configs as in REFERENCE.md ("Real peers on this machine"). Trusts nothing
about timing: waits are generous and never asserted on.

OpenSMTPD keeps one control socket (/var/run/smtpd.sock) for the whole machine, so only one
instance runs at a time: the ctest entries that use it share RESOURCE_LOCK opensmtpd, and a
start waits while another instance (someone else's test) holds the socket.
"""
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

SKIP = 77  # ctest SKIP_RETURN_CODE


def free_port(udp_too=False):
    """A port free for TCP (and UDP when asked) on 127.0.0.1 right now."""
    for _ in range(100):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if not udp_too:
            return port
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
    raise RuntimeError("no free port")


def wait_tcp(port, proc, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Dnsmasq:
    """dnsmasq answering for *.test from its command line only."""

    def __init__(self, *records):
        self.records = list(records)
        self.proc = None
        self.port = None
        self.tmp = tempfile.mkdtemp(prefix="smtpsim-dnsmasq-")
        self.log = os.path.join(self.tmp, "log")

    def start(self):
        if not shutil.which("dnsmasq"):
            raise SystemExit(SKIP)
        for _ in range(10):
            self.port = free_port(udp_too=True)
            cmd = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                   "--no-hosts", "--port=%d" % self.port, "--listen-address=127.0.0.1",
                   "--bind-interfaces", "--user=root", "--group=root", "--pid-file=",
                   "--local=/test/"] + self.records
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(cmd, stdout=log, stderr=log)
            if wait_tcp(self.port, self.proc):
                return self
            stop(self.proc)
        raise RuntimeError("dnsmasq did not start:\n" + open(self.log).read())

    def stop(self):
        stop(self.proc)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
        return False


class OpenSmtpd:
    """OpenSMTPD on 127.0.0.1:port delivering example.test to DIR/mail/<user>/Maildir;
    unknown users get 550 at RCPT. pki=(cert, key): STARTTLS offered with those files
    (OpenSMTPD 6.8 with OpenSSL 3 then fails every handshake: "EVP lib")."""

    def __init__(self, users=("someone",), port=None, pki=None):
        self.users = users
        self.port = port
        self.pki = pki
        self.proc = None
        self.tmp = tempfile.mkdtemp(prefix="smtpsim-opensmtpd-")
        os.chmod(self.tmp, 0o755)  # the delivery agent runs as vmail and must get in
        self.log = os.path.join(self.tmp, "log")

    def maildir(self, user="someone"):
        return os.path.join(self.tmp, "mail", user, "Maildir")

    def messages(self, user="someone"):
        new = os.path.join(self.maildir(user), "new")
        if not os.path.isdir(new):
            return []
        out = []
        for name in sorted(os.listdir(new)):
            with open(os.path.join(new, name), "rb") as f:
                out.append(f.read().decode("utf-8", "replace"))
        return out

    def start(self):
        if not shutil.which("smtpd"):
            raise SystemExit(SKIP)
        try:
            vmail = pwd.getpwnam("vmail")
        except KeyError:
            print("no vmail user (REFERENCE.md: useradd --system vmail): skipped")
            raise SystemExit(SKIP)
        with open(os.path.join(self.tmp, "userinfo"), "w") as f:
            for u in self.users:
                home = os.path.join(self.tmp, "mail", u)
                os.makedirs(home)
                os.chown(home, vmail.pw_uid, vmail.pw_gid)
                os.chown(os.path.dirname(home), vmail.pw_uid, vmail.pw_gid)
                f.write("%s %d:%d:%s\n" % (u, vmail.pw_uid, vmail.pw_gid, home))
        # Another OpenSMTPD (a test of someone else's, or ours still exiting) holds the
        # machine's one control socket: wait for it, up to two minutes.
        deadline = time.time() + 120
        while time.time() < deadline:
            port = self.port or free_port()
            conf = os.path.join(self.tmp, "smtpd.conf")
            with open(conf, "w") as f:
                f.write('table userinfo file:%s/userinfo\n' % self.tmp)
                if self.pki:
                    f.write('pki mx.example.test cert "%s"\n' % self.pki[0])
                    f.write('pki mx.example.test key "%s"\n' % self.pki[1])
                    f.write("listen on 127.0.0.1 port %d tls pki mx.example.test\n" % port)
                else:
                    f.write("listen on 127.0.0.1 port %d\n" % port)
                f.write('action "deliver" maildir userbase <userinfo>\n')
                f.write('match from any for domain "example.test" action "deliver"\n')
            start_of_log = os.path.getsize(self.log) if os.path.exists(self.log) else 0
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(["smtpd", "-d", "-f", conf], stdout=log,
                                             stderr=log)
            if wait_tcp(port, self.proc):
                self.port = port
                return self
            stop(self.proc)
            with open(self.log) as log:
                log.seek(start_of_log)
                busy = "control socket already listening" in log.read()
            if busy or self.port:
                time.sleep(0.5)  # the other instance, or a fixed port not free yet
            elif time.time() > deadline - 110:
                break  # failed for another reason: no use waiting
        raise RuntimeError("smtpd did not start:\n" + open(self.log).read())

    def wait_messages(self, n=1, user="someone", timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.messages(user)
            if len(got) >= n:
                return got
            time.sleep(0.1)
        return self.messages(user)

    def stop(self):
        stop(self.proc)
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc):
        if exc[0] is not None:
            try:
                print("--- smtpd log ---\n" + open(self.log).read()[-3000:])
            except OSError:
                pass
        self.cleanup()
        return False
