#!/usr/bin/env python3
"""The subtitle-sync benchmark's cases and report (scripts/bench-sync). Standard library only.

    sync_bench.py cases LAYOUT.json OTHER.json DIR [--set full|classes]
        writes DIR/oracle.srt (one cue per clause of each sentence, times from the layout), one distorted copy of
        it per case, DIR/cases/NAME.srt, and DIR/cases.json: for every case its class, what a sync tool should do
        (sync, refuse, leave untouched) and, cue by cue of its file, the true start (null for a cue that has none:
        credits, signs, the lines of a scene the video lacks). OTHER.json is the layout of another programme of
        about the same length: its oracle is the case that must be refused.
    sync_bench.py report DATA.json TITLE DIR [TITLE DIR ...]
        DIR holds cases.json and, per tool, DIR/TOOL/NAME.{srt,rc,time} (the output, exit code, `%e %M` of
        /usr/bin/time); prints one table per programme side by side and a summary by class, writes DATA.json.
    sync_bench.py markdown DATA.json
        the summary by class of DATA.json as a Markdown table (the README's).
"""
import difflib
import json
import math
import os
import random
import re
import statistics
import sys

# ---------------------------------------------------------------------------------------------------------------
# SRT


def timestamp(seconds):
    ms = max(0, int(round(seconds * 1000)))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def lines_of(text, width=42):
    """TEXT on one line, or two balanced lines when it is longer than WIDTH."""
    if len(text) <= width:
        return text
    words, best = text.split(" "), None
    for i in range(1, len(text.split(" "))):
        a, b = " ".join(words[:i]), " ".join(words[i:])
        score = max(len(a), len(b))
        if best is None or score < best[0]:
            best = (score, a + "\n" + b)
    return best[1]


def write_srt(path, cues):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for i, c in enumerate(cues, 1):
            f.write(f"{i}\n{timestamp(c['start'])} --> {timestamp(c['end'])}\n{lines_of(c['text'])}\n\n")


TIME = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d{1,3})\s*-->\s*(\d+):(\d\d):(\d\d)[,.](\d{1,3})")


def read_srt(path):
    """The cues of an SRT file: [{start, end, text}], in file order."""
    text = open(path, encoding="utf-8-sig", errors="replace").read().replace("\r\n", "\n").replace("\r", "\n")
    cues = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.strip("\n").split("\n")
        for k, line in enumerate(lines):
            m = TIME.search(line)
            if m:
                g = [int(x) for x in m.groups()]
                start = g[0] * 3600 + g[1] * 60 + g[2] + int(m.group(4).ljust(3, "0")) / 1000
                end = g[4] * 3600 + g[5] * 60 + g[6] + int(m.group(8).ljust(3, "0")) / 1000
                cues.append({"start": start, "end": end, "text": " ".join(lines[k + 1:]).strip()})
                break
    return cues


# ---------------------------------------------------------------------------------------------------------------
# The oracle and its distortions


def oracle(layout):
    """One cue per clause: a sentence with one onset inside it (the pause at its comma) is cut there."""
    cues = []
    for s in layout["sentences"]:
        inner = [o for o in layout["onsets"] if s["start"] + 0.01 < o < s["end"]]
        head, comma, tail = s["text"].partition(", ")
        if len(inner) == 1 and comma:
            cut = inner[0]
            cues.append({"start": s["start"], "end": max(s["start"] + 0.8, cut - 0.12), "text": head + ","})
            cues.append({"start": cut, "end": s["end"], "text": tail})
        else:
            cues.append({"start": s["start"], "end": s["end"], "text": s["text"]})
    for c in cues:
        c["truth"] = c["start"]
    return cues


def gap_near(cues, at, minimum=1.0):
    """The middle of the gap between two cues (at least MINIMUM s) nearest to time AT, on the true timeline."""
    gaps = [(cues[i]["end"] + cues[i + 1]["start"]) / 2 for i in range(len(cues) - 1)
            if cues[i + 1]["start"] - cues[i]["end"] >= minimum]
    return min(gaps, key=lambda g: abs(g - at))


