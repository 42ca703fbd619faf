"""An app's permissions `/k/admin/app/{app}/acl` (its managers): the ordered list of entities (user,
group, department, creator) with what each may do, the first that matches a user deciding, as in
kintone; saved whole through `PUT preview/app/acl.json`, live after "Update app"."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kinflow.digits import is_digits
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write_or_refuse
from kinflow.web.render import page
from kinflow.web.sessions import Browser

FLAGS = ("recordViewable", "recordAddable", "recordEditable", "recordDeletable", "appEditable",
         "recordImportable", "recordExportable")
ENTITY_TYPES = ("USER", "GROUP", "ORGANIZATION", "CREATOR")
MAX_RIGHTS = 500


def acl_path(app_id: int | str) -> str:
    return f"/k/admin/app/{app_id}/acl"


def _settings(reader: Reader, app_id: int) -> dict:
    rights = reader.call("GET", "preview/app/acl", app=app_id)["rights"]  # first: managers only
    return {"app": reader.call("GET", "app", id=app_id), "rights": rights}


def _show(request: Request, browser: Browser, found: dict, status: int = 200, **context: object) -> Response:
    return page(request, browser, "permissions.html", status=status, flags=FLAGS, entity_types=ENTITY_TYPES,
                acl_path=acl_path(found["app"]["appId"]), **{"problem": None, "saved": False, **found, **context})


@signed_in_page
async def permissions_page(request: Request, browser: Browser) -> Response:
    app_id = request.path_params["app"]
    found = await read(request, browser, lambda reader: _settings(reader, app_id))
    return _show(request, browser, found, saved=request.query_params.get("saved") == "1")


def entity_rows(form: dict[str, list[str]], flags: tuple[str, ...], limit: int) -> list[dict]:
    """The rows of an entity table form (`rows`, then `r{i}.type`, `.code`, `.subs`, `.flags`,
    `.remove`), in order: a row with no type (the blank one) or marked for removal is left out."""
    first = {name: values[0].strip() for name, values in form.items() if values}
    count = int(first.get("rows", "0")) if is_digits(first.get("rows", "0")) else 0
    rows = []
    for index in range(min(count, limit + 1)):
        kind = first.get(f"r{index}.type", "")
        if not kind or f"r{index}.remove" in first:
            continue
        chosen = set(form.get(f"r{index}.flags", []))
        rows.append({"entity": {"type": kind, "code": None if kind == "CREATOR" else first.get(f"r{index}.code", "")},
                     "includeSubs": f"r{index}.subs" in first, **{flag: flag in chosen for flag in flags}})
    return rows


@signed_in_form
async def save_permissions(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id = request.path_params["app"]
    rights = entity_rows(form, FLAGS, MAX_RIGHTS)

    def save(reader: Reader) -> None:
        reader.call("GET", "preview/app/acl", app=app_id)  # first: only managers get further
        if len(rights) > MAX_RIGHTS:
            raise KintoneError("CB_VA01", "Missing or invalid input.", 400, {"rights": [f"At most {MAX_RIGHTS}."]})
        reader.call("PUT", "preview/app/acl", app=app_id, rights=rights)

    async def refused(error: KintoneError) -> Response:
        found = await read(request, browser, lambda reader: _settings(reader, app_id))
        return _show(request, browser, {**found, "rights": rights}, status=400, problem=error)

    return await write_or_refuse(request, browser, save, f"{acl_path(app_id)}?saved=1", refused)
