"""Real Debian mail clients our other tests do not use, against `smtpsim serve` (issue 7):
msmtp (587 STARTTLS + AUTH PLAIN and LOGIN, 465 implicit TLS, 25 without AUTH, --serverinfo),
fetchmail (POP3 with STLS, keep + UIDL twice; IMAPS and POP3S without keep), mbsync (IMAPS to a
Maildir and back: flags both ways, Expunge Both, an APPEND paired through UIDPLUS's APPENDUID,
Create Both; the second run must change nothing), s-nail (submission with STARTTLS) and neomutt
(sending through smtp_url; on a tmux terminal, IMAP with STARTTLS: delete, flag, sync).
Between the two halves serve is restarted on the same state: mbsync's folders, the empty one
too, must still be there and a sync must change nothing. Then mbsync's Remove Both deletes
the empty folder on the server (IMAP DELETE), and a third start must not bring it back.
Every case is checked afterwards on the server over IMAP or POP3 with Python, not from what the
client says about itself. TLS is verified against serve's certificate; clients connect to
"localhost" (the certificate names it) because fetchmail ignores IP addresses in subjectAltName.
Trusts: serve_fixture.Serve. Exit 77 (skipped) when one of the clients is not installed.
Usage: serve_more_clients.py SMTPSIM_BINARY
"""
import imaplib
import os
import poplib
import shutil
import ssl
import subprocess
import sys
import tempfile
import time

from serve_fixture import Serve

CLIENTS = ["msmtp", "fetchmail", "mbsync", "s-nail", "neomutt", "tmux"]


def run(cmd, stdin=b"", env=None, timeout=120):
    r = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env, timeout=timeout)
    return r.returncode, r.stdout.decode("utf-8", "replace")


class Check:
    def __init__(self):
        self.failed = []

    def __call__(self, name, ok, detail=""):
        print(("ok: " if ok else "FAIL: ") + name + ("" if ok else "\n" + str(detail)))
        if not ok:
            self.failed.append(name)


class Mailbox:
    """Bob's mailbox as the server has it, read over IMAPS with Python's imaplib."""

    def __init__(self, s):
        self.s = s
        self.ctx = ssl.create_default_context(cafile=s.cert)

    def messages(self, folder="INBOX"):
        """{subject: set of flags} for every message in the folder."""
        m = imaplib.IMAP4_SSL("localhost", self.s.port("imaps"), ssl_context=self.ctx,
                              timeout=60)
        try:
            m.login("bob", "bob")
            typ, data = m.select('"%s"' % folder, readonly=True)
            if typ != "OK":
                return None
            if int(data[0]) == 0:
                return {}  # "1:*" in an empty mailbox is a BAD (RFC 3501 section 9)
            typ, data = m.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            out = {}
            for item in data:
                if not isinstance(item, tuple):
                    continue
                meta = item[0].decode()
                flags = set(meta.split("FLAGS (")[1].split(")")[0].split()) - {"\\Recent"}
                subject = item[1].decode().strip().split(":", 1)[1].strip()
                out[subject] = flags
            return out
        finally:
            m.logout()

    def set_flags(self, subject, flags):
        m = imaplib.IMAP4_SSL("localhost", self.s.port("imaps"), ssl_context=self.ctx,
                              timeout=60)
        m.login("bob", "bob")
        m.select("INBOX")
        typ, data = m.uid("SEARCH", None, "SUBJECT", '"%s"' % subject)
        for uid in data[0].split():
            m.uid("STORE", uid, "+FLAGS", flags)
        m.logout()

    def pop3_count(self):
        p = poplib.POP3_SSL("localhost", self.s.port("pop3s"), context=self.ctx, timeout=60)
        p.user("bob")
        p.pass_("bob")
        n = p.stat()[0]
        p.quit()
        return n


def write(path, text, mode=0o600):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def mbox_subjects(path):
    if not os.path.exists(path):
        return []
    with open(path, errors="replace") as f:
        return [line.split(":", 1)[1].strip() for line in f if line.startswith("Subject:")]


