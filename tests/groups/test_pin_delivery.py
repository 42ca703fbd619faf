"""PINs reach phones through the configured SMS gateway (`KINFLOW_PIN_WEBHOOK_URL`), never the log."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import database_url, start_server, stop_server
from tests.groups.conftest import access_token, create_connector, new_number
from tests.receiver import Receiver


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_pin_goes_to_the_sms_gateway(tmp_path, backend):
    gateway = Receiver()
    server = start_server(tmp_path, database_url(backend, tmp_path), backend,
                          {"KINFLOW_PIN_WEBHOOK_URL": gateway.url})
    try:
        connector = create_connector(server)
        mobile = new_number()
        with httpx.Client(base_url=server.base_url) as client:
            sent = client.post("/kaizala/v1/generatePin",
                               json={"mobileNumber": mobile, "applicationId": connector["applicationId"]})
            assert sent.status_code == 200
            (request,) = gateway.wait_for(1)
            message = request.json
            assert set(message) == {"to", "text"} and message["to"] == mobile
            pin = re.search(r"\b(\d{6})\b", message["text"]).group(1)
            assert connector["name"] in message["text"]
            login = client.post("/kaizala/v1/loginWithPinAndApplicationId", json={
                "mobileNumber": mobile, "applicationId": connector["applicationId"], "pin": pin})
        assert login.status_code == 200, login.text
        assert access_token(server, connector, login.json()["refreshToken"]).status_code == 200
        assert pin not in server.log_path.read_text(errors="replace")
    finally:
        stop_server(server)
        gateway.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_pin_for_a_kinflow_user_s_number_goes_to_their_e_mail(tmp_path, backend):
    from aiosmtpd.controller import Controller

    from tests.api.test_notifications_delivery import Mailbox
    from tests.conftest import free_port
    from tests.groups.conftest import pin_from_log

    box = Mailbox()
    smtp = Controller(box, hostname="127.0.0.1", port=free_port())
    smtp.start()
    server = start_server(tmp_path, database_url(backend, tmp_path), backend,
                          {"KINFLOW_SMTP_HOST": "127.0.0.1", "KINFLOW_SMTP_PORT": str(smtp.port)})
    try:
        connector = create_connector(server)
        mobile, stranger, leaver = new_number(), new_number(), new_number()
        with server.admin() as admin:
            for code, number, active in (("pin-mail", mobile, True), ("pin-gone", leaver, False)):
                assert admin.post("/kinflow/v1/users.json", json={
                    "code": code, "password": "pw", "email": f"{code}@example.test"}).status_code == 200
                changed = admin.put("/kinflow/v1/users.json", json={"code": code, "mobileNumber": number,
                                                                    "active": active})
                assert changed.status_code == 200, changed.text
        with httpx.Client(base_url=server.base_url) as client:
            for number in (mobile, stranger, leaver):
                assert client.post("/kaizala/v1/generatePin", json={
                    "mobileNumber": number, "applicationId": connector["applicationId"]}).status_code == 200
            message = box.wait_for("pin-mail@example.test", f"Your PIN for {connector['name']}")
            pin = re.search(r"\b(\d{6})\b", message.get_content()).group(1)
            login = client.post("/kaizala/v1/loginWithPinAndApplicationId", json={
                "mobileNumber": mobile, "applicationId": connector["applicationId"], "pin": pin})
        assert login.status_code == 200, login.text
        # The e-mail is the only way it went; a number no active user has still goes to the log.
        assert pin not in server.log_path.read_text(errors="replace")
        assert pin_from_log(server, stranger) and pin_from_log(server, leaver)
        assert [m["To"] for m in box.messages] == ["pin-mail@example.test"]
    finally:
        stop_server(server)
        smtp.stop()
