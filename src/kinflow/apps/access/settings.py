"""Record and field permissions as settings documents (kintone's `record/acl.json` and
`field/acl.json`): changed in the pre-live stage, made live by a deploy like the app's other
settings. `access.py` enforces the live ones.

Shapes (kintone.dev "Update Record Permissions", "Update Field Permissions"):
- record: `{rights: [{filterCond, entities: [{entity: {type, code}, viewable, editable, deletable,
  includeSubs}]}]}`, conditions and entities in priority order;
- field: `{rights: [{code, entities: [{entity: {type, code}, accessibility, includeSubs}]}]}`,
  `accessibility` one of READ, WRITE, NONE.

kintone's rules kept here: "everyone" has the lowest priority wherever it is listed; editing or
deleting a record needs viewing it too; a record condition may not use rich text, text area,
attachment or related records fields (kintone's help, "Configuring Permissions for Records").
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from kinflow.apps.form import Form
from kinflow.apps.query.ast import leaves
from kinflow.apps.query.parser import parse_condition
from kinflow.apps.setting_checks import SettingChecker
from kinflow.directory.users import EVERYONE
from kinflow.errors import KintoneError, invalid_input
from kinflow.i18n import N_

RECORD_ACL, FIELD_ACL = "record_acl", "field_acl"
ENTITY_TYPES = ("USER", "GROUP", "ORGANIZATION", "FIELD_ENTITY")
ACCESSIBILITY = ("READ", "WRITE", "NONE")
RECORD_FLAGS = ("viewable", "editable", "deletable")
# Bounds on one document, so a stored setting stays small enough to check on every read.
MAX_RIGHTS = 100
MAX_FIELD_RIGHTS = 1_000  # one per field of a large form
MAX_ENTITIES = 100
MAX_CONDITION = 10_000
# Fields a record condition may not use (kintone's help, as above).
UNSEARCHABLE_TYPES = frozenset({"RICH_TEXT", "MULTI_LINE_TEXT", "FILE", "REFERENCE_TABLE"})
# Fields whose values are never a field of a record's own: no field permission applies to them.
NO_PERMISSION_TYPES = frozenset({"LABEL", "SPACER", "HR", "REFERENCE_TABLE"})


def default_documents() -> dict[str, dict]:
    return {RECORD_ACL: {"rights": []}, FIELD_ACL: {"rights": []}}


def _last_everyone(entities: list[dict]) -> list[dict]:
    """kintone: "everyone" has the lowest priority even when listed before others."""
    def is_everyone(item: dict) -> bool:
        return item["entity"] == {"type": "GROUP", "code": EVERYONE}
    return [e for e in entities if not is_everyone(e)] + [e for e in entities if is_everyone(e)]


class _Rights(SettingChecker):
    def __init__(self, conn: Connection, form: Form, *, people: bool = True) -> None:
        super().__init__(conn, form)
        self.people = people

    def entity(self, entity: object, key: str, allowed: tuple[str, ...]) -> dict | None:
        if (not self.people and isinstance(entity, dict) and entity.get("type") in ("USER", "GROUP", "ORGANIZATION")
                and isinstance(entity.get("code"), str)):
            return {"type": entity["type"], "code": entity["code"]}
        if isinstance(entity, dict) and entity.get("type") == "FIELD_ENTITY":
            # Permissions may also go to a record's process management assignees.
            field = self.form.get(entity.get("code")) if isinstance(entity.get("code"), str) else None
            if field is not None and field.type == "STATUS_ASSIGNEE":
                return {"type": "FIELD_ENTITY", "code": field.code}
        return super().entity(entity, key, allowed)

    def flag(self, item: dict, name: str, key: str) -> bool:
        """kintone takes a boolean or its text; left out is false."""
        value = item.get(name, False)
        if value in (True, "true"):
            return True
        if value in (False, "false", None):
            return False
        self.fail(key, N_("Must be true or false."))
        return False

    def listed(self, raw: object, key: str, limit: int) -> list:
        if raw is None:
            self.fail(key, N_("Required field."))
            return []
        if not isinstance(raw, list):
            self.fail(key, N_("Enter an array."))
            return []
        if len(raw) > limit:
            self.fail(key, N_("Specify up to {limit} items.", limit=limit))
            return []
        return raw

    def entries(self, raw: object, base: str) -> list[tuple[str, dict, dict]]:
        """Each entity entry with its error key, its checked entity and the raw item."""
        result = []
        for index, item in enumerate(self.listed(raw, f"{base}.entities", MAX_ENTITIES)):
            key = f"{base}.entities[{index}]"
            if not isinstance(item, dict):
                self.fail(key, N_("Enter an object."))
                continue
            entity = self.entity(item.get("entity"), f"{key}.entity", ENTITY_TYPES)
            if entity is not None:
                result.append((key, entity, item))
        return result

    def include_subs(self, entity: dict, item: dict, key: str) -> bool:
        # Only departments (named, or held by a department field) have sub-departments.
        subs = self.flag(item, "includeSubs", f"{key}.includeSubs")
        if entity["type"] == "ORGANIZATION":
            return subs
        field = self.form.get(entity["code"]) if entity["type"] == "FIELD_ENTITY" else None
        return subs and field is not None and field.type == "ORGANIZATION_SELECT"

    def record_condition(self, text: object, key: str) -> str:
        if isinstance(text, str) and len(text) > MAX_CONDITION:
            self.fail(key, N_("Enter less than {limit} characters.", limit=MAX_CONDITION + 1))
            return ""
        condition = self.condition(text, key)
        if condition and key not in self.errors:
            for leaf in leaves(parse_condition(condition)):
                field = self.form.get(leaf.field)
                if field is not None and field.type in UNSEARCHABLE_TYPES:
                    self.fail(key, N_("The field ({code}) cannot be used in a record permission condition.",
                                      code=leaf.field))
                    break
        return condition

    def record_rights(self, raw: object) -> list[dict]:
        rights = []
        for index, item in enumerate(self.listed(raw, "rights", MAX_RIGHTS)):
            base = f"rights[{index}]"
            if not isinstance(item, dict):
                self.fail(base, N_("Enter an object."))
                continue
            condition = self.record_condition(item.get("filterCond"), f"{base}.filterCond")
            entities = []
            for key, entity, entry in self.entries(item.get("entities"), base):
                flags = {name: self.flag(entry, name, f"{key}.{name}") for name in RECORD_FLAGS}
                if (flags["editable"] or flags["deletable"]) and not flags["viewable"]:
                    self.fail(f"{key}.viewable", N_("Allow viewing to allow editing or deleting."))
                entities.append({"entity": entity, **flags,
                                 "includeSubs": self.include_subs(entity, entry, key)})
            rights.append({"filterCond": condition, "entities": _last_everyone(entities)})
        return rights

    def field_rights(self, raw: object, properties: dict) -> list[dict]:
        rights = []
        seen: set[str] = set()
        for index, item in enumerate(self.listed(raw, "rights", MAX_FIELD_RIGHTS)):
            base = f"rights[{index}]"
            if not isinstance(item, dict):
                self.fail(base, N_("Enter an object."))
                continue
            code = item.get("code")
            prop = properties.get(code) if isinstance(code, str) else None
            if prop is None or prop.get("type") in NO_PERMISSION_TYPES:
                self.fail(f"{base}.code", N_("The field ({code}) is not found.", code=code))
                continue
            if code in seen:
                self.fail(f"{base}.code", N_("The field ({code}) is listed twice.", code=code))
                continue
            seen.add(code)
            entities = []
            for key, entity, entry in self.entries(item.get("entities"), base):
                accessibility = entry.get("accessibility")
                if accessibility not in ACCESSIBILITY:
                    self.fail(f"{key}.accessibility", N_("Enter READ, WRITE or NONE."))
                    continue
                entities.append({"accessibility": accessibility, "entity": entity,
                                 "includeSubs": self.include_subs(entity, entry, key)})
            rights.append({"code": code, "entities": _last_everyone(entities)})
        return rights


def record_rights(conn: Connection, raw: object, form_document: dict) -> dict:
    """The record permissions document from a PUT's `rights`; nothing is kept on any problem."""
    checker = _Rights(conn, Form.from_document(form_document))
    rights = checker.record_rights(raw)
    return _checked(checker, {"rights": rights})


