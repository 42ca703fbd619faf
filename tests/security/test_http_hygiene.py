"""HTTP hygiene: only kinflow's own host names are served (DNS rebinding), a password-authenticated
write must be JSON (cross-site forms cannot send it), responses tell browsers not to sniff and do
not name the server, and a connection whose request headers never complete is closed."""

from __future__ import annotations

import base64
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import ADMIN_PASSWORD, database_url, make_app, make_token, start_server, stop_server

HEADER_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def app(server):
    with server.admin() as admin:
        return make_app(admin, {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}},
                        name="Hygiene")


def _port(server) -> int:
    return urlsplit(server.base_url).port


def _refused(response: httpx.Response, code: str = "CB_IL02") -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == code and body["id"] and body["message"], body


# --- Host ---------------------------------------------------------------------------------------


def test_only_kinflows_own_names_are_served(server, admin, app):
    port = _port(server)
    for host in ("attacker.example", f"attacker.example:{port}", "127.0.0.1.attacker.example"):
        _refused(admin.get("/k/v1/app.json", params={"id": app}, headers={"Host": host}))
        _refused(admin.get("/kinflow/v1/apiTokens.json", params={"app": app}, headers={"Host": host}))
    # Refused before anything runs: a write does not happen.
    refused = admin.post("/k/v1/record.json", json={"app": app, "record": {"title": {"value": "rebound"}}},
                         headers={"Host": "attacker.example"})
    _refused(refused)
    found = admin.get("/k/v1/records.json", params={"app": app, "query": 'title = "rebound"', "totalCount": True})
    assert found.json()["totalCount"] == "0"
    # The listen address, localhost and the loopback addresses, however spelt, are kinflow's.
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST.:{port}", f"[::1]:{port}", "127.0.0.1"):
        response = admin.get("/k/v1/app.json", params={"id": app}, headers={"Host": host})
        assert response.status_code == 200, (host, response.text)
    # A load balancer probes by address, and /healthz reveals nothing: it answers any host.
    response = httpx.get(f"{server.base_url}/healthz", headers={"Host": "10.0.0.5:8080"})
    assert response.status_code == 200 and response.json() == {"status": "ok"}


# --- Response headers ---------------------------------------------------------------------------


def test_responses_forbid_sniffing_and_do_not_name_the_server(server, admin, app):
    responses = [
        admin.get("/k/v1/app.json", params={"id": app}),
        admin.get("/k/v1/nothing-here.json"),
        admin.get("/k/v1/app.json", params={"id": app}, headers={"Host": "attacker.example"}),
        httpx.get(f"{server.base_url}/healthz"),
        httpx.get(f"{server.base_url}/no-such-page"),
    ]
    for response in responses:
        assert response.headers.get("x-content-type-options") == "nosniff", response.request.url
        assert "server" not in response.headers, response.headers


# --- JSON bodies for password logins -------------------------------------------------------------


def _record_count(admin, app, title: str) -> int:
    found = admin.get("/k/v1/records.json", params={"app": app, "query": f'title = "{title}"', "totalCount": True})
    return int(found.json()["totalCount"])


def test_password_writes_must_be_json(server, admin, app):
    body = f'{{"app": {app}, "record": {{"title": {{"value": "forged"}}}}}}'.encode()
    basic = {"Authorization": "Basic " + base64.b64encode(f"Administrator:{ADMIN_PASSWORD}".encode()).decode()}
    with server.client(basic) as basic_client:
        for client in (admin, basic_client):
            # What a cross-site form or a `no-cors` fetch can send along with the browser's credentials:
            for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
                _refused(client.post("/k/v1/record.json", content=body, headers={"Content-Type": content_type}))
            _refused(client.post("/k/v1/record.json", content=body))  # no content type at all
            # No body: the parameters would come from the query string.
            _refused(client.post("/k/v1/record.json", params={"app": app, "record[title][value]": "forged"}))
            _refused(client.post("/kinflow/v1/spaces.json", content=b'{"name": "forged"}',
                                 headers={"Content-Type": "text/plain"}))
    assert _record_count(admin, app, "forged") == 0
    accepted = admin.post("/k/v1/record.json", content=body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert accepted.status_code == 200, accepted.text
    # Reads without a body are unaffected.
    assert admin.get("/k/v1/app.json", params={"id": app}).status_code == 200
    # A browser never sends an API token on its own: token clients keep sending what they sent.
    token = make_token(admin, app, add=True, view=True)
    with server.client({"X-Cybozu-API-Token": token}) as by_token:
        plain = by_token.post("/k/v1/record.json", content=body, headers={"Content-Type": "text/plain"})
        assert plain.status_code == 200, plain.text
    assert _record_count(admin, app, "forged") == 2


# --- Header timeout -----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def quick_server(request, tmp_path_factory):
    """A server giving clients HEADER_TIMEOUT seconds to send their request headers."""
    tmp = tmp_path_factory.mktemp(f"headers-{request.param}")
    srv = start_server(tmp, database_url(request.param, tmp), request.param,
                       {"KINFLOW_HEADER_TIMEOUT": str(HEADER_TIMEOUT)})
    yield srv
    stop_server(srv)


def _closed_by_server(sock: socket.socket, deadline: float) -> bool:
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    try:
        while sock.recv(65536):
            pass  # a response to an earlier, complete request
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def test_half_open_connections_are_closed_and_others_still_served(quick_server):
    port = _port(quick_server)
    # A keep-alive connection that completes one request, then starts another and stalls.
    kept = socket.create_connection(("127.0.0.1", port))
    kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert kept.recv(65536).startswith(b"HTTP/1.1 200")
    kept.sendall(b"GET /k/v1/apps.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Cyb")
    stalled = [kept]
    for _ in range(3000):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /k/v1/apps.json HTT")
        stalled.append(sock)
    try:
        assert httpx.get(f"{quick_server.base_url}/healthz", timeout=5).status_code == 200
        deadline = time.monotonic() + HEADER_TIMEOUT + 15
        still_open = sum(not _closed_by_server(sock, deadline) for sock in stalled)
        assert still_open == 0, f"{still_open} of {len(stalled)} half-open connections were not closed"
        assert httpx.get(f"{quick_server.base_url}/healthz", timeout=5).status_code == 200
    finally:
        for sock in stalled:
            sock.close()


def test_oversized_request_headers_are_refused(quick_server):
    started = time.monotonic()
    cut_short = False
    answer = b""
    with socket.create_connection(("127.0.0.1", _port(quick_server)), timeout=HEADER_TIMEOUT + 10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ")
        try:
            for _ in range(100):  # 10 MB of one header, never finished
                sock.sendall(b"x" * 100_000)
        except (BrokenPipeError, ConnectionResetError):
            cut_short = True  # refused and closed while still sending
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # the reset may overtake the answer
    assert time.monotonic() - started < HEADER_TIMEOUT  # refused for its size, not for its slowness
    if answer or not cut_short:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 431"), answer[:200]
        assert b"x-content-type-options: nosniff" in head and b'"code":"CB_IL02"' in body
