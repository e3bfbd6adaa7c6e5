#!/bin/sh
# Fuzz smoke run for CTest: smoke.sh BIN CORPUS SECONDS
# Runs the libFuzzer binary BIN for SECONDS on a scratch copy of the seed corpus CORPUS (so
# the repository is never modified), with crash artifacts in the scratch directory, and
# prints libFuzzer's final stats. Exit 77 (CTest "skipped") when BIN was not built (no clang);
# otherwise libFuzzer's status: 0 clean, non-zero on a crash, leak, timeout or OOM.
set -u
bin=$1 corpus=$2 seconds=${3:-60}

if [ ! -x "$bin" ]; then
  echo "fuzz target $bin not built (needs clang: make build-fuzz); skipping"
  exit 77
fi
if [ ! -d "$corpus" ]; then
  echo "seed corpus $corpus missing" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/smtpsim-fuzz.XXXXXX") || exit 2
keep=0
cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/corpus" "$work/artifacts"
cp -R "$corpus"/. "$work/corpus/"

echo "fuzzing $(basename "$bin") for ${seconds}s on a copy of $corpus ($(ls "$work/corpus" | wc -l) seeds)"
# libFuzzer's default -error_exitcode is 77, CTest's "skipped": crashes must fail the test.
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$work/artifacts/" "$work/corpus" \
  >"$work/log" 2>&1
status=$?
[ "$status" -eq 77 ] && status=1

# The last coverage line and the stats; the whole log only when something went wrong.
grep -E '^#[0-9]+' "$work/log" | tail -n 1
grep -E '^(stat::|Done )' "$work/log"
if [ "$status" -ne 0 ]; then
  keep=1
  echo "--- libFuzzer exited with $status; full log and artifacts kept in $work"
  tail -n 80 "$work/log"
  for a in "$work"/artifacts/*; do
    [ -e "$a" ] || continue
    echo "--- artifact $a (reproduce: $bin $a)"
    od -A d -c "$a" | head -n 40
  done
fi
exit "$status"