def jump(cues, point, length, rng):
    """The subtitles' cut differs at POINT (true time): LENGTH > 0, it has an extra scene there (its lines, copied
    from elsewhere, have no truth; every later cue is LENGTH later); LENGTH < 0, it lacks the video's scene
    [POINT, POINT - LENGTH) (those cues are gone; every later cue is -LENGTH earlier)."""
    before = [c for c in cues if c["start"] < point]
    if length > 0:
        after = [dict(c, start=c["start"] + length, end=c["end"] + length) for c in cues if c["start"] >= point]
        # the extra scene's lines: a run of cues from elsewhere, fitted inside [point + 1, point + length - 1]
        real = [c for c in cues if c["truth"] is not None]
        i = rng.randrange(0, max(1, len(real) - 12))
        base, scene = real[i]["start"], []
        for c in real[i:i + 12]:
            s, e = point + 1 + c["start"] - base, point + 1 + c["end"] - base
            if e > point + length - 1:
                break
            scene.append({"start": s, "end": e, "text": c["text"], "truth": None})
        return before + scene + after
    end = point - length
    after = [dict(c, start=c["start"] + length, end=c["end"] + length) for c in cues if c["start"] >= end]
    return before + after


def remap(cues, ratio=1.0, offset=0.0):
    """Times as a file timed for another frame rate (RATIO) and another release (OFFSET, s) shows them; cues that
    would start before 0 do not exist in such a file."""
    moved = [dict(c, start=c["start"] * ratio + offset, end=c["end"] * ratio + offset) for c in cues]
    return [c for c in moved if c["start"] >= 0]


FPS = {"25→23.976": 24000 / 1001 / 25, "23.976→25": 25 / (24000 / 1001), "24→25": 25 / 24}


def cases(layout, other, duration, selection):
    truth = oracle(layout)
    rng = random.Random(23)
    d = duration
    p1, p2, p3 = gap_near(truth, 0.25 * d), gap_near(truth, 0.5 * d), gap_near(truth, 0.75 * d)
    removed_end = gap_near(truth, p2 + 40)

    def three_jumps(c):
        c = jump(c, p3, 60.0, rng)                      # latest first: the earlier points stay where they are
        c = jump(c, p2, -(gap_near(truth, p2 + 25) - p2), rng)
        return jump(c, p1, 8.0, rng)

    def extra_cues(c):
        # signs over the music and noise stretches, and credits over the end
        signs = [{"start": s["start"] + 1.0, "end": s["start"] + 3.5, "text": f"[SIGN: {s['kind'].upper()} {i}]",
                  "truth": None} for i, s in enumerate(layout["stretches"])
                 if s["kind"] in ("music", "noise") and s["end"] - s["start"] > 5]
        last = max(x["end"] for x in c)
        credits = [{"start": last + 2 + 3 * k, "end": last + 4.5 + 3 * k, "text": f"Subtitles by team {k + 1}",
                    "truth": None} for k in range(6)]
        return sorted(c + signs + credits, key=lambda x: x["start"])

    def missing_cues(c):
        keep = random.Random(5)
        return [x for x in c if x["truth"] is None or keep.random() >= 0.25]

    other_cues = [dict(c, truth=None) for c in oracle(other)]
    table = [
        ("in-sync", "in sync", "untouched", truth),
        ("offset +0.3 s", "offset", "sync", remap(truth, offset=0.3)),
        ("offset -0.3 s", "offset", "sync", remap(truth, offset=-0.3)),
        ("offset +2 s", "offset", "sync", remap(truth, offset=2)),
        ("offset -2 s", "offset", "sync", remap(truth, offset=-2)),
        ("offset +30 s", "offset", "sync", remap(truth, offset=30)),
        ("offset -30 s", "offset", "sync", remap(truth, offset=-30)),
        ("offset +5 min", "offset", "sync", remap(truth, offset=300)),
        ("offset -5 min", "offset", "sync", remap(truth, offset=-300)),
        ("fps 25→23.976", "frame rate", "sync", remap(truth, FPS["25→23.976"])),
        ("fps 23.976→25", "frame rate", "sync", remap(truth, FPS["23.976→25"])),
        ("fps 24→25", "frame rate", "sync", remap(truth, FPS["24→25"])),
        ("fps 25→23.976 +30 s", "frame rate + offset", "sync", remap(truth, FPS["25→23.976"], 30)),
        ("fps 23.976→25 -2 s", "frame rate + offset", "sync", remap(truth, FPS["23.976→25"], -2)),
        ("fps 24→25 +5 s", "frame rate + offset", "sync", remap(truth, FPS["24→25"], 5)),
        ("jump: extra 14 s scene", "jumps", "sync", jump(truth, p2, 14.0, rng)),
        ("jump: extra 90 s scene", "jumps", "sync", jump(truth, p1, 90.0, rng)),
        (f"jump: scene of {removed_end - p2:.0f} s removed", "jumps", "sync", jump(truth, p2, -(removed_end - p2), rng)),
        ("three jumps (+8, -25, +60 s)", "jumps", "sync", three_jumps(truth)),
        ("extra cues (signs, credits)", "extra/missing cues", "sync", extra_cues(truth)),
        ("25 % of cues missing", "extra/missing cues", "sync", missing_cues(truth)),
        ("fps 25→23.976 -30 s + jump 20 s", "combined", "sync",
         remap(jump(truth, p2, 20.0, rng), FPS["25→23.976"], -30)),
        ("three jumps +30 s", "combined", "sync", remap(three_jumps(truth), offset=30)),
        ("extra + missing cues +2 s", "combined", "sync", remap(missing_cues(extra_cues(truth)), offset=2)),
        ("another programme", "another programme", "refuse", other_cues),
    ]
    if selection == "classes":   # one or two of each class, for the long programme
        keep = {"in-sync", "offset +2 s", "offset -30 s", "offset +5 min", "fps 25→23.976", "fps 23.976→25 -2 s",
                "jump: extra 14 s scene", "three jumps (+8, -25, +60 s)", "extra cues (signs, credits)",
                "25 % of cues missing", "fps 25→23.976 -30 s + jump 20 s", "another programme"}
        table = [t for t in table if t[0] in keep]
    return table


