#!/usr/bin/env python3
"""run-speech's third column: faster-whisper with Silero VAD (vad_filter=True) on the two programmes, same model;
writes OUT/<programme>.srt (one cue per segment), .sent (seconds of audio its VAD keeps) and .seconds (wall time).

    speech_fw.py MODEL_DIR DATA OUT      (the backend venv's Python: faster_whisper)
"""
import os, sys, time
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio
from faster_whisper.vad import VadOptions, get_speech_timestamps
model_dir, data, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
model = WhisperModel(model_dir)
def stamp(s):
    ms = int(round(s * 1000)); return f"{ms//3600000:02}:{ms//60000%60:02}:{ms//1000%60:02},{ms%1000:03}"
for name, task, language in [("programme-en", "transcribe", "en"), ("programme-de", "translate", None)]:
    media = f"{data}/{name}.mp4"
    began = time.time()
    segments, info = model.transcribe(media, task=task, language=language, vad_filter=True)
    segments = list(segments)
    elapsed = time.time() - began
    with open(f"{out}/{name}.srt", "w") as srt:
        for i, s in enumerate(segments, 1):
            srt.write(f"{i}\n{stamp(s.start)} --> {stamp(s.end)}\n{s.text.strip()}\n\n")
    audio = decode_audio(media)
    sent = sum(c["end"] - c["start"] for c in get_speech_timestamps(audio, VadOptions())) / 16000
    open(f"{out}/{name}.sent", "w").write(f"{sent}\n")
    open(f"{out}/{name}.seconds", "w").write(f"{elapsed}\n")
