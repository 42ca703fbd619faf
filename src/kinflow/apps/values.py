"""Field values: from kintone's JSON to what a column stores, and back.

Parsing collects every problem into kintone's `errors` map (keys like `record.<code>.value`,
`records[3].<code>.value`, `record.<table>.value[0].value.<inner>.value`) so a client sees them all
at once. Rules and messages: shared/reference/kintone-rest-api.md §2.2 and §4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Context, Decimal, InvalidOperation

from kinflow.apps.field_types import (
    CHOICE_TYPES,
    ENTITY_SELECT_TYPES,
    MULTI_CHOICE_TYPES,
    TEXT_TYPES,
)
from kinflow.apps.form import Field, Form
from kinflow.apps.formulas.check import is_calculated
from kinflow.apps.lookup_settings import copy_targets
from kinflow.i18n import N_

Errors = dict[str, list[str]]
ENTITY_KIND = {"USER_SELECT": "USER", "ORGANIZATION_SELECT": "ORGANIZATION", "GROUP_SELECT": "GROUP"}


class Invalid(Exception):
    """One value's problem; `key_style` picks kintone's key shape for it."""

    def __init__(self, message: str, key_style: str = "value") -> None:
        super().__init__(message)
        self.message = message
        self.key_style = key_style


@dataclass
class TableRow:
    id: int | None
    values: dict[str, object] = field(default_factory=dict)


def error_key(base: str, code: str, style: str) -> str:
    if style == "bracket":  # kintone's quirk for non-numeric NUMBER values
        return f"{base}[{code}].value"
    if style == "values":
        return f"{base}.{code}.values"
    if style == "values.value":
        return f"{base}.{code}.values.value"
    if style.startswith("values["):
        return f"{base}.{code}.{style}.value"
    return f"{base}.{code}.value"


# --- parsing ------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


# kintone's field limits (help article 040528, "Field Entry Limits"): a number has at most 30 digits
# (its "Total Number of Digits" setting goes up to 30, fractions rounded past at most 10 places);
# a date lies between the years 1000 and 9999; a text field that prohibits duplicates holds at most
# 64 characters. The text limits are not in that article: single-line text 64,000 characters (as
# kintone answers), and 65,535 for multi-line and rich text (kintone's documented limit of its other
# long texts, comments and threads).
MAX_DIGITS = 30
MIN_YEAR, MAX_YEAR = 1000, 9999
MAX_UNIQUE_TEXT = 64
MAX_TEXT = {"SINGLE_LINE_TEXT": 64_000, "LINK": 64_000, "MULTI_LINE_TEXT": 65_535, "RICH_TEXT": 65_535}
# Not documented by kintone: kinflow's own bound, so that one request cannot write a million rows.
MAX_TABLE_ROWS = 5_000
# kinflow's own bounds on a FILE value (kintone documents none): files, and a key's length (an upload
# key is a UUID; a download key 46 characters).
MAX_FILES = 100
MAX_FILE_KEY = 64
# Room for every digit a number may have on both sides of the point (Python's default keeps 28).
_WIDE = Context(prec=2 * MAX_DIGITS)


def normalise_number(raw: object) -> Decimal | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise Invalid(N_("Only numbers are allowed."), "bracket")
    text = str(raw).strip()
    if len(text) > 100:  # no number within the limits is spelt longer; Decimal's work grows with it
        raise Invalid(N_("Enter a number of at most {max_digits} digits.", max_digits=MAX_DIGITS))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Invalid(N_("Only numbers are allowed."), "bracket") from None
    if not number.is_finite():
        raise Invalid(N_("Only numbers are allowed."), "bracket")
    if number and number.adjusted() >= MAX_DIGITS:  # `1e999999999` would be a billion digits long
        raise Invalid(N_("Enter a number of at most {max_digits} digits.", max_digits=MAX_DIGITS))
    if number.as_tuple().exponent < -MAX_DIGITS:  # type: ignore[operator]
        number = number.quantize(Decimal(1).scaleb(-MAX_DIGITS), context=_WIDE)
    return number


def number_text(number: Decimal) -> str:
    """kintone normalises numbers on save: "1.5e1" is stored as "15", "1.50" as "1.5"."""
    text = format(number.normalize(_WIDE), "f")
    return "0" if text in ("-0", "") else text


def parse_date(raw: object) -> date | None:
    if raw is None or raw == "":
        return None
    match = _DATE.match(raw) if isinstance(raw, str) else None
    if not match:
        raise Invalid(N_("The date format is invalid. Use YYYY-MM-DD."))
    try:
        day = date(int(match[1]), int(match[2] or 1), int(match[3] or 1))
    except ValueError:
        raise Invalid(N_("The date is invalid.")) from None
    if day.year < MIN_YEAR:
        raise Invalid(N_("Enter a date between {min_year}-01-01 and {max_year}-12-31.",
                         min_year=MIN_YEAR, max_year=MAX_YEAR))
    return day


def parse_time(raw: object) -> time | None:
    if raw is None or raw == "":
        return None
    match = _TIME.match(raw) if isinstance(raw, str) else None
    if not match:
        raise Invalid(N_("The time format is invalid. Use HH:MM."))
    try:
        return time(int(match[1]), int(match[2]))
    except ValueError:
        raise Invalid(N_("The time is invalid.")) from None


def parse_datetime(raw: object) -> datetime | None:
    """An ISO 8601 instant, stored as naive UTC with seconds dropped (as kintone stores it)."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise Invalid(N_("The date and time format is invalid. Use YYYY-MM-DDTHH:MM:SSZ."))
    try:
        moment = datetime.fromisoformat(raw.strip().replace("z", "Z"))
    except ValueError:
        raise Invalid(N_("The date and time format is invalid. Use YYYY-MM-DDTHH:MM:SSZ.")) from None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        except OverflowError:  # year 1 or 9999 moved past the calendar's ends
            raise Invalid(N_("Enter a date and time between {min_year} and {max_year}.",
                             min_year=MIN_YEAR, max_year=MAX_YEAR)) from None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise Invalid(N_("Enter a date and time between {min_year} and {max_year}.",
                         min_year=MIN_YEAR, max_year=MAX_YEAR))
    return moment.replace(second=0, microsecond=0)


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool) or isinstance(raw, (list, dict)):
        raise Invalid(N_("Enter a string value."))
    return str(raw) if isinstance(raw, (int, float)) else raw


