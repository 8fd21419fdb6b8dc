#!/usr/bin/env python3
"""run-speech's tables: for each column (before, after, send-all, fw+silero, fw) and programme, cue timing against
the truth's speech onsets, cues over non-speech, cues mixing two sentences, audio sent, word error rate and
sentences without a cue (English) or cues in English (German, by a German-marker check independent of the
pipeline's), cues meeting every Netflix rule (the column's .lint.json), segments dropped, wall time, peak RSS.

    speech_report.py DATA OUT      (DATA: the programmes and their .json truth; OUT: the columns' outputs)
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import glob, json, re, statistics
import wer as wer_module
from wer import wer
data, out = sys.argv[1:3]
def cues(path):
    text = open(path, encoding="utf-8-sig").read().replace("\r", "")
    result = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.split("\n")
        for i, line in enumerate(lines):
            m = re.match(r"(\d+):(\d+):(\d+)[,.](\d+)\s+-->\s+(\d+):(\d+):(\d+)[,.](\d+)", line)
            if m:
                g = [int(x) for x in m.groups()]
                result.append((g[0]*3600+g[1]*60+g[2]+g[3]/1000, g[4]*3600+g[5]*60+g[6]+g[7]/1000, " ".join(lines[i+1:]).strip()))
                break
    return result
def words(text): return wer_module.words(text, curly_apostrophes=True)
def outside(cue, stretches):
    """Share of the cue over music, noise or silence (not over a speech stretch)."""
    a, b = cue[0], max(cue[1], cue[0] + 0.001)
    speech = sum(max(0, min(b, s["end"]) - max(a, s["start"])) for s in stretches if s["kind"] == "speech")
    return 1 - speech / (b - a)
ENDS = re.compile(r"[.!?…][\"'”’)\]]*$")
def mixes(cues):
    """Cues holding the end of one sentence and the start of another (not whole sentences)."""
    count, starts_sentence = 0, True
    for _, _, text in cues:
        toks = text.split()
        inner = any(ENDS.search(t) for t in toks[:-1])
        ends = bool(toks) and bool(ENDS.search(toks[-1]))
        if inner and not (starts_sentence and ends): count += 1
        starts_sentence = ends
    return count
GERMAN = set("der das und ist nicht wir ich sie ein eine einen mit auf für von zu den dem des im auch sich noch nach bei aus wie aber oder wenn dass sind haben wird werden kann über heute morgen sehr nur es gibt am um bis vom zum zur beim wetter".split())
def german(text):
    toks = words(text)
    markers = sum(t in GERMAN for t in toks)
    umlaut = bool(re.search(r"[äöüß]", text.lower()))
    return markers >= 2 or (markers >= 1 and (umlaut or len(toks) <= 3))
def lost_sentences(sentences, c):
    """Sentences fewer than half of whose words are in the cues within a second of them."""
    lost = []
    for s in sentences:
        near = set(words(" ".join(x[2] for x in c if x[1] > s["start"] - 1 and x[0] < s["end"] + 1)))
        said = words(s["text"])
        if sum(w in near for w in said) * 2 < len(said): lost.append(s["text"])
    return lost
def figures(side, name):
    truth = json.load(open(f"{data}/{name}.json"))
    srt = glob.glob(f"{out}/{side}/{name}*.srt")
    if not srt: return None
    c = cues(srt[0])
    onsets = truth["onsets"]
    errors = sorted(min(abs(s - o) for o in onsets) * 1000 for s, _, _ in c) or [0]
    f = {"cues": len(c), "median": statistics.median(errors), "p90": errors[int(0.9 * (len(errors) - 1))],
         "over non-speech": sum(outside(x, truth["stretches"]) > 0.5 for x in c), "mixing": mixes(c),
         "seconds": float(open(glob.glob(f"{out}/{side}/{name}.seconds")[0]).read())}
    if side.startswith("fw"):
        f["sent"] = float(open(f"{out}/{side}/{name}.sent").read())
    else:
        report = json.load(open(f"{out}/{side}/{name}.json"))["inputs"][0]
        f["sent"] = report.get("audioSentMs", report.get("audioDurationMs", 0)) / 1000
        f["dropped"] = len(report.get("droppedSegments") or [])
        f["rss"] = int(open(f"{out}/{side}/{name}.rss").read().split()[-1]) / 1024
    lint = glob.glob(f"{out}/{side}/{name}*.lint.json")
    if lint:
        failing = {v["cueNumber"] for v in json.load(open(lint[0]))[0]["violations"]}
        f["rules"] = 1 - len(failing) / max(1, len(c))
    if truth["language"] == "en":
        f["wer"] = wer(words(" ".join(s["text"] for s in truth["sentences"])), words(" ".join(x[2] for x in c)))
        f["lost"] = lost_sentences(truth["sentences"], c)
        f["sentences"] = len(truth["sentences"])
    else:
        f["english"] = sum(not german(x[2]) for x in c) / max(1, len(c))
        f["german cues"] = [x[2] for x in c if german(x[2])]
    f["duration"] = truth["duration"]
    f["speech"] = sum(s["end"] - s["start"] for s in truth["stretches"] if s["kind"] == "speech")
    f["spoken"] = sum(s["end"] - s["start"] for s in truth["sentences"])
    return f
sides = ["before", "after", "send-all", "fw", "fw-novad"]
titles = {"before": "before", "after": "after", "send-all": "--send-all", "fw": "fw+silero", "fw-novad": "fw"}
for name in ["programme-en", "programme-joins", "programme-de"]:
    if not os.path.exists(f"{data}/{name}.json"): continue
    rows = {s: figures(s, name) for s in sides}
    any_row = next((r for r in rows.values() if r), None)
    if not any_row: continue
    print(f"\n{name}: {any_row['duration']:.1f} s, speech stretches {any_row['speech']:.1f} s "
          f"({100 * any_row['speech'] / any_row['duration']:.1f} %), sentences {any_row['spoken']:.1f} s")
    print(f"{'':34}" + "".join(f"{titles[s]:>14}" for s in sides))
    def line(label, fn):
        print(f"{label:34}" + "".join(f"{(fn(rows[s]) if rows[s] else '-'):>14}" for s in sides))
    line("cues", lambda r: str(r["cues"]))
    line("median |cue start - speech| (ms)", lambda r: f"{r['median']:.0f}")
    line("p90 |cue start - speech| (ms)", lambda r: f"{r['p90']:.0f}")
    line("cues over music/noise/silence", lambda r: str(r["over non-speech"]))
    line("cues mixing two sentences", lambda r: str(r["mixing"]))
    line("audio sent (s)", lambda r: f"{r['sent']:.1f}")
    line("audio sent (% of the audio)", lambda r: f"{100 * r['sent'] / r['duration']:.1f}")
    if "wer" in any_row:
        line("word error rate", lambda r: f"{100 * r['wer']:.1f} %")
        line("sentences without a cue", lambda r: f"{len(r['lost'])} of {r['sentences']}")
    else:
        line("cues in English", lambda r: f"{100 * r['english']:.1f} %")
    line("cues meeting every Netflix rule", lambda r: f"{100 * r['rules']:.1f} %" if "rules" in r else "-")
    line("segments dropped by the guard", lambda r: str(r.get("dropped", "-")))
    line("wall time (s)", lambda r: f"{r['seconds']:.1f}")
    line("peak RSS of subtitler (MB)", lambda r: f"{r['rss']:.0f}" if "rss" in r else "-")
    for s in sides:
        for text in (rows[s] or {}).get("lost", []):
            print(f"  {titles[s]}: no cue for: {text}")
    if name == "programme-de":
        for s in sides:
            for text in (rows[s] or {}).get("german cues", [])[:6]:
                print(f"  {titles[s]}: not English: {text}")
