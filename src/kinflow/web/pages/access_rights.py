"""An app's record permissions `/k/admin/app/{app}/acl/records` and field permissions
`/k/admin/app/{app}/acl/fields` (its managers), beside its app permissions as in kintone's
Permissions settings.

Record permissions: ordered rules, each a condition in the query language and its entities in
priority order, each entity row with view/edit/delete and sub-departments. Field permissions: per
field of the form, its entities with READ, WRITE or NONE; a field left without entities has no
permission of its own. An entity row's "who" is a line of `TYPE:code` (several share the row's
choices). Saved whole through `PUT preview/record/acl.json` / `preview/field/acl.json`, whose checks
answer; their messages stand beside the rule, the row or the condition they name. Live after
"Update app"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from kinflow.apps.access.settings import ACCESSIBILITY, MAX_FIELD_RIGHTS, MAX_RIGHTS, NO_PERMISSION_TYPES, RECORD_FLAGS
from kinflow.digits import bounded_number
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write_or_refuse
from kinflow.web.entity_text import entities_of, entities_text
from kinflow.web.render import page
from kinflow.web.sessions import Browser

KINDS = ("records", "fields")
RESOURCE = {"records": "preview/record/acl", "fields": "preview/field/acl"}
MAX_ROWS = 100  # entity rows of one rule, as the API's entities of one rule


def rights_path(app_id: int | str, kind: str) -> str:
    return f"/k/admin/app/{app_id}/acl/{kind}"


def _kind(request: Request) -> str:
    return request.url.path.rsplit("/", 1)[1]


def _fields(reader: Reader, app_id: int) -> list[dict]:
    """The form's fields a field permission may name, in the form's order."""
    properties = reader.call("GET", "preview/app/form/fields", app=app_id)["properties"]
    return [p for p in properties.values() if p["type"] not in NO_PERMISSION_TYPES]


def _rows(entities: list[dict]) -> list[dict]:
    """A stored rule's entities as the page's rows, one entity each."""
    return [{"who": entities_text([e]), "subs": bool(e.get("includeSubs")),
             **{name: e.get(name) for name in (*RECORD_FLAGS, "accessibility") if name in e}} for e in entities]


def _settings(reader: Reader, app_id: int, kind: str) -> dict:
    rights = reader.call("GET", RESOURCE[kind], app=app_id)["rights"]  # first: managers only
    found: dict = {"app": reader.call("GET", "app", id=app_id)}
    if kind == "records":
        found["rules"] = [{"filterCond": r["filterCond"], "rows": _rows(r["entities"])} for r in rights]
    else:
        found["fields"] = _fields(reader, app_id)
        by_code = {r["code"]: _rows(r["entities"]) for r in rights}
        found["rules"] = [{"code": f["code"], "label": f.get("label"), "rows": by_code.get(f["code"], [])}
                          for f in found["fields"]]
    return found


@dataclass
class RightsProblems:
    """A refused save's messages: by rule (its place on the page) and name, by entity row, and the others."""

    by_rule: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    by_row: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    general: dict[str, list[str]] = field(default_factory=dict)

    def of(self, index: int, name: str) -> list[str]:
        return self.by_rule.get((index, name), [])

    def of_row(self, index: int, row: int) -> list[str]:
        return self.by_row.get((index, row), [])


# `rights[2].filterCond`, `rights[0].entities[1].entity.code`, `rights[1].entities`
_KEY = re.compile(r"^rights\[(\d+)\]\.(?:entities\[(\d+)\]|([A-Za-z]+))")


@dataclass
class Typed:
    """What the form said: the rules as the page shows them, what goes to the API, and where each
    rule and entity sent sits on the page (the API's messages name what was sent)."""

    rules: list[dict]
    rights: list[dict]
    rule_at: list[int]  # sent rule -> its place on the page
    row_at: list[list[int]]  # sent rule -> sent entity -> its row

    def problems(self, error: KintoneError) -> RightsProblems:
        found = RightsProblems()
        for key, messages in (error.errors or {}).items():
            matched = _KEY.match(key)
            if not matched or int(matched.group(1)) >= len(self.rule_at):
                found.general.setdefault(key, []).extend(messages)
                continue
            sent = int(matched.group(1))
            place = self.rule_at[sent]
            if matched.group(2) is not None and int(matched.group(2)) < len(self.row_at[sent]):
                found.by_row.setdefault((place, self.row_at[sent][int(matched.group(2))]), []).extend(messages)
            else:
                found.by_rule.setdefault((place, matched.group(3) or "entities"), []).extend(messages)
        return found


