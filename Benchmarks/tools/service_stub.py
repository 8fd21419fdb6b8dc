#!/usr/bin/env python3
"""run-service's stub API: answers every POST at once with verbose_json holding one segment, on 127.0.0.1:PORT.

    service_stub.py PORT
"""
import http.server, json, sys
body = json.dumps({"task": "transcribe", "language": "english", "duration": 1.0, "text": "Tone.",
                   "segments": [{"id": 0, "start": 0.5, "end": 2.0, "text": " Tone.", "avg_logprob": -0.2,
                                 "compression_ratio": 1.1, "no_speech_prob": 0.01}]}).encode()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200); self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *args): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
