"""An app's general notifications `/k/admin/app/{app}/notifications` (its managers): who hears of
added and edited records, comments, status changes and imports (users, groups, departments, the
users a field names), and whether commenters hear of later comments; saved whole through `PUT
preview/app/notifications/general.json`, live after "Update app"."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kinflow.apps.notification_settings import EVENT_FLAGS, TARGET_TYPES
from kinflow.errors import KintoneError
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write_or_refuse
from kinflow.web.pages.permissions import entity_rows
from kinflow.web.render import page
from kinflow.web.sessions import Browser

MAX_TARGETS = 500
GENERAL = "preview/app/notifications/general"


def notifications_path(app_id: int | str) -> str:
    return f"/k/admin/app/{app_id}/notifications"


def _settings(reader: Reader, app_id: int) -> dict:
    general = reader.call("GET", GENERAL, app=app_id)  # first: managers only
    return {"app": reader.call("GET", "app", id=app_id), "targets": general["notifications"],
            "commenters": general.get("notifyToCommenter", False)}


def _show(request: Request, browser: Browser, found: dict, status: int = 200, **context: object) -> Response:
    return page(request, browser, "notification_settings.html", status=status, flags=EVENT_FLAGS,
                entity_types=TARGET_TYPES, path=notifications_path(found["app"]["appId"]),
                **{"problem": None, "saved": False, **found, **context})


@signed_in_page
async def notification_settings_page(request: Request, browser: Browser) -> Response:
    app_id = request.path_params["app"]
    found = await read(request, browser, lambda reader: _settings(reader, app_id))
    return _show(request, browser, found, saved=request.query_params.get("saved") == "1")


@signed_in_form
async def save_notification_settings(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    app_id = request.path_params["app"]
    targets = entity_rows(form, EVENT_FLAGS, MAX_TARGETS)
    commenters = bool(form.get("notifyToCommenter"))

    def save(reader: Reader) -> None:
        reader.call("GET", GENERAL, app=app_id)  # first: only managers get further
        if len(targets) > MAX_TARGETS:
            raise KintoneError("CB_VA01", "Missing or invalid input.", 400, {"notifications": [f"At most {MAX_TARGETS}."]})
        reader.call("PUT", GENERAL, app=app_id, notifications=targets, notifyToCommenter=commenters)

    async def refused(error: KintoneError) -> Response:
        found = await read(request, browser, lambda reader: _settings(reader, app_id))
        return _show(request, browser, {**found, "targets": targets, "commenters": commenters}, status=400,
                     problem=error)

    return await write_or_refuse(request, browser, save, f"{notifications_path(app_id)}?saved=1", refused)
