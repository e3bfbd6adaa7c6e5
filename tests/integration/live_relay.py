"""Live relay (issue 7): `smtpsim serve` relays mail for domains it does not simulate to real
servers on 127.0.0.1, with the simulated MTA's own queue, retries and bounces.
Usage: live_relay.py SMTPSIM_BINARY MODE, MODE one of
  dns        dnsmasq's MX for example.test -> OpenSMTPD (--dns, --mx-port)
  smarthost  --relay 127.0.0.1:PORT -> OpenSMTPD
  defer      --relay to a closed port: deferred (connection refused), then OpenSMTPD starts
             there and the retry delivers
  bounce     OpenSMTPD answers 550 for an unknown user: the DSN lands in alice's mailbox
  tls        --relay to a second `smtpsim serve` (example.test): STARTTLS on the real hop
  spf        mail in on port 25 from example.test: the SPF check's TXT lookup goes past the
             scenario's DNS to dnsmasq (pass for 127.0.0.1; fail for a "-all" domain)
  timeout    --relay to a port whose accept queue is full (SYNs dropped): after Postfix's 30 s
             connect timeout the simulation hears "timed out", not "refused", and defers
  options    a --dns or --relay that cannot work: exit 2 with one sentence, before listening
Each peer is started here on a free port and stopped by PID."""
import os
import poplib
import shutil
import socket
import subprocess
import tempfile
import smtplib
import ssl
import sys
import time

from relay_peers import Dnsmasq, OpenSmtpd, free_port
from serve_fixture import Serve

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "relay_scenario.json")


def submit(serve, to, subject):
    """As a mail program would: 587, STARTTLS (serve's own certificate), AUTH alice/alice."""
    ctx = ssl.create_default_context(cafile=serve.cert)
    with smtplib.SMTP("127.0.0.1", serve.port("submission"), timeout=120) as c:
        c.ehlo("laptop")
        c.starttls(context=ctx)
        c.ehlo("laptop")
        c.login("alice", "alice")
        c.sendmail("alice@example.com", [to],
                   "From: alice@example.com\r\nTo: %s\r\nSubject: %s\r\n\r\nhello over the real "
                   "network\r\n" % (to, subject))


def received(message):
    """The Received: fields of a message, unfolded, newest first."""
    head = message.split("\n\n", 1)[0].replace("\r\n", "\n")
    fields, cur = [], None
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and cur is not None:
            cur += " " + line.strip()
            continue
        if cur is not None:
            fields.append(cur)
        cur = line
    if cur is not None:
        fields.append(cur)
    return [f for f in fields if f.lower().startswith("received:")]


def check_two_hops(msg, serve):
    hops = received(msg)
    assert len(hops) >= 2, msg
    # Newest first: OpenSMTPD's (it heard EHLO mail.example.com), then serve's own.
    assert "from mail.example.com" in hops[0], hops
    assert "by mail.example.com" in hops[1], hops
    assert "Subject: relayed" in msg, msg
    assert serve.wait_for("relayed to"), serve.stdout()[-3000:]


def mode_dns(binary):
    with OpenSmtpd() as mta, Dnsmasq("--mx-host=example.test,mail.example.test,10",
                                     "--host-record=mail.example.test,127.0.0.1") as dns:
        with Serve(binary, "--dns", "127.0.0.1:%d" % dns.port, "--mx-port", str(mta.port),
                   scenario=SCENARIO) as s:
            assert "real DNS at 127.0.0.1:%d" % dns.port in s.stdout(), s.stdout()
            submit(s, "someone@example.test", "relayed")
            got = mta.wait_messages(1)
            assert len(got) == 1, (got, s.stdout()[-3000:])
            check_two_hops(got[0], s)
            out = s.stdout()
            # The MX came from the real DNS server, read by the simulation's MX steps.
            assert "example.test MX: 10 mail.example.test [127.0.0.1]" in out, out[-3000:]
            assert s.stop() == 0


def mode_smarthost(binary):
    with OpenSmtpd() as mta:
        with Serve(binary, "--relay", "127.0.0.1:%d" % mta.port, scenario=SCENARIO) as s:
            submit(s, "someone@example.test", "relayed")
            got = mta.wait_messages(1)
            assert len(got) == 1, (got, s.stdout()[-3000:])
            check_two_hops(got[0], s)
            assert "relayed through the smarthost 127.0.0.1" in s.stdout(), s.stdout()[-3000:]
            assert s.stop() == 0


def mode_defer(binary):
    port = free_port()  # nothing listens there yet
    with Serve(binary, "--relay", "127.0.0.1:%d" % port, scenario=SCENARIO) as s:
        submit(s, "someone@example.test", "relayed")
        assert s.wait_for("connection refused (real network)"), s.stdout()[-3000:]
        assert s.wait_for("deferred"), s.stdout()[-3000:]
        mta = OpenSmtpd(port=port)
        try:
            mta.start()
            # The scenario's queue retries after seconds (minimal_backoff 2s).
            got = mta.wait_messages(1)
            assert len(got) == 1, (got, s.stdout()[-3000:])
            check_two_hops(got[0], s)
        finally:
            mta.cleanup()
        assert s.stop() == 0
        assert "(0 messages in the queue)" in s.stdout(), s.stdout()[-1000:]


