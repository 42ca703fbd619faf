"""A Kaizala webhook receiver on loopback: answers the validation handshake (echoing the token, or
echoing a wrong one, or too late, as told) and records every event posted to it."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Callback:
    def __init__(self) -> None:
        self.handshake = "echo"  # echo | wrong | slow
        self.status = 200  # what events are answered with
        self.delay = 0.0  # seconds before an event is answered: a slow receiver, which deliveries lag behind
        self.validations: list[str] = []
        self.events: list[tuple[dict, dict]] = []  # (headers, payload)
        self.posts = 0  # every event posted, answered or refused
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, status: int, body: bytes, kind: str = "text/plain") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                token = parse_qs(urlsplit(self.path).query).get("validationToken", [""])[0]
                receiver.validations.append(token)
                if receiver.handshake == "slow":
                    time.sleep(6)
                self._answer(200, (token if receiver.handshake != "wrong" else "not-the-token").encode())

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.posts += 1
                time.sleep(receiver.delay)
                if receiver.status >= 300:
                    self._answer(receiver.status, b"failing")
                    return
                with receiver._changed:
                    receiver.events.append(({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
                    receiver._changed.notify_all()
                self._answer(200, b"{}", "application/json")

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/kaizala-events"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[tuple[dict, dict]]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.events) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.events)} events arrived, expected {count}: {self.events}")
                self._changed.wait(left)
            return list(self.events)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
