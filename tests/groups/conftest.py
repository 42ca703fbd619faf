"""Groups test helpers: a connector, a person signed in by PIN (read from the server log, where
kinflow delivers PINs when no SMS gateway is configured) and a client holding their access token."""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import Server
from tests.groups.callback import Callback

ALL_SCOPES = ["groupinfo.read", "groupinfo.write", "groupinfo.remove", "groupmember.read", "groupmember.write", "groupmember.remove",
              "textmessage.write", "webhook.read", "webhook.write", "webhook.remove", "webhook.update",
              "reaction.read", "reaction.write", "action.read", "action.write", "action.update", "media.read",
              "media.write"]
# Valid numbers (libphonenumber checks the plan of each country), a new one per call.
_numbers = itertools.count(9652000000)


def new_number() -> str:
    return f"+91{next(_numbers)}"


def create_connector(server: Server, scopes: list[str] | None = None, name: str = "Test connector") -> dict:
    with server.admin() as admin:
        created = admin.post("/kinflow/v1/groups/connectors.json", json={"name": name, "scopes": scopes or ALL_SCOPES})
    assert created.status_code == 200, created.text
    return created.json()


def pin_from_log(server: Server, mobile: str, timeout: float = 5.0) -> str:
    """The newest PIN the server logged for this number."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.findall(rf"PIN (\d+) for {re.escape(mobile)} ", server.log_path.read_text(errors="replace"))
        if found:
            return found[-1]
        time.sleep(0.05)
    raise AssertionError(f"no PIN for {mobile} in the server log")


def generate_pin(client: httpx.Client, mobile: str, application_id: str) -> httpx.Response:
    return client.post("/kaizala/v1/generatePin", json={"mobileNumber": mobile, "applicationId": application_id})


def sign_in(server: Server, connector: dict, mobile: str) -> dict:
    """The refresh-token answer for this number, signed in through a PIN."""
    with server.client() as client:
        before = server.log_path.read_text(errors="replace").count(f"for {mobile} ")
        assert generate_pin(client, mobile, connector["applicationId"]).status_code == 200
        deadline = time.monotonic() + 5
        while server.log_path.read_text(errors="replace").count(f"for {mobile} ") <= before:
            assert time.monotonic() < deadline, "the PIN never reached the log"
            time.sleep(0.05)
        login = client.post("/kaizala/v1/loginWithPinAndApplicationId", json={
            "mobileNumber": mobile, "applicationId": connector["applicationId"], "pin": int(pin_from_log(server, mobile))})
    assert login.status_code == 200, login.text
    return login.json()


def access_token(server: Server, connector: dict, refresh_token: str) -> httpx.Response:
    with server.client() as client:
        return client.get("/kaizala/v1/accessToken", headers={
            "applicationId": connector["applicationId"], "applicationSecret": connector["applicationSecret"],
            "refreshToken": refresh_token})


@dataclass
class Member:
    """A signed-in person and a client that calls the groups API as them."""
    mobile: str
    client: httpx.Client


def signed_in(server: Server, connector: dict, mobile: str | None = None) -> Member:
    mobile = mobile or new_number()
    token = access_token(server, connector, sign_in(server, connector, mobile)["refreshToken"])
    assert token.status_code == 200, token.text
    answer = token.json()
    assert answer["endpointUrl"].endswith("/kaizala/")
    client = httpx.Client(base_url=f"{server.base_url}/kaizala/v1", headers={"accessToken": answer["accessToken"]},
                          timeout=30)
    return Member(mobile, client)


@pytest.fixture()
def connector(server: Server) -> dict:
    return create_connector(server)


@pytest.fixture()
def alice(server: Server, connector: dict) -> Member:
    member = signed_in(server, connector)
    yield member
    member.client.close()


@pytest.fixture()
def callback():
    """A webhook receiver on loopback (see `tests.groups.callback`)."""
    receiver = Callback()
    yield receiver
    receiver.close()
