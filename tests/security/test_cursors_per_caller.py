"""Open cursors are counted per caller: one client holding its ten does not stop another's."""

from __future__ import annotations

from tests.conftest import make_app, make_token

FIELDS = {"title": {"type": "SINGLE_LINE_TEXT", "code": "title", "label": "Title"}}


def test_one_token_holding_its_cursors_does_not_exhaust_the_others(server, admin):
    app = make_app(admin, FIELDS)
    admin.post("/k/v1/record.json", json={"app": app, "record": {"title": {"value": "x"}}}).raise_for_status()
    greedy_token = make_token(admin, app, view=True)
    with server.client({"X-Cybozu-API-Token": greedy_token}) as greedy:
        held = [greedy.post("/k/v1/records/cursor.json", json={"app": app}) for _ in range(10)]
        assert all(r.status_code == 200 for r in held), [r.text for r in held]
        eleventh = greedy.post("/k/v1/records/cursor.json", json={"app": app})
        assert eleventh.status_code == 400 and eleventh.json()["code"] == "GAIA_CU01"
        try:
            # Another caller (a user) still opens one, and cannot read the token's.
            mine = admin.post("/k/v1/records/cursor.json", json={"app": app})
            assert mine.status_code == 200, mine.text
            theirs = admin.get("/k/v1/records/cursor.json", params={"id": held[0].json()["id"]})
            assert theirs.status_code == 400 and theirs.json()["code"] == "GAIA_CN01"
            admin.delete("/k/v1/records/cursor.json", params={"id": mine.json()["id"]}).raise_for_status()
        finally:
            for response in held:
                greedy.delete("/k/v1/records/cursor.json", params={"id": response.json()["id"]}).raise_for_status()
