"""Real mail servers for the `smtpsim send` / `smtpsim fetch` tests (issue 7): OpenSMTPD
delivering to Maildirs and Dovecot serving them over POP3 and IMAP, each on free ports of
127.0.0.1 in its own temp dir, stopped by PID. Configs follow REFERENCE.md ("Real peers on this
machine"). Mail files belong to the unprivileged user `nobody`, so no account has to be made.
Trusts nothing about timing: waits are generous and never asserted on.
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77  # ctest SKIP_RETURN_CODE


def skip(why):
    print("SKIP: " + why)
    sys.exit(SKIP)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def mail_owner():
    n = pwd.getpwnam("nobody")
    return n.pw_uid, n.pw_gid


def make_maildir(home, uid, gid):
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(home, "Maildir", sub), exist_ok=True)
    for root, dirs, _ in os.walk(home):
        os.chown(root, uid, gid)
        for d in dirs:
            os.chown(os.path.join(root, d), uid, gid)


def maildir_files(home):
    out = []
    for sub in ("new", "cur"):
        d = os.path.join(home, "Maildir", sub)
        if os.path.isdir(d):
            out += [os.path.join(d, f) for f in sorted(os.listdir(d))]
    return out


class Peer:
    """A daemon in a temp dir; subclasses say how to start it."""

    def __init__(self, binary, users):
        if shutil.which(binary) is None and not os.path.exists(binary):
            skip(binary + " is not installed")
        if os.geteuid() != 0:
            skip(binary + " needs root here (it drops to its own users)")
        self.tmp = tempfile.mkdtemp(prefix="smtpsim-peer-")
        os.chmod(self.tmp, 0o755)  # the mail user walks through it
        self.uid, self.gid = mail_owner()
        self.users = users
        self.proc = None
        self.log_path = os.path.join(self.tmp, "log.txt")
        for u in users:
            make_maildir(self.home(u), self.uid, self.gid)

    def home(self, user):
        return os.path.join(self.tmp, "mail", user)

    def log(self):
        if not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def start_cmd(self, cmd, ports):
        # A free port can be taken between free_port() and the daemon's bind: retry anew.
        # OpenSMTPD's control socket (/var/run/smtpd.sock) is one per machine: while another
        # instance runs (another test, a bench), wait for it (ctest RESOURCE_LOCK opensmtpd
        # keeps our own tests apart), then skip rather than fail.
        deadline = time.time() + 180
        attempt = 0
        while True:
            before = len(self.log())
            self.log_file = open(self.log_path, "ab")
            self.proc = subprocess.Popen(cmd(), stdout=self.log_file, stderr=subprocess.STDOUT)
            if all(wait_port(p, self.proc) for p in ports()):
                return self
            self.stop()
            busy = "control socket already listening" in self.log()[before:]
            if busy and time.time() < deadline:
                time.sleep(2)
                continue
            if busy:
                self.cleanup()
                skip("another OpenSMTPD holds the machine's control socket")
            attempt += 1
            if attempt >= 5:
                raise RuntimeError("could not start %s:\n%s" % (cmd()[0], self.log()))
            self.reconfigure()

    def reconfigure(self):
        pass

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.log_file.close()
            self.proc = None

    def __enter__(self):
        return self.start()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __exit__(self, *exc):
        if exc[0] is not None:
            sys.stderr.write("--- peer log ---\n" + self.log()[-4000:] + "\n")
        self.cleanup()
        return False


class OpenSmtpd(Peer):
    """OpenSMTPD accepting mail for example.test and delivering to each user's ~/Maildir."""

    def __init__(self, users=("alice", "bob")):
        super().__init__("/usr/sbin/smtpd", users)
        self.reconfigure()

    def reconfigure(self):
        self.port = free_port()
        info = os.path.join(self.tmp, "userinfo")
        with open(info, "w") as f:
            for u in self.users:
                f.write("%s %d:%d:%s\n" % (u, self.uid, self.gid, self.home(u)))
        self.conf = os.path.join(self.tmp, "smtpd.conf")
        with open(self.conf, "w") as f:
            f.write('table userinfo file:%s\n' % info)
            f.write("listen on 127.0.0.1 port %d\n" % self.port)
            f.write('action "deliver" maildir userbase <userinfo>\n')
            f.write('match from any for domain "example.test" action "deliver"\n')

    def start(self):
        return self.start_cmd(lambda: ["/usr/sbin/smtpd", "-d", "-f", self.conf],
                              lambda: [self.port])

    def wait_delivered(self, user, count, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            files = maildir_files(self.home(user))
            if len(files) >= count:
                return files
            time.sleep(0.1)
        return maildir_files(self.home(user))


class Dovecot(Peer):
    """Dovecot serving each user's ~/Maildir over plain POP3 and IMAP (password: secret)."""

    def __init__(self, users=("alice",)):
        super().__init__("/usr/sbin/dovecot", users)
        for d in ("run", "state"):
            os.makedirs(os.path.join(self.tmp, d), exist_ok=True)
        self.reconfigure()

    def reconfigure(self):
        self.pop3_port, self.imap_port = free_port(), free_port()
        users = os.path.join(self.tmp, "users")
        with open(users, "w") as f:
            for u in self.users:
                f.write("%s:{PLAIN}secret:%d:%d::%s\n" % (u, self.uid, self.gid, self.home(u)))
        self.conf = os.path.join(self.tmp, "dovecot.conf")
        t = self.tmp
        with open(self.conf, "w") as f:
            f.write("""protocols = imap pop3
listen = 127.0.0.1
base_dir = %(t)s/run
state_dir = %(t)s/state
log_path = /dev/stderr
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%n %(users)s
}
userdb {
  driver = passwd-file
  args = username_format=%%n %(users)s
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %(imap)d
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = %(pop3)d
  }
  inet_listener pop3s {
    port = 0
  }
}
""" % {"t": t, "users": users, "imap": self.imap_port, "pop3": self.pop3_port})

    def start(self):
        return self.start_cmd(lambda: ["/usr/sbin/dovecot", "-F", "-c", self.conf],
                              lambda: [self.pop3_port, self.imap_port])

    def put(self, user, name, text):
        """A message into user's Maildir/new (LF line ends, as on disk), owned by the mail
        user."""
        path = os.path.join(self.home(user), "Maildir", "new", name)
        with open(path, "wb") as f:
            f.write(text.replace("\r\n", "\n").encode())
        os.chown(path, self.uid, self.gid)


def run(binary, *args, stdin=None, timeout=300):
    """smtpsim with args; returns (exit code, stdout, stderr)."""
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = "detect_leaks=0"
    p = subprocess.run([binary] + list(args), input=stdin, capture_output=True, env=env,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def check(cond, what, *context):
    if not cond:
        sys.stderr.write("FAILED: %s\n" % what)
        for c in context:
            sys.stderr.write(str(c)[-3000:] + "\n")
        raise AssertionError(what)
