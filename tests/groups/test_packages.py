"""Custom action packages: an administrator imports a zip of at most 1 MB with a manifest, checked
with a clear 400 for each fault; connectors subscribe to a package's events (objectType ActionPackage)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import io
import json
import zipfile

import pytest

from tests.groups.test_groups import make_group

MANIFEST = {"id": "com.example.kinflow.feedback", "schemaVersion": 1, "version": "1.0.0",
            "displayName": "Ask Feedback", "description": "Collects feedback.", "providerName": "Example Inc.",
            "icon": "icon.png", "appModel": "appModel.json",
            "views": {"CreationView": {"labelHeader": "Feedback", "sourceLocation": "CreationView.html"}}}
FILES = {"icon.png": b"\x89PNG\r\n\x1a\n", "appModel.json": b'{"title": "Feedback", "questions": []}',
         "CreationView.html": b"<html></html>"}
PACKAGES = "/kinflow/v1/groups/actionPackages.json"


def package_zip(manifest: dict | bytes | None = None, files: dict | None = None, **options) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=options.get("compression", zipfile.ZIP_DEFLATED)) as archive:
        if manifest is not None:
            archive.writestr("package.json", manifest if isinstance(manifest, bytes) else json.dumps(manifest))
        for name, data in (FILES if files is None else files).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def import_package(admin, archive: bytes):
    return admin.post(PACKAGES, json={"package": base64.b64encode(archive).decode()})


def test_an_administrator_imports_lists_and_deletes_a_package(server, admin):
    imported = import_package(admin, package_zip(MANIFEST))
    assert imported.status_code == 200, imported.text
    assert imported.json() | {"size": 0} == {"id": MANIFEST["id"], "version": "1.0.0", "displayName": "Ask Feedback",
                                             "description": "Collects feedback.", "providerName": "Example Inc.",
                                             "size": 0}
    again = import_package(admin, package_zip({**MANIFEST, "version": "1.1.0"}))
    assert again.status_code == 200 and again.json()["version"] == "1.1.0"
    listed = [p for p in admin.get(PACKAGES).json()["packages"] if p["id"] == MANIFEST["id"]]
    assert [p["version"] for p in listed] == ["1.1.0"] and listed[0]["importer"] == "Administrator"
    assert admin.request("DELETE", PACKAGES, json={"id": MANIFEST["id"]}).status_code == 200
    assert all(p["id"] != MANIFEST["id"] for p in admin.get(PACKAGES).json()["packages"])
    assert admin.request("DELETE", PACKAGES, json={"id": MANIFEST["id"]}).status_code == 404


def _without(field: str) -> dict:
    return {k: v for k, v in MANIFEST.items() if k != field}


@pytest.mark.parametrize("archive,field,words", [
    (b"PK\x03\x04 not really a zip", "package", "not a zip"),
    (package_zip(None), "package", "package.json"),
    (package_zip(b"{not json"), "manifest.package.json", "not valid JSON"),
    (package_zip(_without("id")), "manifest.id", "Required"),
    (package_zip({**MANIFEST, "id": "feedback"}), "manifest.id", "reverse domain"),
    (package_zip({**MANIFEST, "displayName": "x" * 65}), "manifest.displayName", "at most 64"),
    (package_zip(_without("schemaVersion")), "manifest.schemaVersion", "Required"),
    (package_zip({**MANIFEST, "icon": "missing.png"}), "manifest.icon", "no file"),
    (package_zip(MANIFEST, {**FILES, "appModel.json": b"[1, 2"}), "manifest.appModel", "not valid JSON"),
    (package_zip({**MANIFEST, "views": {"CreationView": {"sourceLocation": "gone.html"}}}),
     "manifest.views.CreationView.sourceLocation", "no file"),
    (package_zip(MANIFEST, {**FILES, "web/page.html": b"x"}), "package", "root"),
])
def test_a_bad_package_is_a_clear_400(admin, archive, field, words):
    refused = import_package(admin, archive)
    assert refused.status_code == 400, refused.text
    assert field in refused.json()["errors"] and words in refused.json()["message"], refused.text


def test_a_package_over_one_megabyte_or_not_base64_is_refused(admin):
    big = package_zip(MANIFEST, {**FILES, "noise.bin": bytes(range(256)) * 5000}, compression=zipfile.ZIP_STORED)
    assert len(big) > 1024 * 1024
    assert import_package(admin, big).status_code == 413
    assert admin.post(PACKAGES, json={"package": "%%% not base64"}).status_code == 400
    assert admin.post(PACKAGES, json={}).status_code == 400


def test_only_administrators_import_packages(server, admin):
    assert admin.post("/kinflow/v1/users.json", json={"code": "package-stranger", "password": "pw"}).status_code == 200
    from tests.conftest import password_header

    with server.client(password_header("package-stranger", "pw")) as stranger:
        assert stranger.post(PACKAGES, json={"package": base64.b64encode(package_zip(MANIFEST)).decode()}
                             ).status_code == 403
        assert stranger.get(PACKAGES).status_code == 403


def test_a_connector_subscribes_to_a_package_s_events(admin, alice, callback):
    package_id = "com.example.kinflow.checklist"
    assert import_package(admin, package_zip({**MANIFEST, "id": package_id})).status_code == 200
    body = {"objectId": package_id, "objectType": "ActionPackage", "eventTypes": ["ActionCreated", "ActionResponse"],
            "callBackUrl": callback.url, "callBackContext": "checklists"}
    created = alice.client.post("/webhook", json=body)
    assert created.status_code == 200, created.text
    assert len(callback.validations) == 1  # the handshake was made
    (hook,) = alice.client.get("/webhook", params={"objectId": package_id, "objectType": "ActionPackage"}
                               ).json()["webhooks"]
    assert hook["objectType"] == "ActionPackage" and hook["events"] == ["ActionCreated", "ActionResponse"]
    assert alice.client.put(f"/webhook/{hook['id']}", json={"eventTypes": ["ActionCreated"]}).status_code == 200
    wrong = alice.client.post("/webhook", json={**body, "eventTypes": ["TextMessageCreated"]})
    assert wrong.status_code == 400 and "eventTypes" in wrong.json()["errors"]
    assert alice.client.post("/webhook", json={**body, "objectId": "com.example.unknown"}).status_code == 404
    assert alice.client.put(f"/webhook/{hook['id']}", json={"eventTypes": ["MemberAdded"]}).status_code == 400
    # A group id is no package, and a package id no group.
    group_id = make_group(alice)
    assert alice.client.post("/webhook", json={**body, "objectId": group_id}).status_code == 404
    # Deleting the package deletes its subscriptions.
    assert admin.request("DELETE", PACKAGES, json={"id": package_id}).status_code == 200
    assert alice.client.get("/webhook", params={"objectId": package_id, "objectType": "ActionPackage"}
                            ).status_code == 404
    assert alice.client.delete(f"/webhook/{hook['id']}").status_code == 404


def test_kinflow_groups_package_import_checks_and_keeps_a_package(server, admin, tmp_path):
    env = {**os.environ, "KINFLOW_DATA_DIR": str(server.data_dir), "KINFLOW_DATABASE_URL": server.database_url}
    good, bad = tmp_path / "survey.zip", tmp_path / "broken.zip"
    good.write_bytes(package_zip({**MANIFEST, "id": "com.example.kinflow.cli"}))
    bad.write_bytes(package_zip({**MANIFEST, "icon": "missing.png"}))
    done = subprocess.run([sys.executable, "-m", "kinflow.cli", "groups", "package", "import", str(good)],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "com.example.kinflow.cli" in done.stdout, done.stderr
    assert any(p["id"] == "com.example.kinflow.cli" and p["importer"] == "cli"
               for p in admin.get(PACKAGES).json()["packages"])
    refused = subprocess.run([sys.executable, "-m", "kinflow.cli", "groups", "package", "import", str(bad)],
                             env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "missing.png" in refused.stderr
