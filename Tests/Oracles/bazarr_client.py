#!/usr/bin/env python3
"""Calls a subtitler service exactly as Bazarr's Whisper provider does, and prints what Bazarr would see as JSON.

Bazarr (custom_libs/subliminal_patch/providers/whisperai.py) extracts the audio with ffmpeg as headerless 16 kHz
mono s16le PCM and uploads it with `requests` as one multipart part named `audio_file` (file name `audio_file`, no
content type); it keeps an /asr answer only if it parses as SRT (pysrt, strict).

usage: bazarr_client.py status ENDPOINT
       bazarr_client.py detect ENDPOINT MEDIA [--video-file PATH]
       bazarr_client.py asr ENDPOINT MEDIA --task transcribe|translate [--language xx] [--video-file PATH]
"""
import argparse
import json
import subprocess
import sys

import pysrt
import requests


def bazarr_audio(media, language3=None):
    """The audio as Bazarr's ffmpeg call makes it (the language map is used only with several audio languages)."""
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", media]
    if language3:
        command += ["-map", f"0:a:m:language:{language3}"]
    command += ["-f", "s16le", "-acodec", "pcm_s16le", "-ac", "1", "-ar", "16000", "-af", "aresample=async=1", "-"]
    return subprocess.run(command, check=True, capture_output=True).stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("call", choices=["status", "detect", "asr"])
    parser.add_argument("endpoint")
    parser.add_argument("media", nargs="?")
    parser.add_argument("--task", default="transcribe")
    parser.add_argument("--language")
    parser.add_argument("--video-file")
    args = parser.parse_args()
    endpoint = args.endpoint.rstrip("/")
    session = requests.Session()
    result = {}
    if args.call == "status":
        r = session.get(f"{endpoint}/status", timeout=(5, 60))
        result = {"status": r.status_code, "json": r.json()}
    else:
        audio = bazarr_audio(args.media)
        params = {"encode": "false"}
        if args.video_file:
            params["video_file"] = args.video_file
        if args.call == "detect":
            r = session.post(f"{endpoint}/detect-language", params=params, files={"audio_file": audio}, timeout=(5, 3600))
            result = {"status": r.status_code, "json": r.json()}
        else:
            params.update({"task": args.task, "output": "srt"})
            if args.language:
                params["language"] = args.language
            r = session.post(f"{endpoint}/asr", params=params, files={"audio_file": audio}, timeout=(5, 3600))
            text = r.content.decode("utf-8")
            try:
                subs = pysrt.from_string(text, error_handling=pysrt.ERROR_RAISE)
                cues = [{"start": s.start.ordinal, "end": s.end.ordinal, "text": s.text} for s in subs]
                result = {"status": r.status_code, "valid": len(cues) > 0, "cues": cues}
            except Exception as error:  # Bazarr treats an unparsable body as "no subtitle"
                result = {"status": r.status_code, "valid": False, "error": str(error), "body": text[:500]}
        result["uploadBytes"] = len(audio)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
