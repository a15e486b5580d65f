"""A local HTTP server speaking Gemini's `generateContent` REST shape, with a scripted reply per test.

Set `reply` to a callable returning (status, JSON body) — or `delay_seconds` to answer late. Every request is
recorded (path, headers with lower-case names, JSON body).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def answer_with_text(text: str) -> tuple[int, dict]:
    return 200, {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP", "index": 0}
        ],
        "modelVersion": "gemini-2.5-flash",
    }


def server_error() -> tuple[int, dict]:
    return 500, {"error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}}


class FakeGemini:
    def __init__(self):
        self.reply = lambda: answer_with_text("{}")
        self.delay_seconds = 0.0
        self.requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": json.loads(body or b"null"),
                    }
                )
                time.sleep(fake.delay_seconds)
                status, payload = fake.reply()
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args):
                pass

        return Handler
