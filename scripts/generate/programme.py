#!/usr/bin/env python3
"""Generates one speech-detection programme for scripts/generate/make-programme: WORK/programme.wav (mono 16-bit,
22.05 kHz) and its ground truth WORK/programme.json (stretches, sentences, speech onsets). Deterministic.

    programme.py en|joins|de VOICE.onnx WORK      (the backend venv's Python: numpy, and piper for English)

joins is English talk with long stretches left out between (21-40 s of silence, music and noise, as in issue 21's
20-minute programme): every talk has two joins in a speech-only upload.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Benchmarks", "tools"))
import json, random, subprocess
import numpy as np
from wavfile import mono16

lang, voice_path, work = sys.argv[1:4]
RATE = 22050
rng = random.Random({"en": 11, "de": 13, "joins": 17}[lang])
noise_rng = np.random.default_rng(5)

def to_float(pcm):
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768

if lang in ("en", "joins"):
    from piper import PiperVoice, SynthesisConfig
    voice = PiperVoice.load(voice_path)
    assert voice.config.sample_rate == RATE
    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    def speak(text):
        return np.concatenate([to_float(c.audio_int16_bytes) for c in voice.synthesize(text, syn_config=config)])
    subjects = ["The committee", "Our small team", "The city council", "A local farmer", "The new library",
                "Every student", "The river museum", "My grandmother", "The weather service", "A young engineer",
                "The harbour master", "Two retired teachers"]
    verbs = ["announced a plan to", "decided to", "wanted to", "promised to", "tried to", "agreed to", "hopes to"]
    objects = ["repair the old bridge before winter", "plant three hundred trees along the river",
               "open a reading room for children", "build a quiet garden behind the station",
               "collect stories from people who lived here", "measure the rain on every street",
               "paint the school in bright colours", "teach evening classes about the stars",
               "bring fresh bread to the market on Sundays", "record the songs of the northern valley",
               "clean the beach after the storm", "rebuild the wooden pier"]
    tails = ["and everyone seemed pleased.", "although the budget was very tight.", "after a long discussion.",
             "because the town had asked for it.", "and the work starts next month.", "but nobody knows when.",
             "so the volunteers met again on Friday.", "which surprised most of the neighbours."]
    def sentence():
        return f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}, {rng.choice(tails)}"
    layout = [("music", 23.0, "pad+arpeggio"), ("talk", 62.0), ("silence", 6.0), ("talk", 55.0), ("noise", 10.0, "pink"),
              ("talk", 70.0), ("music", 15.0, "pad"), ("talk", 48.0), ("silence", 4.0), ("noise", 6.0, "brown"),
              ("talk", 64.0), ("music", 14.0, "arpeggio"), ("talk", 56.0), ("noise", 8.0, "pink"), ("talk", 58.0),
              ("silence", 7.0), ("music", 10.0, "pad")]
    if lang == "joins":
        layout = [("music", 21.0, "pad+arpeggio"), ("talk", 45.0), ("silence", 36.0), ("talk", 40.0),
                  ("music", 31.0, "pad"), ("talk", 50.0), ("noise", 25.0, "pink"), ("talk", 38.0),
                  ("silence", 40.0), ("talk", 44.0), ("music", 28.0, "arpeggio"), ("talk", 42.0),
                  ("noise", 22.0, "brown"), ("talk", 47.0), ("silence", 33.0), ("talk", 40.0), ("music", 24.0, "pad")]
else:
    german = [
        "Guten Abend und herzlich willkommen zu unserer Sendung.",
        "Heute sprechen wir über das Wetter in Berlin und Brandenburg.",
        "Am Morgen ist es kalt und neblig, aber am Nachmittag scheint die Sonne.",
        "Die Temperaturen steigen auf zwölf bis fünfzehn Grad.",
        "In der Nacht wird es wieder kühler, und im Norden kann es regnen.",
        "Morgen bleibt es meistens trocken, nur an der Küste weht ein frischer Wind.",
        "Die Bauern freuen sich über den Regen der letzten Woche.",
        "Viele Familien fahren am Wochenende an die Seen.",
        "Der Zug nach Hamburg fährt heute eine halbe Stunde später ab.",
        "Auf der Autobahn gibt es zwischen Potsdam und Berlin einen langen Stau.",
        "Die Stadt plant einen neuen Park am Ufer der Spree.",
        "Im Museum beginnt am Samstag eine Ausstellung über alte Karten.",
        "Die Bibliothek hat jetzt auch am Sonntag geöffnet.",
        "Die Schüler haben einen Garten hinter der Schule angelegt.",
        "Auf dem Markt gibt es frisches Brot, Käse und Äpfel aus der Region.",
        "Der Bürgermeister will die alte Brücke noch vor dem Winter reparieren.",
        "Die Feuerwehr hat ihr neues Haus im Zentrum eröffnet.",
        "Am Abend spielt das Orchester auf dem großen Platz.",
        "Viele Menschen warten schon seit dem Mittag auf das Konzert.",
        "Im Herbst werden die Tage kürzer und die Nächte länger.",
        "Die Kinder sammeln im Wald Kastanien und bunte Blätter.",
        "Der Hafen bekommt im nächsten Jahr neue Kräne.",
        "Das war das Wetter für heute.",
        "Vielen Dank fürs Zuhören und bis morgen.",
    ]
    queue = list(german)
    def sentence():
        return queue.pop(0) if queue else rng.choice(german)
    def speak(text):
        path = f"{work}/espeak.wav"
        subprocess.run(["espeak-ng", "-v", "de", "-s", "150", "-w", path, text], check=True)
        out = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"],
                             check=True, capture_output=True).stdout
        return to_float(out)
    layout = [("music", 10.0, "pad+arpeggio"), ("talk", 55.0), ("noise", 8.0, "pink"), ("talk", 55.0),
              ("music", 10.0, "pad"), ("talk", 50.0), ("silence", 5.0)]

def music(seconds, kind):
    t = np.arange(int(seconds * RATE)) / RATE
    roots = [220.0, 174.61, 261.63, 196.0]   # A, F, C, G
    out = np.zeros_like(t)
    for i, root in enumerate(roots * int(seconds // 8 + 1)):
        a, b = int(i * 2.0 * RATE), int((i + 1) * 2.0 * RATE)
        if a >= len(t): break
        seg = t[a:b]
        if "pad" in kind:
            swell = 0.75 + 0.25 * np.cos(2 * np.pi * 0.25 * seg)
            for ratio in (1.0, 1.26, 1.5):
                f = root * ratio
                out[a:b] += 0.05 * swell * (np.sin(2 * np.pi * f * seg) + 0.3 * np.sin(4 * np.pi * f * seg))
        if "arpeggio" in kind:
            for k, ratio in enumerate((2.0, 2.52, 3.0, 2.52)):
                c, d = a + int(k * 0.5 * RATE), min(b, a + int((k + 1) * 0.5 * RATE))
                if c >= len(t): break
                n = t[c:d] - t[c]
                out[c:d] += 0.08 * np.exp(-2.5 * n) * np.sin(2 * np.pi * root * ratio * t[c:d])
    return out

def noise(seconds, kind):
    white = noise_rng.standard_normal(int(seconds * RATE)).astype(np.float32)
    if kind == "brown":
        out = np.cumsum(white); out -= np.convolve(out, np.ones(2205) / 2205, mode="same")
    else:   # pink, by a 1/f filter in the frequency domain
        spectrum = np.fft.rfft(white); f = np.fft.rfftfreq(len(white)); f[0] = f[1]
        out = np.fft.irfft(spectrum / np.sqrt(f), n=len(white))
    return 0.12 * out / (np.sqrt(np.mean(out ** 2)) + 1e-9)

def onsets_of(clip, start):
    """Starts of the clip's sound runs (10 ms frames above -45 dBFS, gaps under 150 ms joined), seconds."""
    hop = RATE // 100
    frames = len(clip) // hop
    loud = [np.sqrt(np.mean(clip[i * hop:(i + 1) * hop] ** 2)) > 10 ** (-45 / 20) for i in range(frames)]
    runs, begin, last = [], None, -100
    for i, on in enumerate(loud):
        if on:
            if begin is None or i - last > 15:
                if begin is not None: runs.append((begin, last + 1))
                begin = i
            last = i
    if begin is not None: runs.append((begin, last + 1))
    runs = [r for r in runs if r[1] - r[0] >= 5]
    first = next((i for i in range(len(clip)) if abs(clip[i]) > 10 ** (-45 / 20)), 0)
    result = [start + first / RATE]
    result += [start + r[0] * hop / RATE for r in runs[1:]]
    end = start + (runs[-1][1] * hop / RATE if runs else len(clip) / RATE)
    return result, result[0], end

