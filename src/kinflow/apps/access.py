"""Record and field permissions enforced: which records a user may view, edit or delete, and which
fields of a record they may read or write.

kintone's rules (kintone.dev "Update Record Permissions", kintone's help "Configuring Permissions
for Records/Fields"):
- app permissions come first (checked in `permissions.py`); record permissions then narrow them,
  and field permissions narrow a record's fields;
- the first record condition (`filterCond`) a record matches decides; a record matching none is
  governed by the app permissions alone. Within that condition the first entity naming the user
  decides; a user it names nowhere gets nothing;
- a field with permissions gives the user the accessibility of the first entity naming them, else
  NONE; a field without permissions is writable;
- administrators are users like any other here; API tokens are not subject to record or field
  permissions ("permissions for API tokens take priority over ... permissions for records,
  permissions for fields", kintone's help "Generating API Tokens").

A record rule is built once per call for one user: entities that name users, groups or departments
are decided right away, and only `FIELD_ENTITY` entities and conditions depend on the record. The
rule becomes a SQL expression (the query language's own compiler) that joins a search's WHERE, so
paging, counts and cursors see only the records the user may view, and it is evaluated in Python
for one record already read (a write, a notification).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timezone
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from kinflow.apps.access_settings import FIELD_ACL, RECORD_ACL
from kinflow.apps.app import LiveApp
from kinflow.apps.field_types import SYSTEM_TYPES
from kinflow.apps.form import Form
from kinflow.apps.query.ast import Condition, InList, Query, StringValue, leaves
from kinflow.apps.query.context import QueryContext, query_context
from kinflow.apps.query.errors import field_not_found
from kinflow.apps.query.evaluate import matches, stored_record_values
from kinflow.apps.query.parser import parse_condition
from kinflow.apps.query.sql import compile_condition
from kinflow.apps.record_tables import ASSIGNEE_FIELD_ID, RecordTables
from kinflow.clock import clock
from kinflow.directory.identity import Identity
from kinflow.directory.users import EVERYONE, departments_with_ancestors, memberships
from kinflow.errors import no_privilege
from kinflow.storage.prepared import Prepared
from kinflow.storage.schema import group_members, groups, users

if TYPE_CHECKING:
    from kinflow.apps.records import StoredRecord

# Fields whose values the values table holds, one row each.
_LISTED_TYPES = frozenset({"USER_SELECT", "ORGANIZATION_SELECT", "GROUP_SELECT", "STATUS_ASSIGNEE"})
# A user's own login is what these fields hold of them.
_USER_FIELDS = frozenset({"USER_SELECT", "CREATOR", "MODIFIER", "STATUS_ASSIGNEE"})


@dataclass(frozen=True)
class Person:
    """Who permissions are decided for: a login with its groups and departments."""

    code: str
    groups: frozenset[str]
    departments: frozenset[str]  # the user's own
    ancestors: frozenset[str]  # every department above one of the user's own

    def named_by(self, entry: dict) -> bool:
        entity = entry["entity"]
        kind, code = entity["type"], entity["code"]
        if kind == "USER":
            return code == self.code
        if kind == "GROUP":
            return code in self.groups
        if kind == "ORGANIZATION":
            return code in self.departments or (entry.get("includeSubs", False) and code in self.ancestors)
        return False

    def field_holds(self, form: Form, entry: dict) -> Condition | None:
        """The condition "this record's field names the person" of a FIELD_ENTITY entry; None when
        it can hold for no record."""
        field = form.get(entry["entity"]["code"])
        if field is None:
            return None
        if field.type in _USER_FIELDS:
            codes: frozenset[str] = frozenset({self.code})
        elif field.type == "ORGANIZATION_SELECT":
            codes = self.departments | (self.ancestors if entry.get("includeSubs") else frozenset())
        elif field.type == "GROUP_SELECT":
            codes = self.groups
        else:
            return None
        if not codes:
            return None
        return InList(field.code, False, tuple(StringValue(c) for c in sorted(codes)))


def person_of(conn: Connection, identity: Identity) -> Person | None:
    """The person a call's record and field permissions apply to; None for API tokens."""
    user = identity.user
    if user is None:
        return None
    group_codes, marked = memberships(conn, user.id)
    return _person(user.code, group_codes, marked)


def _person(code: str, groups: set[str], marked: set[str]) -> Person:
    # `marked`: departments as `directory.users` gives them, ancestors with a leading '^'.
    return Person(code, frozenset(groups), frozenset(d for d in marked if not d.startswith("^")),
                  frozenset(d[1:] for d in marked if d.startswith("^")))


