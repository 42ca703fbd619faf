"""An app's webhooks `/k/admin/app/{app}/webhooks` (its managers): list, add (the address guard and
every rule of the webhooks API apply), delete; each webhook's delivery log with its attempts, and
redelivery. Through kinflow's webhooks API actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kinflow.digits import digit_text
from kinflow.errors import KintoneError
from kinflow.events.kintone import EVENT_TYPES
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write_or_refuse
from kinflow.web.pages.views import views_path
from kinflow.web.render import language, page
from kinflow.web.sessions import Browser
from kinflow.web.values import Shown

LOG_SIZE = 50


def webhooks_path(app_id: int | str) -> str:
    return views_path(app_id).removesuffix("views") + "webhooks"


def _settings(reader: Reader, app_id: int, log: str | None) -> dict:
    webhooks = reader.kinflow("GET", "webhooks", app=app_id)["webhooks"]  # first: managers only
    found = {"app": reader.call("GET", "app", id=app_id), "webhooks": webhooks, "log": None, "deliveries": []}
    if log is not None:
        found["log"] = next((w for w in webhooks if w["id"] == log), None)
        if found["log"] is not None:
            found["deliveries"] = reader.kinflow("GET", "webhook/deliveries", app=app_id, id=log,
                                                 limit=LOG_SIZE)["deliveries"]
    return found


def _show(request: Request, browser: Browser, found: dict, status: int = 200, **context: object) -> Response:
    return page(request, browser, "webhooks.html", status=status, event_types=EVENT_TYPES,
                webhooks_path=webhooks_path(found["app"]["appId"]),
                shown=Shown(language(request, browser), browser.user.timezone),
                **{"problem": None, "entered": {}, "saved": None, **found, **context})


@signed_in_page
async def webhooks_page(request: Request, browser: Browser) -> Response:
    app_id = request.path_params["app"]
    log = digit_text(request.query_params.get("log"))
    found = await read(request, browser, lambda reader: _settings(reader, app_id, log))
    return _show(request, browser, found, saved=request.query_params.get("saved"))


def _change(reader: Reader, app_id: int, form: dict[str, list[str]]) -> str:
    first = {name: values[0].strip() for name, values in form.items() if values}
    operation = first.get("op")
    if operation == "add":
        reader.kinflow("POST", "webhooks", app=app_id, url=first.get("url", ""), events=form.get("events", []),
                       description=first.get("description", ""))
        return ""
    webhook = digit_text(first.get("id")) or "0"
    if operation == "delete":
        reader.kinflow("DELETE", "webhooks", app=app_id, id=webhook)
        return ""
    if operation == "redeliver":
        delivery = digit_text(first.get("delivery"))
        reader.kinflow("POST", "webhook/redeliver", app=app_id, id=webhook, **({"delivery": delivery} if delivery else {}))
        return f"&log={webhook}"
    raise KintoneError("CB_VA01", "Missing or invalid input.", 400, {"op": ["Enter add, delete or redeliver."]})


@signed_in_form
async def change_webhooks(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id = request.path_params["app"]
    operation = (form.get("op") or [""])[0]

    async def refused(error: KintoneError) -> Response:
        found = await read(request, browser, lambda reader: _settings(reader, app_id, None))
        entered = {name: values[0] for name, values in form.items() if values}
        return _show(request, browser, found, status=400, problem=error, entered=entered,
                     entered_events=form.get("events", []))

    return await write_or_refuse(request, browser, lambda reader: _change(reader, app_id, form),
                                 lambda after: f"{webhooks_path(app_id)}?saved={operation}{after}", refused)
