#!/usr/bin/env python3
"""run-dub's stub speech server (standard library): answers every POST with 24 kHz mono WAV, 0.2 s of silence, a
700 Hz tone and 0.2 s of silence; the tone lasts 2.0 s, or 4.2 s for every fourth cue ("Line N": N % 4 == 0),
divided by the request's speed. Listens on a free loopback port and prints it on its first line.

    dub_speech_server.py
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import json, math, struct
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from wavfile import mono16_bytes
def speech(seconds):
    rate, frames = 24000, bytearray()
    for i in range(int(seconds * rate)):
        frames += struct.pack("<h", int(9000 * math.sin(2 * math.pi * 700 * i / rate)))
    pad = b"\0\0" * (rate // 5)
    return mono16_bytes(rate, pad + bytes(frames) + pad)
cache = {}
class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        number = int(body["input"].split()[1])
        seconds = round((4.2 if number % 4 == 0 else 2.0) / float(body.get("speed") or 1), 3)
        data = cache.setdefault(seconds, speech(seconds))
        self.send_response(200)
        self.send_header("content-type", "audio/wav")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args): pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1])
server.serve_forever()
