"""An app's per-record notifications `/k/admin/app/{app}/notifications/perRecord` and reminders
`/k/admin/app/{app}/notifications/reminder` (its managers): each rule a condition in the query
language, a title and its recipients (`TYPE:code`, separated by commas), a reminder also its timing
(a date field, days later, then hours later or a time of day) and the app's reminder time zone.
Saved whole through `PUT preview/app/notifications/perRecord.json` / `reminder.json`, whose checks
answer; their messages stand beside the rule's field they name. Live after "Update app"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from kinflow.apps.notification_settings import TIMING_TYPES
from kinflow.digits import bounded_number
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write_or_refuse
from kinflow.web.entity_text import entities_of, entities_text
from kinflow.web.render import page
from kinflow.web.sessions import Browser

KINDS = ("perRecord", "reminder")
MAX_RULES = 100


def rules_path(app_id: int | str, kind: str) -> str:
    return f"/k/admin/app/{app_id}/notifications/{kind}"


def _kind(request: Request) -> str:
    return request.url.path.rsplit("/", 1)[1]


def _settings(reader: Reader, app_id: int, kind: str) -> dict:
    document = reader.call("GET", f"preview/app/notifications/{kind}", app=app_id)  # first: managers only
    properties = reader.call("GET", "preview/app/form/fields", app=app_id)["properties"]
    dates = [p for p in properties.values() if p["type"] in TIMING_TYPES]
    return {"app": reader.call("GET", "app", id=app_id), "rules": document["notifications"],
            "timezone": document.get("timezone", "UTC"), "dates": dates}


@dataclass
class RuleProblems:
    """A refused save's messages: by rule (its place in the list) and field, and the others."""

    by_rule: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    general: dict[str, list[str]] = field(default_factory=dict)

    def of(self, index: int, name: str) -> list[str]:
        return self.by_rule.get(index, {}).get(name, [])


# `notifications[2].filterCond`, `notifications[0].targets[1].entity.code`, `notifications[1].timing.time`
_RULE_KEY = re.compile(r"^notifications\[(\d+)\]\.(?:timing\.)?([A-Za-z]+)")


def rule_problems(error: KintoneError) -> RuleProblems:
    found = RuleProblems()
    for key, messages in (error.errors or {}).items():
        matched = _RULE_KEY.match(key)
        if matched:
            found.by_rule.setdefault(int(matched.group(1)), {}).setdefault(matched.group(2), []).extend(messages)
        else:
            found.general.setdefault(key, []).extend(messages)
    return found


def _show(request: Request, browser: Browser, found: dict, kind: str, status: int = 200, **context: object) -> Response:
    app_id = found["app"]["appId"]
    return page(request, browser, "notification_rules.html", status=status, kind=kind,
                path=rules_path(app_id, kind), entities_text=entities_text,
                **{"problem": None, "problems": RuleProblems(), "saved": False, **found, **context})


@signed_in_page
async def notification_rules_page(request: Request, browser: Browser) -> Response:
    app_id, kind = request.path_params["app"], _kind(request)
    found = await read(request, browser, lambda reader: _settings(reader, app_id, kind))
    return _show(request, browser, found, kind, saved=request.query_params.get("saved") == "1")


def _optional(text: str) -> str | None:
    return text or None


def rules_from_form(form: dict[str, list[str]], kind: str) -> list[dict]:
    """The rules of the form in order: a rule left blank (the one offered for adding) or marked for
    removal is left out; the rest go to the API as typed."""
    first = {name: values[0].strip() for name, values in form.items() if values}
    rules = []
    for index in range(min(bounded_number(first.get("rows"), 99_999), MAX_RULES + 1)):
        typed = {name: first.get(f"n{index}.{name}", "")
                 for name in ("filterCond", "title", "targets", "code", "daysLater", "hoursLater", "time")}
        blank = not any(typed[name] for name in ("filterCond", "title", "targets", "daysLater", "hoursLater", "time"))
        if blank or f"n{index}.remove" in first:
            continue
        rule: dict = {"filterCond": typed["filterCond"], "title": typed["title"],
                      "targets": entities_of(typed["targets"], include_subs=f"n{index}.subs" in first)}
        if kind == "reminder":
            rule = {"timing": {"code": typed["code"], "daysLater": typed["daysLater"],
                               "hoursLater": _optional(typed["hoursLater"]), "time": _optional(typed["time"])},
                    **rule}
        rules.append(rule)
    return rules


@signed_in_form
async def save_notification_rules(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id, kind = request.path_params["app"], _kind(request)
    rules = rules_from_form(form, kind)
    timezone = (form.get("timezone") or [""])[0].strip()
    resource = f"preview/app/notifications/{kind}"

    def save(reader: Reader) -> None:
        reader.call("GET", resource, app=app_id)  # first: only managers get further
        if len(rules) > MAX_RULES:
            raise KintoneError("CB_VA01", "Missing or invalid input.", 400,
                               {"notifications": [f"At most {MAX_RULES}."]})
        extra = {"timezone": timezone} if kind == "reminder" else {}
        reader.call("PUT", resource, app=app_id, notifications=rules, **extra)

    async def refused(error: KintoneError) -> Response:
        found = await read(request, browser, lambda reader: _settings(reader, app_id, kind))
        typed = {"rules": rules, **({"timezone": timezone} if kind == "reminder" else {})}
        return _show(request, browser, {**found, **typed}, kind, status=400, problem=error,
                     problems=rule_problems(error))

    return await write_or_refuse(request, browser, save, f"{rules_path(app_id, kind)}?saved=1", refused)