pieces, stretches, sentences, onsets = [], [], [], []
position = 0
for item in layout:
    kind, seconds = item[0], item[1]
    start = position / RATE
    if kind == "talk":
        talk = []
        used = 0.0
        while used < seconds - 3:
            text = sentence()
            clip = speak(text)
            s_onsets, s_start, s_end = onsets_of(clip, start + used)
            sentences.append({"text": text, "start": round(s_start, 3), "end": round(s_end, 3)})
            onsets += s_onsets
            talk.append(clip)
            pause = rng.choice([0.4, 0.6, 0.6, 0.9, 1.2, 1.5, 2.6]) if lang != "de" else rng.choice([0.5, 0.7, 0.9, 1.3])
            talk.append(np.zeros(int(pause * RATE), dtype=np.float32))
            used += (len(clip) + int(pause * RATE)) / RATE
        talk.pop()   # no pause after the last sentence: the talk ends with its speech
        audio = np.concatenate(talk)
        first = next(x for x in sentences if x["start"] >= start)
        stretches.append({"kind": "speech", "start": round(first["start"], 3), "end": round(sentences[-1]["end"], 3)})
    elif kind == "music":
        audio = music(seconds, item[2])
        stretches.append({"kind": "music", "start": round(start, 3), "end": round(start + seconds, 3)})
    elif kind == "noise":
        audio = noise(seconds, item[2])
        stretches.append({"kind": "noise", "start": round(start, 3), "end": round(start + seconds, 3)})
    else:
        audio = np.zeros(int(seconds * RATE), dtype=np.float32)
        stretches.append({"kind": "silence", "start": round(start, 3), "end": round(start + seconds, 3)})
    pieces.append(audio.astype(np.float32))
    position += len(audio)

mix = np.concatenate(pieces)
mix += 0.0008 * noise_rng.standard_normal(len(mix)).astype(np.float32)   # room tone, about -62 dBFS
pcm = (np.clip(mix, -1, 1) * 32767).astype(np.int16)
with mono16(f"{work}/programme.wav", RATE) as out:
    out.writeframes(pcm.tobytes())
truth = {"language": "de" if lang == "de" else "en", "duration": round(len(mix) / RATE, 3), "stretches": stretches, "sentences": sentences,
         "onsets": [round(x, 3) for x in sorted(onsets)]}
json.dump(truth, open(f"{work}/programme.json", "w"), indent=1, ensure_ascii=False)
speech = sum(s["end"] - s["start"] for s in stretches if s["kind"] == "speech")
print(f"{lang}: {truth['duration']:.1f} s, {len(sentences)} sentences, speech stretches {speech:.1f} s", file=sys.stderr)
