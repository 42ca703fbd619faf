"""A record's values as a page shows them: kintone's JSON (`GET record.json`) to safe HTML.

Dates and times are shown in the user's time zone and language; rich text keeps only the markup nh3
allows (no script, no event handler, no `javascript:` link); everything else is escaped text.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from kinflow.digits import is_digits
from kinflow.i18n import locale_name
from babel.dates import format_date, format_datetime
from markupsafe import Markup, escape

_MOMENTS = {"DATETIME", "CREATED_TIME", "UPDATED_TIME"}
_LISTS = {"CHECK_BOX", "MULTI_SELECT", "CATEGORY"}
_ENTITIES = {"USER_SELECT", "ORGANIZATION_SELECT", "GROUP_SELECT", "STATUS_ASSIGNEE"}
_PERSON = {"CREATOR", "MODIFIER"}
# A list cell shows this much of a long text.
_CELL_CHARS = 120


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _with_unit(text: str, props: dict) -> str:
    unit = props.get("unit") or ""
    return f"{unit}{text}" if props.get("unitPosition") == "BEFORE" else f"{text}{unit}"


class Shown:
    """Renders values for one reader: their language and time zone."""

    def __init__(self, lang: str, timezone: str, files: str | None = None) -> None:
        self.lang = lang
        self.locale = locale_name(lang)
        self.zone = zone(timezone)
        # Where this page's files download (`/k/file`), when its FILE values link to them.
        self.files = files

    def moment(self, text: str) -> str:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        return format_datetime(moment, "medium", tzinfo=self.zone, locale=self.locale)

    def day(self, text: str) -> str:
        try:
            return format_date(date.fromisoformat(text), "medium", locale=self.locale)
        except ValueError:
            return text

    def value(self, field_type: str, value: object, props: dict | None = None) -> Markup:
        """One field's value on the record page."""
        if value in (None, "", []):
            return Markup("")
        if field_type in _MOMENTS:
            return escape(self.moment(str(value)))
        if field_type == "DATE":
            return escape(self.day(str(value)))
        if field_type == "RICH_TEXT":
            return Markup(f'<div class="rich">{nh3.clean(str(value))}</div>')
        if field_type == "MULTI_LINE_TEXT":
            return Markup('<div class="multiline">{}</div>').format(value)
        if field_type in _LISTS:
            return escape(", ".join(str(v) for v in value))  # type: ignore[union-attr]
        if field_type in _ENTITIES:
            return escape(", ".join(str(v.get("name") or v.get("code")) for v in value))  # type: ignore[union-attr]
        if field_type in _PERSON and isinstance(value, dict):
            return escape(value.get("name") or value.get("code") or "")
        if field_type == "FILE":
            return self._files(value)  # type: ignore[arg-type]
        if field_type == "LINK":
            return self._link(str(value), (props or {}).get("protocol", "WEB"))
        if field_type == "CALC":
            return escape(self._calculated(str(value), props or {}))
        if field_type == "NUMBER" and props and props.get("unit"):
            return escape(_with_unit(str(value), props))
        return escape(str(value))

    def _files(self, value: list[dict]) -> Markup:
        """A FILE value's names, each a download link where the page has them."""
        if self.files is None:
            return escape(", ".join(str(v.get("name", "")) for v in value))
        link = Markup('<a href="{}?fileKey={}" download>{}</a>')
        return Markup(", ").join(link.format(self.files, quote(str(v.get("fileKey", "")), safe=""), v.get("name", ""))
                                 for v in value)

    def _calculated(self, text: str, props: dict) -> str:
        """A CALC as kintone's pages show it: its `format`, `displayScale` and `unit` (the API
        answers the bare value)."""
        display = props.get("format") or "NUMBER"
        if display == "DATETIME":
            return self.moment(text)
        if display == "DATE":
            return self.day(text)
        if display not in ("NUMBER", "NUMBER_DIGIT"):
            return text  # TIME, HOUR_MINUTE, DAY_HOUR_MINUTE: already hours and minutes
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text
        scale = str(props.get("displayScale") or "")
        if is_digits(scale) and int(scale) <= 10:
            number = number.quantize(Decimal(1).scaleb(-int(scale)), rounding=ROUND_HALF_UP)
        return _with_unit(format(number, ",f" if display == "NUMBER_DIGIT" else "f"), props)

    @staticmethod
    def _link(text: str, protocol: str) -> Markup:
        if protocol == "MAIL":
            return Markup('<a href="mailto:{}">{}</a>').format(text, text)
        if protocol == "CALL":
            return Markup('<a href="tel:{}">{}</a>').format(text, text)
        if text.lower().startswith(("http://", "https://")):
            return Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(text, text)
        return escape(text)

    def cell(self, field_type: str, value: object, props: dict | None = None) -> Markup:
        """One field's value in a list: short, on one line."""
        if field_type == "SUBTABLE":
            return escape(str(len(value or [])))  # type: ignore[arg-type]
        if field_type in ("RICH_TEXT", "MULTI_LINE_TEXT"):
            plain = Markup(str(value or "")).striptags() if field_type == "RICH_TEXT" else str(value or "")
            plain = " ".join(plain.split())
            return escape(plain if len(plain) <= _CELL_CHARS else plain[:_CELL_CHARS] + "…")
        return self.value(field_type, value, props)
