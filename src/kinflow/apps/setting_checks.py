"""Checks shared by the settings that name people and filter records: process management and
notifications. Problems are collected under kintone's `errors` keys so a client sees them all."""

from __future__ import annotations

from datetime import timezone

from sqlalchemy.engine import Connection

from kinflow.apps.field_types import ENTITY_SELECT_TYPES
from kinflow.apps.form import Form
from kinflow.apps.query.context import QueryContext
from kinflow.apps.query.parser import parse_condition
from kinflow.apps.query.plan import plan_condition
from kinflow.clock import clock
from kinflow.directory.users import EVERYONE, entity_not_found, existing_codes
from kinflow.errors import KintoneError
from kinflow.i18n import N_

# The fields a FIELD_ENTITY may name: they hold users, departments or groups.
FIELD_ENTITY_TYPES = ENTITY_SELECT_TYPES | {"CREATOR", "MODIFIER"}


class SettingChecker:
    def __init__(self, conn: Connection, form: Form) -> None:
        self.conn = conn
        self.form = form
        self.errors: dict[str, list[str]] = {}

    def fail(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def entities(self, raw: object, base: str, allowed: tuple[str, ...]) -> list[dict]:
        """`[{entity: {type, code}, includeSubs}]`; each entity must exist (and a user be active)."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.fail(base, N_("Enter an array of entities."))
            return []
        result = []
        for index, item in enumerate(raw):
            key = f"{base}[{index}]"
            entity = self.entity(item.get("entity") if isinstance(item, dict) else None, f"{key}.entity", allowed)
            if entity is None:
                continue
            include_subs = item.get("includeSubs", False)
            if not isinstance(include_subs, bool):
                self.fail(f"{key}.includeSubs", N_("Must be true or false."))
                continue
            result.append({"entity": entity, "includeSubs": include_subs})
        return result

    def entity(self, entity: object, key: str, allowed: tuple[str, ...]) -> dict | None:
        if not isinstance(entity, dict) or entity.get("type") not in allowed:
            self.fail(f"{key}.type", N_("Enter one of {choices}.", choices=', '.join(allowed)))
            return None
        kind, code = entity["type"], entity.get("code")
        if kind == "CREATOR":
            return {"type": kind, "code": None}
        if not isinstance(code, str) or not code:
            self.fail(f"{key}.code", N_("Required field."))
            return None
        if kind == "FIELD_ENTITY":
            field = self.form.get(code)
            if field is None or field.table is not None or field.type not in FIELD_ENTITY_TYPES:
                self.fail(f"{key}.code",
                          N_("The field ({code}) is not a user, department, group, creator or modifier field.",
                             code=code))
                return None
        if kind == "GROUP" and code == EVERYONE:
            return {"type": kind, "code": code}  # every user's group, held by no table
        if kind in ("USER", "GROUP", "ORGANIZATION") and not existing_codes(self.conn, kind, {code}, active_only=True):
            self.fail(f"{key}.code", entity_not_found(kind, code))
            return None
        return {"type": kind, "code": code}

    def condition(self, text: object, key: str) -> str:
        """A filter condition in query syntax, checked against the form (fields, operators, options)."""
        if text is None:
            return ""
        if not isinstance(text, str):
            self.fail(key, N_("Enter a string value."))
            return ""
        try:
            ctx = QueryContext("", None, timezone.utc, clock.now())
            plan_condition(parse_condition(text), self.form, ctx)
        except KintoneError as problem:
            self.fail(key, N_("The condition is not valid: {message}", message=problem.message))
        return text
