"""Who may read an app's settings, as kintone documents it (kintone.dev, "Get App Permissions",
"Get General/Per Record/Reminder Notification Settings", "Get Form Fields", "Get Views", ...):
permissions and notifications need app management, live and preview; the form, views, general
settings and process management are read live by record viewers, in preview by managers only."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import make_app, make_token, password_header

MANAGERS_ONLY = ["app/acl", "app/notifications/general", "app/notifications/perRecord",
                 "app/notifications/reminder"]
VIEWERS_LIVE = ["app/form/fields", "app/form/layout", "app/views", "app/settings", "app/status"]


@pytest.fixture()
def app(server, admin) -> str:
    return make_app(admin, {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}})


@pytest.fixture()
def viewer(server, admin) -> dict[str, str]:
    """A user with record permissions through `everyone` (kintone's default), but no app management."""
    code = f"viewer-{uuid.uuid4().hex[:8]}"
    assert admin.post("/kinflow/v1/users.json", json={"code": code, "password": "pw"}).status_code == 200
    return password_header(code, "pw")


def _refused(response, code: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["code"] == code


@pytest.mark.parametrize("prefix", ["", "preview/"])
@pytest.mark.parametrize("resource", MANAGERS_ONLY)
def test_a_viewer_cannot_read_permissions_or_notifications(server, app, viewer, resource, prefix):
    with server.client(viewer) as client:
        _refused(client.get(f"/k/v1/{prefix}{resource}.json", params={"app": app}), "CB_NO02")


@pytest.mark.parametrize("prefix", ["", "preview/"])
@pytest.mark.parametrize("resource", MANAGERS_ONLY)
def test_a_view_token_cannot_read_permissions_or_notifications(server, admin, app, resource, prefix):
    token = make_token(admin, app, view=True, add=True, edit=True, delete=True)
    with server.client({"X-Cybozu-API-Token": token}) as client:
        _refused(client.get(f"/k/v1/{prefix}{resource}.json", params={"app": app}), "GAIA_NO01")


@pytest.mark.parametrize("prefix", ["", "preview/"])
@pytest.mark.parametrize("resource", MANAGERS_ONLY)
def test_a_manage_token_reads_permissions_and_notifications(server, admin, app, resource, prefix):
    token = make_token(admin, app, manage=True)
    with server.client({"X-Cybozu-API-Token": token}) as client:
        assert client.get(f"/k/v1/{prefix}{resource}.json", params={"app": app}).status_code == 200


@pytest.mark.parametrize("resource", VIEWERS_LIVE)
def test_a_viewer_reads_live_form_and_views_but_not_their_preview(server, app, viewer, resource):
    with server.client(viewer) as client:
        assert client.get(f"/k/v1/{resource}.json", params={"app": app}).status_code == 200
        _refused(client.get(f"/k/v1/preview/{resource}.json", params={"app": app}), "CB_NO02")
