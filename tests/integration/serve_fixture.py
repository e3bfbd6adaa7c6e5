"""Start `smtpsim serve` for a test and stop it again (issue 7).

Each Serve gets its own temp dir (XDG_DATA_HOME, XDG_STATE_HOME, --state-dir) and a free port
offset, waits for the banner's last line, and is stopped with SIGINT (the clean shutdown a user
gets with Ctrl-C); stop() returns the exit code and the transcript. Trusts nothing about the
binary's speed: waits are generous (the sanitizer build starts slowly), never asserted on.
"""
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

# The real ports of `serve` minus the offset (DESIGN.md: GreenMail's +3000 convention).
PORTS = {"smtp": 25, "submission": 587, "smtps": 465, "pop3": 110, "pop3s": 995, "imap": 143,
         "imaps": 993}


def ports_free(offset):
    for p in PORTS.values():
        s = socket.socket()
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", p + offset))
        except OSError:
            return False
        finally:
            s.close()
    return True


class Serve:
    def __init__(self, binary, *args, scenario=None, tmp=None, keep_tmp=False, env=None):
        self.binary = binary
        self.args = list(args)
        self.scenario = scenario
        self.own_tmp = tmp is None
        self.tmp = tmp or tempfile.mkdtemp(prefix="smtpsim-serve-")
        self.keep_tmp = keep_tmp
        self.extra_env = env or {}
        self.proc = None
        self.offset = None
        # Own output files: a second Serve on the same tmp (a restart) must not read the
        # first one's banner.
        fd, self.out_path = tempfile.mkstemp(dir=self.tmp, prefix="stdout-", suffix=".txt")
        os.close(fd)
        fd, self.err_path = tempfile.mkstemp(dir=self.tmp, prefix="stderr-", suffix=".txt")
        os.close(fd)

    def port(self, name):
        return PORTS[name] + self.offset

    @property
    def cert(self):
        return os.path.join(self.tmp, "data", "smtpsim", "tls", "cert.pem")

    def start(self, timeout=120):
        env = dict(os.environ)
        env.update({"XDG_DATA_HOME": os.path.join(self.tmp, "data"),
                    "XDG_STATE_HOME": os.path.join(self.tmp, "state"),
                    "ASAN_OPTIONS": "detect_leaks=0"})
        env.update(self.extra_env)
        for attempt in range(20):
            self.offset = random.randrange(20000, 60000 - 1000, 1000) + random.randrange(0, 900)
            if not ports_free(self.offset):
                continue
            cmd = [self.binary, "serve"]
            if self.scenario:
                cmd.append(self.scenario)
            cmd += ["--port-offset", str(self.offset),
                    "--state-dir", os.path.join(self.tmp, "spool")] + self.args
            self.out = open(self.out_path, "ab")
            self.err = open(self.err_path, "ab")
            self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err, env=env)
            deadline = time.time() + timeout
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                if "Ctrl-C stops" in self.stdout():
                    return self
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("serve did not print its banner in time:\n" + self.stderr())
            if "cannot listen" not in self.stderr():
                raise RuntimeError("serve exited with %s:\n%s" % (self.proc.returncode,
                                                                  self.stderr()))
        raise RuntimeError("no free port offset found")

    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_for(self, text, timeout=60):
        """Waits until the transcript contains text; returns whether it did."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.stdout():
                return True
            if self.proc.poll() is not None:
                return text in self.stdout()
            time.sleep(0.05)
        return False

    def stop(self, timeout=60):
        """SIGINT, as Ctrl-C; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        code = self.proc.poll()
        if code is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                code = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                code = None
        self.out.close()
        self.err.close()
        self.proc = None
        return code

    def cleanup(self):
        if self.proc is not None:
            self.stop()
        if self.own_tmp and not self.keep_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if exc[0] is not None:
            sys.stderr.write("--- serve stdout ---\n" + self.stdout()[-4000:] +
                             "\n--- serve stderr ---\n" + self.stderr()[-4000:] + "\n")
        self.cleanup()
        return False
