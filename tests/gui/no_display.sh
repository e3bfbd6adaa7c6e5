#!/bin/sh
# `smtpsim` and `smtpsim gui SCENARIO` without a display: one sentence saying how to run
# headless, exit status 2, nothing on stdout.
set -u
bin=$1
for args in "" "gui same-domain"; do
  # shellcheck disable=SC2086
  out=$(env -u DISPLAY -u WAYLAND_DISPLAY ASAN_OPTIONS=detect_leaks=0 "$bin" $args 2>&1 >/dev/null)
  rc=$?
  [ "$rc" -eq 2 ] || { echo "FAIL: smtpsim $args exited $rc: $out"; exit 1; }
  case $out in
    *"smtpsim run "*) ;;
    *) echo "FAIL: smtpsim $args said: $out"; exit 1 ;;
  esac
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || { echo "FAIL: more than one line: $out"; exit 1; }
done
# A scenario that does not exist is reported before the display is looked for.
out=$(env -u DISPLAY "$bin" gui no-such-scenario 2>&1)
[ $? -eq 2 ] && case $out in *no-such-scenario*) ;; *) false ;; esac || { echo "FAIL: $out"; exit 1; }
echo ok
