#!/usr/bin/env python3
"""Prepares the pages wpt-chromium loads: writes WORK/<name>.vtt for every vendored WPT .test source (built as WPT's
tools/build.py does), copies the invalid/*.vtt files and the Python libraries' WebVTT test files, and lists them all
with their assertions in WORK/tests.json.

    wpt_prepare.py WPT_DIR WORK PYTHON_LIBS_DIR
"""
import json, os, shutil, sys
src, work, libs = sys.argv[1], sys.argv[2], sys.argv[3]
tests = []
for name in sorted(os.listdir(src)):
    if not name.endswith(".test"):
        continue
    text = open(os.path.join(src, name), encoding="utf-8").read()
    header, body = text.split("\n\n", 1)
    js, vtt = body.split("===\n", 1)
    base = name[:-5]
    # As WPT's tools/build.py does.
    data = bytes(vtt, "utf-8").decode("unicode_escape").encode("utf-8")
    open(os.path.join(work, base + ".vtt"), "wb").write(data)
    tests.append({"name": base, "js": js})
for name in sorted(os.listdir(os.path.join(src, "invalid"))):
    shutil.copy(os.path.join(src, "invalid", name), os.path.join(work, "invalid-" + name))
    tests.append({"name": "invalid/" + name[:-4], "file": "invalid-" + name, "js": ""})
# The WebVTT test files of the Python subtitle libraries (no assertions: Chromium's cues are the expectation).
for lib in sorted(os.listdir(libs)):
    if not os.path.isdir(os.path.join(libs, lib)):
        continue
    for name in sorted(os.listdir(os.path.join(libs, lib))):
        if name.endswith(".vtt"):
            shutil.copy(os.path.join(libs, lib, name), os.path.join(work, "lib-%s-%s" % (lib, name)))
            tests.append({"name": lib + "/" + name[:-4], "file": "lib-%s-%s" % (lib, name), "js": ""})
json.dump(tests, open(os.path.join(work, "tests.json"), "w"))
