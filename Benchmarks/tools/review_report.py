#!/usr/bin/env python3
"""run-review's measurements: loads each review page in headless Chromium through Tests/Oracles/drive.py (load
figures, then the sweeps of review-sweep.js) and prints the tables. review-sweep.js is one JS expression, evaluated in
the page: a scroll sweep (the whole timeline in 100 steps at several zooms) and a zoom sweep (24 zoom changes around
the middle), each step timed with the render, style and layout it causes; its value is the report.

    review_report.py ROOT PAGES_DIR      (PAGES_DIR: layout.html, long-film.html, long-film-10h.html)
"""
import json, os, subprocess, sys

root, out = sys.argv[1], sys.argv[2]
driver = os.path.join(root, "Tests/Oracles/drive.py")

SWEEP = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "review-sweep.js")).read()

def measure(name, sweep=True):
    steps = [
        {"name": "ready", "waitFor": "document.documentElement.dataset.ready === 'true'", "timeout": 60},
        {"name": "stats", "eval": "review.stats()"},
        {"name": "load", "metrics": True},
        {"name": "heap", "eval": "performance.memory ? performance.memory.usedJSHeapSize : null"},
    ]
    if sweep:
        steps += [{"name": "sweep", "eval": SWEEP}, {"name": "after", "metrics": True}]
    plan = {"url": "file://" + os.path.join(out, name + ".html"), "timeout": 300, "steps": steps}
    run = subprocess.run([sys.executable, driver, "-"], input=json.dumps(plan), capture_output=True, text=True)
    report = json.loads(run.stdout)
    if not report["ok"]:
        sys.exit("bench-review: %s: %s" % (name, report["error"]))
    errors = [m for m in report["console"] if m["level"] in ("error", "warning")] + report["exceptions"]
    if errors:
        print("  note: %s logged %s" % (name, errors[:3]))
    figures_path = os.path.join(out, name + ".figures.json")
    figures = json.load(open(figures_path)) if os.path.exists(figures_path) else {}
    return report["results"], figures, os.path.getsize(os.path.join(out, name + ".html"))

pages = [("layout", "40 s sample, 4 cues (reference)", False), ("long-film", "3-hour film", True),
         ("long-film-10h", "10-hour film (stress)", True)]
measured = [(label, *measure(name, sweep)) for name, label, sweep in pages]
chromium = subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
print("review page in headless %s, 1280x720, %d cores" % (chromium or "Chromium", os.cpu_count()))
print()
print("%-30s %8s %8s %9s %10s %10s %9s %9s %9s %8s" % ("page", "cues", "problems", "page MB", "parse ms",
      "script ms", "ready ms", "CDP js s", "CDP task", "heap MB"))
for label, results, figures, size in measured:
    stats, load = results["stats"], results["load"]
    problems = stats["problems"]
    print("%-30s %8d %8d %9.2f %10.1f %10.1f %9.0f %9.3f %9.3f %8.1f" % (
        label, stats["cues"], problems, size / 1e6, stats["parseMs"], stats["setupMs"], stats["readyAt"],
        load["ScriptDuration"], load["TaskDuration"], (results["heap"] or 0) / 1e6))
print()
print("Swift ReviewPage.render (debug build, in the test that generates the page):",
      ", ".join("%s %s ms" % (label, figures.get("renderMilliseconds", "?")) for label, _, figures, _ in measured[1:]))
print()
print("scroll sweep: render + style + layout per step (ms), 101 steps across the whole timeline")
print("%-30s %12s %8s %8s %8s %12s" % ("page", "zoom px/s", "median", "p95", "max", "most marks"))
for label, results, _, _ in measured[1:]:
    for row in results["sweep"]["scroll"]:
        print("%-30s %12.2f %8.2f %8.2f %8.2f %12d" % (label, row["pixelsPerSecond"], row["median"], row["p95"],
              row["max"], row["mostMarks"]))
print()
print("zoom sweep: 24 zoom changes from the whole film to 1000 px/s and back (ms per step)")
for label, results, _, _ in measured[1:]:
    zoom = results["sweep"]["zoom"]
    after, before = results["after"], results["load"]
    print("%-30s median %.2f, p95 %.2f, max %.2f, most marks %d; whole sweep: Chromium script %.2f s, layout %.2f s, style %.2f s"
          % (label, zoom["median"], zoom["p95"], zoom["max"], zoom["mostMarks"],
             after["ScriptDuration"] - before["ScriptDuration"], after["LayoutDuration"] - before["LayoutDuration"],
             after["RecalcStyleDuration"] - before["RecalcStyleDuration"]))
print()
three = measured[1][1]["stats"]
print("target: the 3-hour page ready in a few seconds of script -> %.0f ms of script (%.0f ms after navigation); "
      "a scroll or zoom step under 16.7 ms -> worst %.2f ms" % (three["setupMs"], three["readyAt"],
      max([r["max"] for r in measured[1][1]["sweep"]["scroll"]] + [measured[1][1]["sweep"]["zoom"]["max"]])))