def _bounded_text(limit: int):  # noqa: ANN202
    def parse(raw: object) -> str:
        text = _text(raw)
        if len(text) > limit:
            raise Invalid(N_("Enter less than {limit} characters.", limit=limit + 1))
        return text
    return parse


_TEXT_PARSERS = {t: _bounded_text(limit) for t, limit in MAX_TEXT.items()}
_UNIQUE_TEXT = _bounded_text(MAX_UNIQUE_TEXT)


def _string_list(raw: object) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise Invalid(N_("Enter an array of strings."), "values")
    return list(dict.fromkeys(raw))


def _entity_list(raw: object) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Invalid(N_("Enter an array of objects with a code."), "values")
    codes = []
    for index, item in enumerate(raw):
        code = item.get("code") if isinstance(item, dict) else None
        if not isinstance(code, str) or not code:
            raise Invalid(N_("Required."), f"values[{index}]")
        codes.append(code)
    return list(dict.fromkeys(codes))


def parse_files(raw: object) -> list[dict]:
    """A FILE value as a client sends it: `[{"fileKey": ...}, ...]` (other properties are ignored)."""
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        raise Invalid(N_("Enter an array of objects with a fileKey."))
    if len(raw) > MAX_FILES:
        raise Invalid(N_("A field may hold at most {max_files} files.", max_files=MAX_FILES))
    keys = []
    for item in raw:
        key = item.get("fileKey") if isinstance(item, dict) else None
        if not isinstance(key, str) or not key or len(key) > MAX_FILE_KEY:
            raise Invalid(N_("Enter an array of objects with a fileKey."))
        keys.append(key)
    return [{"fileKey": key} for key in dict.fromkeys(keys)]


def _creator(raw: object) -> object:
    codes = _entity_list([raw] if isinstance(raw, dict) else raw)
    return codes[0] if codes else None


def _not_writable(raw: object) -> object:
    raise Invalid(N_("This field cannot be written."))