def make_cases(layout_path, other_path, folder, selection):
    layout, other = json.load(open(layout_path)), json.load(open(other_path))
    os.makedirs(f"{folder}/cases", exist_ok=True)
    truth = oracle(layout)
    write_srt(f"{folder}/oracle.srt", truth)
    listing = []
    for k, (name, kind, expect, cues) in enumerate(cases(layout, other, layout["duration"], selection)):
        cues = sorted(cues, key=lambda c: c["start"])
        file = f"{k:02d}.srt"
        write_srt(f"{folder}/cases/{file}", cues)
        listing.append({"name": name, "class": kind, "expect": expect, "file": file,
                        "truth": [None if c["truth"] is None else round(c["truth"], 3) for c in cues]})
    json.dump({"duration": layout["duration"], "cues": len(truth), "cases": listing},
              open(f"{folder}/cases.json", "w"), indent=1, ensure_ascii=False)
    print(f"{folder}: {len(truth)} oracle cues, {len(listing)} cases", file=sys.stderr)


# ---------------------------------------------------------------------------------------------------------------
# The report

TOOLS = [("subtitler", "subtitler sync"), ("ffsubsync", "ffsubsync 0.5.1")]


def percentile(values, q):
    """The nearest-rank percentile Q (0-1) of VALUES (a lost cue is infinitely wrong), None when empty."""
    v = sorted(values)
    return v[max(0, math.ceil(q * len(v)) - 1)] if v else None


def matched(source, result):
    """Pairs (cue of SOURCE, the same cue in RESULT) of the cues RESULT still holds: by position when the counts
    agree, else by the longest common sequence of texts (a tool drops cues, it does not reorder them)."""
    if len(source) == len(result):
        return list(zip(source, result))
    blocks = difflib.SequenceMatcher(None, [c["text"] for c in source], [r["text"] for r in result],
                                     autojunk=False).get_matching_blocks()
    return [(source[b.a + k], result[b.b + k]) for b in blocks for k in range(b.size)]


def errors_of(folder, tool, case, written):
    """|start after sync - truth|, ms, of every cue of CASE with a true start (infinite: a cue the tool dropped),
    with the case's cues and the result's (a file not written is kept by the user as it was)."""
    source_path = os.path.join(folder, "cases", case["file"])
    source = read_srt(source_path)
    for c, t in zip(source, case["truth"]):
        c["truth"] = t
    result = read_srt(os.path.join(folder, tool, case["file"])) if written else source
    found = [abs(r["start"] - c["truth"]) * 1000 for c, r in matched(source, result) if c["truth"] is not None]
    lost = sum(1 for t in case["truth"] if t is not None) - len(found)
    return found + [math.inf] * lost, source, result


