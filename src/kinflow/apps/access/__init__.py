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

from kinflow.apps.access.evaluate import MAX_EVALUATE, evaluate
from kinflow.apps.access.fields import FieldAccess, field_access
from kinflow.apps.access.people import Person, people, person_of
from kinflow.apps.access.records import RecordRule, parse_rights, record_rule, require_record, rule_for, who_may_view

__all__ = ["MAX_EVALUATE", "FieldAccess", "Person", "RecordRule", "evaluate", "field_access", "parse_rights",
           "people", "person_of", "record_rule", "require_record", "rule_for", "who_may_view"]
