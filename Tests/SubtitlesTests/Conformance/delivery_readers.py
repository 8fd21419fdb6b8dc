"""Reads delivery-format files with readers nobody here wrote and prints their cues as JSON.

Usage: delivery_readers.py ttconv|pysubs2 FILE. Each cue is {"start": ms, "end": ms, "text": lines joined by LF}.
ttconv (the IMSC reference converter) reads TTML, IMSC and EBU-TT-D into its model and writes SRT, which is
split back into cues here; pysubs2 reads ASS and gives each event's plain text.
"""
import json
import re
import sys
import xml.etree.ElementTree as et


def ttconv_cues(path):
    import ttconv.imsc.reader as imsc_reader
    import ttconv.srt.writer as srt_writer
    document = imsc_reader.to_model(et.parse(path))
    srt = srt_writer.from_model(document)
    cues = []
    for block in srt.strip("\n").split("\n\n"):
        lines = block.split("\n")
        match = re.fullmatch(r"(\d+):(\d\d):(\d\d),(\d\d\d) --> (\d+):(\d\d):(\d\d),(\d\d\d)", lines[1])
        h1, m1, s1, f1, h2, m2, s2, f2 = (int(g) for g in match.groups())
        cues.append({"start": ((h1 * 60 + m1) * 60 + s1) * 1000 + f1,
                     "end": ((h2 * 60 + m2) * 60 + s2) * 1000 + f2,
                     "text": "\n".join(lines[2:])})
    return cues


def pysubs2_cues(path):
    import pysubs2
    return [{"start": event.start, "end": event.end, "text": event.plaintext}
            for event in pysubs2.load(path, encoding="utf-8") if event.type == "Dialogue"]


if __name__ == "__main__":
    reader, path = sys.argv[1], sys.argv[2]
    cues = ttconv_cues(path) if reader == "ttconv" else pysubs2_cues(path)
    json.dump(cues, sys.stdout, ensure_ascii=False)
