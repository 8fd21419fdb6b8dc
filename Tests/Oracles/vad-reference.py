#!/usr/bin/env python3
"""The reference for subtitler's Swift Silero VAD: faster-whisper's own VAD code (onnxruntime, one thread) on
16 kHz mono 16-bit PCM, printed as JSON. Run it with the backend venv's Python (.venv-backend/bin/python).

    vad-reference.py probabilities AUDIO.s16 [OPTIONS_JSON]
        {"sampleCount": N, "probabilities": [...], "regions": [[{"start": S, "end": E}, ...], ...]}
        Probabilities: faster_whisper.vad.get_vad_model() on the audio padded exactly as
        get_speech_timestamps pads it (one per 512-sample frame). Regions: get_speech_timestamps itself, once per
        option set in OPTIONS_JSON (a JSON list of objects with VadOptions fields: threshold, neg_threshold,
        min_speech_duration_ms, max_speech_duration_s, min_silence_duration_ms, speech_pad_ms; default [{}]).

    vad-reference.py regions PROBABILITIES_JSON [OPTIONS_JSON]
        {"regions": [[{"start": S, "end": E}, ...], ...]}
        get_speech_timestamps on given probabilities instead of the model's: PROBABILITIES_JSON is a file holding
        {"sampleCount": N, "probabilities": [...]} with N // 512 + 1 probabilities (what the model would give for
        N samples). Used to check the Swift region tracker on crafted sequences.

    vad-reference.py bench AUDIO.s16
        {"seconds": T, "frames": F, "audioSeconds": A, "peakRSSKiB": R, "baselineRSSKiB": B}
        Times the model alone (after loading it), as faster-whisper runs it: batched, one thread.

AUDIO.s16 is raw little-endian signed 16-bit mono at 16 kHz; it is scaled by 1/32768 to float32, as faster-whisper's
decode_audio does.
"""
import json
import resource
import sys
import time

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps, get_vad_model

WINDOW = 512


def read_audio(path):
    return np.fromfile(path, dtype="<i2").astype(np.float32) / 32768.0


def padded(audio):
    # The same padding get_speech_timestamps applies (a whole extra window when the length is a multiple of 512).
    return np.pad(audio, (0, WINDOW - audio.shape[0] % WINDOW))


def vad_options(raw):
    options = dict(raw)
    if options.get("max_speech_duration_s") is None:
        options.pop("max_speech_duration_s", None)
    return VadOptions(**options)


def probabilities(path, option_sets):
    audio = read_audio(path)
    model = get_vad_model()
    probs = model(padded(audio))
    regions = [get_speech_timestamps(audio, vad_options(o)) for o in option_sets]
    return {
        "sampleCount": int(audio.shape[0]),
        "probabilities": [float(p) for p in np.asarray(probs).reshape(-1)],
        "regions": [[{"start": int(r["start"]), "end": int(r["end"])} for r in rs] for rs in regions],
    }


class FixedProbabilities:
    """Stands in for the model: returns the given probabilities for audio of the matching padded length."""

    def __init__(self, probabilities):
        self.probabilities = np.asarray(probabilities, dtype=np.float32)

    def __call__(self, audio):
        assert audio.shape[0] // WINDOW == self.probabilities.shape[0], "probability count does not fit the length"
        return self.probabilities


def regions(path, option_sets):
    import faster_whisper.vad as vad

    given = json.load(open(path))
    vad.get_vad_model = lambda: FixedProbabilities(given["probabilities"])
    audio = np.zeros(given["sampleCount"], dtype=np.float32)
    found = [vad.get_speech_timestamps(audio, vad_options(o)) for o in option_sets]
    return {"regions": [[{"start": int(r["start"]), "end": int(r["end"])} for r in rs] for rs in found]}


def bench(path):
    audio = read_audio(path)
    model = get_vad_model()
    model(padded(audio[: WINDOW * 64]))  # warm up the session
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    probs = model(padded(audio))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "frames": int(np.asarray(probs).size),
        "audioSeconds": audio.shape[0] / 16000.0,
        "peakRSSKiB": peak,
        "baselineRSSKiB": baseline,
    }


def main(argv):
    if len(argv) >= 2 and argv[0] == "probabilities":
        option_sets = json.loads(argv[2]) if len(argv) > 2 else [{}]
        json.dump(probabilities(argv[1], option_sets), sys.stdout)
    elif len(argv) >= 2 and argv[0] == "regions":
        option_sets = json.loads(argv[2]) if len(argv) > 2 else [{}]
        json.dump(regions(argv[1], option_sets), sys.stdout)
    elif len(argv) == 2 and argv[0] == "bench":
        json.dump(bench(argv[1]), sys.stdout)
    else:
        sys.stderr.write(__doc__)
        return 2
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