def judge(folder, tool, case):
    stem = os.path.join(folder, tool, case["file"][:-4])
    if not os.path.exists(stem + ".rc"):
        return None
    rc = int(open(stem + ".rc").read().strip() or 99)
    timing = open(stem + ".time").read().split() if os.path.exists(stem + ".time") else []
    wall, rss = (float(timing[-2]), int(timing[-1]) / 1024) if len(timing) >= 2 else (None, None)
    written = rc == 0 and os.path.exists(stem + ".srt")
    row = {"tool": tool, "exit": rc, "written": written, "wall": wall, "rss_mb": rss}
    if case["expect"] == "refuse":
        row["wrong_acceptance"] = written
        return row
    errors, source, result = errors_of(folder, tool, case, written)
    row["within_100ms"] = sum(1 for e in errors if e <= 100) / len(errors) * 100 if errors else None
    row["median_ms"], row["p95_ms"] = percentile(errors, 0.5), percentile(errors, 0.95)
    row["cues_lost"] = sum(1 for e in errors if e == math.inf)
    row["wrong_refusal"] = not written
    if case["expect"] == "untouched":
        moved = [abs(r["start"] - c["start"]) for c, r in matched(source, result)]
        row["changed"] = written and (len(result) != len(source) or any(m >= 0.001 for m in moved))
        row["bytes_identical"] = written and open(stem + ".srt", "rb").read() == open(
            os.path.join(folder, "cases", case["file"]), "rb").read()
        row["wrong_acceptance"] = row["changed"]
    return row


def fmt(value, kind):
    if value is None:
        return "-"
    if kind == "pct":
        return f"{value:.1f}%"
    if kind == "ms":
        return "lost" if value == math.inf else (f"{value:.0f}" if value < 10000 else f"{value / 1000:.0f}s")
    if kind == "s":
        return f"{value:.1f}"
    return f"{value:.0f}"


def outcome(row, case):
    if row is None:
        return "not run"
    if case["expect"] == "refuse":
        return "ACCEPTED" if row["written"] else "refused"
    if case["expect"] == "untouched":
        return "CHANGED" if row.get("changed") else ("kept" if row["written"] else "REFUSED")
    return "synced" if row["written"] else "REFUSED"


def report(out_path, programmes):
    data = {"programmes": []}
    for title, folder in programmes:
        listing = json.load(open(os.path.join(folder, "cases.json")))
        tools = [(t, label) for t, label in TOOLS if os.path.isdir(os.path.join(folder, t))]
        rows = []
        head = f"{'case':32s}" + "".join(f" | {label:^44s}" for _, label in tools)
        sub = f"{'':32s}" + "".join(f" | {'<=100ms':>7s} {'median':>6s} {'p95':>6s} {'wall s':>6s} {'MB':>4s} {'result':>9s}"
                                    for _ in tools)
        print(f"\n== {title}: {listing['duration'] / 60:.1f} min, {listing['cues']} oracle cues; errors of cue starts "
              f"against the truth, ms")
        print(head); print(sub); print("-" * len(sub))
        for case in listing["cases"]:
            line = f"{case['name'][:32]:32s}"
            entry = {"name": case["name"], "class": case["class"], "expect": case["expect"], "tools": {}}
            for tool, _ in tools:
                row = judge(folder, tool, case)
                entry["tools"][tool] = row
                r = row or {}
                line += (f" | {fmt(r.get('within_100ms'), 'pct'):>7s} {fmt(r.get('median_ms'), 'ms'):>6s} "
                         f"{fmt(r.get('p95_ms'), 'ms'):>6s} {fmt(r.get('wall'), 's'):>6s} {fmt(r.get('rss_mb'), 'mb'):>4s} "
                         f"{outcome(row, case):>9s}")
            rows.append(entry)
            print(line)
        # by class: cue starts pooled over the class's cases
        print(f"\n   {title}, by class (cue starts pooled; wall and memory: the largest)")
        print(f"   {'class':22s}" + "".join(f" | {label:^36s}" for _, label in tools))
        summary = {}
        for kind in dict.fromkeys(c["class"] for c in listing["cases"]):
            line = f"   {kind:22s}"
            summary[kind] = {}
            for tool, _ in tools:
                members = [(c, r["tools"][tool]) for c, r in zip(listing["cases"], rows)
                           if c["class"] == kind and r["tools"][tool]]
                figures = class_figures(folder, tool, members)
                summary[kind][tool] = figures
                if kind == "another programme":
                    cell = f"wrongly accepted {figures['wrong_acceptances']} of {len(members)}"
                else:
                    cell = (f"{fmt(figures['within_100ms'], 'pct'):>6s} {fmt(figures['median_ms'], 'ms'):>4s}/"
                            f"{fmt(figures['p95_ms'], 'ms'):<5s} {fmt(figures['wall'], 's'):>5s}s {fmt(figures['rss_mb'], 'mb'):>4s}MB")
                    bad = figures["wrong_refusals"] + figures["wrong_acceptances"]
                    cell += f" {bad} wrong" if bad else ""
                line += f" | {cell:36s}"
            print(line)
        data["programmes"].append({"title": title, "duration": listing["duration"], "cues": listing["cues"],
                                   "cases": rows, "classes": summary})
    json.dump(finite(data), open(out_path, "w"), indent=1, ensure_ascii=False)
    print(f"\n(figures in {out_path}; within 100 ms and the percentiles count every cue with a true start, a refused "
          f"file as it was given, a cue the tool dropped as lost)")