_ACTIVE_USERS = Prepared(sa.select(users.c.id, users.c.code).where(
    users.c.code.in_(sa.bindparam("codes", expanding=True)), users.c.active))
_GROUPS_OF = Prepared(sa.select(group_members.c.user_id, groups.c.code)
                      .join(groups, groups.c.id == group_members.c.group_id)
                      .where(group_members.c.user_id.in_(sa.bindparam("ids", expanding=True))))


def people(conn: Connection, codes: set[str]) -> list[Person]:
    """The active users among `codes`, each with groups and departments, in a few queries."""
    found = _ACTIVE_USERS.all(conn, codes=sorted(codes)) if codes else []
    ids = {user_id: code for user_id, code in found}
    groups_of: dict[int, set[str]] = {user_id: {EVERYONE} for user_id in ids}
    for user_id, code in _GROUPS_OF.all(conn, ids=list(ids)) if ids else []:
        groups_of[user_id].add(code)
    depts = departments_with_ancestors(conn, list(ids)) if ids else {}
    return [_person(code, groups_of[user_id], depts.get(user_id, set())) for user_id, code in ids.items()]


# One decision: (a condition on the record, or None for "always", and the answer when it holds).
Decision = tuple[Condition | None, bool]


def _decide(entities: list[dict], form: Form, person: Person, answer) -> list[Decision]:  # noqa: ANN001
    """The entities of one permission set, for one person, in priority order: entities naming the
    person outright end the list; FIELD_ENTITY ones wait for the record."""
    decisions: list[Decision] = []
    for entry in entities:
        if entry["entity"]["type"] == "FIELD_ENTITY":
            holds = person.field_holds(form, entry)
            if holds is not None:
                decisions.append((holds, answer(entry)))
        elif person.named_by(entry):
            decisions.append((None, answer(entry)))
            break
    return decisions


ParsedRights = list[tuple[Condition | None, list[dict]]]


def parse_rights(rights: list[dict]) -> ParsedRights:
    """Record permission sets with their conditions parsed."""
    return [(parse_condition(r["filterCond"]) if r.get("filterCond") else None, r["entities"]) for r in rights]


def _parsed(live: LiveApp) -> ParsedRights:
    """The live record permissions, parsed once per deploy."""
    return live.derived("record_acl", lambda live: parse_rights(
        (live.documents.get(RECORD_ACL) or {}).get("rights", [])))


@dataclass(frozen=True)
class RecordRule:
    """What one person may do (`viewable`, `editable` or `deletable`) with the records of an app:
    permission sets in priority order, each a condition and the person's decisions under it."""

    sets: tuple[tuple[Condition | None, tuple[Decision, ...]], ...]
    form: Form
    ctx: QueryContext

    def where(self, tables: RecordTables) -> ColumnElement[bool] | None:
        """The SQL condition over the app's records table; None when every record is allowed."""
        whens = []
        otherwise: ColumnElement[bool] | None = None  # None: what the app permissions allow
        for condition, decisions in self.sets:
            decided = self._decided_sql(tables, decisions)
            if condition is None:
                otherwise = decided
                break
            whens.append((compile_condition(condition, self.form, tables, self.ctx), decided))
        if not whens:
            return otherwise
        # CASE takes the first condition that holds (a NULL from an empty value does not).
        return sa.case(*whens, else_=sa.true() if otherwise is None else otherwise)

    def _decided_sql(self, tables: RecordTables, decisions: tuple[Decision, ...]) -> ColumnElement[bool]:
        whens = []
        for condition, answer in decisions:
            if condition is None:
                return sa.case(*whens, else_=_constant(answer)) if whens else _constant(answer)
            whens.append((self._holds_sql(tables, condition), _constant(answer)))
        return sa.case(*whens, else_=sa.false()) if whens else sa.false()

    def _holds_sql(self, tables: RecordTables, holds: Condition) -> ColumnElement[bool]:
        """"A field of the record names the person" in SQL. A multi-value field is looked up once
        for the whole search (the ids of the records whose field holds one of the person's codes,
        from the values table's covering index) rather than row by row, so a count stays cheap."""
        field = self.form.get(holds.field) if isinstance(holds, InList) else None
        if field is None or field.type not in _LISTED_TYPES:
            return compile_condition(holds, self.form, tables, self.ctx)
        values = tables.values
        field_id = ASSIGNEE_FIELD_ID if field.type == "STATUS_ASSIGNEE" else field.field_id
        codes = [value.text for value in holds.values]  # type: ignore[union-attr]
        return tables.records.c.id.in_(sa.select(values.c.record_id).where(
            values.c.field_id == field_id, values.c.row_id.is_(None), values.c.value.in_(codes)))

    def allows(self, values: Mapping[str, object]) -> bool:
        """The same decision for one record's values (`query.evaluate.stored_record_values`)."""
        for condition, decisions in self.sets:
            if condition is None or matches(condition, values, self.form, self.ctx):
                for holds, answer in decisions:
                    if holds is None or matches(holds, values, self.form, self.ctx):
                        return answer
                return False
        return True


