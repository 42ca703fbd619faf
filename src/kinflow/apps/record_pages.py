"""A record page's rendering function, generated once per form and choice of fields.

A page of 500 records is 500 × (fields + 2) small dicts; looping over the fields and branching on
their kind for each of them costs more than building the dicts. So, as `dataclasses` does for
`__init__`, the renderer of one record is written out as Python source (one dict display whose
entries read the row by position) and compiled once. Only field codes and types, both written
with `repr`, and column positions go into the source.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kinflow.apps.field_types import TEXT_TYPES
from kinflow.apps.form import Field
from kinflow.apps.record_codec import (
    SYSTEM_ATTRIBUTES,
    RecordCodec,
    calc_renderer,
    date_text,
    datetime_text,
    time_text,
)

_MAX_CACHED = 64


class _Repeated(dict):
    """Field entries (`{"type": ..., "value": ...}`) by stored value, each made once per page: the
    records of a page share the few people and moments that wrote them, and building the same
    entries again for every record cost a third of rendering it. (Entries shared between records
    are fine in a page that is only serialised.)"""

    def __init__(self, make: Callable[[object, dict], dict], users: dict[str, str]) -> None:
        super().__init__()
        self.make = make
        self.users = users

    def __missing__(self, value: object) -> dict:
        entry = self[value] = self.make(value, self.users)
        return entry


class PageRenderer:
    """Renders fetched rows (tuples of the codec's `page_columns`) as `GET records.json` does."""

    def __init__(self, render: Callable[..., dict], repeated: list[Callable[[object, dict], dict]]) -> None:
        self._render = render  # fn(row, names, shared, tables, number_prefix) -> one record
        self._repeated = repeated

    def __call__(self, rows: list, names: dict, tables: dict, number_prefix: str) -> list[dict]:
        """`names` maps entity kinds to code -> display name; `tables` maps each SUBTABLE shown to
        its fetched rows by record id."""
        users = names["USER"]
        shared = tuple(_Repeated(make, users) for make in self._repeated)
        render = self._render
        return [render(row, names, shared, tables, number_prefix) for row in rows]


def page_renderer(codec: RecordCodec, fields: set[str] | None) -> PageRenderer:
    key = None if fields is None else frozenset(fields)
    cache = codec.__dict__.setdefault("_page_renderers", {})
    found = cache.get(key)
    if found is None:
        if len(cache) >= _MAX_CACHED:
            cache.clear()  # arbitrary field lists from clients must not grow this without end
        found = cache[key] = _build(codec, fields)
    return found


def _person(field_type: str) -> Callable[[object, dict], dict]:
    return lambda code, users: {"type": field_type, "value": {"code": code, "name": users.get(code, code)}}


def _moment(field_type: str) -> Callable[[object, dict], dict]:
    return lambda value, users: {"type": field_type, "value": datetime_text(value)}


def _build(codec: RecordCodec, fields: set[str] | None) -> PageRenderer:
    renderers: list[Callable] = []

    def value(f: Field, index: int, row: str) -> str:
        """A Python expression for the API value of field `f` at `row[index]`."""
        if f.type in TEXT_TYPES and f.type != "DROP_DOWN":
            return f"({row}[{index}] or '')"
        if f.type in ("DATETIME", "CREATED_TIME", "UPDATED_TIME"):
            return f"datetime_text({row}[{index}])"
        if f.type == "DATE":
            # SQLite's page columns give the stored text, the API's value already.
            return f"({row}[{index}] or None)" if codec.dialect is not None else f"date_text({row}[{index}])"
        if f.type == "TIME":
            return f"time_text({row}[{index}])"
        if f.type == "CALC":  # a time format, from the exact text column
            render = calc_renderer(f)
            renderers.append(lambda text, names: render(Decimal(text)) if text else "")
            return f"R[{len(renderers) - 1}]({row}[{index}], names)"
        renderers.append(codec.renderers[f.code])
        return f"R[{len(renderers) - 1}]({row}[{index}], names)"

    repeated: list[Callable[[object, dict], dict]] = []
    number_bound = False
    position = codec.position
    form = codec.form
    entries = []
    for code, field_type, how in codec.layout:
        if how is None or (fields is not None and code not in fields):
            continue
        if how == "system":
            if field_type == "RECORD_NUMBER":
                expr = "number_prefix + (number := str(row[0]))"  # `$id` shows the same text
                number_bound = True
            else:
                # Creators, modifiers and their times: the same few entries over a whole page.
                make = _person if field_type in ("CREATOR", "MODIFIER") else _moment
                repeated.append(make(field_type))
                entries.append(f"{code!r}: shared[{len(repeated) - 1}][row[{position[SYSTEM_ATTRIBUTES[field_type]]}]]")
                continue
        elif how == "table":
            child = codec.tables.subtables[code]
            child_position = {c.name: i for i, c in enumerate(child.columns)}
            inner = ", ".join(
                f"{i.code!r}: {{'type': {i.type!r}, 'value': {_cell(i, child_position, value)}}}"
                for i in form.inner_fields(code))
            expr = f"[{{'id': str(c[0]), 'value': {{{inner}}}}} for c in tables[{code!r}][row[0]]]"
        else:
            expr = _cell(form.get(code), position, value)  # type: ignore[arg-type]
        entries.append(f"{code!r}: {{'type': {field_type!r}, 'value': {expr}}}")
    if fields is None or "$id" in fields:
        entries.append(f"'$id': {{'type': '__ID__', 'value': {'number' if number_bound else 'str(row[0])'}}}")
    if fields is None or "$revision" in fields:
        # Most records of a page are at the same few revisions.
        repeated.append(lambda revision, users: {"type": "__REVISION__", "value": str(revision)})
        entries.append(f"'$revision': shared[{len(repeated) - 1}][row[{position['revision']}]]")
    source = ("def render(row, names, shared, tables, number_prefix):\n"
              f"    return {{{', '.join(entries)}}}\n")
    namespace: dict = {"R": renderers, "datetime_text": datetime_text, "date_text": date_text, "time_text": time_text}
    exec(compile(source, f"<record page of app {codec.tables.app_id}>", "exec"), namespace)  # noqa: S102
    return PageRenderer(namespace["render"], repeated)


def _cell(f: Field, position: dict[str, int], value: Callable[[Field, int, str], str]) -> str:
    row = "row" if f.table is None else "c"
    if f.column_name not in position:
        return "None"  # a kind of field kept in no column
    if f.type == "NUMBER" or (f.type == "CALC" and f.props.get("format", "NUMBER") in ("NUMBER", "NUMBER_DIGIT")):
        # The text column holds `number_text` of the value already.
        return f"({row}[{position[f'{f.column_name}_text']}] or '')"
    if f.type == "CALC":
        return value(f, position[f"{f.column_name}_text"], row)
    return value(f, position[f.column_name], row)
