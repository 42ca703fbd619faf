"""Personal settings `/k/personal`: the user's own language (or the browser's) and time zone, the
profile fields the directory keeps (`people.update_user`, as the users API changes them)."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from babel import Locale

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.directory import people
from kinflow.i18n import locale_name
from kinflow.web.access import read, signed_in_form, signed_in_page, write
from kinflow.web.render import page
from kinflow.web.sessions import Browser

PERSONAL = "/k/personal"


# kintone's `zh` is Simplified Chinese: named so, beside `zh-TW`'s traditional characters.
_NAMED_AS = {"zh": "zh_Hans"}


@cache
def language_names() -> dict[str, str]:
    """Each language a user may choose, named in itself ("auto" is named on the page)."""
    return {code: Locale.parse(_NAMED_AS.get(code, locale_name(code))).get_display_name() or code
            for code in people.LANGUAGES if code != "auto"}


@cache
def time_zones() -> list[str]:
    return sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC")


@signed_in_page
async def personal_page(request: Request, browser: Browser) -> Response:
    code = browser.user.code
    profile = await read(request, browser, lambda reader: people.list_users(reader.conn, codes=[code])[0])
    return page(request, browser, "personal.html", profile=profile, languages=language_names(),
                zones=time_zones(), saved=request.query_params.get("saved") == "1")


@signed_in_form
async def save_personal(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    changes = {name: form[name][0] for name in ("language", "timezone") if form.get(name)}
    if changes.get("timezone") and changes["timezone"] not in time_zones():
        changes["timezone"] = "UTC"
    await write(request, browser, lambda reader: people.update_user(reader.conn, browser.user.code, changes))
    return RedirectResponse(f"{PERSONAL}?saved=1", status_code=303)
