"""Responses to actions (action_responses.md): `POST /groups/{groupId}/actions/{actionId}/responses`
`{actionType | id, responseId?, actionBody}` by a member of the group (or a subscriber of a public group
the action was sent to), answered `{responseId}`.

A job's assignee marks it done (`{isCompleted}`; a job may be completed after its due date). A survey,
a poll, a meeting or a custom action is answered by `answers`, one per question (`kinflow.groups.questions`),
with an optional `responseName` and `responseLocation`, until the action expires. One response per
responder, unless the survey accepts several; a responder changes theirs by sending its `responseId`.
Each response announces itself (`JobResponse`, `SurveyResponse`, `ActionResponse`) in its own
transaction, to the group's subscribers and to the action's own."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Row

from kinflow.clock import utc_text
from kinflow.events import kaizala as kaizala_events
from kinflow.events.outbox import now_naive
from kinflow.groups import media, watch
from kinflow.groups.errors import bad_input, forbidden, not_found, text
from kinflow.groups.groups import Group
from kinflow.groups.people import Person
from kinflow.groups.questions import MAX_TITLE, answers_of, canonical, location_of, with_answers
from kinflow.groups.tables import actions, responses, subscribers
from kinflow.secret_key import SecretKey

FIELDS = ("actionType", "id", "responseId", "actionBody")


def load_action(conn: Connection, group: Group, action_id: object) -> Row:
    """An action of the group (404 otherwise)."""
    if not isinstance(action_id, str) or len(action_id) > 36:
        raise not_found("action", str(action_id)[:40])
    row = conn.execute(sa.select(actions).where(actions.c.id == action_id, actions.c.group_id == group.id)).first()
    if row is None:
        raise not_found("action", action_id)
    return row


def sent_to_subscriber(conn: Connection, group: Group, action_id: object, person: Person) -> bool:
    """Whether the action went to this person as a subscriber of the (public) group: they respond to it
    though they are not a member."""
    if not isinstance(action_id, str) or len(action_id) > 36:
        return False
    audience = conn.execute(sa.select(actions.c.audience).where(
        actions.c.id == action_id, actions.c.group_id == group.id)).scalar()
    if audience is None:
        return False
    if audience != "all":
        return person.mobile in audience
    return conn.execute(sa.select(subscribers.c.id).where(
        subscribers.c.group_id == group.id, subscribers.c.person_id == person.id)).first() is not None


def is_update(body: dict) -> bool:
    """Whether a response body changes an earlier response (which needs the `action.update` scope)."""
    return bool(canonical(body, FIELDS).get("responseId"))


def _kind_matches(action: Row, body: dict) -> None:
    kind = text(body, "actionType", limit=64, required=False)
    if kind and kind != action.action_type:
        raise bad_input("actionType", f"The action ({action.id}) is a {action.action_type}.")
    named = text(body, "id", limit=64, required=False)
    if named and named not in (action.id, action.package_id):
        raise bad_input("id", f"The action ({action.id}) is not an instance of {named!r}.")


def _job_answer(conn: Connection, action: Row, person: Person, body: dict) -> dict:
    if person.mobile not in action.details["assignedTo"]:
        raise forbidden(f"Only the assignees of the job ({action.id}) mark it done.")
    done = canonical(body, ("isCompleted",)).get("isCompleted")
    if not isinstance(done, bool):
        raise bad_input("isCompleted", "Enter true or false.")
    return {"isCompleted": done}


def respond(conn: Connection, group: Group, person: Person, action_id: str, request: dict, *, public_url: str,
            key: SecretKey) -> dict:
    request = canonical(request, FIELDS)
    action = load_action(conn, group, action_id)
    if action.action_type == "Announcement":
        raise bad_input("actionId", "An announcement takes no responses.")
    _kind_matches(action, request)
    body = request.get("actionBody")
    if not isinstance(body, dict):
        raise bad_input("actionBody", "Send the response's fields as an object.")
    now = now_naive()
    if action.action_type != "Job" and action.expires_at is not None and action.expires_at <= now:
        raise bad_input("actionId", f"The {action.action_type} expired at {utc_text(action.expires_at)}.")
    name, location = "", None
    if action.action_type == "Job":
        answers: object = _job_answer(conn, action, person, body)
    else:
        body = canonical(body, ("answers", "responseName", "responseLocation"))
        answers = answers_of(conn, action.questions, body.get("answers"))
        name = text(body, "responseName", limit=MAX_TITLE, required=False)
        location = location_of(body["responseLocation"]) if body.get("responseLocation") is not None else None
    response_id = text(request, "responseId", limit=36, required=False)
    values = {"answers": answers, "name": name, "location": location, "modified_at": now}
    if response_id:
        mine = conn.execute(sa.select(responses.c.id).where(
            responses.c.id == response_id, responses.c.action_id == action.id,
            responses.c.person_id == person.id)).first()
        if mine is None:
            raise not_found("response", response_id)
        conn.execute(responses.update().where(responses.c.id == response_id).values(**values))
    else:
        earlier = None if action.multiple else conn.execute(sa.select(responses.c.id).where(
            responses.c.action_id == action.id, responses.c.person_id == person.id)).scalar()
        if earlier is not None:
            raise bad_input("responseId", f"You responded already ({earlier}): send that responseId to change it.")
        response_id = str(uuid.uuid4())
        conn.execute(responses.insert().values(id=response_id, action_id=action.id, person_id=person.id,
                                               created_at=now, **values))
    kaizala_events.response_posted(conn, group.id, person, action.id, action.action_type, action.package_id,
                                   response_id, updated=bool(request.get("responseId")), anonymous=action.anonymous,
                                   details=response_details(conn, action, person, answers, public_url, key))
    watch.conversation_changed(conn, group.id)
    return {"responseId": response_id}


def response_details(conn: Connection, action: Row, person: Person, answers: object, public_url: str,
                     key: SecretKey) -> dict:
    """`responseDetails` as the event-schema page shows it: a job's `response`, or the questions with
    their answers (`responseWithQuestions`)."""
    if action.action_type == "Job":
        return {"response": {"assignee": person.mobile, "assigneeName": person.name,
                             "assigneeProfilePic": person.profile_pic, **answers}}  # type: ignore[dict-item]
    links = media.links_of(conn, attached(action.questions, [answers]), public_url, key)  # type: ignore[list-item]
    return {"responseWithQuestions": with_answers(action.questions, answers, link(links))}  # type: ignore[arg-type]


def link(links: dict[str, dict]):  # noqa: ANN201
    """How an answer shows a file (a file gone since shows empty)."""
    return lambda media_id: links.get(media_id, {"mediaUrl": "", "mediaFileName": ""})


def attached(questions: list[dict], all_answers: list[list]) -> list[str]:
    """The ids of the files these answers hold."""
    ids: list[str] = []
    for answers in all_answers:
        for question, answer in zip(questions, answers):
            if question["type"] in ("Image", "AttachmentList") and answer:
                ids.extend(answer)
    return ids
