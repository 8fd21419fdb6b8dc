#!/usr/bin/env python3
"""Builds a programme of any length for scripts/bench-sync from the spoken sentences of a generated one
(scripts/generate/make-programme): the sentences of SOURCE, cut out of its audio, laid out again in another order
with other pauses, in talks between stretches of music, noise and silence. Deterministic for a seed. Writes
OUT.json (the layout, as programme.py writes it: duration, stretches, sentences with start/end, onsets) and, unless
--layout-only, OUT.wav (mono 16-bit, 16 kHz), written as it is made (a 2-hour programme never sits in memory).

    sync_programme.py SOURCE.json SOURCE.wav SEED MINUTES OUT [--layout-only]

SOURCE.wav: the source programme's audio at 16 kHz mono 16-bit (ffmpeg -i programme-en.mp4 -ac 1 -ar 16000).
--layout-only: only the layout (another programme's subtitles need no audio). The backend venv's Python (numpy).
"""
import json
import os
import random
import sys
import wave

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wavfile import mono16

RATE = 16000
source_json, source_wav, seed, minutes, out = sys.argv[1:6]
layout_only = "--layout-only" in sys.argv[6:]
seed, target = int(seed), float(minutes) * 60
rng = random.Random(seed)
noise_rng = np.random.default_rng(seed)

source = json.load(open(source_json))
clips = []   # (text, length in s, onsets relative to the clip's start) of each source sentence
for s in source["sentences"]:
    inner = [o - s["start"] for o in source["onsets"] if s["start"] - 0.001 <= o < s["end"]]
    clips.append({"text": s["text"], "start": s["start"], "length": s["end"] - s["start"], "onsets": inner})

audio = None
if not layout_only:
    with wave.open(source_wav) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2, "16 kHz mono 16-bit"
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768


def music(n):
    t = np.arange(n) / RATE
    root = rng.choice([220.0, 174.61, 261.63, 196.0])
    swell = 0.75 + 0.25 * np.cos(2 * np.pi * 0.25 * t)
    return sum(0.05 * swell * np.sin(2 * np.pi * root * r * t) for r in (1.0, 1.26, 1.5))


def noise(n):
    white = noise_rng.standard_normal(n)
    spectrum = np.fft.rfft(white); f = np.fft.rfftfreq(n); f[0] = f[1]
    pink = np.fft.irfft(spectrum / np.sqrt(f), n=n)
    return 0.12 * pink / (np.sqrt(np.mean(pink ** 2)) + 1e-9)


writer = None if layout_only else mono16(out + ".wav", RATE)
position = 0   # samples written


def emit(samples):
    global position
    if writer is not None:
        samples = samples + 0.0008 * noise_rng.standard_normal(len(samples))   # room tone, about -62 dBFS
        writer.writeframes((np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes())
    position += len(samples)


def silence(seconds):
    return np.zeros(int(round(seconds * RATE)), dtype=np.float32)


stretches, sentences, onsets = [], [], []
kinds = ["music", "noise", "silence"]
first = True
while position / RATE < target - 30:
    # a stretch between talks (the programme opens with music)
    kind = "music" if first else rng.choice(kinds)
    seconds = rng.uniform(12, 25) if first else rng.uniform(3, 18)
    n = int(round(seconds * RATE))
    start = position / RATE
    emit(music(n) if kind == "music" else noise(n) if kind == "noise" else silence(seconds))
    stretches.append({"kind": kind, "start": round(start, 3), "end": round(position / RATE, 3)})
    first = False
    # a talk of 30 to 90 s
    talk_length = rng.uniform(30, 90)
    talk_start, used = position / RATE, 0.0
    emit(silence(0.3))
    while used < talk_length:
        clip = rng.choice(clips)
        at = position / RATE
        sentences.append({"text": clip["text"], "start": round(at, 3), "end": round(at + clip["length"], 3)})
        onsets += [round(at + o, 3) for o in clip["onsets"]]
        if audio is not None:
            a = int(round(clip["start"] * RATE))
            emit(audio[a:a + int(round(clip["length"] * RATE))])
        else:
            position += int(round(clip["length"] * RATE))
        emit(silence(rng.choice([0.4, 0.6, 0.6, 0.9, 1.2, 1.5, 2.6])))
        used = position / RATE - talk_start
    talk_first = next(s for s in sentences if s["start"] >= talk_start)
    stretches.append({"kind": "speech", "start": talk_first["start"], "end": sentences[-1]["end"]})
emit(music(int(10 * RATE)))
stretches.append({"kind": "music", "start": round(position / RATE - 10, 3), "end": round(position / RATE, 3)})
if writer is not None:
    writer.close()
layout = {"language": source.get("language", "en"), "duration": round(position / RATE, 3), "seed": seed,
          "stretches": stretches, "sentences": sentences, "onsets": sorted(onsets)}
json.dump(layout, open(out + ".json", "w"), indent=1, ensure_ascii=False)
print(f"{os.path.basename(out)}: {layout['duration']:.1f} s, {len(sentences)} sentences (seed {seed})", file=sys.stderr)
