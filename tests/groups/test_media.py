"""Media of the groups API (media.md and the connector's three uploads): multipart, base64 ("from
attachment") and from a URL fetched through the address guard; media types checked (415); the
`mediaResource` answered names files kept in the database, readable by their signed URL."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.conftest import GROUPS_ENV, WEBHOOK_ENV, server_with
from tests.groups.conftest import ALL_SCOPES, create_connector, signed_in

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
JPEG = b"\xff\xd8\xff\xe0" + b"kinflow-jpeg" * 3
PDF = b"%PDF-1.4\n% a small document\n"


def files_in(resource: str) -> list[dict]:
    return json.loads(base64.b64decode(resource))["Files"]


def upload(member, name: str, data: bytes, content_type: str) -> httpx.Response:
    return member.client.post("/media", files={"FileName": (name, data, content_type)})


class FileServer:
    """Files on loopback, some behind a redirect, for uploads from a URL."""

    def __init__(self, files: dict[str, tuple[int, str, bytes]]) -> None:
        self.files = files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                status, kind, body = files.get(self.path, (404, "text/plain", b"missing"))
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", body.decode())
                    body = b""
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_a_multipart_upload_answers_a_media_resource_whose_url_serves_the_file(server, alice):
    answer = upload(alice, "site photo.png", PNG, "image/png")
    assert answer.status_code == 200, answer.text
    resource = answer.json()["mediaResource"]
    assert json.loads(base64.b64decode(resource))["ActionType"] == "Image"
    (item,) = files_in(resource)
    assert item["Name"] == "site photo.png" and item["Size"] == len(PNG)
    # The signed URL needs no token (a webhook receiver fetches it as is).
    fetched = httpx.get(item["Url"])
    assert fetched.status_code == 200 and fetched.content == PNG
    assert fetched.headers["content-type"] == "image/png"
    assert "sandbox" in fetched.headers["content-security-policy"]
    with_token = alice.client.get(f"/media/{item['Id']}")
    assert with_token.status_code == 200 and with_token.content == PNG
    assert httpx.get(item["Url"].replace("sig=", "sig=0")).status_code == 404
    assert httpx.get(item["Url"].split("?")[0]).status_code == 401


def test_several_images_in_one_upload_make_an_album_resource(alice):
    answer = alice.client.post("/media", files=[("files", ("a.png", PNG, "image/png")),
                                                ("files", ("b.jpg", JPEG, "image/jpeg"))])
    assert answer.status_code == 200, answer.text
    body = json.loads(base64.b64decode(answer.json()["mediaResource"]))
    assert body["ActionType"] == "Album" and [f["Name"] for f in body["Files"]] == ["a.png", "b.jpg"]


@pytest.mark.parametrize("name,data,content_type", [
    ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
    ("fake.png", b"<html><script>alert(1)</script></html>", "image/png"),
    ("report.pdf", PNG, "application/pdf"),
    ("unknown.bin", PNG, "application/octet-stream"),
])
def test_a_file_of_another_media_type_is_415(alice, name, data, content_type):
    refused = upload(alice, name, data, content_type)
    assert refused.status_code == 415, refused.text
    assert refused.json()["code"] == "UnsupportedMediaType"


def test_a_body_that_is_not_multipart_is_415_and_a_broken_one_400(alice):
    assert alice.client.post("/media", content=PNG, headers={"Content-Type": "image/png"}).status_code == 415
    broken = alice.client.post("/media", content=b"--x\r\nnonsense",
                               headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert broken.status_code == 400, broken.text
    assert alice.client.post("/media", files={"note": (None, "no file")}).status_code == 400


def test_upload_from_an_attachment_in_base64_both_shapes(alice):
    as_object = alice.client.post("/media/attachment", json={
        "fileContent": {"$content-type": "application/pdf", "$content": base64.b64encode(PDF).decode()},
        "fileName": "minutes"})
    assert as_object.status_code == 200, as_object.text
    (item,) = files_in(as_object.json()["mediaResource"])
    assert item["Name"] == "minutes.pdf" and httpx.get(item["Url"]).content == PDF
    as_text = alice.client.post("/media/attachment", json={
        "fileContent": base64.b64encode(JPEG).decode(), "contentType": "image/jpeg"})
    assert as_text.status_code == 200, as_text.text
    assert files_in(as_text.json()["mediaResource"])[0]["Name"] == "file.jpg"
    assert alice.client.post("/media/attachment", json={"fileContent": "%%%", "contentType": "image/png"}
                             ).status_code == 400
    assert alice.client.post("/media/attachment", json={
        "fileContent": base64.b64encode(PNG).decode()}).status_code == 415


def test_upload_from_a_url_follows_a_redirect_and_checks_the_type(alice):
    files = FileServer({"/photo.png": (200, "image/png", PNG), "/moved": (302, "", b"/photo.png"),
                        "/page": (200, "text/html", b"<html></html>")})
    try:
        fetched = alice.client.post("/media/url", json={"mediaUrl": f"{files.base}/moved"})
        assert fetched.status_code == 200, fetched.text
        (item,) = files_in(fetched.json()["mediaResource"])
        assert item["Name"] == "photo.png" and httpx.get(item["Url"]).content == PNG
        assert alice.client.post("/media/url", json={"mediaUrl": f"{files.base}/page"}).status_code == 415
        missing = alice.client.post("/media/url", json={"mediaUrl": f"{files.base}/nothing"})
        assert missing.status_code == 400 and "404" in missing.json()["message"]
    finally:
        files.close()


@pytest.mark.parametrize("url", ["http://10.1.2.3/photo.png", "http://169.254.169.254/latest/meta-data",
                                 "http://[::ffff:10.0.0.1]/x", "ftp://example.com/x", "not a url"])
def test_a_url_the_address_guard_refuses_is_never_fetched(alice, url):
    refused = alice.client.post("/media/url", json={"mediaUrl": url})
    assert refused.status_code == 400, refused.text
    assert "mediaUrl" in refused.json()["errors"]


def test_uploading_needs_media_write_and_reading_with_a_token_media_read(server):
    reader = create_connector(server, [s for s in ALL_SCOPES if s != "media.write"], name="Reads media only")
    member = signed_in(server, reader)
    assert upload(member, "a.png", PNG, "image/png").status_code == 403
    writer = signed_in(server, create_connector(server, [s for s in ALL_SCOPES if s != "media.read"],
                                                name="Writes media"))
    (item,) = files_in(upload(writer, "a.png", PNG, "image/png").json()["mediaResource"])
    assert member.client.get(f"/media/{item['Id']}").status_code == 200
    assert writer.client.get(f"/media/{item['Id']}").status_code == 403


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def small_server(request, tmp_path_factory):
    yield from server_with(request, tmp_path_factory,
                           {**WEBHOOK_ENV, **GROUPS_ENV, "KINFLOW_GROUPS_MEDIA_MAX_BYTES": "1000"})


def test_media_over_the_limit_is_413_in_every_upload(small_server):
    member = signed_in(small_server, create_connector(small_server))
    big = PNG + bytes(2000)
    assert upload(member, "ok.png", PNG, "image/png").status_code == 200
    assert upload(member, "big.png", big, "image/png").status_code == 413
    assert member.client.post("/media", files=[("f", ("a.png", PNG + bytes(600), "image/png")),
                                               ("f", ("b.png", PNG + bytes(600), "image/png"))]).status_code == 413
    assert member.client.post("/media/attachment", json={
        "fileContent": base64.b64encode(big).decode(), "contentType": "image/png"}).status_code == 413
    files = FileServer({"/big.png": (200, "image/png", big)})
    try:
        assert member.client.post("/media/url", json={"mediaUrl": f"{files.base}/big.png"}).status_code == 413
    finally:
        files.close()
