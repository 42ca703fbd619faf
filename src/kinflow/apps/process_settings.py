"""An app's process management settings (kintone's app/status.json): statuses, their assignees and
the actions between them, checked and stored as the `status` settings document.

Shape and rules: shared/reference/kintone-rest-api.md §6.1. `states` on a change lists every status
to keep (others are deleted); `actions` is the whole list, in display order. A filter condition is
checked against the pre-live form, so an unknown field or operator is refused when it is set.
"""

from __future__ import annotations

import copy

from sqlalchemy.engine import Connection

from kinflow.apps.form import Form
from kinflow.apps.setting_checks import SettingChecker
from kinflow.digits import is_digits
from kinflow.errors import invalid_input
from kinflow.i18n import N_

ASSIGNEE_TYPES = ("ONE", "ALL", "ANY")
ENTITY_TYPES = ("USER", "GROUP", "ORGANIZATION", "FIELD_ENTITY", "CREATOR", "CUSTOM_FIELD")
ACTION_TYPES = ("PRIMARY", "SECONDARY")
MAX_NAME = 64


def _creator_entity(code: str = "Created_by") -> dict:
    return {"entity": {"type": "FIELD_ENTITY", "code": code}, "includeSubs": False}


# kintone's default statuses and actions, in the app creator's language, with its creator field's code.
_DEFAULTS = {
    "en": (("Not started", "In progress", "Completed"), ("Start", "Complete"), "Created_by"),
    "ja": (("未処理", "処理中", "完了"), ("処理開始", "完了する"), "作成者"),
    "zh": (("未处理", "处理中", "完成"), ("开始处理", "完成"), "创建人"),
    "zh-TW": (("未處理", "處理中", "完成"), ("開始處理", "完成"), "建立人"),
}


def default_document(language: str = "en") -> dict:
    """What a new kintone app has: three statuses and two actions, turned off."""
    (waiting, working, done), (start, complete), creator = _DEFAULTS.get(language, _DEFAULTS["en"])
    return {
        "enable": False,
        "states": {
            waiting: {"name": waiting, "index": "0", "assignee": {"type": "ONE", "entities": []}},
            working: {"name": working, "index": "1",
                      "assignee": {"type": "ONE", "entities": [_creator_entity(creator)]}},
            done: {"name": done, "index": "2", "assignee": {"type": "ONE", "entities": []}},
        },
        "actions": [
            {"name": start, "from": waiting, "to": working, "filterCond": "", "type": "PRIMARY"},
            {"name": complete, "from": working, "to": done, "filterCond": "", "type": "PRIMARY"},
        ],
    }


def ordered_states(document: dict) -> list[dict]:
    return sorted((document.get("states") or {}).values(), key=lambda s: int(s["index"]))


def first_state(document: dict) -> dict | None:
    states = ordered_states(document)
    return states[0] if states else None


