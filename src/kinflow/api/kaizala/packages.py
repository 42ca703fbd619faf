"""Custom action packages, for kinflow's administrators (Kaizala imported them in its management portal):

    POST   /kinflow/v1/groups/actionPackages.json {"package": <the zip in base64>}  -> the package
    GET    /kinflow/v1/groups/actionPackages.json                                -> {"packages": [...]}
    DELETE /kinflow/v1/groups/actionPackages.json {"id"}                         -> {} (its subscriptions go)

The zip travels in JSON: a request signed in with a password must send JSON (see the README's HTTP
hygiene), and a package is at most 1 MB."""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request

from kinflow.api.kaizala.connectors import administrator
from kinflow.api.kaizala.http import Call, Received, read_json
from kinflow.config import Settings
from kinflow.groups import packages, webhooks
from kinflow.groups.errors import bad_input

# Base64 is 4 bytes for every 3, and room for the JSON around it.
MAX_BODY = packages.MAX_SIZE * 4 // 3 + 64 * 1024


async def _archive(request: Request, importer: object, settings: Settings) -> tuple[object, bytes]:
    body = await read_json(request, MAX_BODY)
    encoded = body.get("package")
    if not isinstance(encoded, str) or not encoded:
        raise bad_input("package", "Send the package's zip file in base64.")
    try:
        return importer, base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise bad_input("package", "The package is not valid base64.") from None


def _import(call: Call, received: object) -> dict:
    importer, archive = received  # type: ignore[misc]
    return packages.import_package(call.conn, archive, importer)


import_package = Received(check=administrator, receive=_archive, write=_import)


def list_packages(call: Call) -> dict:
    administrator(call)
    return {"packages": packages.list_packages(call.conn)}


def delete_package(call: Call) -> dict:
    administrator(call)
    package_id = packages.require_package(call.conn, call.body.get("id") or call.query.get("id"))
    webhooks.drop_object(call.conn, "ActionPackage", package_id)
    packages.delete_package(call.conn, package_id)
    return {}
