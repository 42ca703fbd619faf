"""Time zones by the names the service takes: Windows zone names ("Pacific Standard Time"), with or
without their punctuation as the reference allows, and IANA names ("America/Los_Angeles")."""

from __future__ import annotations

import re
from datetime import timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from kinflow.flows.expressions.values import fail, need_text


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@cache
def _windows_names() -> dict[str, str]:
    # Imported on first use: the table is needed only by the time zone functions.
    from tzlocal.windows_tz import win_tz

    return {_key(windows): iana for windows, iana in win_tz.items()}


@cache
def _iana_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def time_zone(name) -> tzinfo:
    name = need_text(name, "the time zone").strip()
    if _key(name) in ("utc", "coordinateduniversaltime", "gmt"):
        return timezone.utc
    iana = _windows_names().get(_key(name)) or _iana_names().get(name.lower())
    if iana is None:
        fail(f"'{name[:40]}' is not a time zone name (such as 'Pacific Standard Time').")
    try:
        return ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"the time zone '{name[:40]}' is not known on this server.")
