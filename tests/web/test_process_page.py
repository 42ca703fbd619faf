"""Process management on the record page: the buttons a user sees are the actions the status API
would let them run, and running one moves the record."""

from __future__ import annotations

import re

import pytest

from tests.conftest import deploy_and_wait, make_app
from tests.web.conftest import new_user, request_token, signed_in


def _entity(kind, code=None):
    return {"entity": {"type": kind, "code": code}, "includeSubs": False}


@pytest.fixture(scope="module")
def flow(server):
    ann, ben, cid = (new_user(server, name=name) for name in ("Ann", "Ben", "Cid"))
    states = {
        "Open": {"name": "Open", "index": "0", "assignee": {"type": "ONE", "entities": [_entity("CREATOR")]}},
        "Review": {"name": "Review", "index": "1", "assignee": {"type": "ONE", "entities": [
            _entity("USER", ann), _entity("USER", ben)]}},
        "Done": {"name": "Done", "index": "2", "assignee": {"type": "ANY", "entities": []}},
    }
    actions = [
        {"name": "Send", "from": "Open", "to": "Review", "filterCond": "", "type": "PRIMARY"},
        {"name": "Finish", "from": "Review", "to": "Done", "filterCond": "n > 0", "type": "PRIMARY"},
        {"name": "Abort", "from": "Review", "to": "Done", "filterCond": "", "type": "SECONDARY",
         "executableUser": {"entities": [_entity("USER", ben)]}},
    ]
    with server.admin() as admin:
        app_id = make_app(admin, {"n": {"type": "NUMBER", "code": "n", "label": "N"}}, name="Process page")
        changed = admin.put("/k/v1/preview/app/status.json", json={"app": app_id, "enable": True,
                                                                   "states": states, "actions": actions})
        assert changed.status_code == 200, changed.text
        assert deploy_and_wait(admin, app_id) == "SUCCESS"
        record_id = admin.post("/k/v1/record.json", json={"app": app_id, "record": {"n": {"value": "0"}}}).json()["id"]
    return {"app": app_id, "record": record_id, "ann": ann, "ben": ben, "cid": cid}


def _buttons(client, flow) -> list[str]:
    page = client.get(f"/k/{flow['app']}/show", params={"record": flow["record"]})
    assert page.status_code == 200, page.text
    section = re.search(r'<section aria-labelledby="process-heading".*?</section>', page.text, re.S).group(0)
    return re.findall(r'<button type="submit">([^<]+)</button>', section)


def _run(client, flow, **form):
    page = client.get(f"/k/{flow['app']}/show", params={"record": flow["record"]}).text
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)
    return client.post(f"/k/{flow['app']}/status", data={
        "__REQUEST_TOKEN__": request_token(client), "record": flow["record"], "revision": revision, **form})


def test_only_the_actions_a_user_may_run_are_offered_and_they_run(server, flow):
    with signed_in(server) as admin, signed_in(server, flow["cid"], "user-pw") as cid:
        page = admin.get(f"/k/{flow['app']}/show", params={"record": flow["record"]}).text
        assert 'id="record-status">Open<' in page
        assert _buttons(admin, flow) == ["Send"]
        assert re.search(rf'<option value="{flow["ann"]}">Ann</option>', page)  # whom Send may hand it to
        assert _buttons(cid, flow) == []  # not the assignee
        assert "There is no action you can take" in cid.get(f"/k/{flow['app']}/show",
                                                           params={"record": flow["record"]}).text
        sent = _run(admin, flow, action="Send", assignee=flow["ann"])
        assert sent.status_code == 303, sent.text
    with signed_in(server, flow["ann"], "user-pw") as ann, signed_in(server, flow["ben"], "user-pw") as ben:
        assert _buttons(ann, flow) == []  # Finish needs n > 0; Abort is Ben's
        assert _buttons(ben, flow) == ["Abort"]
        stale = ben.post(f"/k/{flow['app']}/status", data={
            "__REQUEST_TOKEN__": request_token(ben), "record": flow["record"], "revision": "1", "action": "Abort"})
        assert stale.status_code == 409 and 'id="process-errors"' in stale.text
        assert _run(ben, flow, action="Abort").status_code == 303
        assert 'id="record-status">Done<' in ben.get(f"/k/{flow['app']}/show", params={"record": flow["record"]}).text
