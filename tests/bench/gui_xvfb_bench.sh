#!/bin/sh
# The GUI frame figures in a real window (issue 5): Xvfb with Mesa's llvmpipe (software GL),
# the benchmark scenario of make_big_scenario.py (100 hosts, ~100,000 transcript lines), N
# frames played at 0.1x from the first moment with about 1,000 envelopes in flight. Prints
# what `smtpsim gui --bench-frames` prints: time from launch to the first frame, resident
# memory with the whole run loaded, and per-frame wall and main-thread CPU time (mean, max).
# Wall time includes llvmpipe rasterising on the other cores; CPU time is our thread only.
# usage: gui_xvfb_bench.sh SMTPSIM [FRAMES] [AT]    (run by `make bench`; not a CTest test)
set -eu
smtpsim=$1
frames=${2:-300}
at=${3:-4145}  # BM_GuiFramePaused/1000 reports this cursor ("cursor" counter)
here=$(dirname "$0")
if ! command -v xvfb-run >/dev/null; then
  echo "xvfb-run not found: GUI window benchmark skipped"
  exit 0
fi
scenario=$(mktemp --suffix=.json)
trap 'rm -f "$scenario"' EXIT
python3 "$here/make_big_scenario.py" "$scenario"
echo "== smtpsim gui --bench-frames $frames, 1600x900, Xvfb + llvmpipe, from event $at"
LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1600x900x24" \
  "$smtpsim" gui "$scenario" --bench-frames "$frames" --at "$at"
for name in cross-domain-relay pop3-vs-imap; do
  echo "== $name (shipped), first frame and memory"
  LIBGL_ALWAYS_SOFTWARE=1 xvfb-run -a -s "-screen 0 1600x900x24" \
    "$smtpsim" gui "$name" --bench-frames 60
done
