"""Process management: settings (preview, deploy) and status actions, assignees, queries, events."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.api.test_webhooks import subscribe
from tests.conftest import deploy_and_wait, make_app, make_token, password_header
from tests.receiver import Receiver

OPTIONS = {"High": {"label": "High", "index": "0"}, "Low": {"label": "Low", "index": "1"}}
FIELDS = {
    "title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"},
    "amount": {"type": "NUMBER", "code": "amount", "label": "Amount"},
    "priority": {"type": "DROP_DOWN", "code": "priority", "label": "Priority", "options": OPTIONS},
    "owner": {"type": "USER_SELECT", "code": "owner", "label": "Owner"},
}


def entity(kind, code=None, subs=False):
    return {"entity": {"type": kind, "code": code}, "includeSubs": subs}


STATES = {
    "Draft": {"name": "Draft", "index": "0", "assignee": {"type": "ONE", "entities": [entity("CREATOR")]}},
    "Review": {"name": "Review", "index": "1", "assignee": {"type": "ONE", "entities": [
        entity("FIELD_ENTITY", "owner"), entity("USER", "pm-ann")]}},
    "Approval": {"name": "Approval", "index": "2", "assignee": {"type": "ALL", "entities": [
        entity("GROUP", "pm-team")]}},
    "Done": {"name": "Done", "index": "3", "assignee": {"type": "ANY", "entities": []}},
}
ACTIONS = [
    {"name": "Submit", "from": "Draft", "to": "Review", "filterCond": "amount > 0", "type": "PRIMARY"},
    {"name": "Approve", "from": "Review", "to": "Approval", "filterCond": "", "type": "PRIMARY"},
    {"name": "Reject", "from": "Review", "to": "Draft", "filterCond": "", "type": "PRIMARY"},
    {"name": "Sign", "from": "Approval", "to": "Done", "filterCond": "", "type": "PRIMARY"},
    {"name": "Cancel", "from": "Review", "to": "Done", "filterCond": "", "type": "SECONDARY",
     "executableUser": {"entities": [entity("USER", "pm-cat")]}},
]


@pytest.fixture(scope="module")
def people(server):
    with server.admin() as admin:
        admin.post("/kinflow/v1/departments.json", json={"code": "pm-dept", "name": "Dept"})
        for code in ("pm-ann", "pm-bob", "pm-cat", "pm-off"):
            body = {"code": code, "name": code.upper(), "password": "pw",
                    **({"departments": ["pm-dept"]} if code == "pm-cat" else {})}
            assert admin.post("/kinflow/v1/users.json", json=body).status_code == 200
        admin.put("/kinflow/v1/users.json", json={"code": "pm-off", "active": False})
        admin.post("/kinflow/v1/groups.json", json={"code": "pm-team", "members": ["pm-bob", "pm-cat"]})
    return {code: password_header(code, "pw") for code in ("pm-ann", "pm-bob", "pm-cat")}


def set_process(admin, app, **body):
    response = admin.put("/k/v1/preview/app/status.json", json={"app": app, **body})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def app(server, people):
    with server.admin() as admin:
        app = make_app(admin, FIELDS, name="Expenses")
        set_process(admin, app, enable=True, states=STATES, actions=ACTIONS)
        assert deploy_and_wait(admin, app) == "SUCCESS"
        return app


def error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and len(body["id"]) == 20, body
    return body


def add(admin, app, amount=5, owner=None):
    record = {"title": {"value": "trip"}, "amount": {"value": amount}}
    if owner:
        record["owner"] = {"value": [{"code": owner}]}
    response = admin.post("/k/v1/record.json", json={"app": app, "record": record})
    assert response.status_code == 200, response.text
    return response.json()["id"]


def get(client, app, record_id):
    response = client.get("/k/v1/record.json", params={"app": app, "id": record_id})
    assert response.status_code == 200, response.text
    return response.json()["record"]


def act(client, app, record_id, action, **extra):
    return client.put("/k/v1/record/status.json", json={"app": app, "id": record_id, "action": action, **extra})


def state_of(client, app, record_id):
    record = get(client, app, record_id)
    return (record["Status"]["value"], sorted(a["code"] for a in record["Assignee"]["value"]),
            record["$revision"]["value"])


# --- settings -----------------------------------------------------------------------------


def test_a_new_app_has_kintones_default_process_turned_off(admin):
    app = make_app(admin, FIELDS, name="Defaults")
    for path in ("/k/v1/app/status.json", "/k/v1/preview/app/status.json"):
        body = admin.get(path, params={"app": app}).json()
        assert body["enable"] is False
        assert list(body["states"]) == ["Not started", "In progress", "Completed"]
        assert [a["name"] for a in body["actions"]] == ["Start", "Complete"]
        assert body["revision"].isdigit()
    record = admin.post("/k/v1/record.json", json={"app": app, "record": {}}).json()["id"]
    assert "Status" not in get(admin, app, record) and "Assignee" not in get(admin, app, record)
    error(act(admin, app, record, "Start"), 400, "GAIA_ST02")
    error(admin.put("/k/v1/record/assignees.json", json={"app": app, "id": record, "assignees": []}),
          400, "GAIA_ST02")


def test_settings_go_live_on_deploy_and_existing_records_enter_the_first_status(admin, people):
    app = make_app(admin, FIELDS, name="Later")
    before = add(admin, app)
    revision = int(admin.get("/k/v1/preview/app/status.json", params={"app": app}).json()["revision"])
    stale = admin.put("/k/v1/preview/app/status.json", json={"app": app, "enable": True, "revision": revision - 1})
    error(stale, 409, "GAIA_CO02")
    assert set_process(admin, app, enable=True, states=STATES, actions=ACTIONS, revision=revision) == {
        "revision": str(revision + 1)}
    preview = admin.get("/k/v1/preview/app/status.json", params={"app": app}).json()
    assert preview["enable"] is True and list(preview["states"]) == ["Draft", "Review", "Approval", "Done"]
    assert preview["states"]["Review"]["assignee"]["entities"] == STATES["Review"]["assignee"]["entities"]
    assert preview["actions"] == ACTIONS
    assert admin.get("/k/v1/app/status.json", params={"app": app}).json()["enable"] is False
    assert "Status" not in get(admin, app, before)
    assert deploy_and_wait(admin, app) == "SUCCESS"
    live = admin.get("/k/v1/app/status.json", params={"app": app}).json()
    assert (live["enable"], live["actions"], live["revision"]) == (True, ACTIONS, str(revision + 1))
    record = get(admin, app, before)
    assert record["Status"] == {"type": "STATUS", "value": "Draft"}
    assert record["Assignee"] == {"type": "STATUS_ASSIGNEE", "value": []}
    fields = admin.get("/k/v1/app/form/fields.json", params={"app": app}).json()["properties"]
    assert fields["Status"]["enabled"] is True and fields["Assignee"]["enabled"] is True


def test_states_are_renumbered_and_assignee_defaults_to_the_creator(admin):
    app = make_app(admin, FIELDS, name="Renumber")
    set_process(admin, app, states={"B": {"name": "B", "index": 7}, "A": {"name": "A", "index": "3"}},
                actions=[{"name": "Go", "from": "A", "to": "B"}])
    body = admin.get("/k/v1/preview/app/status.json", params={"app": app}).json()
    assert [(s["name"], s["index"]) for s in body["states"].values()] == [("A", "0"), ("B", "1")]
    assert body["states"]["A"]["assignee"] == {"type": "ONE", "entities": [entity("FIELD_ENTITY", "Created_by")]}
    assert body["actions"] == [{"name": "Go", "from": "A", "to": "B", "filterCond": "", "type": "PRIMARY"}]


@pytest.mark.parametrize("body, key", [
    ({"enable": "yes"}, "enable"),
    ({"states": {"A": {"index": "0", "assignee": {"type": "SOME"}}}}, "states.A.assignee.type"),
    ({"states": {"A": {"index": "x"}}}, "states.A.index"),
    ({"states": {"A": {"index": "0", "assignee": {"type": "ONE", "entities": [entity("ROBOT", "r")]}}}},
     "states.A.assignee.entities[0].entity.type"),
    ({"states": {"A": {"index": "0", "assignee": {"type": "ONE", "entities": [entity("FIELD_ENTITY", "title")]}}}},
     "states.A.assignee.entities[0].entity.code"),
    ({"states": {"A": {"index": "0", "assignee": {"type": "ANY", "entities": [entity("USER", "pm-off")]}}}},
     "states.A.assignee.entities[0].entity.code"),
    ({"states": {"A": {"index": "0", "assignee": {"type": "ANY", "entities": [entity("GROUP", "no-group")]}}}},
     "states.A.assignee.entities[0].entity.code"),
    ({"states": {"x" * 65: {"index": "0"}}}, f"states.{'x' * 65}.name"),
    ({"actions": [{"name": "Go", "from": "Nowhere", "to": "Completed"}]}, "actions[0].from"),
    ({"actions": [{"name": "Go", "from": "Not started", "to": "Completed", "filterCond": "nope = 1"}]},
     "actions[0].filterCond"),
    ({"actions": [{"name": "Go", "from": "Not started", "to": "Completed", "filterCond": "amount like"}]},
     "actions[0].filterCond"),
    ({"actions": [{"name": "Go", "from": "Not started", "to": "Completed", "type": "SECONDARY"}]},
     "actions[0].executableUser.entities"),
    ({"actions": [{"name": "Go", "from": "Not started", "to": "Completed", "type": "LATER"}]}, "actions[0].type"),
    ({"actions": [{"name": "Go", "from": "Not started", "to": "Completed"},
                  {"name": "Go", "from": "Not started", "to": "In progress"}]}, "actions[1].name"),
    ({"states": {"Only": {"index": "0"}}}, "actions[0].from"),
    ({"states": [], "actions": []}, "states"),
])
def test_invalid_settings_are_cb_va01_and_change_nothing(admin, body, key):
    app = make_app(admin, FIELDS, name="Invalid process")
    before = admin.get("/k/v1/preview/app/status.json", params={"app": app}).json()
    response = admin.put("/k/v1/preview/app/status.json", json={"app": app, **body})
    assert key in error(response, 400, "CB_VA01")["errors"]
    assert admin.get("/k/v1/preview/app/status.json", params={"app": app}).json() == before


def test_managing_the_process_needs_app_management(server, admin, people):
    app = make_app(admin, FIELDS, name="Managed")
    with server.client(people["pm-ann"]) as ann:
        error(ann.put("/k/v1/preview/app/status.json", json={"app": app, "enable": True}), 403, "CB_NO02")
        error(ann.get("/k/v1/preview/app/status.json", params={"app": app}), 403, "CB_NO02")
        assert ann.get("/k/v1/app/status.json", params={"app": app}).status_code == 200


# --- status actions -----------------------------------------------------------------------


def test_a_new_record_starts_in_the_first_status_with_its_creator(admin, app):
    record = add(admin, app)
    assert state_of(admin, app, record) == ("Draft", ["Administrator"], "1")
    assert get(admin, app, record)["Assignee"]["value"] == [{"code": "Administrator", "name": "Administrator"}]


def test_the_whole_flow_with_kintones_rules(server, admin, app, people):
    record = add(admin, app, amount=0, owner="pm-bob")
    # The action's condition must hold for the record.
    error(act(admin, app, record, "Submit", assignee="pm-ann"), 400, "GAIA_IL03")
    assert admin.put("/k/v1/record.json", json={"app": app, "id": record,
                                                "record": {"amount": {"value": 10}}}).json() == {"revision": "2"}
    # The next status takes one assignee, chosen among the users it names.
    assert "assignee" in error(act(admin, app, record, "Submit"), 400, "CB_VA01")["errors"]
    assert "assignee" in error(act(admin, app, record, "Submit", assignee="pm-cat"), 400, "CB_VA01")["errors"]
    error(act(admin, app, record, "Approve"), 400, "GAIA_IL03")  # not an action of the current status
    error(act(admin, app, record, "Nonsense"), 400, "GAIA_IL03")
    assert act(admin, app, record, "Submit", assignee="pm-bob", revision=2).json() == {"revision": "4"}
    assert state_of(admin, app, record) == ("Review", ["pm-bob"], "4")
    # Only the assignee acts now; an administrator is no exception.
    error(act(admin, app, record, "Approve"), 403, "CB_NO02")
    with server.client(people["pm-ann"]) as ann:
        error(act(ann, app, record, "Approve"), 403, "CB_NO02")
    with server.client(people["pm-bob"]) as bob:
        assert act(bob, app, record, "Approve").json() == {"revision": "6"}
    assert state_of(admin, app, record) == ("Approval", ["pm-bob", "pm-cat"], "6")
    # ALL: each assignee signs; the status moves with the last one.
    with server.client(people["pm-bob"]) as bob:
        assert act(bob, app, record, "Sign").json() == {"revision": "7"}
        error(act(bob, app, record, "Sign"), 403, "CB_NO02")
    assert state_of(admin, app, record) == ("Approval", ["pm-cat"], "7")
    with server.client(people["pm-cat"]) as cat:
        assert act(cat, app, record, "Sign", revision="7").json() == {"revision": "9"}
    done = get(admin, app, record)
    assert (done["Status"]["value"], done["Assignee"]["value"], done["$revision"]["value"]) == ("Done", [], "9")
    assert done["Updated_by"]["value"]["code"] == "pm-cat"
    error(act(admin, app, record, "Sign"), 400, "GAIA_IL03")


def test_secondary_actions_are_for_their_executable_users(server, admin, app, people):
    record = add(admin, app)
    act(admin, app, record, "Submit", assignee="pm-ann")
    with server.client(people["pm-ann"]) as ann:
        error(act(ann, app, record, "Cancel"), 403, "CB_NO02")  # the assignee is not enough
    with server.client(people["pm-cat"]) as cat:
        assert act(cat, app, record, "Cancel").json() == {"revision": "5"}
    assert state_of(admin, app, record)[:2] == ("Done", [])


def test_stale_revision_and_unknown_record(admin, app):
    record = add(admin, app)
    error(act(admin, app, record, "Submit", assignee="pm-ann", revision=5), 409, "GAIA_CO02")
    error(act(admin, app, 987654, "Submit", assignee="pm-ann"), 404, "GAIA_RE01")
    assert "action" in error(act(admin, app, record, ""), 400, "CB_VA01")["errors"]
    missing_id = admin.put("/k/v1/record/status.json", json={"app": app, "action": "Submit"})
    assert "id" in error(missing_id, 400, "CB_VA01")["errors"]
    assert state_of(admin, app, record) == ("Draft", ["Administrator"], "1")


def test_records_status_is_all_or_nothing(admin, app):
    first, second = add(admin, app), add(admin, app, amount=0)
    batch = [{"id": first, "action": "Submit", "assignee": "pm-ann"},
             {"id": second, "action": "Submit", "assignee": "pm-ann"}]
    error(admin.put("/k/v1/records/status.json", json={"app": app, "records": batch}), 400, "GAIA_IL03")
    assert state_of(admin, app, first)[0] == "Draft"
    bad = admin.put("/k/v1/records/status.json", json={"app": app, "records": [batch[0], {"id": second}]})
    assert "records[1].action" in error(bad, 400, "CB_VA01")["errors"]
    batch[1]["id"] = add(admin, app)
    response = admin.put("/k/v1/records/status.json", json={"app": app, "records": batch})
    assert response.json() == {"records": [{"id": first, "revision": "3"}, {"id": batch[1]["id"], "revision": "3"}]}
    too_many = [{"id": first, "action": "Approve"}] * 101
    error(admin.put("/k/v1/records/status.json", json={"app": app, "records": too_many}), 400, "CB_VA01")
    error(admin.put("/k/v1/records/status.json", json={"app": app, "records": []}), 400, "CB_VA01")


def test_status_actions_in_a_bulk_request(admin, app):
    record = add(admin, app)
    response = admin.post("/k/v1/bulkRequest.json", json={"requests": [
        {"method": "PUT", "api": "/k/v1/record.json", "payload": {"app": app, "id": record,
                                                                  "record": {"title": {"value": "bulk"}}}},
        {"method": "PUT", "api": "/k/v1/record/status.json",
         "payload": {"app": app, "id": record, "action": "Submit", "assignee": "pm-ann"}},
    ]})
    assert response.json() == {"results": [{"revision": "2"}, {"revision": "4"}]}


def test_an_api_token_acts_as_administrator(server, admin, app):
    token = make_token(admin, app, view=True, add=True)
    with server.client({"X-Cybozu-API-Token": token}) as client:
        record = client.post("/k/v1/record.json", json={"app": app, "record": {"amount": {"value": 1}}}).json()["id"]
        assert state_of(client, app, record)[:2] == ("Draft", ["Administrator"])
        assert act(client, app, record, "Submit", assignee="pm-ann").json() == {"revision": "3"}
        error(act(client, app, record, "Approve"), 403, "CB_NO02")
        error(client.put("/k/v1/record/assignees.json", json={"app": app, "id": record, "assignees": []}),
              403, "GAIA_NO01")


# --- assignees ----------------------------------------------------------------------------


def test_update_assignees(server, admin, app, people):
    record = add(admin, app)
    assert admin.put("/k/v1/record/assignees.json",
                     json={"app": app, "id": record, "assignees": ["pm-bob"], "revision": 1}).json() == {"revision": "2"}
    assert state_of(admin, app, record) == ("Draft", ["pm-bob"], "2")
    one = admin.put("/k/v1/record/assignees.json", json={"app": app, "id": record, "assignees": ["pm-bob", "pm-ann"]})
    assert "assignees" in error(one, 400, "CB_VA01")["errors"]
    unknown = admin.put("/k/v1/record/assignees.json", json={"app": app, "id": record, "assignees": ["pm-off"]})
    assert "assignees[0]" in error(unknown, 400, "CB_VA01")["errors"]
    stale = admin.put("/k/v1/record/assignees.json", json={"app": app, "id": record, "assignees": [], "revision": 1})
    error(stale, 409, "GAIA_CO02")
    with server.client(people["pm-bob"]) as bob:
        error(bob.put("/k/v1/record/assignees.json", json={"app": app, "id": record, "assignees": []}),
              403, "CB_NO02")
    assert admin.put("/k/v1/record/assignees.json",
                     json={"app": app, "id": record, "assignees": []}).json() == {"revision": "3"}
    # No assignee: anyone may act.
    with server.client(people["pm-bob"]) as bob:
        assert act(bob, app, record, "Submit", assignee="pm-ann").json() == {"revision": "5"}
    # Assignees survive ordinary edits.
    admin.put("/k/v1/record.json", json={"app": app, "id": record, "record": {"title": {"value": "edited"}}})
    assert state_of(admin, app, record) == ("Review", ["pm-ann"], "6")


# --- queries ------------------------------------------------------------------------------


def test_status_and_assignee_work_in_queries(server, admin, people):
    app = make_app(admin, FIELDS, name="Queried")
    set_process(admin, app, enable=True, states=STATES, actions=ACTIONS)
    assert deploy_and_wait(admin, app) == "SUCCESS"
    drafts = [add(admin, app) for _ in range(2)]
    reviewed = add(admin, app)
    act(admin, app, reviewed, "Submit", assignee="pm-ann")

    def ids(query, client=admin):
        response = client.get("/k/v1/records.json", params={"app": app, "query": query})
        assert response.status_code == 200, response.text
        return sorted(r["$id"]["value"] for r in response.json()["records"])

    assert ids('Status = "Review"') == [reviewed]
    assert ids('Status in ("Draft", "Done")') == sorted(drafts)
    assert ids('Status != "Draft"') == [reviewed]
    assert ids('Assignee in ("pm-ann")') == [reviewed]
    assert ids('Assignee not in ("pm-ann")') == sorted(drafts)
    with server.client(people["pm-ann"]) as ann:
        assert ids("Assignee in (LOGINUSER())", ann) == [reviewed]
    ordered = admin.get("/k/v1/records.json", params={"app": app, "query": "order by Status asc"}).json()
    assert [r["Status"]["value"] for r in ordered["records"]] == ["Draft", "Draft", "Review"]


def test_conditions_on_assignee_and_status_hold_in_actions(server, admin, people):
    app = make_app(admin, FIELDS, name="Conditions")
    actions = [{"name": "Mine", "from": "Draft", "to": "Done", "filterCond": 'Assignee in ("pm-ann")'},
               {"name": "Here", "from": "Draft", "to": "Review", "filterCond": 'Status = "Draft" and priority in ("High")'}]
    set_process(admin, app, enable=True, states=STATES, actions=actions)
    assert deploy_and_wait(admin, app) == "SUCCESS"
    record = add(admin, app)
    error(act(admin, app, record, "Mine"), 400, "GAIA_IL03")
    error(act(admin, app, record, "Here", assignee="pm-ann"), 400, "GAIA_IL03")
    admin.put("/k/v1/record.json", json={"app": app, "id": record, "record": {"priority": {"value": "High"}}})
    assert act(admin, app, record, "Here", assignee="pm-ann").json() == {"revision": "4"}
    other = add(admin, app)
    admin.put("/k/v1/record/assignees.json", json={"app": app, "id": other, "assignees": ["pm-ann"]})
    with server.client(people["pm-ann"]) as ann:
        assert act(ann, app, other, "Mine").json() == {"revision": "4"}


# --- events and guest spaces --------------------------------------------------------------


def test_a_status_change_sends_the_update_status_webhook(server, admin, app):
    receiver = Receiver()
    try:
        subscribe(admin, app, receiver.url, events=["UPDATE_STATUS"])
        record = add(admin, app)
        error(act(admin, app, record, "Approve"), 400, "GAIA_IL03")
        act(admin, app, record, "Submit", assignee="pm-ann")
        payload = receiver.wait_for(1)[0].json
        time.sleep(0.5)
        assert len(receiver.requests) == 1  # the refused action sent nothing
    finally:
        receiver.close()
    assert payload == {"id": payload["id"], "type": "UPDATE_STATUS", "app": {"id": str(app), "name": "Expenses"},
                       "record": get(admin, app, record), "recordTitle": "trip",
                       "url": f"{server.base_url}/k/{app}/show#record={record}"}
    assert str(uuid.UUID(payload["id"])) == payload["id"]
    assert payload["record"]["Status"]["value"] == "Review"


def test_guest_space_paths(admin, people):
    space = admin.post("/kinflow/v1/spaces.json", json={"name": "Process guests", "isGuest": True}).json()["id"]
    app = make_app(admin, FIELDS, space=int(space))
    guest = f"/k/guest/{space}/v1"
    assert admin.put(f"{guest}/preview/app/status.json",
                     json={"app": app, "enable": True, "states": STATES, "actions": ACTIONS}).status_code == 200
    assert admin.post(f"{guest}/preview/app/deploy.json", json={"apps": [{"app": app}]}).status_code == 200
    assert admin.get(f"{guest}/app/status.json", params={"app": app}).json()["enable"] is True
    record = admin.post(f"{guest}/record.json", json={"app": app, "record": {"amount": {"value": 3}}}).json()["id"]
    moved = admin.put(f"{guest}/record/status.json",
                      json={"app": app, "id": record, "action": "Submit", "assignee": "pm-ann"})
    assert moved.json() == {"revision": "3"}
    error(act(admin, app, record, "Approve"), 400, "GAIA_IL23")
