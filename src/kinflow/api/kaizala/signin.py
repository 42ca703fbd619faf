"""Kaizala's token service: generatePin, loginWithPinAndApplicationId, accessToken."""

from __future__ import annotations

from kinflow.api.kaizala.http import Call, counted
from kinflow.errors import KintoneError
from kinflow.groups import signin
from kinflow.groups.connectors import authenticate_connector
from kinflow.groups.phones import e164


def generate_pin(call: Call) -> dict:
    signin.generate_pin(call.conn, e164(call.body.get("mobileNumber")), call.body.get("applicationId"),
                        call.settings)
    return {}


def login_with_pin(call: Call) -> dict | KintoneError:
    return signin.login_with_pin(call.conn, e164(call.body.get("mobileNumber")), call.body.get("applicationId"),
                                 call.body.get("pin"))


def access_token(call: Call) -> dict:
    connector = authenticate_connector(call.conn, call.headers.get("applicationId"),
                                       call.headers.get("applicationSecret"))
    counted(call.settings, connector.id)
    return signin.access_token(call.conn, connector, call.headers.get("refreshToken"), call.settings.public_url)