def _typed_rows(first: dict[str, str], form: dict[str, list[str]], prefix: str, kind: str) -> list[dict]:
    rows = []
    for row in range(bounded_number(first.get(f"{prefix}.entries"), MAX_ROWS + 1)):
        name = f"{prefix}.e{row}"
        who = first.get(f"{name}.who", "")
        if not who or f"{name}.remove" in first:
            continue
        if kind == "records":
            chosen = set(form.get(f"{name}.flags", []))
            choices: dict = {flag: flag in chosen for flag in RECORD_FLAGS}
        else:
            choices = {"accessibility": first.get(f"{name}.accessibility", "")}
        rows.append({"who": who, "subs": f"{name}.subs" in first, **choices})
    return rows


def _entities(rows: list[dict]) -> tuple[list[dict], list[int]]:
    """The API's entities of a rule's rows, and each one's row."""
    entities, row_of = [], []
    for index, row in enumerate(rows):
        for entity in entities_of(row["who"], include_subs=row["subs"]):
            entities.append({**entity, **{k: v for k, v in row.items() if k not in ("who", "subs")}})
            row_of.append(index)
    return entities, row_of


def typed_rights(form: dict[str, list[str]], kind: str) -> Typed:
    """The rules of the form in order. Records: a rule left blank (the one offered for adding) or
    marked for removal is left out. Fields: a field without entity rows is left out."""
    first = {name: values[0].strip() for name, values in form.items() if values}
    limit = MAX_RIGHTS if kind == "records" else MAX_FIELD_RIGHTS
    typed = Typed([], [], [], [])
    for index in range(bounded_number(first.get("rows"), limit + 1)):
        prefix = f"n{index}"
        rows = _typed_rows(first, form, prefix, kind)
        if kind == "records":
            rule = {"filterCond": first.get(f"{prefix}.filterCond", ""), "rows": rows}
            if f"{prefix}.remove" in first or not (rule["filterCond"] or rows):
                continue
        else:
            rule = {"code": first.get(f"{prefix}.code", ""), "rows": rows}
        typed.rules.append(rule)
        if kind == "fields" and not rows:
            continue
        entities, row_of = _entities(rows)
        head = {"filterCond": rule["filterCond"]} if kind == "records" else {"code": rule["code"]}
        typed.rights.append({**head, "entities": entities})
        typed.rule_at.append(len(typed.rules) - 1)
        typed.row_at.append(row_of)
    return typed


def _show(request: Request, browser: Browser, found: dict, kind: str, status: int = 200, **context: object) -> Response:
    app_id = found["app"]["appId"]
    template = "record_acl.html" if kind == "records" else "field_acl.html"
    return page(request, browser, template, status=status, kind=kind, path=rights_path(app_id, kind),
                record_flags=RECORD_FLAGS, accessibility=ACCESSIBILITY,
                **{"problem": None, "problems": RightsProblems(), "saved": False, **found, **context})


@signed_in_page
async def access_rights_page(request: Request, browser: Browser) -> Response:
    app_id, kind = request.path_params["app"], _kind(request)
    found = await read(request, browser, lambda reader: _settings(reader, app_id, kind))
    return _show(request, browser, found, kind, saved=request.query_params.get("saved") == "1")


@signed_in_form
async def save_access_rights(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id, kind = request.path_params["app"], _kind(request)
    typed = typed_rights(form, kind)

    def save(reader: Reader) -> None:
        reader.call("GET", RESOURCE[kind], app=app_id)  # first: only managers get further
        reader.call("PUT", RESOURCE[kind], app=app_id, rights=typed.rights)  # its checks bound the sizes

    async def refused(error: KintoneError) -> Response:
        found = await read(request, browser, lambda reader: _settings(reader, app_id, kind))
        if kind == "fields":  # the form's fields, each with what was typed for it
            by_code = {rule["code"]: rule["rows"] for rule in typed.rules}
            typed.rules[:] = [{"code": f["code"], "label": f.get("label"), "rows": by_code.get(f["code"], [])}
                              for f in found["fields"]]
            place = {rule["code"]: index for index, rule in enumerate(typed.rules)}
            typed.rule_at[:] = [place.get(sent["code"], 0) for sent in typed.rights]
        return _show(request, browser, {**found, "rules": typed.rules}, kind, status=400, problem=error,
                     problems=typed.problems(error))

    return await write_or_refuse(request, browser, save, f"{rights_path(app_id, kind)}?saved=1", refused)
