"""The webhook sender's own keep-alive connections against raw HTTP/1.1 receivers on loopback:
reuse, receivers that close, long, chunked and close-delimited answers, refused headers, timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from kinflow.config import Settings
from kinflow.webhooks.sender import EXCERPT, Sender

LOOPBACK = Settings(webhook_allow="127.0.0.0/8").webhook_networks
Answer = Callable[[bytes], Awaitable[bytes | None]]  # the request's head -> raw answer (None: close)
QUIET_CLOSE = b"<then close>"


async def _receiver(answer: Answer, requests: list[bytes], connections: list[int]) -> asyncio.Server:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                requests.append(head + await reader.readexactly(length))
                raw = await answer(head)
                if raw is None:
                    break
                quietly = raw.endswith(QUIET_CLOSE)  # closes a connection it announced as kept
                writer.write(raw.removesuffix(QUIET_CLOSE))
                await writer.drain()
                if b"Connection: close" in raw or quietly:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


def _send_all(answer: Answer, count: int = 1, timeout: float = 5, headers: dict | None = None,
              between: Callable[[], Awaitable[None]] | None = None):  # noqa: ANN202
    """Deliver `count` times one after another; (outcomes, requests received, connections accepted)."""
    async def run():  # noqa: ANN202
        requests: list[bytes] = []
        connections: list[int] = []
        server = await _receiver(answer, requests, connections)
        port = server.sockets[0].getsockname()[1]
        sender = Sender(timeout=timeout, allow=LOOPBACK, max_connections=4)
        outcomes = []
        try:
            for n in range(count):
                outcomes.append(await sender.send(f"http://127.0.0.1:{port}/hook/{n}?a=b c", b'{"n": %d}' % n,
                                                  "secret", headers or {}))
                if between is not None:
                    await between()
        finally:
            await sender.close()
            server.close()
        return outcomes, requests, connections

    return asyncio.run(run())


def _ok(body: bytes = b"{}", extra: bytes = b"") -> Answer:
    async def answer(_head: bytes) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)
    return answer


def test_deliveries_to_one_receiver_share_a_kept_connection():
    outcomes, requests, connections = _send_all(_ok(b'{"thanks": true}'), count=5)
    assert [(o.status_code, o.excerpt, o.error) for o in outcomes] == [(200, '{"thanks": true}', "")] * 5
    assert len(connections) == 1 and len(requests) == 5
    first = requests[0].decode()
    assert first.startswith("POST /hook/0?a=b%20c HTTP/1.1\r\n") and first.endswith('\r\n\r\n{"n": 0}')
    assert "\r\nHost: 127.0.0.1:" in first and "\r\nX-Kinflow-Signature: sha256=" in first
    assert "\r\nContent-Type: application/json\r\n" in first and "\r\nUser-Agent: kinflow-webhooks\r\n" in first


def test_a_receiver_closing_its_connections_gets_every_delivery_on_new_ones():
    outcomes, requests, connections = _send_all(_ok(extra=b"Connection: close\r\n"), count=3)
    assert [o.status_code for o in outcomes] == [200] * 3 and len(connections) == 3


def test_kept_connections_the_receiver_drops_are_replaced():
    # Answered as kept, then closed by the receiver: each next delivery goes on a new connection,
    # whether the close has arrived before it or arrives as it is sent.
    async def kept_then_closed(_head: bytes) -> bytes:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" + QUIET_CLOSE

    outcomes, requests, connections = _send_all(kept_then_closed, count=4)
    assert [o.status_code for o in outcomes] == [200] * 4 and len(connections) == len(requests) == 4


def test_a_connection_closed_without_an_answer_is_a_failed_attempt():
    async def hang_up(_head: bytes) -> bytes | None:
        return None

    (outcome,), requests, _ = _send_all(hang_up)
    assert outcome.status_code is None and "ConnectionResetError" in outcome.error and not outcome.permanent
    assert len(requests) == 1  # a new connection's failure is not sent again


def test_only_the_first_bytes_of_a_long_answer_are_read():
    outcomes, _, connections = _send_all(_ok(b"x" * 1_000_000), count=2)
    assert [(o.status_code, len(o.excerpt)) for o in outcomes] == [(200, EXCERPT)] * 2
    assert len(connections) == 2  # the unread rest went with its connection


def test_chunked_and_close_delimited_answers_are_read():
    async def chunked(_head: bytes) -> bytes:
        return b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"

    async def until_close(_head: bytes) -> bytes:
        return b"HTTP/1.1 500 Oops\r\nConnection: close\r\n\r\nbroken"

    outcomes, _, _ = _send_all(chunked, count=2)
    assert [(o.status_code, o.excerpt) for o in outcomes] == [(201, "abcde")] * 2
    (outcome,), _, _ = _send_all(until_close)
    assert (outcome.status_code, outcome.excerpt, outcome.ok) == (500, "broken", False)


def test_a_header_with_a_line_break_is_a_permanent_failure():
    (outcome,), requests, _ = _send_all(_ok(), headers={"kz-callback-token": "a\r\nX-Injected: 1"})
    assert outcome.permanent and outcome.status_code is None and "line break" in outcome.error
    assert requests == []


def test_a_receiver_that_does_not_answer_in_time_is_a_timeout():
    async def silent(_head: bytes) -> bytes:
        await asyncio.sleep(5)
        return b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

    (outcome,), _, _ = _send_all(silent, timeout=0.3)
    assert outcome.timed_out and outcome.status_code is None and "TimeoutError" in outcome.error
    assert 250 < outcome.latency_ms < 2000
