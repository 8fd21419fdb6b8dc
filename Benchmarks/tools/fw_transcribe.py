#!/usr/bin/env python3
"""faster-whisper run directly on a file, as run-all's reference: int8 on the CPU, English; writes the segments'
text joined by spaces.

    fw_transcribe.py MODEL_DIR MEDIA OUT.txt      (the backend venv's Python: faster_whisper)
"""
import sys
from faster_whisper import WhisperModel
model_dir, media, out = sys.argv[1:4]
model = WhisperModel(model_dir, device="cpu", compute_type="int8")
segments, info = model.transcribe(media, language="en")
open(out, "w").write(" ".join(s.text for s in segments))