def msmtp_cases(s, tmp, check, box):
    rc = os.path.join(tmp, "msmtprc")
    write(rc, """defaults
tls_trust_file {cert}
host localhost
from alice@example.com

account plain
port {sub}
tls on
auth plain
user alice
password alice

account login : plain
auth login

account smtps
port {smtps}
tls on
tls_starttls off
auth on
user alice
password alice

account mx
port {mx}
tls off
auth off
from stranger@example.org
""".format(cert=s.cert, sub=s.port("submission"), smtps=s.port("smtps"), mx=s.port("smtp")))
    for account in ["plain", "login", "smtps", "mx"]:
        body = ("Subject: msmtp %s\nFrom: alice@example.com\nTo: bob@example.com\n\n"
                "sent by msmtp\n.a line that starts with a dot\n" % account).encode()
        code, out = run(["msmtp", "-C", rc, "-a", account, "bob@example.com"], body)
        check("msmtp account %s exits 0" % account, code == 0, out)
    code, out = run(["msmtp", "-C", rc, "-a", "plain", "--serverinfo"])
    check("msmtp --serverinfo on submission: STARTTLS, then AUTH PLAIN and LOGIN",
          code == 0 and "PLAIN" in out and "LOGIN" in out and "STARTTLS" in out, out)
    # Submission without TLS offers only CRAM-MD5 (RFC 4954 section 4: no plaintext password
    # in the clear), so msmtp's AUTH PLAIN cannot happen and nothing arrives from that try.
    write(rc + "-clear", "account default\nhost localhost\nport %d\ntls off\nauth plain\n"
          "user alice\npassword alice\nfrom alice@example.com\n" % s.port("submission"))
    code, out = run(["msmtp", "-C", rc + "-clear", "bob@example.com"],
                    b"Subject: msmtp cleartext\n\nno\n")
    check("msmtp: no AUTH PLAIN in the clear on submission", code != 0, out)
    inbox = box.messages()
    for account in ["plain", "login", "smtps", "mx"]:
        check("bob has the msmtp %s message" % account, "msmtp %s" % account in inbox, inbox)
    check("the cleartext try delivered nothing", "msmtp cleartext" not in inbox, inbox)


def fetchmail(s, tmp, name, body):
    rc = os.path.join(tmp, name + ".rc")
    write(rc, body.format(cert=s.cert, mbox=os.path.join(tmp, name + ".mbox")))
    env = dict(os.environ, HOME=tmp)
    return run(["fetchmail", "-f", rc, "--nodetach", "-v", "-i", os.path.join(tmp, name + ".ids")],
               env=env)


def fetchmail_keep_cases(s, tmp, check, box):
    before = box.pop3_count()
    cfg = """set no bouncemail
poll localhost service {port} protocol POP3 uidl
  user bob there with password bob is bob here
  sslproto tls1.2+ sslcertck sslcertfile {{cert}}
  keep
  mda "/bin/sh -c 'cat >> {{mbox}}'"
""".format(port=s.port("pop3"))
    code, out = fetchmail(s, tmp, "pop3-keep", cfg)
    got = mbox_subjects(os.path.join(tmp, "pop3-keep.mbox"))
    check("fetchmail POP3 STLS keep: every message, exit 0",
          code == 0 and len(got) == before and "STLS" in out, out[-3000:])
    code, out = fetchmail(s, tmp, "pop3-keep", cfg)
    again = mbox_subjects(os.path.join(tmp, "pop3-keep.mbox"))
    # fetchmail's status 1 is "no new mail": UIDL told it everything was seen.
    check("fetchmail POP3 second run: UIDL says nothing is new", code == 1 and again == got,
          out[-3000:])
    check("keep left the messages on the server", box.pop3_count() == before)


def mbsync_rc(s, tmp, extra=""):
    """mbsync's configuration for this serve (its port changes across a restart)."""
    md = os.path.join(tmp, "maildir")
    rc = os.path.join(tmp, "mbsyncrc")
    write(rc, """IMAPAccount bob
Host localhost
Port {port}
User bob
Pass bob
SSLType IMAPS
CertificateFile {cert}

IMAPStore remote
Account bob

MaildirStore local
Path {md}/
Inbox {md}/INBOX
SubFolders Verbatim

Channel bob
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
SyncState *
{extra}""".format(port=s.port("imaps"), cert=s.cert, md=md, extra=extra))
    return md, rc