class _Checker(SettingChecker):
    def states(self, raw: object) -> dict:
        if not isinstance(raw, dict):
            self.fail("states", N_("Enter an object of statuses by name."))
            return {}
        states: dict[str, dict] = {}
        indexes: set[int] = set()
        creator = self.form.of_type("CREATOR")
        for name, state in raw.items():
            base = f"states.{name}"
            if not isinstance(state, dict):
                self.fail(base, N_("Enter an object."))
                continue
            state_name = state.get("name", name)
            if not isinstance(state_name, str) or not state_name.strip():
                self.fail(f"{base}.name", N_("Required field."))
                continue
            if len(state_name) > MAX_NAME:
                self.fail(f"{base}.name", N_("Enter less than {limit} characters.", limit=MAX_NAME + 1))
            if state_name in states:
                self.fail(f"{base}.name", N_("The status ({status}) is listed twice.", status=state_name))
            index = state.get("index")
            if isinstance(index, bool) or not isinstance(index, (int, str)) or not is_digits(str(index).strip()):
                self.fail(f"{base}.index", N_("Enter an integer value of 0 or more."))
                continue
            if int(index) in indexes:
                self.fail(f"{base}.index", N_("The index ({index}) is used by another status.", index=index))
            indexes.add(int(index))
            assignee = state.get("assignee")
            if assignee is None:
                # kintone's default when omitted: one assignee, chosen from the record's creator.
                assignee = {"type": "ONE", "entities": [_creator_entity(creator.code if creator else "Created_by")]}
            if not isinstance(assignee, dict) or assignee.get("type") not in ASSIGNEE_TYPES:
                self.fail(f"{base}.assignee.type", N_("Enter ONE, ALL or ANY."))
                continue
            entities = self.entities(assignee.get("entities"), f"{base}.assignee.entities", ENTITY_TYPES)
            states[state_name] = {"name": state_name, "index": str(int(index)),
                                  "assignee": {"type": assignee["type"], "entities": entities}}
        # Indexes are display positions: kintone renumbers them from 0 in order.
        for position, state in enumerate(sorted(states.values(), key=lambda s: int(s["index"]))):
            state["index"] = str(position)
        return states

    def actions(self, raw: object, states: dict) -> list[dict]:
        if not isinstance(raw, list):
            self.fail("actions", N_("Enter an array of actions."))
            return []
        actions = []
        seen: set[tuple[str, str]] = set()
        for index, action in enumerate(raw):
            base = f"actions[{index}]"
            if not isinstance(action, dict):
                self.fail(base, N_("Enter an object."))
                continue
            name = action.get("name")
            if not isinstance(name, str) or not name.strip():
                self.fail(f"{base}.name", N_("Required field."))
                continue
            ends_known = True
            for end in ("from", "to"):
                if not isinstance(action.get(end), str) or action[end] not in states:
                    self.fail(f"{base}.{end}", N_("The status ({status}) is not found.", status=action.get(end)))
                    ends_known = False
            if not ends_known:
                continue
            if (name, action.get("from")) in seen:
                self.fail(f"{base}.name", N_("The status ({status}) already has an action named {name}.",
                                             status=action.get('from'), name=name))
            seen.add((name, action.get("from")))
            kind = action.get("type") or "PRIMARY"
            if kind not in ACTION_TYPES:
                self.fail(f"{base}.type", N_("Enter PRIMARY or SECONDARY."))
                continue
            condition = self.condition(action.get("filterCond") or "", f"{base}.filterCond")
            stored = {"name": name, "from": action.get("from"), "to": action.get("to"), "filterCond": condition,
                      "type": kind}
            if kind == "SECONDARY":
                users = action.get("executableUser")
                entities = users.get("entities") if isinstance(users, dict) else None
                if not entities:
                    self.fail(f"{base}.executableUser.entities", N_("Required field for a SECONDARY action."))
                    continue
                stored["executableUser"] = {
                    "entities": self.entities(entities, f"{base}.executableUser.entities", ENTITY_TYPES)}
            actions.append(stored)
        return actions


def apply_change(conn: Connection, document: dict, params: dict, form_document: dict) -> dict:
    """The new settings document from a PUT's `enable`, `states` and `actions` (each optional)."""
    changed = copy.deepcopy(document)
    checker = _Checker(conn, Form.from_document(form_document))
    if "enable" in params:
        if not isinstance(params["enable"], bool):
            raise invalid_input({"enable": [N_("Must be true or false.")]})
        changed["enable"] = params["enable"]
    if params.get("states") is not None:
        changed["states"] = checker.states(params["states"])
    if params.get("actions") is not None:
        changed["actions"] = checker.actions(params["actions"], changed.get("states") or {})
    elif params.get("states") is not None:
        # Actions keep their places; one whose status is gone is reported, not silently dropped.
        for index, action in enumerate(changed.get("actions") or []):
            for end in ("from", "to"):
                if action[end] not in changed["states"]:
                    checker.fail(f"actions[{index}].{end}", N_("The status ({status}) is not found.",
                                                               status=action[end]))
    if changed.get("enable") and not changed.get("states"):
        checker.fail("states", N_("Process management needs at least one status."))
    if checker.errors:
        raise invalid_input(checker.errors)
    return changed


def render(document: dict) -> dict:
    """The document as `GET app/status.json` shows it: statuses in display order."""
    return {"enable": bool(document.get("enable")),
            "states": {s["name"]: s for s in ordered_states(document)} if document.get("states") is not None else None,
            "actions": document.get("actions")}


def show_status_fields(form_document: dict, enabled: bool) -> None:
    """The form's Status and Assignee fields are shown exactly when process management is on."""
    for prop in form_document["properties"].values():
        if prop["type"] in ("STATUS", "STATUS_ASSIGNEE"):
            prop["enabled"] = enabled
