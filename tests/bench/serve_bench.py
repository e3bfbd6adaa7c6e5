"""Live-mode figures (issue 7), not a test: `smtpsim serve` against OpenSMTPD under Postfix's
smtp-source, in the same run on the same machine, and serve's memory for idle connections.

Throughput: smtp-source -s SESSIONS -m MESSAGES -l 1024 (one connection per message, as
smtp-source does by default) against serve's port 25 and against OpenSMTPD delivering to a
Maildir; wall time, messages/s, CPU seconds of the server processes, and the ratio. Both counts
are checked afterwards (serve: POP3 STAT on bob; OpenSMTPD: files in Maildir/new), so a server
that drops mail cannot look fast. Memory: N idle connections to serve's port 25, each having
read the greeting; VmRSS from /proc before and after, KiB per connection; the same for N idle
connections to port 465 (implicit TLS, handshake done), which carry OpenSSL's state.

OpenSMTPD 6.8 has its spool (/var/spool/smtpd) and control socket (/run/smtpd.sock) compiled
in, and refuses to start beside another instance; so it runs in its own mount namespace
(unshare -m, root only) with both bind-mounted from this run's temp dir. Without root it is
skipped and said so. Its resolver reads /etc/hosts only: serve looks up no client names,
and a dropped DNS query costs OpenSMTPD a 5 s timeout. What remains in the first figure is
OpenSMTPD's listen backlog of 5 (printed): 20 clients connecting at once overflow it, the
dropped SYNs are retried after 1 s, and that, not CPU, sets its rate; -d shows the SMTP work.
Trusts: serve_fixture.Serve; smtp-source given by serve_bench.sh.
Usage: serve_bench.py SMTPSIM SMTP_SOURCE POSTFIX_LIBDIR [--messages N] [--sessions N]
       [--idle N]
"""
import argparse
import os
import poplib
import pwd
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from serve_fixture import Serve  # noqa: E402

CLK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid, children_too=False):
    """utime+stime (and the reaped children's, for OpenSMTPD's forked MDAs) from /proc."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (proc(5) fields 14, 15)
    if children_too:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / CLK


def tree(pid):
    """pid and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                todo += [int(c) for c in f.read().split()]
        except FileNotFoundError:
            pass
    return out


def vm_kib(pid, key="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s for %d" % (key, pid))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def smtp_source(args, port, keep):
    env = dict(os.environ, LD_LIBRARY_PATH=args.libdir)
    cmd = [args.smtp_source] + (["-d"] if keep else []) + [
        "-s", str(args.sessions), "-m", str(args.messages), "-l", "1024",
        "-f", "a@example.org", "-t", "bob@example.com", "127.0.0.1:%d" % port]
    t0 = time.monotonic()
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    elapsed = time.monotonic() - t0
    out = r.stdout.decode("utf-8", "replace").strip()
    if r.returncode != 0 or out:
        print("  smtp-source exit %d: %s" % (r.returncode, out[-2000:]))
    return elapsed, r.returncode


def report(name, elapsed, messages, cpu):
    print("  %-10s %8.2f s  %8.1f msg/s  server CPU %6.2f s (%.2f ms/msg)" %
          (name, elapsed, messages / elapsed, cpu, 1000 * cpu / messages))


def bench_serve(args, keep):
    with Serve(args.smtpsim, "-q", "--max-connections", "2000", "--max-per-client",
               "2000") as s:
        pid = s.proc.pid
        cpu0 = cpu_seconds(pid)
        elapsed, code = smtp_source(args, s.port("smtp"), keep)
        cpu = cpu_seconds(pid) - cpu0
        p = poplib.POP3("127.0.0.1", s.port("pop3"), timeout=600)
        p.user("bob")
        p.pass_("bob")
        count = p.stat()[0]
        p.quit()
        rss = vm_kib(pid, "VmHWM")
        stop = s.stop()
        print("  serve: %d of %d messages in bob's mailbox, peak RSS %d KiB, exit %s" %
              (count, args.messages, rss, stop))
        if count != args.messages or code != 0:
            print("  serve lost mail or smtp-source failed:\n" + s.stderr()[-2000:])
        return elapsed, cpu, count


