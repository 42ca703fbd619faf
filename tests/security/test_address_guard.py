"""The address guard allows only globally routable addresses: private, loopback, shared
(100.64.0.0/10, where cloud metadata lives) and site-local addresses are refused in every spelling a
resolver understands, when subscribing and again when connecting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from kinflow.storage.schema import webhooks
from tests.api.test_webhooks import FIELDS, add, deliveries, wait_until
from tests.conftest import Server, make_app
from tests.receiver import Receiver
from tests.security.delivery_servers import database, dedicated_server

# Nothing allowed besides globally routable addresses, as a default installation.
ENV = {"KINFLOW_WEBHOOK_ALLOW": "", "KINFLOW_WEBHOOK_RETRY_DELAYS": "0.3,0.3", "KINFLOW_WEBHOOK_TIMEOUT": "2"}
REFUSED = [
    "http://2130706433:{port}/hook",  # 127.0.0.1 as one number
    "http://127.1:{port}/hook",
    "http://0:{port}/hook",
    "http://017700000001:{port}/hook",  # octal
    "http://0x7f.1:{port}/hook",  # hexadecimal
    "http://0x7f.0.0.1.:{port}/hook",
    "http://100.100.100.200/latest/meta-data",  # cloud metadata, in the shared 100.64.0.0/10
    "http://100.64.0.1/hook",
    "http://[fec0::1]/hook",  # site-local
    "http://[::ffff:127.0.0.1]:{port}/hook",
    "http://[2002:7f00:1::]/hook",  # 6to4 around 127.0.0.1
    "http://08.1/hook",  # digits that are no address: aiohttp would connect to them unresolved
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory) -> Iterator[Server]:
    yield from dedicated_server(request, tmp_path_factory, ENV)


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def app(server) -> str:
    with server.admin() as admin:
        return make_app(admin, FIELDS, name="Guarded")


@pytest.mark.parametrize("url", REFUSED)
def test_special_addresses_are_refused_at_subscription_in_any_spelling(admin, app, receiver, url):
    url = url.format(port=receiver.port)
    response = admin.post("/kinflow/v1/webhooks.json", json={"app": app, "url": url, "events": ["ADD_RECORD"]})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "CB_VA01"
    assert "not a valid address" in str(response.json()["errors"]["url"]) or \
        "not in KINFLOW_WEBHOOK_ALLOW" in str(response.json()["errors"]["url"])
    connector = admin.post("/k/integration/v1/preview/app/webhook.json",
                           json={"app": app, "url": url, "type": "ADD_RECORD"})
    assert connector.status_code == 400, connector.text
    assert admin.get("/kinflow/v1/webhooks.json", params={"app": app}).json()["webhooks"] == []


def test_a_webhook_stored_with_a_numeric_spelling_is_refused_when_connecting(server, admin, app, receiver):
    # A subscription made before the guard knew the spelling: delivery must not reach loopback either.
    with database(server).begin() as conn:
        webhook_id = conn.execute(webhooks.insert().values(
            source="kintone", scope=str(app), url=f"http://2130706433:{receiver.port}/hook", events=["ADD_RECORD"],
            active=True, description="", secret="", created_at=datetime(2026, 1, 1),
            creator="Administrator")).inserted_primary_key[0]
    try:
        add(admin, app, Company="Loopback")
        [failed] = wait_until(lambda: deliveries(admin, app, webhook_id, state="failed"), what="a refused delivery")
        assert len(failed["attempts"]) == 1, failed  # refused for good, not retried
        assert "127.0.0.1 is loopback" in failed["attempts"][0]["error"]
        assert receiver.requests == []
    finally:
        admin.delete("/kinflow/v1/webhooks.json", params={"app": app, "id": webhook_id})


def test_a_name_that_resolves_to_loopback_is_refused_when_connecting(admin, app, receiver):
    created = admin.post("/kinflow/v1/webhooks.json", json={
        "app": app, "url": f"http://localhost:{receiver.port}/hook", "events": ["ADD_RECORD"]})
    assert created.status_code == 200, created.text  # a name is judged by what it resolves to
    webhook_id = created.json()["id"]
    try:
        add(admin, app, Company="Resolved")
        [failed] = wait_until(lambda: deliveries(admin, app, webhook_id, state="failed"), what="a refused delivery")
        assert "is loopback and not in KINFLOW_WEBHOOK_ALLOW" in failed["attempts"][0]["error"]
        assert receiver.requests == []
    finally:
        admin.delete("/kinflow/v1/webhooks.json", params={"app": app, "id": webhook_id})
