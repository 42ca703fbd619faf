"""Reading a group's actions: `GET /groups/{groupId}/actions?actionType=&fromDate=&count=` (actions_get.md,
the Swagger's FetchJobs) and `GET /groups/{groupId}/actions/{actionId}?getDetails=` (actionDetails.md,
the Swagger's FetchingSurveyResponses), for the group's members.

Each action is `{referenceId, actionId, actionType, sender, sentAt, creationTime, actionBody}`, its
`actionBody` holding the fields actions_get.md lists for its kind (Image, Audio, Document and Album
messages are listed too, without an actionId: they take no responses) (Kaizala's samples show `sentAt`
and others `creationTime`, in epoch seconds: kinflow gives both). A listing goes from `fromDate`
(epoch milliseconds; a number below 10^11 is read as seconds), oldest first, `count` at a time (30
by default, 100 at most), with `hasMore`. With `getDetails=true` an action's details add its
responses (anonymous ones without their responder) and a summary of the answers; an action sent
with `isSenderOnly` shows them to its sender only."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Row

from kinflow.clock import utc_text
from kinflow.groups import media
from kinflow.groups.actions import KINDS
from kinflow.groups.attachments import ACTION_TYPES as ATTACHMENT_TYPES
from kinflow.groups.errors import bad_input, digits, flag, text
from kinflow.groups.groups import Group
from kinflow.groups.people import Person
from kinflow.groups.questions import summary, with_answers
from kinflow.groups.responses import attached, link, load_action
from kinflow.groups.tables import actions, attachments, people, responses
from kinflow.secret_key import SecretKey

PAGE, MAX_PAGE = 30, 100
# Responses shown in one action's details, newest changes last.
MAX_RESPONSES = 1000
_EPOCH = datetime(1970, 1, 1)


def _from_date(value: object) -> datetime:
    if value in (None, ""):
        return _EPOCH
    if not digits(value, 14):  # 15 digits would pass the year 9999, where datetime ends
        raise bad_input("fromDate", "Enter a time in epoch milliseconds.")
    number = int(value)
    return _EPOCH + (timedelta(seconds=number) if number < 10 ** 11 else timedelta(milliseconds=number))


def _count(value: object) -> int:
    if value in (None, ""):
        return PAGE
    if not digits(value, 3) or not 1 <= int(value) <= MAX_PAGE:
        raise bad_input("count", f"Enter a count from 1 to {MAX_PAGE}.")
    return int(value)


class _Shown:
    """What the listed actions need from elsewhere: senders, response counts, files."""

    def __init__(self, conn: Connection, rows: list[Row], public_url: str, key: SecretKey) -> None:
        ids = [row.id for row in rows]
        self.senders = dict(conn.execute(sa.select(people.c.id, people.c.mobile).where(
            people.c.id.in_({row.sender_id for row in rows}))).all()) if rows else {}
        self.counts: dict[str, int] = dict(conn.execute(sa.select(responses.c.action_id, sa.func.count()).where(
            responses.c.action_id.in_(ids)).group_by(responses.c.action_id)).all()) if ids else {}
        jobs = [row.id for row in rows if row.action_type == "Job"]
        self.done: dict[str, int] = {}
        for action_id, answers in conn.execute(sa.select(responses.c.action_id, responses.c.answers).where(
                responses.c.action_id.in_(jobs))) if jobs else []:
            self.done[action_id] = self.done.get(action_id, 0) + bool(answers.get("isCompleted"))
        files = [f for row in rows for f in row.details.get("media", [])] + [
            choice["image"] for row in rows for choice in row.details.get("choices", []) if "image" in choice]
        self.links = media.links_of(conn, files, public_url, key)


def _seconds(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds())


def _expiry(row: Row) -> str:
    return utc_text(row.expires_at) if row.expires_at else ""


def _body(row: Row, shown: _Shown) -> dict:
    """actions_get.md's `actionBody` of each kind."""
    details, count = row.details, shown.counts.get(row.id, 0)
    body: dict = {"actionId": row.id}
    if row.action_type == "Announcement":
        body.update(title=row.title, message=details["message"],
                    media=[shown.links.get(i, {"mediaUrl": "", "mediaFileName": ""}) for i in details["media"]])
    elif row.action_type == "Job":
        assignees, done = len(details["assignedTo"]), shown.done.get(row.id, 0)
        body.update(title=row.title, assigneeCount=assignees, responseCount=done, isCompleted=done >= assignees,
                    dueDate=_expiry(row), assignedTo=details["assignedTo"])
    elif row.action_type == "Poll":
        choices = [{"title": c["title"], **({"image": shown.links[c["image"]]["mediaUrl"]}
                                            if c.get("image") in shown.links else {})} for c in details["choices"]]
        body.update(question=row.title, isSenderOnly=bool(row.sender_only), expiryDate=_expiry(row), choices=choices,
                    responseCount=count)
    elif row.action_type == "LetsMeet":
        body.update(title=row.title, isSenderOnly=bool(row.sender_only), responseCount=count, **details)
    else:  # a survey, or a custom action package's instance
        body.update(title=row.title, responseCount=count, expiryDate=_expiry(row))
        if row.package_id:
            body.update(actionPackageId=row.package_id, properties=details.get("properties", []))
    return body


