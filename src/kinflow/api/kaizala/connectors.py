"""Connector administration for kinflow's administrators (Kaizala did it in its management portal):

    POST   /kinflow/v1/groups/connectors.json {"name", "scopes"}  -> the connector and its secret (shown once)
    GET    /kinflow/v1/groups/connectors.json                     -> {"connectors": [...]}
    DELETE /kinflow/v1/groups/connectors.json {"applicationId"}   -> {} (its tokens stop working)
"""

from __future__ import annotations

from kinflow.api.kaizala.http import Call
from kinflow.directory.identity import token_identity
from kinflow.groups import connectors
from kinflow.groups.errors import forbidden


def administrator(call: Call) -> str:
    identity = call.identity or token_identity(call.conn, {k.lower(): v for k, v in call.headers.items()},
                                               call.settings.keys)
    if identity.user is None or not identity.user.is_admin:
        raise forbidden("Only kinflow's administrators manage connectors.")
    return identity.code


def create_connector(call: Call) -> dict:
    connector, secret = connectors.create_connector(call.conn, call.body.get("name"), call.body.get("scopes"),
                                                    administrator(call))
    return {**connector.as_json(), "applicationSecret": secret}


def list_connectors(call: Call) -> dict:
    administrator(call)
    return {"connectors": [c.as_json() for c in connectors.list_connectors(call.conn)]}


def delete_connector(call: Call) -> dict:
    administrator(call)
    connectors.delete_connector(call.conn, call.body.get("applicationId") or call.query.get("applicationId"))
    return {}
