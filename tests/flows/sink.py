"""An HTTP receiver for flows' outgoing requests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink:
    """An HTTP receiver on loopback answering each request with the next of `statuses` (then 200),
    recording every request, failed or not."""

    def __init__(self, statuses: list[int] | None = None, headers: dict[str, str] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.headers = headers or {}
        self.requests: list[dict] = []
        self.hold = threading.Event()
        self.hold.set()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                sink.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                      "body": body})
                sink.hold.wait(30)
                status = sink.statuses.pop(0) if sink.statuses else 200
                answer = json.dumps({"got": body.decode() or None, "n": len(sink.requests)}).encode()
                self.send_response(status)
                for name, value in sink.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PUT = _answer  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sink"

    def close(self) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 30) -> list[dict]:
        """The first `count` requests, waiting for them as long as `timeout`."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"received {len(self.requests)} of {count} requests")
            time.sleep(0.02)
        return self.requests[:count]