def opensmtpd_usable():
    if os.geteuid() != 0:
        return "not root (OpenSMTPD needs root and its own mount namespace)"
    if not shutil.which("smtpd") or not shutil.which("unshare"):
        return "smtpd (package opensmtpd) or unshare missing"
    try:
        pwd.getpwnam("vmail")
    except KeyError:
        return "no vmail user (REFERENCE.md: useradd --system ... vmail)"
    r = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if r.returncode != 0:
        return "unshare -m not permitted here"
    return None


def bench_opensmtpd(args, keep):
    tmp = tempfile.mkdtemp(prefix="smtpsim-bench-opensmtpd-")
    proc = None
    try:
        vmail = pwd.getpwnam("vmail")
        spool, run, home = (os.path.join(tmp, d) for d in ("spool", "run", "bob"))
        # OpenSMTPD looks up every client's name. serve does no DNS for its clients, and this
        # sandbox's DNS server drops a query now and then (a 5 s resolver timeout on that
        # connection): answer from /etc/hosts only (libasr's "lookup file").
        resolv = os.path.join(tmp, "resolv.conf")
        with open(resolv, "w") as f:
            f.write("lookup file\n")
        for d in (spool, run, home):
            os.mkdir(d)
        os.chmod(tmp, 0o755)  # vmail (the MDA) must reach bob/Maildir
        os.chmod(spool, 0o711)  # smtpd checks its spool's mode and owner
        os.chown(home, vmail.pw_uid, vmail.pw_gid)
        port = free_port()
        with open(os.path.join(tmp, "userinfo"), "w") as f:
            f.write("bob %d:%d:%s\n" % (vmail.pw_uid, vmail.pw_gid, home))
        conf = os.path.join(tmp, "smtpd.conf")
        with open(conf, "w") as f:
            # max-mails: smtp-source -d sends every message of a session on one connection;
            # OpenSMTPD's default is 100 per session.
            f.write('smtp limit max-mails %d\n'
                    'table userinfo file:%s/userinfo\n'
                    'listen on 127.0.0.1 port %d\n'
                    'action "deliver" maildir userbase <userinfo>\n'
                    'match from any for domain "example.com" action "deliver"\n' %
                    (args.messages + 1, tmp, port))
        script = ("mount --bind %s /var/spool/smtpd && mount --bind %s /run && "
                  "mount --bind %s /etc/resolv.conf && exec smtpd -d -f %s" %
                  (spool, run, resolv, conf))
        log = open(os.path.join(tmp, "log"), "wb")
        proc = subprocess.Popen(["unshare", "-m", "sh", "-c", script], stdout=log,
                                stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("smtpd exited: " + open(log.name).read())
                time.sleep(0.1)
        # Its listen backlog (ss: Send-Q of a listener): past it, new connections' SYNs are
        # dropped and the client retries after 1 s, then 3 s.
        ss = subprocess.run(["ss", "-ltnH", "sport = :%d" % port], capture_output=True,
                            text=True).stdout.split()
        if len(ss) >= 3:
            print("  OpenSMTPD listen backlog: %s (serve: SOMAXCONN)" % ss[2])
        procs = tree(proc.pid)
        cpu0 = sum(cpu_seconds(p, True) for p in procs)
        t_start = time.monotonic()
        elapsed, code = smtp_source(args, port, keep)
        # Accepted is queued, not delivered: also time until every message is in the Maildir.
        new = os.path.join(home, "Maildir", "new")
        count, progress = 0, time.time()
        while time.time() - progress < 60:  # give up after a minute without a delivery
            n = len(os.listdir(new)) if os.path.isdir(new) else 0
            if n != count:
                count, progress = n, time.time()
            if count >= args.messages:
                break
            time.sleep(0.1)
        if count < args.messages:
            with open(log.name, "rb") as f:
                print("  OpenSMTPD stalled; its log ends:\n" + f.read()[-1500:].decode())
        delivered = time.monotonic() - t_start
        cpu = sum(cpu_seconds(p, True) for p in tree(proc.pid)) - cpu0
        print("  OpenSMTPD: %d of %d messages in Maildir/new" % (count, args.messages))
        return elapsed, cpu, count, delivered
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def bench_idle(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.idle + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.idle + 1000), hard))
    n = args.idle
    with Serve(args.smtpsim, "-q", "--max-connections", str(2 * n), "--max-per-client",
               str(2 * n)) as s:
        pid = s.proc.pid
        # One connection first, so that lazily built things (TLS, the SMTP machine's first
        # session) are not counted per connection.
        warm = socket.create_connection(("127.0.0.1", s.port("smtp")), timeout=60)
        warm.recv(512)
        warm.close()
        time.sleep(1)
        before = vm_kib(pid)
        t0 = time.monotonic()
        socks = []
        for _ in range(n):
            socks.append(socket.create_connection(("127.0.0.1", s.port("smtp")), timeout=120))
        greeted = 0
        for c in socks:
            if c.recv(512).startswith(b"220 "):
                greeted += 1
        opened = time.monotonic() - t0
        time.sleep(1)
        after = vm_kib(pid)
        # serve must still answer someone else while they all sit there.
        t1 = time.monotonic()
        extra = socket.create_connection(("127.0.0.1", s.port("smtp")), timeout=120)
        hello = extra.recv(512)
        latency = time.monotonic() - t1
        extra.close()
        for c in socks:
            c.close()
        code = s.stop()
        print("  %d of %d connections greeted with 220 in %.2f s; one more greeted in %.0f ms "
              "(%r)" % (greeted, n, opened, 1000 * latency, hello[:4]))
        print("  serve VmRSS %d KiB -> %d KiB: %.1f KiB per idle connection (exit %s)" %
              (before, after, (after - before) / n, code))