def mode_bounce(binary):
    with OpenSmtpd() as mta:
        # The smarthost by name: resolved once at start (getaddrinfo), IPv4 first.
        with Serve(binary, "--relay", "localhost:%d" % mta.port, scenario=SCENARIO) as s:
            assert "smarthost localhost:%d [127.0.0.1]" % mta.port in s.stdout(), s.stdout()
            submit(s, "nobody@example.test", "to nobody")
            assert s.wait_for("delivered to mailbox alice"), s.stdout()[-3000:]
            p = poplib.POP3("127.0.0.1", s.port("pop3"), timeout=60)
            p.user("alice")
            p.pass_("alice")
            count, _ = p.stat()
            assert count == 1, count
            dsn = b"\n".join(p.retr(1)[1]).decode("utf-8", "replace")
            p.quit()
            # RFC 3464: a report naming the recipient and OpenSMTPD's own 550 reply.
            assert "multipart/report" in dsn and "delivery-status" in dsn, dsn
            assert "nobody@example.test" in dsn, dsn
            assert "550" in dsn, dsn
            assert mta.messages() == [], mta.messages()
            assert s.stop() == 0


def mode_tls(binary):
    peer_scenario = os.path.join(HERE, "relay_peer_scenario.json")
    with Serve(binary, scenario=peer_scenario) as peer:
        with Serve(binary, "--relay", "127.0.0.1:%d" % peer.port("smtp"), scenario=SCENARIO) as s:
            submit(s, "someone@example.test", "relayed")
            assert peer.wait_for("delivered to mailbox someone"), peer.stdout()[-3000:]
            out = s.stdout()
            # The simulated client asked for STARTTLS; the real socket switched.
            assert "TLS handshake complete (TLSv1" in out, out[-3000:]
            assert "not verified (opportunistic TLS, RFC 7435)" in out, out[-3000:]
            p = poplib.POP3("127.0.0.1", peer.port("pop3"), timeout=60)
            p.user("someone")
            p.pass_("someone")
            count, _ = p.stat()
            assert count == 1, count
            msg = b"\n".join(p.retr(1)[1]).decode("utf-8", "replace")
            p.quit()
            hops = received(msg)
            assert len(hops) >= 2, msg
            assert "by mail.example.test" in hops[0] and "by mail.example.com" in hops[1], hops
            assert "ESMTPS" in hops[0], hops  # RFC 3848: TLS on the real hop
            assert s.stop() == 0
        assert peer.stop() == 0


def mode_spf(binary):
    with Dnsmasq("--txt-record=example.test,v=spf1 ip4:127.0.0.1 -all",
                 "--txt-record=strict.test,v=spf1 -all") as dns:
        with Serve(binary, "--dns", "127.0.0.1:%d" % dns.port, scenario=SCENARIO) as s:
            for sender in ("x@example.test", "y@strict.test"):
                with smtplib.SMTP("127.0.0.1", s.port("smtp"), timeout=120) as c:
                    c.sendmail(sender, ["alice@example.com"], "Subject: spf\r\n\r\nx\r\n")
            assert s.wait_for("SPF fail for <y@strict.test>"), s.stdout()[-3000:]
            out = s.stdout()
            assert "SPF pass for <x@example.test> from 127.0.0.1" in out, out[-3000:]
            assert "answer NOERROR example.test TXT" in out, out[-3000:]
            assert s.stop() == 0


def mode_timeout(binary):
    # A listener with a backlog of 0 that never accepts: once its queue is full, Linux drops
    # further SYNs, so a connect neither succeeds nor is refused.
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(0)
    port = sink.getsockname()[1]
    fill = []
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fill.append(c)
    try:
        with Serve(binary, "--relay", "127.0.0.1:%d" % port, scenario=SCENARIO) as s:
            submit(s, "someone@example.test", "relayed")
            assert s.wait_for("connection timed out (real network)", timeout=150), \
                s.stdout()[-3000:]
            assert s.wait_for("deferred"), s.stdout()[-3000:]
            assert "connection refused" not in s.stdout(), s.stdout()[-3000:]
            assert s.stop() == 0
            assert "(1 messages in the queue)" in s.stdout(), s.stdout()[-1000:]
    finally:
        for c in fill:
            c.close()
        sink.close()


def mode_options(binary):
    tmp = tempfile.mkdtemp(prefix="smtpsim-relay-options-")
    env = dict(os.environ, XDG_DATA_HOME=tmp, XDG_STATE_HOME=tmp, ASAN_OPTIONS="detect_leaks=0")
    try:
        for args, says in ((["--dns", "dns.example.test"], "--dns: 'dns.example.test' is not"),
                           (["--relay", "127.0.0.1:99999"], "--relay: '127.0.0.1:99999': port"),
                           (["--relay", "nowhere.invalid:25"],
                            "--relay: cannot find the address of nowhere.invalid")):
            r = subprocess.run([binary, "serve", "--port-offset", "0", "--state-dir",
                                os.path.join(tmp, "spool")] + args, env=env, timeout=120,
                               capture_output=True, text=True)
            assert r.returncode == 2, (args, r.returncode, r.stdout, r.stderr)
            assert says in r.stderr and r.stderr.count("\n") == 1, (args, r.stderr)
            assert "Ctrl-C" not in r.stdout, r.stdout  # it never started listening
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    binary, mode = sys.argv[1], sys.argv[2]
    started = time.time()
    {"dns": mode_dns, "smarthost": mode_smarthost, "defer": mode_defer, "bounce": mode_bounce,
     "tls": mode_tls, "timeout": mode_timeout, "spf": mode_spf, "options": mode_options}[mode](binary)
    print("live relay %s: ok (%.1f s)" % (mode, time.time() - started))


if __name__ == "__main__":
    main()
