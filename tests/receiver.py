"""Real webhook receivers on loopback. `Receiver` records every request it gets, and can be told to
answer with errors or any body, or to go down and come back, as a receiving service does; `BlackHole`
accepts connections and never answers; `Flood` answers every request with a 2 GB body."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when it arrived

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.status = 200
        self.answer = b'{"ok": true}'  # the body of a successful answer
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()
        self.port = 0
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        """Listen (again, on the same port once it had one)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                receiver._connections.add(self.connection)

            def finish(self) -> None:
                receiver._connections.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:  # noqa: N802 - the http.server naming
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if len(body) < length:  # the sender went away mid-request
                    self.close_connection = True
                    return
                status = receiver.status
                if status < 300:
                    receiver._add(Received(self.path, dict(self.headers), body, time.time()))
                answer = receiver.answer if status < 300 else b"receiver is failing"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # the default of 5 refuses bursts of concurrent deliveries
            daemon_threads = True

        self._server = Server(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Go down: open connections are cut and new ones refused until `start()`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for connection in list(self._connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _add(self, received: Received) -> None:
        with self._changed:
            self.requests.append(received)
            self._changed.notify_all()

    def events(self, event_type: str | None = None) -> list[dict]:
        with self._changed:
            bodies = [r.json for r in self.requests]
        return [b for b in bodies if event_type is None or b["type"] == event_type]

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        """The first `count` requests received, waiting for them as long as `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"received {len(self.requests)} of {count} webhook requests")
                self._changed.wait(left)
            return list(self.requests[:count])

    def close(self) -> None:
        self.stop()


class _Listener:
    """A bare TCP server on loopback that hands each connection to `_connected`."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._connected(connection)

    def _connected(self, connection: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._listener.close()


class BlackHole(_Listener):
    """Accepts every connection and never answers (a receiver that hangs)."""

    def __init__(self) -> None:
        self.connections: list[socket.socket] = []
        super().__init__()

    def url(self, path: str = "hook") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def _connected(self, connection: socket.socket) -> None:
        self.connections.append(connection)  # held open, never read from or written to

    def close(self) -> None:
        super().close()
        for connection in self.connections:
            connection.close()


class Flood(_Listener):
    """Answers every request `200` with a body of `size` bytes, made as it is sent (never held in
    memory), until the client hangs up; notes how many bytes each answer got out."""

    CHUNK = b"x" * 65536

    def __init__(self, size: int = 2 * 1024**3) -> None:
        self.size = size
        self.sent: list[int] = []
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def _connected(self, connection: socket.socket) -> None:
        threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        sent = 0
        with connection:
            try:
                connection.recv(65536)  # the request (its size does not matter here)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                   b"Content-Length: %d\r\n\r\n" % self.size)
                while sent < self.size:
                    connection.sendall(self.CHUNK)
                    sent += len(self.CHUNK)
            except OSError:
                pass
        self.sent.append(sent)
