#!/usr/bin/env python3
"""Reads the results wpt-page.html left in Chromium's dumped DOM, prints the summary, and compares them with the
stored expectations (compare, --ours) or rewrites them (--update); exits 1 when they differ.

    wpt_results.py DOM.html EXPECTED.json compare|--update|--ours
"""
import html, json, re, sys
dom, expected_path, mode = sys.argv[1:4]
match = re.search(r'<pre id="out">(.*?)</pre>', open(dom, encoding="utf-8").read(), re.S)
if not match or not match.group(1):
    sys.exit("error: Chromium produced no results")
results = json.loads(html.unescape(match.group(1)))
passed = sum(r["chromiumAssertions"]["passed"] for r in results if r.get("chromiumAssertions"))
failed = sum(r["chromiumAssertions"]["failed"] for r in results if r.get("chromiumAssertions"))
version = __import__("subprocess").run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
print(f"{version}: {len(results)} files, {sum(len(r.get('cues', [])) for r in results)} cues, "
      f"{sum(1 for r in results if r.get('rejected'))} rejected; WPT assertions on its cues: {passed} passed, {failed} failed")
for r in results:
    a = r.get("chromiumAssertions")
    if a and a["failed"]:
        print(f"  {r['name']}: {a['failed']} assertion(s) fail in Chromium")
ours = [r["oursAssertions"] for r in results if isinstance(r.get("oursAssertions"), dict) and "passed" in r["oursAssertions"]]
if ours:
    print(f"WPT assertions on our cues: {sum(a['passed'] for a in ours)} passed, {sum(a['failed'] for a in ours)} failed")
    for r in results:
        a = r.get("oursAssertions")
        if isinstance(a, dict) and a.get("failed"):
            print(f"  {r['name']}: {a['failed']} assertion(s) fail on our cues")
document = {"oracle": version, "files": {r["name"]: ({"rejected": True} if r.get("rejected") else {"cues": r["cues"]}) for r in results}}
if mode == "--update":
    with open(expected_path, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1, sort_keys=True, ensure_ascii=True)
        f.write("\n")
    print("wrote", expected_path)
elif mode in ("compare", "--ours"):
    try:
        stored = json.load(open(expected_path, encoding="utf-8"))
    except FileNotFoundError:
        sys.exit("no stored expectations yet: run with --update")
    same = stored["files"] == document["files"]
    print("stored expectations", "match" if same else "DIFFER from", "this Chromium")
    sys.exit(0 if same else 1)
