"""A person's connections in the browser, over HTTP: a kintone connection kept once its test call
passes (and its failure shown), a Kaizala connection by phone sign-in (number, then PIN), delete; and
nobody else seeing or touching them."""

from __future__ import annotations

import re

from tests.conftest import make_app, make_token, password_header
from tests.groups.conftest import create_connector, new_number, pin_from_log
from tests.web.conftest import new_user, post_form, signed_in

PAGE = "/k/flows/connections"


def _post(client, **form):
    return post_form(client, PAGE, **form)


def _listed(server, login: str) -> list[dict]:
    with server.client(password_header(login, "pw")) as api:
        return api.get("/kinflow/v1/flows/connections.json").json()["connections"]


def test_a_kintone_connection_is_kept_once_its_test_call_passes(server, admin):
    app = make_app(admin, {}, name="Connected")
    token = make_token(admin, app, view=True)
    login = new_user(server, password="pw")
    with signed_in(server, login, "pw") as client:
        refused = _post(client, op="kintone", name="Mine", domain=server.base_url, auth="apiToken", apiToken="nope")
        assert refused.status_code == 400 and 'id="connection-problem"' in refused.text
        assert "<li>apiToken: The server does not accept these credentials.</li>" in refused.text
        assert "nope" not in refused.text  # a secret is never shown again
        assert f'value="{server.base_url}"' in refused.text  # the rest of what was typed is
        assert _listed(server, login) == []

        made = _post(client, op="kintone", name="Mine", domain=server.base_url, auth="apiToken", apiToken=token)
        assert made.status_code == 303, made.text
        [connection] = _listed(server, login)
        assert made.headers["location"] == f"{PAGE}?saved=tested&id={connection['id']}#connection-{connection['id']}"
        page = client.get(made.headers["location"]).text
        result = re.search(r'<p role="status" class="saved" id="test-result">([^<]+)</p>', page).group(1)
        assert result == f"The test call succeeded: {server.base_url} accepted the credentials of Mine."
        assert f'<tr id="connection-{connection["id"]}" data-state="ready">' in page
        assert token not in page

        by_password = _post(client, op="kintone", name="As me", domain=server.base_url, auth="password",
                            login=login, password="wrong")
        assert by_password.status_code == 400 and "<li>password: " in by_password.text

    other = new_user(server, password="pw")
    with signed_in(server, other, "pw") as client:
        assert connection["id"] not in client.get(PAGE).text
        refused = _post(client, op="delete", id=connection["id"])
        assert refused.status_code == 404 and "KF_CN01" in refused.text
    with signed_in(server) as client:  # an administrator too sees only their own connections
        assert connection["id"] not in client.get(PAGE).text
    with signed_in(server, login, "pw") as client:
        gone = _post(client, op="delete", id=connection["id"])
        assert gone.status_code == 303 and gone.headers["location"] == f"{PAGE}?saved=delete"
    assert _listed(server, login) == []


def test_a_kaizala_connection_by_phone_sign_in(server):
    application = create_connector(server, name="Web flows")
    mobile = new_number()
    login = new_user(server, password="pw")
    with signed_in(server, login, "pw") as client:
        asked = _post(client, op="kaizala", name="My groups", mobileNumber=mobile,
                      applicationId=application["applicationId"], applicationSecret=application["applicationSecret"])
        assert asked.status_code == 303, asked.text
        [pending] = _listed(server, login)
        assert pending["state"] == "pin" and pending["account"] == mobile
        page = client.get(asked.headers["location"]).text
        assert f"A PIN was sent to {mobile}. Enter it below to sign in." in page
        assert f'<label for="pin-{pending["id"]}">PIN sent to {mobile}</label>' in page

        pin = pin_from_log(server, mobile)
        wrong = _post(client, op="pin", id=pending["id"], pin=str((int(pin) + 1) % 10**len(pin)).zfill(len(pin)))
        assert wrong.status_code == 400 and "<li>pin: " in wrong.text
        assert 'aria-invalid="true" aria-describedby="connection-problem"' in wrong.text

        signed = _post(client, op="pin", id=pending["id"], pin=pin)
        assert signed.status_code == 303, signed.text
        page = client.get(signed.headers["location"]).text
        assert "gave My groups an access token." in page
        assert f'<tr id="connection-{pending["id"]}" data-state="ready">' in page
    assert _listed(server, login)[0]["state"] == "ready"
