"""Signing in as a browser does, over HTTP: a form post, then the session cookie on every call."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
import uuid

import httpx

from tests.conftest import ADMIN_PASSWORD, Server

XHR = {"X-Requested-With": "XMLHttpRequest"}


def new_user(server: Server, password: str = "user-pw", **profile: object) -> str:
    login = f"web-{uuid.uuid4().hex[:8]}"
    with server.admin() as admin:
        created = admin.post("/kinflow/v1/users.json", json={"code": login, "password": password, **profile})
    assert created.status_code == 200, created.text
    return login


@contextmanager
def signed_in(server: Server, login: str = "Administrator", password: str = ADMIN_PASSWORD,
              **headers: str) -> Iterator[httpx.Client]:
    """A client holding a session cookie of `login`."""
    with server.client(headers) as client:
        response = client.post("/login", data={"username": login, "password": password, "next": "/k/"})
        assert response.status_code == 303, response.text
        assert client.cookies.get("kinflow_session"), response.headers
        yield client


def request_token(client: httpx.Client) -> str:
    """The token a page embeds for kintone.getRequestToken()."""
    page = client.get("/k/")
    assert page.status_code == 200, page.text
    found = re.search(r'name="kinflow-request-token" content="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def post_form(client: httpx.Client, path: str, **form: object) -> httpx.Response:
    """A page's form post, carrying the page's request token as a browser's does."""
    return client.post(path, data={"__REQUEST_TOKEN__": request_token(client), **form})


def error_beside(page: str, field: str) -> str:
    """The messages a settings page shows beside an input, found by the input's name."""
    found = re.search(rf'name="{re.escape(field)}"[^>]*aria-describedby="[^"]*?(n\d+-[\w-]+-error)', page)
    assert found, page
    messages = re.search(rf'<ul class="errors field-errors" id="{found.group(1)}">(.*?)</ul>', page, re.S)
    assert messages, page
    return messages.group(1)
