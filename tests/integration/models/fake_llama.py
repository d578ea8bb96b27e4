"""A stand-in for ``llama_cpp.server`` used to test the supervisor quickly (no model loaded).

Run by the supervisor's child boot code like the real module. ``FAKE_LLAMA_MODE``:
``serve`` answers every request with 404 (as ``llama_cpp.server`` does for ``/health``);
``crash`` exits at once with status 3.
"""

from __future__ import annotations

import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _NotFound(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


def main() -> None:
    if os.environ.get("FAKE_LLAMA_MODE") == "crash":
        sys.exit(3)
    port = int(sys.argv[sys.argv.index("--port") + 1])
    ThreadingHTTPServer(("127.0.0.1", port), _NotFound).serve_forever()


if __name__ == "__main__":
    main()
