#!/usr/bin/env python3
"""A generated 10-minute talk for run-all's end-to-end benchmark: English sentences spoken by Piper (no noise in
the synthesis, seeded choices), with pauses, into a mono 16-bit WAV, and the sentences, one a line, as its text.

    talk.py VOICE.onnx OUT.wav OUT.txt       (the backend venv's Python: piper)
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import random
from piper import PiperVoice, SynthesisConfig
from wavfile import mono16
voice_path, out_path, text_path = sys.argv[1:4]
subjects = ["The committee", "Our small team", "The city council", "A local farmer", "The new library",
            "Every student", "The river museum", "My grandmother", "The weather service", "A young engineer"]
verbs = ["announced a plan to", "decided to", "wanted to", "promised to", "tried to", "agreed to"]
objects = ["repair the old bridge before winter", "plant three hundred trees along the river",
           "open a reading room for children", "build a quiet garden behind the station",
           "collect stories from people who lived here", "measure the rain on every street",
           "paint the school in bright colours", "teach evening classes about the stars",
           "bring fresh bread to the market on Sundays", "record the songs of the northern valley"]
tails = ["and everyone seemed pleased.", "although the budget was very tight.", "after a long discussion.",
         "because the town had asked for it.", "and the work starts next month.", "but nobody knows when."]
rng = random.Random(7)
voice = PiperVoice.load(voice_path)
config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
rate = voice.config.sample_rate
sentences, total = [], 0
with mono16(out_path, rate) as out:
    while total < rate * 600:
        s = f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}, {rng.choice(tails)}"
        sentences.append(s)
        for chunk in voice.synthesize(s, syn_config=config):
            out.writeframes(chunk.audio_int16_bytes); total += len(chunk.audio_int16_bytes) // 2
        pause = int(rate * rng.choice([0.4, 0.6, 0.9, 1.5]))
        out.writeframes(b"\0\0" * pause); total += pause
open(text_path, "w").write("\n".join(sentences) + "\n")
