"""Groups in the browser: `/k/groups`, the groups the signed-in user belongs to (by their mobile
number), and `/k/groups/{groupId}`, a group's conversation, where a member posts a message or a
reply, likes and comments, and answers polls, surveys, meetings and jobs in place.

Every read and write is one of the groups API's own handlers (`kinflow.web.group_caller`): the
page turns its form into the API's JSON body and back, nothing more. `/k/groups/{groupId}/messages`
is the conversation alone, which the page's script fetches when the live stream says it changed."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from kinflow.api.kaizala import actions as actions_api
from kinflow.api.kaizala import groups as groups_api
from kinflow.errors import KintoneError
from kinflow.groups import conversation as conversation_domain
from kinflow.groups import groups as groups_domain
from kinflow.storage.schema import users
from kinflow.web import group_caller
from kinflow.web.access import Reader, read, signed_in_form, signed_in_page, write
from kinflow.web.render import language, page
from kinflow.web.sessions import Browser
from kinflow.web.values import Shown, zone

GROUPS = "/k/groups"
# The longest cursor of an older page: microseconds, a dot, a referenceId.
_MAX_CURSOR = 60


def group_path(group_id: str) -> str:
    return f"{GROUPS}/{group_id}"


def _names(conn: Connection, mobiles: set[str]) -> dict[str, str]:
    """The kinflow users' names of these numbers (a person of Groups has a name only when they gave one)."""
    if not mobiles:
        return {}
    return dict(conn.execute(sa.select(users.c.mobile_number, users.c.name).where(
        users.c.mobile_number.in_(mobiles))).all())


@signed_in_page
async def groups_page(request: Request, browser: Browser) -> Response:
    def load(reader: Reader) -> dict:
        mobile = group_caller.mobile_of(reader.conn, reader.browser.user)
        person = group_caller.person_of(reader.conn, reader.browser.user)
        if person is None:
            return {"mobile": mobile, "groups": []}
        caller = group_caller.caller_of(reader.conn, reader.browser.user)
        found = group_caller.call(reader.conn, reader.request.app.state.settings, caller, groups_api.list_groups,
                                  path={}, query={"showDetail": "true"})
        return {"mobile": mobile, "groups": found["groups"]}

    found = await read(request, browser, load)
    return page(request, browser, "groups.html", **found)


def _who(person: dict | None, names: dict[str, str]) -> str:
    if not person:
        return ""
    return names.get(person["mobile"]) or person["name"] or person["mobile"]


