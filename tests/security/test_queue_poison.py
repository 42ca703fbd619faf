"""A queue item whose processing fails is settled with its error and the rest go on: a record title
with a line break must not hold back the e-mails claimed with it, and goes out as one header line."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.test_notifications_delivery import deployed_app, entity, general
from tests.api.test_notifications_delivery import mailbox  # noqa: F401 - the SMTP server fixture
from tests.conftest import Server
from tests.security.delivery_servers import dedicated_server


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory, mailbox) -> Iterator[Server]:
    env = {"KINFLOW_SMTP_HOST": "127.0.0.1", "KINFLOW_SMTP_PORT": str(mailbox[1]),
           "KINFLOW_SMTP_FROM": "kinflow@example.test"}
    yield from dedicated_server(request, tmp_path_factory, env)


def test_a_title_with_a_line_break_does_not_block_the_mails_claimed_with_it(server, admin, mailbox):
    box, _ = mailbox
    login = f"qp-{server.backend}"
    created = admin.post("/kinflow/v1/users.json", json={"code": login, "password": "pw",
                                                         "email": f"{login}@example.test"})
    assert created.status_code == 200, created.text
    app = deployed_app(admin, name="Poison", general=[general(entity("USER", login), recordAdded=True)])
    # One request, so their mails are queued together and claimed in one batch, the poison first.
    records = [{"title": {"value": "Line one\r\nBcc: someone@example.test"}},
               *({"title": {"value": f"Clean {n}"}} for n in range(3))]
    added = admin.post("/k/v1/records.json", json={"app": app, "records": records})
    assert added.status_code == 200, added.text

    for n in range(3):
        box.wait_for(f"{login}@example.test", f"[Poison] Clean {n}", timeout=15)
    poisoned = box.wait_for(f"{login}@example.test", "[Poison] Line one Bcc: someone@example.test", timeout=15)
    assert poisoned["Bcc"] is None
