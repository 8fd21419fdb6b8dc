#!/usr/bin/env python3
"""run-speech's faster-whisper columns: faster-whisper on the programmes, same model, with Silero VAD
(vad_filter=True, MODE vad) or on the whole file (MODE whole); writes OUT/<programme>.srt (one cue per segment),
.sent (seconds of audio sent to the model: what its VAD keeps, or the whole file) and .seconds (wall time).

    speech_fw.py MODEL_DIR DATA OUT [vad|whole]      (the backend venv's Python: faster_whisper)
"""
import os, sys, time
from faster_whisper import WhisperModel
from faster_whisper.audio import decode_audio
from faster_whisper.vad import VadOptions, get_speech_timestamps
model_dir, data, out = sys.argv[1:4]
vad = (sys.argv[4] if len(sys.argv) > 4 else "vad") == "vad"
os.makedirs(out, exist_ok=True)
model = WhisperModel(model_dir)
def stamp(s):
    ms = int(round(s * 1000)); return f"{ms//3600000:02}:{ms//60000%60:02}:{ms//1000%60:02},{ms%1000:03}"
for name, task, language in [("programme-en", "transcribe", "en"), ("programme-joins", "transcribe", "en"),
                             ("programme-de", "translate", None)]:
    media = f"{data}/{name}.mp4"
    began = time.time()
    segments, info = model.transcribe(media, task=task, language=language, vad_filter=vad)
    segments = list(segments)
    elapsed = time.time() - began
    with open(f"{out}/{name}.srt", "w") as srt:
        for i, s in enumerate(segments, 1):
            srt.write(f"{i}\n{stamp(s.start)} --> {stamp(s.end)}\n{s.text.strip()}\n\n")
    audio = decode_audio(media)
    sent = (sum(c["end"] - c["start"] for c in get_speech_timestamps(audio, VadOptions())) if vad else len(audio)) / 16000
    open(f"{out}/{name}.sent", "w").write(f"{sent}\n")
    open(f"{out}/{name}.seconds", "w").write(f"{elapsed}\n")
