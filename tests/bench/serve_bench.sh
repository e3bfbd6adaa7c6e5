#!/bin/sh
# Live-mode figures (issue 7), run by `make bench`: serve vs OpenSMTPD under Postfix's
# smtp-source, and serve's memory per idle connection (the work is in serve_bench.py).
# smtp-source comes from the postfix package, unpacked under build/postfix and never
# installed (it conflicts with opensmtpd; REFERENCE.md "Real peers on this machine").
# Usage: serve_bench.sh SMTPSIM_BINARY [--messages N] [--sessions N] [--idle N]
set -eu
bin=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
pf=${SMTPSIM_POSTFIX_DIR:-$(cd "$here/../.." && pwd)/build/postfix}
if [ ! -x "$pf/root/usr/sbin/smtp-source" ]; then
  echo "Fetching smtp-source (apt-get download postfix) into $pf"
  mkdir -p "$pf"
  (cd "$pf" && rm -f postfix_*.deb && apt-get download postfix >/dev/null 2>&1 &&
    dpkg -x postfix_*.deb root) || { echo "serve_bench: cannot get postfix's smtp-source"; exit 1; }
fi
# 1,000 idle connections need 1,000 descriptors in serve and in the Python client.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec python3 "$here/serve_bench.py" "$bin" "$pf/root/usr/sbin/smtp-source" \
  "$pf/root/usr/lib/postfix" "$@"