def field_rights(conn: Connection, raw: object, form_document: dict) -> dict:
    """The field permissions document from a PUT's `rights`; nothing is kept on any problem."""
    checker = _Rights(conn, Form.from_document(form_document))
    rights = checker.field_rights(raw, form_document["properties"])
    return _checked(checker, {"rights": rights})


def _checked(checker: SettingChecker, document: dict) -> dict:
    if checker.errors:
        raise invalid_input(checker.errors)
    return document


def check_against_form(conn: Connection, form_document: dict, documents: dict[str, dict]) -> None:
    """The permissions about to go live, checked against the form going live with them: a deploy
    that drops or changes a field a permission names is refused rather than leaving a condition
    no record can be tested against. (People are not checked again: a user deactivated since
    simply matches nobody.)"""
    problems: dict[str, list[str]] = {}
    for kind, build in ((RECORD_ACL, _Rights.record_rights), (FIELD_ACL, _Rights.field_rights)):
        document = documents.get(kind)
        if not document or not document.get("rights"):
            continue
        checker = _Rights(conn, Form.from_document(form_document), people=False)
        args = (document["rights"], form_document["properties"]) if kind == FIELD_ACL else (document["rights"],)
        build(checker, *args)
        name = "record" if kind == RECORD_ACL else "field"
        problems.update({f"{name}Acl.{key}": messages for key, messages in checker.errors.items()})
    if problems:
        raise KintoneError("CB_VA01", N_("The record or field permissions name fields the form no longer has."),
                           400, problems)
