#!/usr/bin/env python3
"""run-lint's inputs, written once (kept while at least SIZE bytes): a SIZE-byte ordinary SRT, the same as WebVTT,
and a SIZE-byte hostile SRT (20 KB lines of "<{", the quadratic case of issue 13), in DATA.

    lint_inputs.py DATA SIZE
"""
import os, sys
data, size = sys.argv[1], int(sys.argv[2])
def ts(ms, sep):
    h, ms = divmod(ms, 3600000); m, ms = divmod(ms, 60000); s, ms = divmod(ms, 1000)
    return "%02d:%02d:%02d%s%03d" % (h, m, s, sep, ms)
def write(name, header, block):
    path = os.path.join(data, name)
    if os.path.exists(path) and os.path.getsize(path) >= size: return
    with open(path + ".tmp", "w") as f:
        f.write(header)
        n, written = 0, len(header)
        while written < size:
            chunk = block(n); f.write(chunk); written += len(chunk); n += 1
    os.replace(path + ".tmp", path)
words = "the quick brown fox jumps over the lazy dog while seven tired cats watch".split()
def normal(sep, number):
    def block(n):
        start = n * 2000
        text = " ".join(words[(n + i) % len(words)] for i in range(7))
        head = ("%d\n" % (n + 1)) if number else ""
        return "%s%s --> %s\n%s\n%s.\n\n" % (head, ts(start, sep), ts(start + 1800, sep), text.capitalize(), text)
    return block
write("normal-50mb.srt", "", normal(",", True))
write("normal-50mb.vtt", "WEBVTT\n\n", normal(".", False))
hostile_line = "<{" * 10240  # 20 KB per line
write("hostile-50mb.srt", "", lambda n: "%d\n%s --> %s\n%s\n\n" % (n + 1, ts(n * 2000, ","), ts(n * 2000 + 1800, ","), hostile_line))