def bench_idle_tls(args):
    """As bench_idle, on port 465: each connection has finished its TLS handshake and read
    the greeting inside TLS."""
    n = args.idle
    with Serve(args.smtpsim, "-q", "--max-connections", str(2 * n), "--max-per-client",
               str(2 * n)) as s:
        pid = s.proc.pid
        ctx = ssl.create_default_context(cafile=s.cert)

        def connect():
            raw = socket.create_connection(("127.0.0.1", s.port("smtps")), timeout=120)
            return ctx.wrap_socket(raw, server_hostname="localhost")

        warm = connect()
        warm.recv(512)
        warm.close()
        time.sleep(1)
        before = vm_kib(pid)
        socks = [connect() for _ in range(n)]
        greeted = sum(1 for c in socks if c.recv(512).startswith(b"220 "))
        time.sleep(1)
        after = vm_kib(pid)
        for c in socks:
            c.close()
        code = s.stop()
        print("  %d of %d TLS connections greeted with 220" % (greeted, n))
        print("  serve VmRSS %d KiB -> %d KiB: %.1f KiB per idle TLS connection (exit %s)" %
              (before, after, (after - before) / n, code))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("smtpsim")
    ap.add_argument("smtp_source")
    ap.add_argument("libdir")
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--idle", type=int, default=1000)
    args = ap.parse_args()

    why = opensmtpd_usable()
    if why:
        print("OpenSMTPD skipped: " + why)
    # Not the same work: say so next to the figures.
    print("serve fsyncs each accepted message into its Maildir (a queue file only for mail it "
          "cannot deliver in the turn it accepts it) before the 250; OpenSMTPD writes its queue "
          "to disk and forks an MDA per message into a Maildir.")
    # smtp-source's default opens one connection per message; -d keeps each session's
    # connection for all its messages, which measures the SMTP work without connection setup.
    for keep, what in ((False, "one connection per message"),
                       (True, "-d: one connection per session")):
        print("smtp-source %s-s %d -m %d -l 1024 (%s)" %
              ("-d " if keep else "", args.sessions, args.messages, what))
        s_elapsed, s_cpu, _ = bench_serve(args, keep)
        if why:
            report("serve", s_elapsed, args.messages, s_cpu)
            continue
        o_elapsed, o_cpu, _, delivered = bench_opensmtpd(args, keep)
        report("serve", s_elapsed, args.messages, s_cpu)
        report("OpenSMTPD", o_elapsed, args.messages, o_cpu)
        print("  OpenSMTPD: every message in the Maildir %.2f s after smtp-source started" %
              delivered)
        print("  ratio serve/OpenSMTPD: %.1f x the messages/s (accepted with 250), "
              "%.1f x less server CPU per message" % (o_elapsed / s_elapsed, o_cpu / s_cpu))
    print("serve memory, %d idle SMTP connections:" % args.idle)
    bench_idle(args)
    print("serve memory, %d idle SMTPS connections (TLS):" % args.idle)
    bench_idle_tls(args)


if __name__ == "__main__":
    main()
