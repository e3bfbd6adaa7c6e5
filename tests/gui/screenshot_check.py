#!/usr/bin/env python3
"""Screenshot test of the GUI (issue 5): runs `smtpsim gui SCENARIO --screenshot PNG --at STEP
--layout-json JSON` in a real window under xvfb-run, then checks the pixels with nothing but the
standard library (the PNG is decoded with zlib):

  * the picture is not blank (many distinct colours);
  * every host box the program reports is drawn where it says (the box fill covers a good
    part of it; a host listed in --down has the grey "down" fill instead);
  * every envelope the program reports has its protocol's colour at its centre, and at least
    --min-envelopes of them exist (--proto: one of them carries that protocol);
  * with --select (the inspector's selection) and --lit: the inspector column shows a state
    diagram box lit in the current-state colour.
  * --presenter: the window was drawn in presenter mode -- the program reports a font of at
    least 26 px, and the window background is pure black (high contrast).

Exit 77 (skipped) when xvfb-run is missing.
With --lesson, SCENARIO is a lesson and STEP its step (`--step`, 1-based) instead of an event
number; then also:

  * the lesson panel shows that step and its narration text is drawn (narration colour);
  * every host the step spotlights has the yellow spotlight ring around its box.

usage: screenshot_check.py SMTPSIM SCENARIO STEP OUTDIR [--min-envelopes N] [--proto P]
                           [--down HOST]... [--select SELECTION [--lit]] [--presenter] [--lesson]
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib

BOX_FILL = (34, 40, 54)
NARRATION = (255, 250, 230)
SPOTLIGHT = (255, 236, 90)
DOWN_FILL = (70, 70, 74)
LIT_STATE = (255, 208, 70)  # gui/state_diagram.cpp kCurrent
PROTO = {"SMTP": (255, 196, 60), "DNS": (80, 200, 255), "POP3": (120, 230, 110),
         "IMAP": (235, 130, 255)}


def read_png(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), f"unsupported PNG {depth=} {ctype=}"
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def near(p, q, tol=24):
    return all(abs(a - b) <= tol for a, b in zip(p, q))


def check_lesson(lay, px, w, h, step):
    problems = []
    les = lay.get("lesson")
    if not les:
        return ["no lesson panel in the layout"]
    if les["step"] != step:
        problems.append(f"lesson shows step {les['step']}, wanted {step}")
    text = sum(near(px[y][x], NARRATION, 20) for y in range(max(0, les["y0"]), min(h, les["y1"]))
               for x in range(max(0, les["x0"]), min(w, les["x1"]), 2))
    print(f"lesson panel: {text} narration pixels")
    if text < 400:
        problems.append(f"lesson narration hardly drawn ({text} pixels)")
    boxes = {b["name"]: b for b in lay["hosts"]}
    for name in les["spotlight"]:
        b = boxes[name]
        ring = [(x, y) for y in range(b["y0"] - 30, b["y1"] + 30) for x in range(b["x0"] - 30, b["x1"] + 30)
                if 0 <= x < w and 0 <= y < h and not (b["x0"] <= x < b["x1"] and b["y0"] <= y < b["y1"])]
        lit = sum(near(px[y][x], SPOTLIGHT, 30) for x, y in ring)
        print(f"spotlight {name}: {lit} ring pixels")
        if lit < 200:
            problems.append(f"host {name} is not spotlit ({lit} ring pixels)")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("smtpsim")
    ap.add_argument("scenario")
    ap.add_argument("step", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--min-envelopes", type=int, default=0)
    ap.add_argument("--proto", default="")
    ap.add_argument("--down", action="append", default=[])
    ap.add_argument("--select", default="")
    ap.add_argument("--lit", action="store_true")
    ap.add_argument("--presenter", action="store_true")
    ap.add_argument("--lesson", action="store_true")
    a = ap.parse_args()
    if not shutil.which("xvfb-run"):
        print("xvfb-run not found: skipped")
        return 77
    os.makedirs(a.outdir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(a.scenario))[0]
    tag = f"{stem}-{a.step}" + (f"-{a.select.replace(':', '-').replace('/', '-')}"
                                if a.select else "") + ("-presenter" if a.presenter else "")
    png = os.path.join(a.outdir, f"{tag}.png")
    layout = os.path.join(a.outdir, f"{tag}.json")
    env = dict(os.environ)
    # Mesa's software GL keeps a few bytes for the life of the process: not our leak.
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    env["LIBGL_ALWAYS_SOFTWARE"] = "1"
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x900x24", a.smtpsim, "gui", a.scenario,
           "--screenshot", png, "--step" if a.lesson else "--at", str(a.step),
           "--layout-json", layout]
    if a.select:
        cmd += ["--select", a.select]
    if a.presenter:
        cmd.append("--presenter")
    r = subprocess.run(cmd, env=env, timeout=300)
    if r.returncode != 0:
        print(f"FAIL: {' '.join(cmd)} exited {r.returncode}")
        return 1
    w, h, px = read_png(png)
    lay = json.load(open(layout))
    problems = []
    if a.lesson:
        problems += check_lesson(lay, px, w, h, a.step)
    elif lay["cursor"] != a.step:
        problems.append(f"cursor {lay['cursor']} != {a.step}")
    colours = {px[y][x] for y in range(0, h, 7) for x in range(0, w, 7)}
    if len(colours) < 50:
        problems.append(f"picture looks blank ({len(colours)} colours)")
    for box in lay["hosts"]:
        x0, y0, x1, y1 = box["x0"], box["y0"], box["x1"], box["y1"]
        if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
            problems.append(f"host {box['name']} outside the window: {box}")
            continue
        want = DOWN_FILL if box["name"] in a.down else BOX_FILL
        pts = [(x, y) for y in range(y0 + 4, y1 - 4, 3) for x in range(x0 + 4, x1 - 4, 3)]
        share = sum(near(px[y][x], want, 6) for x, y in pts) / max(1, len(pts))
        if share < 0.3:
            problems.append(f"host {box['name']}: only {share:.0%} of its box has fill {want}")
        print(f"host {box['name']}: {share:.0%} fill {want}")
    for i, b in enumerate(lay["hosts"]):
        for c in lay["hosts"][i + 1:]:
            if b["x0"] < c["x1"] and c["x0"] < b["x1"] and b["y0"] < c["y1"] and c["y0"] < b["y1"]:
                problems.append(f"hosts {b['name']} and {c['name']} overlap")
    if a.presenter:
        if lay.get("font_px", 0) < 26:
            problems.append(f"presenter font {lay.get('font_px')} px, wanted at least 26")
        corner = px[len(px) - 4][w // 2]  # the window's own background, below the scrubber
        if not near(corner, (0, 0, 0), 2):
            problems.append(f"presenter background {corner} is not black")
    envs = lay["envelopes"]
    if len(envs) < a.min_envelopes:
        problems.append(f"{len(envs)} envelopes, wanted at least {a.min_envelopes}")
    if a.proto and not any(e["proto"] == a.proto for e in envs):
        problems.append(f"no {a.proto} envelope in flight")
    for e in envs:
        want = PROTO.get(e["proto"], PROTO["SMTP"])
        # A 15x15 square fits inside every envelope and bubble; lines and the "DNS" label
        # cover part of it, the protocol's colour must cover a good share of the rest.
        around = [px[y][x] for y in range(e["y"] - 7, e["y"] + 8) for x in range(e["x"] - 7, e["x"] + 8)
                  if 0 <= x < w and 0 <= y < h]
        hits = sum(near(p, want) for p in around)
        print(f"envelope event {e['event']} {e['proto']} at ({e['x']},{e['y']}): {hits}/{len(around)}")
        if hits < len(around) // 4:
            problems.append(f"envelope {e} not drawn in {want}")
    if a.lit:
        # The lit box is a solid block of its colour right of the canvas (text in a similar
        # yellow covers far fewer pixels).
        right = max((b["x1"] for b in lay["hosts"]), default=0)
        lit = sum(near(px[y][x], LIT_STATE, 6) for y in range(h) for x in range(right, w))
        print(f"lit state: {lit} pixels")
        if lit < 800:
            problems.append(f"no lit state box in the inspector ({lit} pixels)")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