def mbsync_cases(s, tmp, check, box):
    md, rc = mbsync_rc(s, tmp)
    env = dict(os.environ, HOME=tmp)

    def sync(what):
        code, out = run(["mbsync", "-c", rc, "bob"], env=env)
        check("mbsync %s exits 0" % what, code == 0, out)

    def local(folder="INBOX"):
        """{subject: maildir flags} of the local copy."""
        out = {}
        for sub in ("new", "cur"):
            d = os.path.join(md, folder, sub)
            for n in os.listdir(d) if os.path.isdir(d) else []:
                with open(os.path.join(d, n), errors="replace") as f:
                    subj = [line.split(":", 1)[1].strip() for line in f
                            if line.startswith("Subject:")]
                out[subj[0] if subj else n] = n.split(":2,")[1] if ":2," in n else ""
        return out

    def files(folder="INBOX"):
        return sum(len(os.listdir(os.path.join(md, folder, sub))) for sub in ("new", "cur"))

    def rename(subject, add):
        for sub in ("new", "cur"):
            d = os.path.join(md, "INBOX", sub)
            for n in os.listdir(d):
                with open(os.path.join(d, n), errors="replace") as f:
                    if ("Subject: " + subject) not in f.read():
                        continue
                base, _, flags = n.partition(":2,")
                new = base + ":2," + "".join(sorted(set(flags + add)))
                os.rename(os.path.join(d, n), os.path.join(md, "INBOX", "cur", new))
                return True
        return False

    os.makedirs(md)
    sync("first run")
    server = box.messages()
    check("mbsync copied every server message", set(local()) == set(server),
          (local(), server))
    # Local changes: a flag, a deletion (T + Expunge Both), a new message, a new folder.
    check("local message to flag", rename("msmtp plain", "F"))
    check("local message to trash", rename("msmtp login", "T"))
    write(os.path.join(md, "INBOX", "new", "1.local.host"),
          "From: bob@example.com\nTo: bob@example.com\nSubject: written offline\n\nlocal\n", 0o644)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(md, "Archive", sub))
    write(os.path.join(md, "Archive", "cur", "2.local.host:2,S"),
          "From: bob@example.com\nSubject: archived\n\nold\n", 0o644)
    for sub in ("cur", "new", "tmp"):  # an empty folder: CREATE, and nothing else
        os.makedirs(os.path.join(md, "Empty", sub))
    # A server-side change: another client marks a message read.
    box.set_flags("msmtp smtps", "(\\Seen)")
    sync("two-way run")
    server = box.messages()
    check("local \\Flagged reached the server", "\\Flagged" in server.get("msmtp plain", ()),
          server)
    check("locally trashed message expunged on the server", "msmtp login" not in server, server)
    check("offline message APPENDed to the server", "written offline" in server, server)
    check("Create Both made Archive on the server with its message",
          box.messages("Archive") == {"archived": {"\\Seen"}}, box.messages("Archive"))
    check("Create Both made the empty folder on the server", box.messages("Empty") == {},
          box.messages("Empty"))
    check("server \\Seen reached the Maildir", "S" in local().get("msmtp smtps", ""), local())
    check("trashed message gone locally too", "msmtp login" not in local(), local())
    check("the APPENDed copy is paired, not fetched back as a duplicate",
          files() == len(server), (files(), server))
    mark = len(s.stdout())
    snapshot = (local(), local("Archive"), box.messages(), box.messages("Archive"))
    sync("second run")
    changes = [line for line in s.stdout()[mark:].splitlines()
               if any(c in line for c in (" APPEND ", " STORE ", " EXPUNGE", "BODY.PEEK[]"))]
    check("second mbsync run is a no-op (no APPEND, STORE, EXPUNGE or body fetch)",
          not changes and snapshot == (local(), local("Archive"), box.messages(),
                                       box.messages("Archive")), changes)


def mbsync_after_restart(s, tmp, check, box):
    """serve was stopped and started again on the same state: every folder mbsync made is
    still there, the empty one too, and a sync changes nothing."""
    md, rc = mbsync_rc(s, tmp)
    check("after a restart the empty folder is still there", box.messages("Empty") == {},
          box.messages("Empty"))
    check("after a restart Archive keeps its message",
          box.messages("Archive") == {"archived": {"\\Seen"}}, box.messages("Archive"))
    mark = len(s.stdout())
    code, out = run(["mbsync", "-c", rc, "bob"], env=dict(os.environ, HOME=tmp))
    changes = [line for line in s.stdout()[mark:].splitlines()
               if any(c in line for c in (" APPEND ", " STORE ", " EXPUNGE", "BODY.PEEK[]",
                                          " CREATE "))]
    check("mbsync after the restart exits 0 and changes nothing", code == 0 and not changes,
          (out, changes))