def class_figures(folder, tool, members):
    """The figures of one tool over the (case, row) MEMBERS of a class: cue starts pooled, the largest wall and
    memory, wrong refusals and acceptances counted."""
    errors = []
    for case, row in members:
        if case["expect"] != "refuse":
            errors += errors_of(folder, tool, case, row["written"])[0]
    return {"within_100ms": sum(1 for e in errors if e <= 100) / len(errors) * 100 if errors else None,
            "median_ms": percentile(errors, 0.5), "p95_ms": percentile(errors, 0.95),
            "wall": max((row["wall"] or 0 for _, row in members), default=None),
            "rss_mb": max((row["rss_mb"] or 0 for _, row in members), default=None),
            "wrong_refusals": sum(bool(row.get("wrong_refusal")) for _, row in members),
            "wrong_acceptances": sum(bool(row.get("wrong_acceptance")) for _, row in members), "cases": len(members)}


def finite(value):
    """VALUE with every infinite figure (a percentile reaching lost cues) as null, for JSON."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return None if isinstance(value, float) and math.isinf(value) else value


def error_text(ms):
    """An error in ms, or in s from 1 s; None (in the JSON: a percentile reaching a lost cue) is "lost"."""
    return "lost" if ms is None else f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def markdown(data_path):
    data = json.load(open(data_path))
    labels = dict(TOOLS)
    print("| programme | distortion class | tool | within 100 ms | median | p95 | wrong | wall | memory |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for p in data["programmes"]:
        for kind, tools in p["classes"].items():
            for tool, f in tools.items():
                wrong = f["wrong_refusals"] + f["wrong_acceptances"]
                if kind == "another programme":
                    cells = ["-", "-", "-", f"{'accepted' if wrong else 'refused'}"]
                else:
                    cells = [fmt(f["within_100ms"], "pct"), error_text(f["median_ms"]), error_text(f["p95_ms"]),
                             f"{wrong} of {f['cases']}"]
                print(f"| {p['title']} | {kind} | {labels[tool]} | " + " | ".join(cells)
                      + f" | {fmt(f['wall'], 's')} s | {fmt(f['rss_mb'], 'mb')} MB |")


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "cases":
        make_cases(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[6] if sys.argv[5:6] == ["--set"] else "full")
    elif len(sys.argv) >= 5 and sys.argv[1] == "report" and len(sys.argv) % 2 == 1:
        report(sys.argv[2], list(zip(sys.argv[3::2], sys.argv[4::2])))
    elif len(sys.argv) == 3 and sys.argv[1] == "markdown":
        markdown(sys.argv[2])
    else:
        sys.exit(__doc__)
