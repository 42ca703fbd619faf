"""Record permissions decide the same in SQL (a search's WHERE) and in Python (one record read for a
write or a notification), whatever the permission sets, the person and the records."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinflow.apps.access import Person, parse_rights, rule_for
from kinflow.apps.query.parser import parse_condition
from tests.query.conftest import Store
from tests.query.test_agreement import FORM, USERS, conditions, data, shared_store  # noqa: F401 - a fixture

# Entities a permission set may list: fixed people, and fields of the record naming people.
ENTITIES = [
    {"type": "USER", "code": "sato"}, {"type": "USER", "code": "kato"},
    {"type": "GROUP", "code": "everyone"}, {"type": "GROUP", "code": "crew"},
    {"type": "ORGANIZATION", "code": "sales"}, {"type": "ORGANIZATION", "code": "hq"},
    {"type": "FIELD_ENTITY", "code": "owner"}, {"type": "FIELD_ENTITY", "code": "Created_by"},
    {"type": "FIELD_ENTITY", "code": "dept"}, {"type": "FIELD_ENTITY", "code": "team"},
]
entry = st.builds(lambda entity, viewable, subs: {"entity": entity, "viewable": viewable, "includeSubs": subs},
                  st.sampled_from(ENTITIES), st.booleans(), st.booleans())
permission_set = st.builds(lambda cond, entities: {"filterCond": cond, "entities": entities},
                           st.one_of(st.just(""), conditions), st.lists(entry, max_size=4))
people = st.builds(
    lambda code, crew, depts, above: Person(code, frozenset({"everyone", *(["crew"] if crew else [])}),
                                            frozenset(depts), frozenset(above)),
    st.sampled_from(USERS), st.booleans(), st.sets(st.sampled_from(["sales", "east"])),
    st.sets(st.sampled_from(["hq", "sales"])))
# dept and team hold codes the people above may belong to.
extra = st.fixed_dictionaries({"dept": st.lists(st.sampled_from(["sales", "east", "hq"]), unique=True),
                               "team": st.lists(st.sampled_from(["crew", "other"]), unique=True)})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=data, fields=st.lists(extra, min_size=6, max_size=6), rights=st.lists(permission_set, max_size=3),
       person=people)
def test_sql_and_evaluation_agree(shared_store, ctx, records, fields, rights, person):
    store: Store = shared_store
    records = [{**record, **more} for record, more in zip(records, fields)]
    store.clear()
    store.add(records)
    for right in rights:
        if right["filterCond"]:
            parse_condition(right["filterCond"])  # the settings API checks conditions before they are kept
    rule = rule_for(FORM, parse_rights(rights), person, ctx, "viewable")
    table = store.tables.records
    select = sa.select(table.c.id).order_by(table.c.id)
    where = rule.where(store.tables)
    if where is not None:
        select = select.where(where)
    with store.engine.connect() as conn:
        found = list(conn.execute(select).scalars())
    assert found == [r["$id"] for r in records if rule.allows(r)], rights
