"""Signing in to the web interface, and the REST API called with the session as kintone's pages do."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.conftest import ADMIN_PASSWORD, make_app, server_with
from tests.web.conftest import XHR, new_user, request_token, signed_in

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}}


def test_sign_in_page_has_labelled_inputs_in_the_browsers_language(server):
    with server.client() as client:
        english = client.get("/login")
        japanese = client.get("/login", headers={"Accept-Language": "ja,en;q=0.5"})
    assert english.status_code == 200 and '<html lang="en">' in english.text
    assert '<label for="username">Login name</label>' in english.text
    assert '<html lang="ja">' in japanese.text and "ログイン名" in japanese.text


def test_pages_send_the_visitor_to_sign_in_and_back(server):
    with server.client() as client:
        portal = client.get("/k/?x=1")
        assert portal.status_code == 303
        assert portal.headers["location"] == "/login?next=%2Fk%2F%3Fx%3D1"
        signed = client.post("/login", data={"username": "Administrator", "password": ADMIN_PASSWORD,
                                             "next": "/k/?x=1"})
        assert signed.status_code == 303 and signed.headers["location"] == "/k/?x=1"
        # Never to another site after signing in.
        client.cookies.clear()
        away = client.post("/login", data={"username": "Administrator", "password": ADMIN_PASSWORD,
                                           "next": "//evil.example/"})
        assert away.headers["location"] == "/k/"


def test_session_cookie_is_http_only_and_lax_and_only_its_hash_is_stored(server):
    with server.client() as client:
        response = client.post("/login", data={"username": "Administrator", "password": ADMIN_PASSWORD})
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    session_id = response.cookies["kinflow_session"]
    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT id_hash FROM web_sessions")).scalars().all()
    finally:
        engine.dispose()
    assert stored and session_id not in stored and all(len(h) == 64 for h in stored)


def test_wrong_password_shows_the_form_again(server):
    login = new_user(server)
    with server.client() as client:
        wrong = client.post("/login", data={"username": login, "password": "nope"})
        empty = client.post("/login", data={"username": login, "password": ""})
    assert wrong.status_code == 401 and "not correct" in wrong.text and 'role="alert"' in wrong.text
    assert "kinflow_session" not in wrong.cookies
    assert empty.status_code == 400


def test_portal_lists_the_apps_the_user_may_see(server, admin):
    make_app(admin, FIELDS, name="Visible to everyone")
    login = new_user(server)
    with signed_in(server, login, "user-pw") as client:
        portal = client.get("/k/")
    assert portal.status_code == 200 and "Visible to everyone" in portal.text


def test_api_get_with_the_session_needs_x_requested_with(server):
    with signed_in(server) as client:
        plain = client.get("/k/v1/apps.json")
        ajax = client.get("/k/v1/apps.json", headers=XHR)
    assert (plain.status_code, plain.json()["code"]) == (401, "CB_AU01")
    assert ajax.status_code == 200 and "apps" in ajax.json()


def test_api_write_with_the_session_needs_the_request_token(server, admin):
    app_id = make_app(admin, FIELDS)
    body = {"app": app_id, "record": {"title": {"value": "from the page"}}}
    with signed_in(server) as client:
        token = request_token(client)
        without = client.post("/k/v1/record.json", json=body, headers=XHR)
        wrong = client.post("/k/v1/record.json", json={**body, "__REQUEST_TOKEN__": "x" * 40}, headers=XHR)
        in_body = client.post("/k/v1/record.json", json={**body, "__REQUEST_TOKEN__": token}, headers=XHR)
        in_header = client.post("/k/v1/record.json", json=body, headers={**XHR, "X-Request-Token": token})
        foreign = client.post("/k/v1/record.json", json={**body, "__REQUEST_TOKEN__": token},
                              headers={**XHR, "Origin": "https://evil.example"})
        ours = client.post("/k/v1/record.json", json={**body, "__REQUEST_TOKEN__": token},
                           headers={**XHR, "Origin": server.base_url})
    for refused in (without, wrong, foreign):
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "CB_NO02" and set(refused.json()) >= {"id", "message"}
    assert "request token" in without.json()["message"]
    for accepted in (in_body, in_header, ours):
        assert accepted.status_code == 200, accepted.text
    record = admin.get("/k/v1/record.json", params={"app": app_id, "id": in_body.json()["id"]}).json()["record"]
    assert record["Created_by"]["value"]["code"] == "Administrator"


def test_sign_out_ends_the_session(server):
    with signed_in(server) as client:
        token = request_token(client)
        cookie = client.cookies["kinflow_session"]
        refused = client.post("/logout", data={"__REQUEST_TOKEN__": "wrong"})
        assert refused.status_code == 403
        out = client.post("/logout", data={"__REQUEST_TOKEN__": token})
        assert out.status_code == 303 and out.headers["location"] == "/login"
    with server.client() as replay:  # the old cookie, kept by someone, no longer signs anyone in
        replay.cookies.set("kinflow_session", cookie)
        assert replay.get("/k/").status_code == 303
        assert replay.get("/k/v1/apps.json", headers=XHR).status_code == 401


def test_a_new_password_or_deactivation_ends_the_users_sessions(server, admin):
    login = new_user(server)
    with signed_in(server, login, "user-pw") as client:
        assert client.get("/k/").status_code == 200
        assert admin.put("/kinflow/v1/users.json", json={"code": login, "password": "new-pw"}).status_code == 200
        assert client.get("/k/").status_code == 303
    with signed_in(server, login, "new-pw") as client:
        assert admin.put("/kinflow/v1/users.json", json={"code": login, "active": False}).status_code == 200
        assert client.get("/k/").status_code == 303


# --- settings: expiry, throttling, https --------------------------------------------------

SHORT = {"KINFLOW_SESSION_IDLE": "3", "KINFLOW_SESSION_LIFETIME": "8", "KINFLOW_LOGIN_MAX_FAILURES": "2",
         "KINFLOW_LOGIN_LOCKOUT": "60", "KINFLOW_PUBLIC_URL": "https://kinflow.example",
         "KINFLOW_ALLOWED_HOSTS": "127.0.0.1,kinflow.example"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def short(request, tmp_path_factory):
    yield from server_with(request, tmp_path_factory, SHORT)


def _cookie(server, login: str, password: str) -> str:
    with server.client() as client:
        response = client.post("/login", data={"username": login, "password": password})
    assert response.status_code == 303, response.text
    assert "Secure" in response.headers["set-cookie"]  # the public URL is https
    return response.cookies["kinflow_session"]


def _portal(server, cookie: str) -> int:
    with server.client() as client:
        client.cookies.set("kinflow_session", cookie)
        return client.get("/k/").status_code


def test_sessions_end_when_idle_and_at_their_lifetime(short):
    login = new_user(short)
    idle = _cookie(short, login, "user-pw")
    busy = _cookie(short, login, "user-pw")
    started = time.monotonic()
    while time.monotonic() - started < 6:  # used every half second: never idle for 3
        assert _portal(short, busy) == 200
        time.sleep(0.5)
    assert _portal(short, idle) == 303
    time.sleep(max(0.0, 8.5 - (time.monotonic() - started)))
    assert _portal(short, busy) == 303  # however busy, not past its lifetime


def test_sign_in_page_applies_login_throttling(short):
    login = new_user(short)
    with short.client() as client:
        for _ in range(2):
            assert client.post("/login", data={"username": login, "password": "wrong"}).status_code == 401
        locked = client.post("/login", data={"username": login, "password": "user-pw"})
    assert locked.status_code == 401 and "Too many failed sign-ins" in locked.text


def test_sign_in_from_another_site_is_refused(short):
    login = new_user(short)
    with short.client() as client:
        refused = client.post("/login", data={"username": login, "password": "user-pw"},
                              headers={"Origin": "https://evil.example"})
        ours = client.post("/login", data={"username": login, "password": "user-pw"},
                           headers={"Origin": "https://kinflow.example"})
    assert refused.status_code == 403 and "kinflow_session" not in refused.cookies
    assert ours.status_code == 303