def _digest(item: dict) -> str:
    """What the page's script compares to know that a message changed (and must be drawn again)."""
    return hashlib.sha256(orjson.dumps(item, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def _conversation(reader: Reader, group_id: str, before: str) -> dict:
    """The group (checked as its details are: members only) and a page of its conversation."""
    settings = reader.request.app.state.settings
    caller = group_caller.caller_of(reader.conn, reader.browser.user)
    details = group_caller.call(reader.conn, settings, caller, groups_api.group_details,
                                path={"groupId": group_id})["groups"][0]
    group = groups_domain.load_group(reader.conn, group_id)
    found = conversation_domain.conversation(reader.conn, group, caller.person, {"before": before},
                                             public_url=settings.public_url, key=settings.keys)
    mobiles = {item["sender"]["mobile"] for item in found["messages"]}
    for item in found["messages"]:
        item["digest"] = _digest(item)
        mobiles |= {c["sender"]["mobile"] for c in item["reactions"]["comments"]}
        if item.get("replyTo") and item["replyTo"]["sender"]:
            mobiles.add(item["replyTo"]["sender"]["mobile"])
        mobiles |= {a["mobile"] for a in item.get("assignedTo", [])}
    return {"group": details, "me": caller.person.mobile, "names": _names(reader.conn, mobiles),
            "version": conversation_domain.version(reader.conn, group.id), **found}


def _before(request: Request) -> str:
    raw = request.query_params.get("before", "")
    return raw if len(raw) <= _MAX_CURSOR else ""


async def group_response(request: Request, browser: Browser, group_id: str, *, status: int = 200,
                         problem: KintoneError | None = None, problem_at: str = "", typed: str = "") -> Response:
    """The conversation page, with a refused write's problem next to where it was made."""
    found = await read(request, browser, lambda reader: _conversation(reader, group_id, _before(request)))
    # A problem is shown where it was made: the composer, or a message's answer or comment form; else
    # (a reply to a message this page does not show) above the conversation.
    places = {"composer"} | {f"{kind}:{item['referenceId']}" for item in found["messages"]
                             for kind in ("answer", "comment")}
    return page(request, browser, "group.html", status=status, shown=Shown(language(request, browser),
                browser.user.timezone), who=lambda person: _who(person, found["names"]), problem=problem,
                problem_at=problem_at, placed=problem_at in places, typed=typed, older=_before(request), **found)


@signed_in_page
async def group_page(request: Request, browser: Browser) -> Response:
    return await group_response(request, browser, request.path_params["group"])


@signed_in_page
async def group_messages(request: Request, browser: Browser) -> Response:
    """The conversation alone (its newest page), for the page's script to draw what changed."""
    group_id = request.path_params["group"]
    found = await read(request, browser, lambda reader: _conversation(reader, group_id, ""))
    return page(request, browser, "group_messages.html", shown=Shown(language(request, browser),
                browser.user.timezone), who=lambda person: _who(person, found["names"]), problem=None,
                problem_at="", placed=False, typed="", older="", **found)


# --- writes ---------------------------------------------------------------------------------


def _first(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


async def _send(request: Request, browser: Browser, group_id: str, handler: group_caller.Handler,
                path: dict[str, str], body: dict, anchor: str, typed: str = "") -> Response:
    """A write through one of the groups API's handlers, then back to the conversation at the new
    message, or at the one answered or commented on; a refusal of what was sent is shown at `anchor`
    (`composer`, `answer:{referenceId}`, `comment:{referenceId}`) with what was typed."""

    def send(reader: Reader) -> dict:
        caller = group_caller.caller_of(reader.conn, reader.browser.user)
        return group_caller.call(reader.conn, reader.request.app.state.settings, caller, handler,
                                 path={"groupId": group_id, **path}, body=body)

    try:
        result = await write(request, browser, send)
    except KintoneError as error:
        if error.status != 400:
            raise
        return await group_response(request, browser, group_id, status=400, problem=error, problem_at=anchor,
                                    typed=typed)
    # The new message (a text's referenceId), else the one reacted to or answered.
    where = result.get("referenceId") or anchor.partition(":")[2]
    return RedirectResponse(f"{group_path(group_id)}#m-{where}", status_code=303)


@signed_in_form
async def post_message(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    """A text message, or a reply to one (`replyTo`): `POST /groups/{groupId}/messages`'s handler."""
    text, reply_to = _first(form, "message"), _first(form, "replyTo")
    body = {"message": text, **({"replyToReferenceId": reply_to} if reply_to else {})}
    return await _send(request, browser, request.path_params["group"], groups_api.send_message, {}, body,
                       f"comment:{reply_to}" if reply_to else "composer", typed=text)


@signed_in_form
async def react(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    """A like or a comment on a message: `POST /groups/{groupId}/reaction`'s handler."""
    reference = _first(form, "referenceId")
    kind = _first(form, "reactionType")
    source = _first(form, "sourceGroupId")  # a message that flowed down from a group above
    body = {"referenceId": reference, "reactionType": kind, **({"sourceGroupId": source} if source else {}),
            **({"comment": _first(form, "comment")} if kind == "Comment" else {})}
    return await _send(request, browser, request.path_params["group"], groups_api.react, {}, body,
                       f"comment:{reference}", typed=_first(form, "comment"))


def _number(raw: str) -> object:
    """A number typed in a form; what is not one goes to the API as typed, which refuses it in its words."""
    try:
        value = float(raw)
    except ValueError:
        return raw
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


def _epoch_ms(raw: str, kind: str, timezone: ZoneInfo) -> object:
    """A date (midnight) or a local date and time of the reader's time zone, as Kaizala's epoch milliseconds."""
    try:
        moment = datetime.fromisoformat(raw if kind == "DateTime" else f"{raw}T00:00")
    except ValueError:
        return raw
    return int(moment.replace(tzinfo=timezone).timestamp() * 1000)


def _answer(question: dict, form: dict[str, list[str]], name: str, timezone: ZoneInfo) -> object:
    """One question's answer as the API takes it (`kinflow.groups.questions`); None leaves it unanswered."""
    kind = question["type"]
    if kind == "MultiOption":
        return form.get(name) or None
    if kind == "Location":
        latitude, longitude = _first(form, f"{name}.lt").strip(), _first(form, f"{name}.lg").strip()
        if not latitude and not longitude:
            return None
        return {"lt": _number(latitude), "lg": _number(longitude), "n": _first(form, f"{name}.n")}
    raw = _first(form, name)
    if kind in ("Image", "AttachmentList") or raw.strip() == "":
        return None  # files are answered from an app that uploads them
    if kind == "Numeric":
        return _number(raw.strip())
    if kind in ("Date", "DateTime"):
        return _epoch_ms(raw.strip(), kind, timezone)
    return raw


@signed_in_form
async def respond(request: Request, browser: Browser, form: dict[str, list[str]]) -> Response:
    """An answer to an action: `POST /groups/{groupId}/actions/{actionId}/responses`'s handler, with the
    earlier response's id when it changes that one."""
    group_id, action_id = request.path_params["group"], request.path_params["action"]
    reference = _first(form, "referenceId")

    def questions_of(reader: Reader) -> dict:
        caller = group_caller.caller_of(reader.conn, reader.browser.user)
        return group_caller.call(reader.conn, reader.request.app.state.settings, caller, actions_api.get_action,
                                 path={"groupId": group_id, "actionId": action_id})

    action = await read(request, browser, questions_of)
    details = action["actionDetails"]
    if action["actionType"] == "Job":
        body: dict = {"isCompleted": _first(form, "isCompleted") == "true"}
    else:
        timezone = zone(browser.user.timezone)
        body = {"answers": [_answer(question, form, f"q{index}", timezone)
                            for index, question in enumerate(details.get("questions", []))]}
    response_id = _first(form, "responseId")
    request_body = {"actionBody": body, **({"responseId": response_id} if response_id else {})}
    return await _send(request, browser, group_id, actions_api.respond, {"actionId": action_id}, request_body,
                       f"answer:{reference}")