def parser(f: Field):  # noqa: ANN201
    """The function reading one field's storage value from the `value` of kintone's JSON."""
    t = f.type
    if t in TEXT_TYPES:
        if f.props.get("unique") and t in ("SINGLE_LINE_TEXT", "LINK"):
            return _UNIQUE_TEXT
        return _TEXT_PARSERS.get(t, _text)
    if t == "NUMBER":
        return normalise_number
    if t == "DATE":
        return parse_date
    if t == "TIME":
        return parse_time
    if t in ("DATETIME", "CREATED_TIME", "UPDATED_TIME"):
        return parse_datetime
    if t in MULTI_CHOICE_TYPES:
        return _string_list
    if t in ENTITY_SELECT_TYPES:
        return _entity_list
    if t in ("CREATOR", "MODIFIER"):
        return _creator
    if t == "FILE":
        return parse_files
    return _not_writable


def parse_value(f: Field, raw: object) -> object:
    """One field's storage value from the `value` of kintone's JSON."""
    return parser(f)(raw)


def parse_table(form: Form, table: Field, raw: object, base: str, errors: Errors) -> list[TableRow]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.setdefault(f"{base}.{table.code}.value", []).append(N_("Enter an array of rows."))
        return []
    if len(raw) > MAX_TABLE_ROWS:
        errors.setdefault(f"{base}.{table.code}.value", []).append(N_("A table may have at most {max_table_rows} rows.",
                                                                      max_table_rows=MAX_TABLE_ROWS))
        return []
    # A client's values for calculated fields and lookup copies are ignored, as kintone ignores them.
    targets = copy_targets(form)
    inner = {f.code: f for f in form.inner_fields(table.code) if not is_calculated(f) and f.code not in targets}
    rows = []
    for index, item in enumerate(raw):
        row_base = f"{base}.{table.code}.value[{index}].value"
        if not isinstance(item, dict):
            errors.setdefault(row_base, []).append(N_("Enter an object for each row."))
            continue
        row_id = item.get("id")
        try:
            row_id = int(row_id) if row_id not in (None, "") else None
        except (TypeError, ValueError):
            row_id = None
        values = {}
        for code, entry in (item.get("value") or {}).items():
            f = inner.get(code)
            if f is None:
                continue
            raw_value = entry.get("value") if isinstance(entry, dict) else entry
            try:
                values[code] = parse_value(f, raw_value)
            except Invalid as problem:
                if f.type == "NUMBER" and problem.key_style == "bracket":
                    # kintone stores a non-numeric number inside a table as empty instead.
                    values[code] = None
                else:
                    errors.setdefault(error_key(row_base, code, problem.key_style), []).append(problem.message)
        rows.append(TableRow(row_id, values))
    return rows


_NEVER_WRITTEN = frozenset({"RECORD_NUMBER", "STATUS", "STATUS_ASSIGNEE", "CATEGORY"})
_SYSTEM_WRITTEN = frozenset({"CREATOR", "MODIFIER", "CREATED_TIME", "UPDATED_TIME"})


def _parse_plan(form: Form) -> dict[str, tuple[Field, object, bool]]:
    """Per top-level field code a client may send: the field, its parser (None for a table) and
    whether only callers allowed to set system fields may write it. Computed once per form."""
    plan = form.__dict__.get("_parse_plan")
    if plan is None:
        plan = {}
        targets = copy_targets(form)
        for f in form.top_level:
            if f.type in _NEVER_WRITTEN or is_calculated(f) or f.code in targets:
                continue
            plan[f.code] = (f, None if f.type == "SUBTABLE" else parser(f), f.type in _SYSTEM_WRITTEN)
        form.__dict__["_parse_plan"] = plan
    return plan