def _constant(answer: bool) -> ColumnElement[bool]:
    return sa.true() if answer else sa.false()


def record_rule(conn: Connection, live: LiveApp, identity: Identity, flag: str,
                ctx: QueryContext | None = None) -> RecordRule | None:
    """The rule for `flag` (`viewable`, `editable`, `deletable`); None when no record permission
    applies (none set, or an API token)."""
    parsed = _parsed(live)
    if not parsed or identity.by_token:
        return None
    person = person_of(conn, identity)
    assert person is not None
    return rule_for(live.form, parsed, person, ctx or query_context(identity), flag)


def rule_for(form: Form, parsed: ParsedRights, person: Person, ctx: QueryContext, flag: str) -> RecordRule:
    """One person's rule for `flag` under these permission sets."""
    sets = []
    for condition, entities in parsed:
        decisions = tuple(_decide(entities, form, person, lambda entry: bool(entry.get(flag))))
        sets.append((condition, decisions))
        if condition is None:
            break  # every record matches it: later sets are never reached
    return RecordRule(tuple(sets), form, ctx)


def require_record(conn: Connection, live: LiveApp, identity: Identity, records: list[StoredRecord],
                   flag: str) -> None:
    """Refuse (`CB_NO02`, as kintone) when the caller may not `flag` one of these records."""
    rule = record_rule(conn, live, identity, flag)
    if rule is None:
        return
    for rec in records:
        if not rule.allows(stored_record_values(rec, live.form)):
            raise no_privilege()


def who_may_view(conn: Connection, live: LiveApp, rec: StoredRecord, codes: set[str],
                 ctx: QueryContext | None = None) -> set[str]:
    """Those of `codes` (users who may view the app) whom the record permissions let view this
    record: notifications of a record reach no one else. `ctx` is the change's (else now, in UTC);
    each person's `LOGINUSER()` is themselves."""
    parsed = _parsed(live)
    if not parsed or not codes:
        return codes
    ctx = ctx or QueryContext("", None, timezone.utc, clock.now())
    values = stored_record_values(rec, live.form)
    return {person.code for person in people(conn, codes)
            if rule_for(live.form, parsed, person, replace(ctx, user_code=person.code), "viewable").allows(values)}


# --- fields ---------------------------------------------------------------------------------------


def _field_rights(live: LiveApp) -> dict[str, list[dict]]:
    """The live field permissions by field code, once per deploy. Permissions on a group field
    (kintone lets one set them there for all its fields) go to the fields the layout places in the
    group, except those with permissions of their own."""
    def build(live: LiveApp) -> dict[str, list[dict]]:
        rights = (live.documents.get(FIELD_ACL) or {}).get("rights", [])
        own = {r["code"]: r["entities"] for r in rights if live.form.get(r["code"]) is not None}
        layout = (live.documents.get("layout") or {}).get("layout") or []
        for right in rights:
            for code in _grouped(layout, right["code"]):
                own.setdefault(code, right["entities"])
        return own
    return live.derived("field_acl", build)


def _grouped(layout: list, group: str) -> list[str]:
    """The codes of the fields a layout places in the group field `group`."""
    for item in layout:
        if isinstance(item, dict) and item.get("type") == "GROUP" and item.get("code") == group:
            return [f["code"] for row in item.get("layout") or [] if isinstance(row, dict)
                    for f in row.get("fields") or [] if isinstance(f, dict) and isinstance(f.get("code"), str)]
    return []


