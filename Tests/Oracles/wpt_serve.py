#!/usr/bin/env python3
"""The loopback HTTP server wpt-chromium points Chromium at: serves the current folder on 127.0.0.1:PORT, .vtt as
text/vtt, without logging.

    wpt_serve.py PORT
"""
import http.server, sys
handler = http.server.SimpleHTTPRequestHandler
handler.extensions_map[".vtt"] = "text/vtt"
handler.log_message = lambda *a: None
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