def mbsync_remove_case(s, tmp, check, box):
    """Remove Both: a folder deleted locally is deleted on the server with IMAP DELETE
    (RFC 3501 section 6.3.4; mbsync only removes empty mailboxes). Deleting cur/ is how
    mbsync's manual says to mark a Maildir folder deleted."""
    md, rc = mbsync_rc(s, tmp, "Remove Both\n")
    shutil.rmtree(os.path.join(md, "Empty", "cur"))
    mark = len(s.stdout())
    code, out = run(["mbsync", "-c", rc, "bob"], env=dict(os.environ, HOME=tmp))
    deletes = [line for line in s.stdout()[mark:].splitlines() if " DELETE " in line]
    check("mbsync Remove Both exits 0 and sent DELETE", code == 0 and deletes, (out, deletes))
    check("Remove Both deleted the folder on the server", box.messages("Empty") is None,
          box.messages("Empty"))
    check("... and left the others", box.messages("Archive") == {"archived": {"\\Seen"}},
          box.messages("Archive"))


def snail_case(s, tmp, check, box):
    env = dict(os.environ, HOME=tmp, MAILRC="/dev/null")
    code, out = run(["s-nail", "-n", "-Sv15-compat", "-Ssendwait", "-Sverbose",
                     "-Smta=smtp://alice:alice@localhost:%d" % s.port("submission"),
                     "-Ssmtp-use-starttls", "-Stls-ca-file=" + s.cert, "-Stls-ca-no-defaults",
                     "-Sfrom=alice@example.com", "-s", "s-nail over submission",
                     "bob@example.com"], b"sent by s-nail\n", env=env)
    check("s-nail sends over 587 with STARTTLS", code == 0, out[-2000:])
    check("bob has the s-nail message", "s-nail over submission" in box.messages())