@dataclass(frozen=True)
class FieldAccess:
    """What one person may do with the fields that have permissions: READ, WRITE or NONE, decided
    per field by its first entity naming the person (none: NONE). Fields without permissions are
    writable and are not listed."""

    decisions: dict[str, tuple[tuple[Condition | None, str], ...]]
    form: Form
    ctx: QueryContext

    @property
    def needs(self) -> set[str]:
        """The fields whose values decide (FIELD_ENTITY entities)."""
        return {holds.field for decided in self.decisions.values() for holds, _ in decided
                if isinstance(holds, InList)}

    def of(self, values: Mapping[str, object]) -> dict[str, str]:
        """Each listed field's accessibility for one record (`values` as the query evaluator takes
        them, rendered `{"code": ...}` users included)."""
        result = {}
        for code, decided in self.decisions.items():
            result[code] = next((answer for holds, answer in decided
                                 if holds is None or matches(holds, values, self.form, self.ctx)), "NONE")
        return result

    def hide(self, record: dict, wanted: set[str] | None) -> dict:
        """A rendered record without the fields the person may not read (and without the fields
        only read to decide, when `wanted` did not ask for them)."""
        values = {code: record[code]["value"] for code in self.needs if code in record}
        for code, accessibility in self.of(values).items():
            if accessibility == "NONE":
                record.pop(code, None)
        if wanted is not None:
            for code in self.needs - wanted:
                record.pop(code, None)
        return record

    def widen(self, wanted: set[str] | None) -> set[str] | None:
        """The fields to render so that `hide` can decide."""
        return wanted if wanted is None else wanted | self.needs

    def maybe_hidden(self, code: str) -> bool:
        """Whether the person may be denied reading this field in some record."""
        for holds, answer in self.decisions.get(code, ()):
            if answer == "NONE":
                return True
            if holds is None:
                return False
        return code in self.decisions  # no entity names them: NONE

    def check_query(self, query: Query) -> None:
        """A search may not name a field the person may be unable to read: it is not found, as if
        the form did not have it (else its values could be inferred from what a search returns)."""
        for reference in [leaf.field for leaf in leaves(query.condition)] + [key.field for key in query.order_by]:
            field = self.form.get(reference)
            if field is not None and self.maybe_hidden(field.table or field.code):
                raise field_not_found(reference)

    def require_file_readable(self, form: Form, rec: StoredRecord, key: str) -> None:
        """Refuse (CB_NO02) the download of a file kept in a FILE field the person may not read in
        this record (a field in a table has the table's permissions)."""
        accessible = self.of(stored_record_values(rec, form))
        for field in form.fields.values():
            if field.type != "FILE" or accessible.get(field.table or field.code, "WRITE") != "NONE":
                continue
            held = ([rec.values.get(field.code)] if field.table is None
                    else [row.values.get(field.code) for row in rec.tables.get(field.table, [])])
            if any(item.get("fileKey") == key for files in held for item in files or []):
                raise no_privilege()

    def require_writable(self, values: Mapping[str, object], codes: object) -> None:
        """Refuse (CB_NO02) a write naming a field the person may not write in this record."""
        if not isinstance(codes, Mapping):
            return
        listed = [code for code in codes if code in self.decisions]
        if listed and any(self.of(values)[code] != "WRITE" for code in listed):
            raise no_privilege()


def field_access(conn: Connection, live: LiveApp, identity: Identity) -> FieldAccess | None:
    """The caller's field permissions; None when none apply (none set, or an API token)."""
    rights = _field_rights(live)
    if not rights or identity.by_token:
        return None
    person = person_of(conn, identity)
    assert person is not None
    decisions = {code: tuple(_decide(entities, live.form, person, lambda entry: entry["accessibility"]))
                 for code, entities in rights.items()}
    return FieldAccess(decisions, live.form, query_context(identity))


# --- one user's rights on some records (records/acl/evaluate.json) --------------------------------

MAX_EVALUATE = 100


def evaluate(conn: Connection, live: LiveApp, identity: Identity, records: list[StoredRecord],
             app_rights: dict[str, bool]) -> list[dict]:
    """Each record's rights for the caller (kintone.dev "Evaluate Record Permissions"): the record's
    own (the app permissions narrowed by the record permissions) and every field's that a record
    update can name, table fields alongside the others."""
    ctx = query_context(identity)
    rules = {flag: record_rule(conn, live, identity, flag, ctx) for flag in ("viewable", "editable", "deletable")}
    fields = field_access(conn, live, identity)
    codes = [f.code for f in live.form.fields.values() if f.type not in SYSTEM_TYPES and f.type != "SUBTABLE"]
    result = []
    for rec in records:
        values = stored_record_values(rec, live.form)
        allowed = {flag: app_rights[flag] and (rule is None or rule.allows(values)) for flag, rule in rules.items()}
        accessible = fields.of(values) if fields is not None else {}
        by_field = {}
        for code in codes:
            field = live.form.fields[code]
            # A field inside a table has the table's permissions.
            accessibility = accessible.get(field.table or code, "WRITE")
            by_field[code] = {"viewable": accessibility != "NONE", "editable": accessibility == "WRITE"}
        result.append({"id": str(rec.id), "record": allowed, "fields": by_field})
    return result
