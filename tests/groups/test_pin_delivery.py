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
