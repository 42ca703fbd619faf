"""What a query may do with each kind of field (reference §5.3), and how it names fields.

`$id` and `$revision` are not form fields, so they get stand-in `Field`s of kintone's own types
`__ID__` and `__REVISION__`.
"""

from __future__ import annotations

from kinflow.apps.field_types import CHOICE_TYPES, ENTITY_SELECT_TYPES, MULTI_CHOICE_TYPES
from kinflow.apps.form import Field, Form
from kinflow.apps.query import errors

RECORD_ID = Field("$id", "__ID__", {}, 0)
REVISION = Field("$revision", "__REVISION__", {}, 0)

_ORDERED = frozenset({"=", "!=", ">", "<", ">=", "<="})
_LISTS = frozenset({"in", "not in"})
_LIKES = frozenset({"like", "not like"})
_EMPTINESS = frozenset({"is empty", "is not empty"})

OPERATORS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("__ID__", "__REVISION__", "RECORD_NUMBER", "NUMBER", "CALC"), _ORDERED | _LISTS),
    **dict.fromkeys(("SINGLE_LINE_TEXT", "LINK"), {"=", "!="} | _LISTS | _LIKES | _EMPTINESS),
    **dict.fromkeys(("MULTI_LINE_TEXT", "RICH_TEXT", "FILE"), _LIKES | _EMPTINESS),
    **dict.fromkeys(CHOICE_TYPES, _LISTS | _EMPTINESS),
    "STATUS": {"=", "!="} | _LISTS,
    **dict.fromkeys(("STATUS_ASSIGNEE", "CATEGORY", "CREATOR", "MODIFIER"), _LISTS),
    **dict.fromkeys(ENTITY_SELECT_TYPES, _LISTS | _EMPTINESS),
    **dict.fromkeys(("DATE", "TIME", "DATETIME"), _ORDERED | _EMPTINESS),
    **dict.fromkeys(("CREATED_TIME", "UPDATED_TIME"), _ORDERED),
}

# How a field's values compare: the kind decides how query values are read.
NUMBER_TYPES = frozenset({"NUMBER", "CALC"})
INTEGER_TYPES = frozenset({"__ID__", "__REVISION__", "RECORD_NUMBER"})
INSTANT_TYPES = frozenset({"DATETIME", "CREATED_TIME", "UPDATED_TIME"})
# Everything else compares as text, and text of blanks only counts as empty.
NON_TEXT_TYPES = NUMBER_TYPES | INTEGER_TYPES | INSTANT_TYPES | {"DATE", "TIME"}
# Fields holding several values at once; a condition holds when one of them matches.
LIST_TYPES = MULTI_CHOICE_TYPES | ENTITY_SELECT_TYPES | {"STATUS_ASSIGNEE", "CATEGORY", "FILE"}
USER_TYPES = frozenset({"CREATOR", "MODIFIER", "USER_SELECT", "STATUS_ASSIGNEE"})

SORTABLE_TYPES = INTEGER_TYPES | NUMBER_TYPES | INSTANT_TYPES | {
    "SINGLE_LINE_TEXT", "LINK", "RADIO_BUTTON", "DROP_DOWN", "DATE", "TIME", "CREATOR", "MODIFIER", "STATUS",
}  # fmt: skip


def find_field(form: Form, reference: str) -> Field:
    if reference == RECORD_ID.code:
        return RECORD_ID
    if reference == REVISION.code:
        return REVISION
    head, dot, _ = reference.partition(".")
    if dot:
        # `table.field` is the related-records form; kinflow has no related records yet.
        table = form.get(head)
        if table is not None and table.type == "SUBTABLE":
            raise errors.dotted_table_field(reference)
        raise errors.field_not_found(reference)
    field = form.get(reference)
    if field is None:
        raise errors.field_not_found(reference)
    return field


def check_operator(field: Field, operator: str) -> None:
    if field.table is not None and operator in ("=", "!="):
        raise errors.table_equality(operator, field.code)
    if operator not in OPERATORS.get(field.type, ()):
        raise errors.operator_not_allowed(operator, field.code)


def sort_field(form: Form, reference: str) -> Field:
    field = find_field(form, reference)
    if field.table is not None or field.type not in SORTABLE_TYPES:
        raise errors.not_sortable(field.code)
    return field
