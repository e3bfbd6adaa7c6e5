#!/usr/bin/env python3
"""Screenshot test of the menus and dialogs (issue 5): `smtpsim gui SCENARIO --screenshot PNG
--at STEP --dialog NAME` in a real window under xvfb-run, compared with the same moment without
the dialog. The dialog must change a good share of the window's centre (where dialogs open) or,
for a menu ("menu:File"), of its top-left corner, and an unknown dialog name must be reported
in one sentence. PNGs are decoded by screenshot_check.read_png (standard library only).

Exit 77 (skipped) when xvfb-run is missing.
usage: dialog_check.py SMTPSIM SCENARIO STEP OUTDIR DIALOG...
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from screenshot_check import read_png  # noqa: E402


def shoot(smtpsim, scenario, step, png, dialog=None):
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"  # Mesa's, not ours
    env["LIBGL_ALWAYS_SOFTWARE"] = "1"
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x900x24", smtpsim, "gui", scenario,
           "--screenshot", png, "--at", str(step)]
    if dialog:
        cmd += ["--dialog", dialog]
    return subprocess.run(cmd, env=env, timeout=300, capture_output=True, text=True)


def main():
    smtpsim, scenario, step, outdir, dialogs = (sys.argv[1], sys.argv[2], int(sys.argv[3]),
                                                sys.argv[4], sys.argv[5:])
    if not shutil.which("xvfb-run"):
        print("xvfb-run not found: skipped")
        return 77
    os.makedirs(outdir, exist_ok=True)
    problems = []
    plain = os.path.join(outdir, f"{scenario}-{step}-plain.png")
    r = shoot(smtpsim, scenario, step, plain)
    if r.returncode != 0:
        print(f"FAIL: plain screenshot exited {r.returncode}: {r.stderr}")
        return 1
    w, h, base = read_png(plain)
    for d in dialogs:
        name = d.replace(":", "-").replace("/", "-").replace(" ", "_")
        png = os.path.join(outdir, f"{scenario}-{step}-{name}.png")
        r = shoot(smtpsim, scenario, step, png, d)
        if r.returncode != 0 or r.stderr.strip():
            problems.append(f"{d}: exited {r.returncode}: {r.stderr.strip()}")
            continue
        _, _, px = read_png(png)
        if d.startswith("menu:"):  # drops down from the menu bar, top left
            xs, ys = range(0, w // 2, 5), range(0, h // 3, 5)
        else:  # dialogs open centred
            xs, ys = range(w * 3 // 8, w * 5 // 8, 5), range(h * 3 // 8, h * 5 // 8, 5)
        pts = [(x, y) for y in ys for x in xs]
        changed = sum(px[y][x] != base[y][x] for x, y in pts) / len(pts)
        print(f"{d}: {changed:.0%} of the region changed")
        if changed < 0.2:
            problems.append(f"{d}: only {changed:.0%} of the region changed; is it drawn?")
    r = shoot(smtpsim, scenario, step, os.path.join(outdir, "unknown.png"), "no-such-dialog")
    if 'unknown dialog "no-such-dialog"' not in r.stderr:
        problems.append(f"unknown dialog not reported: {r.stderr!r}")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
