"""Record permissions for one person: which records they may view, edit or delete, as SQL joining
a search's WHERE and as a decision on one record already read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timezone
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from kinflow.apps.access.people import Decision, Person, decide, people, person_of
from kinflow.apps.access.settings import RECORD_ACL
from kinflow.apps.app import LiveApp
from kinflow.apps.form import Form
from kinflow.apps.query.ast import Condition, InList
from kinflow.apps.query.context import QueryContext, query_context
from kinflow.apps.query.evaluate import matches, stored_record_values
from kinflow.apps.query.parser import parse_condition
from kinflow.apps.query.sql import compile_condition
from kinflow.apps.record_tables import ASSIGNEE_FIELD_ID, RecordTables
from kinflow.clock import clock
from kinflow.directory.identity import Identity
from kinflow.errors import no_privilege

if TYPE_CHECKING:
    from kinflow.apps.records import StoredRecord

# Fields whose values the values table holds, one row each.
_LISTED_TYPES = frozenset({"USER_SELECT", "ORGANIZATION_SELECT", "GROUP_SELECT", "STATUS_ASSIGNEE"})


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
        """The condition "a field of the record names the person" in SQL. A multi-value field is looked up once
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
        decisions = tuple(decide(entities, form, person, lambda entry: bool(entry.get(flag))))
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