def neomutt_cases(s, tmp, check, box):
    home = os.path.join(tmp, "neomutt")
    os.makedirs(home)
    rc = os.path.join(home, "muttrc")
    write(rc, """set certificate_file={cert}
set imap_user=bob
set imap_pass=bob
set smtp_url=smtp://alice@localhost:{sub}/
set smtp_pass=alice
set ssl_starttls=yes
set ssl_force_tls=yes
set from=alice@example.com
set record=
set postponed=
set header_cache=
set message_cachedir=
set quit=yes
set wait_key=no
set confirmappend=no
set delete=yes
set folder={home}
""".format(cert=s.cert, sub=s.port("submission"), home=home))
    env = dict(os.environ, HOME=home)
    code, out = run(["neomutt", "-n", "-F", rc, "-s", "neomutt smtp", "bob@example.com"],
                    b"sent by neomutt\n", env=env)
    check("neomutt sends through smtp_url (STARTTLS, AUTH)", code == 0, out)
    check("bob has the neomutt message", "neomutt smtp" in box.messages())
    # Reading needs a terminal: neomutt on a detached tmux pane, driven by pushed keys.
    actions = os.path.join(home, "actions.rc")
    write(actions, 'push "<tag-pattern>~s neomutt<enter><tag-prefix><delete-message>'
          '<tag-pattern>~s s-nail<enter><tag-prefix><set-flag>!<sync-mailbox><quit>"\n')
    done = os.path.join(home, "exit-code")
    session = "smtpsim-neomutt-%d" % os.getpid()
    cmd = ("HOME=%s neomutt -n -F %s -e 'source %s' -f imap://localhost:%d/INBOX; "
           "echo $? > %s" % (home, rc, actions, s.port("imap"), done))
    subprocess.run(["tmux", "-L", session, "new-session", "-d", "-s", session, "-x", "120", "-y",
                    "40", cmd], check=True)
    try:
        deadline = time.time() + 45
        while time.time() < deadline and not os.path.exists(done):
            time.sleep(0.2)
        screen = subprocess.run(["tmux", "-L", session, "capture-pane", "-p", "-t", session],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    finally:
        subprocess.run(["tmux", "-L", session, "kill-server"], stderr=subprocess.DEVNULL)
    code = open(done).read().strip() if os.path.exists(done) else "timeout; the screen:\n" + \
        screen.decode("utf-8", "replace")
    inbox = box.messages()
    check("neomutt over IMAP STARTTLS exits 0", code == "0", code)
    check("neomutt deleted and expunged its message", "neomutt smtp" not in inbox, inbox)
    check("neomutt's flag reached the server", "\\Flagged" in inbox.get("s-nail over submission",
                                                                         ()), inbox)


def fetchmail_take_cases(s, tmp, check, box):
    want = sorted(box.messages())
    code, out = fetchmail(s, tmp, "imaps", """poll localhost service %d protocol IMAP
  user bob there with password bob is bob here
  ssl sslcertck sslcertfile {cert}
  nokeep fetchall
  mda "/bin/sh -c 'cat >> {mbox}'"
""" % s.port("imaps"))
    got = sorted(mbox_subjects(os.path.join(tmp, "imaps.mbox")))
    check("fetchmail IMAPS without keep: every message, exit 0", code == 0 and got == want,
          (got, want, out[-3000:]))
    check("... and the server INBOX is empty", box.messages() == {}, box.messages())
    # POP3S without keep, on fresh mail.
    rc = os.path.join(tmp, "msmtprc-mx")  # this serve's port 25 (the port moved at restart)
    write(rc, "account default\nhost localhost\nport %d\ntls off\nauth off\n"
          "from stranger@example.org\n" % s.port("smtp"))
    for i in (1, 2):
        code, out = run(["msmtp", "-C", rc, "bob@example.com"],
                        ("Subject: for pop3s %d\n\nx\n" % i).encode())
        check("msmtp to port 25 after the restart", code == 0, out)
    code, out = fetchmail(s, tmp, "pop3s", """poll localhost service %d protocol POP3 uidl
  user bob there with password bob is bob here
  ssl sslcertck sslcertfile {cert}
  nokeep
  mda "/bin/sh -c 'cat >> {mbox}'"
""" % s.port("pop3s"))
    got = sorted(mbox_subjects(os.path.join(tmp, "pop3s.mbox")))
    check("fetchmail POP3S without keep: both messages", code == 0 and
          got == ["for pop3s 1", "for pop3s 2"], (got, out[-3000:]))
    check("... deleted on the server (DELE, then QUIT's UPDATE)", box.pop3_count() == 0)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: serve_more_clients.py SMTPSIM_BINARY")
    missing = [c for c in CLIENTS if not shutil.which(c)]
    if missing:
        print("skipped: not installed: " + ", ".join(missing))
        return 77
    check = Check()
    tmp = tempfile.mkdtemp(prefix="smtpsim-clients-")
    state = os.path.join(tmp, "serve")  # serve's state, kept across its restart
    os.makedirs(state)
    try:
        with Serve(sys.argv[1], tmp=state) as s:
            box = Mailbox(s)
            msmtp_cases(s, tmp, check, box)
            fetchmail_keep_cases(s, tmp, check, box)
            mbsync_cases(s, tmp, check, box)
            if check.failed:
                sys.stderr.write("--- serve transcript (end) ---\n" + s.stdout()[-6000:] + "\n")
            code = s.stop()
            check("serve stops cleanly on SIGINT", code == 0, code)
        with Serve(sys.argv[1], tmp=state) as s:
            box = Mailbox(s)
            mbsync_after_restart(s, tmp, check, box)
            mbsync_remove_case(s, tmp, check, box)
            snail_case(s, tmp, check, box)
            neomutt_cases(s, tmp, check, box)
            fetchmail_take_cases(s, tmp, check, box)
            if check.failed:
                sys.stderr.write("--- serve transcript (end) ---\n" + s.stdout()[-6000:] + "\n")
            code = s.stop()
            check("serve stops cleanly on SIGINT after the restart", code == 0, code)
        with Serve(sys.argv[1], tmp=state) as s:
            box = Mailbox(s)
            check("a folder deleted before a restart stays deleted", box.messages("Empty") is None,
                  box.messages("Empty"))
            check("... and the others stay", box.messages("Archive") == {"archived": {"\\Seen"}},
                  box.messages("Archive"))
            code = s.stop()
            check("serve stops cleanly on SIGINT after the second restart", code == 0, code)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if check.failed:
        print("%d failed: %s" % (len(check.failed), ", ".join(check.failed)))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
