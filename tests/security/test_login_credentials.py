"""No request is anonymous by accident: credentials that name nobody are `401` in kintone's format."""

from __future__ import annotations

import base64

import pytest


def _login(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(("headers", "code"), [
    ({"X-Cybozu-API-Token": ","}, "CB_AU01"),
    ({"X-Cybozu-API-Token": ", ,,"}, "CB_AU01"),
    ({"X-Cybozu-Authorization": _login(":admin-secret")}, "CB_WA01"),
    ({"Authorization": "Basic " + _login(":admin-secret")}, "CB_WA01"),
    ({"Authorization": "Basic " + _login(":")}, "CB_WA01"),
    ({"X-Cybozu-Authorization": _login("Admin\0istrator:admin-secret")}, "CB_WA01"),
    ({"X-Cybozu-Authorization": _login("Administrator\0:admin-secret")}, "CB_WA01"),
], ids=["separator-token", "separators-and-spaces-token", "empty-login", "empty-basic-login", "empty-basic",
        "nul-in-login", "nul-after-login"])
@pytest.mark.parametrize("path", ["/k/v1/apps.json", "/k/v1/record.json?app=1&id=1", "/kinflow/v1/users.json"])
def test_credentials_naming_nobody_are_401(server, headers, code, path):
    with server.client(headers) as client:
        response = client.get(path)
    assert response.status_code == 401, response.text
    assert response.json()["code"] == code
    assert response.json()["message"]