def _listed(row: Row, shown: _Shown) -> dict:
    return {"referenceId": row.reference_id, "actionId": row.id,
            "actionType": row.package_id or row.action_type, "sender": shown.senders.get(row.sender_id, ""),
            "sentAt": utc_text(row.created_at), "creationTime": _seconds(row.created_at),
            "actionBody": _body(row, shown)}


def _attachments(conn: Connection, group: Group, kind: str, since: datetime, count: int, public_url: str,
                 key: SecretKey) -> dict:
    """Image, Audio, Document and Album messages, as actions_get.md lists a picture (`imageUrl`), with
    all their files and their caption."""
    rows = conn.execute(sa.select(attachments, people.c.mobile).join(people, people.c.id == attachments.c.sender_id)
                        .where(attachments.c.group_id == group.id, attachments.c.action_type == kind,
                               attachments.c.created_at >= since)
                        .order_by(attachments.c.created_at, attachments.c.id).limit(count + 1)).all()
    links = media.links_of(conn, [i for row in rows[:count] for i in row.media], public_url, key)
    items = []
    for row in rows[:count]:
        files = [links.get(i, {"mediaUrl": "", "mediaFileName": ""}) for i in row.media]
        items.append({"referenceId": row.id, "actionType": row.action_type, "sender": row.mobile,
                      "sentAt": utc_text(row.created_at), "creationTime": _seconds(row.created_at),
                      "actionBody": {**({"imageUrl": files[0]["mediaUrl"]} if kind == "Image" and files else {}),
                                     "media": files, "caption": row.caption}})
    return {"actions": items, "hasMore": len(rows) > count}


def list_actions(conn: Connection, group: Group, query: dict, *, public_url: str, key: SecretKey) -> dict:
    """The group's actions of one kind (or of one custom action package, by its id)."""
    kind = text(query, "actionType", limit=64)
    count, since = _count(query.get("count")), _from_date(query.get("fromDate"))
    if kind in ATTACHMENT_TYPES:
        return _attachments(conn, group, kind, since, count, public_url, key)
    which = actions.c.package_id == kind if kind not in KINDS and "." in kind else actions.c.action_type == kind
    if kind not in KINDS and "." not in kind:
        raise bad_input("actionType", f"Enter one of {', '.join((*KINDS, *ATTACHMENT_TYPES))}, or an action "
                                      "package's id.")
    rows = conn.execute(sa.select(actions).where(actions.c.group_id == group.id, which, actions.c.created_at >= since)
                        .order_by(actions.c.created_at, actions.c.id).limit(count + 1)).all()
    shown = _Shown(conn, rows[:count], public_url, key)
    return {"actions": [_listed(row, shown) for row in rows[:count]], "hasMore": len(rows) > count}


def _responses(conn: Connection, action: Row, public_url: str, key: SecretKey) -> dict:
    rows = conn.execute(sa.select(responses, people.c.mobile, people.c.name.label("person_name")).join(
        people, people.c.id == responses.c.person_id).where(responses.c.action_id == action.id)
        .order_by(responses.c.modified_at, responses.c.id).limit(MAX_RESPONSES + 1)).all()
    shown_rows = rows[:MAX_RESPONSES]
    if action.action_type == "Job":
        items = [{"responseId": r.id, "assignee": r.mobile, "assigneeName": r.person_name,
                  "isCompleted": bool(r.answers.get("isCompleted")), "responseTime": utc_text(r.modified_at)}
                 for r in shown_rows]
        return {"responses": items, "hasMoreResponses": len(rows) > MAX_RESPONSES}
    links = media.links_of(conn, attached(action.questions, [r.answers for r in shown_rows]), public_url, key)
    anonymous = bool(action.anonymous)
    items = [{"responseId": r.id, "responder": "" if anonymous else r.mobile,
              "responderName": "" if anonymous else r.person_name, "responseName": r.name,
              "responseTime": utc_text(r.modified_at),
              "responseWithQuestions": with_answers(action.questions, r.answers, link(links)),
              **({"responseLocation": r.location} if r.location else {})} for r in shown_rows]
    return {"responses": items, "summary": summary(action.questions, [r.answers for r in shown_rows]),
            "hasMoreResponses": len(rows) > MAX_RESPONSES}


def action_details(conn: Connection, group: Group, viewer: Person, action_id: str, query: dict, *,
                   public_url: str, key: SecretKey) -> dict:
    action = load_action(conn, group, action_id)
    detailed = flag(query.get("getDetails"), "getDetails")
    shown = _Shown(conn, [action], public_url, key)
    answer = _listed(action, shown)
    details = dict(answer.pop("actionBody"))
    if action.action_type not in ("Announcement", "Job"):
        details["questions"] = action.questions
    if action.action_type == "Job":
        details["status"] = details["isCompleted"]
    if detailed and action.action_type != "Announcement" and (not action.sender_only or viewer.id == action.sender_id):
        details.update(_responses(conn, action, public_url, key))
    return {**answer, "actionDetails": details}