def parse_record(form: Form, raw: object, base: str, errors: Errors, *, writable_system: bool) -> dict:
    """The fields a client sent; unknown codes are ignored, as kintone does."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.setdefault(base, []).append(N_("Enter an object."))
        return {}
    plan = _parse_plan(form)
    result: dict = {}
    for code, entry in raw.items():
        spec = plan.get(code)
        if spec is None:
            continue
        f, parse, system = spec
        if system and not writable_system:
            continue
        raw_value = entry.get("value") if isinstance(entry, dict) else entry
        if parse is None:
            result[code] = parse_table(form, f, raw_value, base, errors)
            continue
        try:
            result[code] = parse(raw_value)  # type: ignore[operator]
        except Invalid as problem:
            errors.setdefault(error_key(base, code, problem.key_style), []).append(problem.message)
            if problem.key_style == "bracket":
                # A number that is not one counts as empty: a required field also says "Required."
                # (from `check_rules`), another only that it wants a number.
                result[code] = None
    return result


# --- defaults and rules -------------------------------------------------------------------


def default_value(f: Field, now: datetime, user_code: str, primary_org: str | None) -> object:
    props = f.props
    t = f.type
    if props.get("defaultNowValue"):
        if t == "DATE":
            return now.date()
        if t == "TIME":
            return now.time().replace(second=0, microsecond=0)
        if t == "DATETIME":
            return now.replace(tzinfo=None, second=0, microsecond=0)
    default = props.get("defaultValue")
    if t in ENTITY_SELECT_TYPES:
        codes = []
        for item in default or []:
            code = item.get("code")
            if item.get("type") == "FUNCTION":
                code = {"LOGINUSER()": user_code, "PRIMARY_ORGANIZATION()": primary_org}.get(code)
            if code:
                codes.append(code)
        return codes
    try:
        return parse_value(f, default if default is not None else "")
    except Invalid:
        return None


def is_empty(f: Field, value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, list):
        return len(value) == 0
    return False


_LENGTH_CHECKED = frozenset({"SINGLE_LINE_TEXT", "LINK", "MULTI_LINE_TEXT"})


def check_rules(f: Field, value: object, base: str, errors: Errors) -> None:
    """required, length, range and option rules of one field (not unique: that needs the DB)."""
    props = f.props
    empty = is_empty(f, value)
    if props.get("required") and empty and f.type not in ("RADIO_BUTTON",):
        style = "values" if f.type in MULTI_CHOICE_TYPES or f.type == "FILE" else "values.value" if f.type in ENTITY_SELECT_TYPES else "value"
        errors.setdefault(error_key(base, f.code, style), []).append(N_("Required."))
        return
    if empty and not (f.type in _LENGTH_CHECKED and props.get("minLength") not in ("", None, "0")):
        return
    if f.type in _LENGTH_CHECKED:
        # kintone checks `minLength` on an empty text too.
        length = len(value or "")  # type: ignore[arg-type]
        max_length, min_length = props.get("maxLength"), props.get("minLength")
        if max_length not in ("", None) and length > int(max_length):
            errors.setdefault(error_key(base, f.code, "value"), []).append(
                N_("Enter less than {limit} characters.", limit=int(max_length) + 1))
        if min_length not in ("", None) and length < int(min_length):
            errors.setdefault(error_key(base, f.code, "value"), []).append(
                N_("Enter more than {limit} characters.", limit=int(min_length) - 1))
    if f.type == "NUMBER":
        max_value, min_value = props.get("maxValue"), props.get("minValue")
        if max_value not in ("", None) and value > Decimal(max_value):  # type: ignore[operator]
            errors.setdefault(error_key(base, f.code, "value"), []).append(N_("The value must be {max_value} or less.",
                                                                              max_value=max_value))
        if min_value not in ("", None) and value < Decimal(min_value):  # type: ignore[operator]
            errors.setdefault(error_key(base, f.code, "value"), []).append(N_("The value must be {min_value} or more.",
                                                                              min_value=min_value))
    if f.type in CHOICE_TYPES:
        options = f.options
        if isinstance(value, list):
            for index, item in enumerate(value):
                if item not in options:
                    errors.setdefault(error_key(base, f.code, f"values[{index}]"), []).append(
                        N_('The value, "{value}", is not in options.', value=item))
        elif value not in options:
            errors.setdefault(error_key(base, f.code, "value"), []).append(N_('The value, "{value}", is not in '
                                                                              'options.', value=value))


# --- rendering ----------------------------------------------------------------------------


def render_datetime(moment: datetime | None) -> str:
    # isoformat is several times faster than strftime, and a page renders thousands of these.
    return f"{moment.isoformat(timespec='minutes')}:00Z" if moment else ""
