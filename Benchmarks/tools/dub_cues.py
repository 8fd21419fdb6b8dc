#!/usr/bin/env python3
"""run-dub's cues: an SRT with one cue every 4 s, 2.5 s long, from 1 s to 3 s before the end, "Line N of the
benchmark.".

    dub_cues.py SECONDS OUT.srt
"""
import sys
seconds, path = int(sys.argv[1]), sys.argv[2]
def ts(ms): return "%02d:%02d:%02d,%03d" % (ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000)
with open(path, "w") as f:
    for n, start in enumerate(range(1000, seconds * 1000 - 3000, 4000), 1):
        f.write("%d\n%s --> %s\nLine %d of the benchmark.\n\n" % (n, ts(start), ts(start + 2500), n))
