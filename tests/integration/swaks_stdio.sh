#!/bin/sh
# swaks (a real SMTP test client) drives `smtpsim smtpd --stdio` through its --pipe mode.
# swaks' exit code names the stage that failed (0 ok, 23 MAIL, 24 RCPT, 25 DATA, 26 after the message, 28 AUTH),
# so each case asserts the stage where the server must say no.
# Usage: swaks_stdio.sh SMTPSIM_BINARY
set -u
BIN=$1
command -v swaks >/dev/null || { echo "swaks not installed"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0

expect() {  # expect NAME EXIT_CODE swaks-args...
  name=$1 want=$2; shift 2
  swaks --pipe "$BIN smtpd --stdio --maildir $dir/md --mailbox bob@example.com" \
        --helo client.example.org --from a@example.org "$@" >"$dir/out" 2>&1
  got=$?
  if [ "$got" = "$want" ]; then echo "ok: $name (exit $got)"
  else echo "FAIL: $name: swaks exit $got, wanted $want"; cat "$dir/out"; fail=1; fi
}

expect "plain delivery" 0 --to bob@example.com
expect "pipelined delivery" 0 --to bob@example.com --pipeline
expect "unknown user refused at RCPT" 24 --to nobody@example.com
expect "relay refused at RCPT" 24 --to someone@example.net
expect "AUTH LOGIN then relay" 0 --to someone@example.net --auth LOGIN --auth-user bob --auth-password bob
expect "AUTH CRAM-MD5 wrong password" 28 --to bob@example.com --auth CRAM-MD5 --auth-user bob --auth-password nope
expect "8BITMIME body" 0 --to bob@example.com --body "$(printf 'caf\303\251')" --add-header 'Content-Type: text/plain; charset=utf-8'

n=$(ls "$dir/md/bob@example.com/new" | wc -l)
if [ "$n" = 3 ]; then echo "ok: three messages in bob's Maildir"; else echo "FAIL: $n messages in bob's Maildir, wanted 3"; fail=1; fi
n=$(ls "$dir/md/someone@example.net/new" | wc -l)
if [ "$n" = 1 ]; then echo "ok: the relayed message is stored"; else echo "FAIL: $n relayed messages, wanted 1"; fail=1; fi
if ls "$dir/md/bob@example.com/tmp" | grep -q .; then echo "FAIL: files left in tmp/"; fail=1; else echo "ok: tmp/ is empty"; fi

# SIZE: swaks declares no SIZE, so the limit bites at the final dot (552; swaks exit 26).
swaks --pipe "$BIN smtpd --stdio --max-size 100" --from a@example.org --to bob@example.com \
      --body "$(head -c 500 /dev/zero | tr '\0' x)" >"$dir/out" 2>&1
got=$?
if [ "$got" = 26 ] && grep -q '552 5.3.4' "$dir/out"; then echo "ok: 552 5.3.4 over --max-size"
else echo "FAIL: over --max-size: exit $got"; cat "$dir/out"; fail=1; fi
exit $fail
