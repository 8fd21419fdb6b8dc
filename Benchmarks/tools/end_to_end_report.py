#!/usr/bin/env python3
"""run-all's end-to-end table: wall time and word error rate of subtitler and of faster-whisper against the talk's
text, and subtitler's peak RSS.

    end_to_end_report.py TALK.txt SUBTITLER.srt FASTER_WHISPER.txt SUBTITLER_WALL FW_SECONDS PEAK_RSS_KB
        (SUBTITLER_WALL as /usr/bin/time -v writes it: [h:]m:ss.ss)
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wer import wer, words
ref_path, srt_path, fw_path, ours_wall, fw_wall, rss = sys.argv[1:7]
def srt_text(path):
    lines = [l for l in open(path, encoding="utf-8").read().splitlines()
             if l.strip() and "-->" not in l and not l.strip().isdigit()]
    return " ".join(lines)
def seconds(v):
    parts = [float(p) for p in v.split(":")]
    s = 0.0
    for p in parts: s = s * 60 + p
    return s
ref = words(open(ref_path).read())
ours, fw = wer(ref, words(srt_text(srt_path))), wer(ref, words(open(fw_path).read()))
ow, fwt = seconds(ours_wall), float(fw_wall)
print(f"{'':24}{'subtitler':>14}{'faster-whisper':>16}")
print(f"{'wall time (s)':24}{ow:14.1f}{fwt:16.1f}")
print(f"{'word error rate':24}{ours:14.3f}{fw:16.3f}")
print(f"ratio subtitler/faster-whisper wall time: {ow / fwt:.2f}")
print()
print("== 3. peak RSS of subtitler (end to end, 10-minute input): %.1f MB" % (int(rss) / 1024))
