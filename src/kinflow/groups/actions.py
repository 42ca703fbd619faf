"""Actions posted to a group (actions_post.md): `{actionType, actionBody}` for an Announcement, a Job,
a Poll, a Survey or a LetsMeet. Each is stored with what its responses answer (`questions`), answers
`{referenceId, actionId}` and announces itself in its own transaction: `Announcement`, `JobCreated`,
`SurveyCreated`, or `ActionCreated` for the others. An instance of an imported custom action package is
posted as `{id, actionBody}` (the package's id, no actionType).

Where Kaizala's documents disagree, kinflow follows the Swagger file and takes the others' defaults
when a field is missing: an announcement needs its `message` (the Swagger's AnnouncementBodyRequest;
the docs page also asks for a title, optional here); a job's `dueDate` and a survey's flags, required
by the Swagger's schemas, default as the docs page says (24 hours; false). Field names are read
without regard to case, as Kaizala read them (its samples send `Message` and `message` alike).

Announcements flow down to sub-groups, as text messages do, and the members of a parent group may
send announcements (only) into its sub-groups. In a public group, admins may send an action to
chosen subscribers or to all of them (`subscribers`, `sendToAllSubscribers`), as messages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.clock import utc_text
from kinflow.errors import KintoneError
from kinflow.events import kaizala as kaizala_events
from kinflow.events.outbox import now_naive
from kinflow.groups import media, packages, subscribers, watch
from kinflow.groups.errors import bad_input, digits, flag, text
from kinflow.groups.groups import Group, role_of
from kinflow.groups.members import MAX_PER_CALL
from kinflow.groups.people import Person
from kinflow.groups.phones import e164_list
from kinflow.groups.questions import MAX_TITLE, canonical, location_of, options_of, questions_of, title_of
from kinflow.groups.signin import Caller
from kinflow.groups.subgroups import ancestors, descendants
from kinflow.groups.tables import actions, members, people
from kinflow.secret_key import SecretKey

KINDS = ("Announcement", "Job", "Poll", "Survey", "LetsMeet")
# actions_post.md's property types, for an instance of a custom action package.
PROPERTY_TYPES = ("Text", "Numeric", "Location", "DateTime", "StringList", "Attachment", "StringSet", "AttachmentList")
MAX_PROPERTIES, MAX_PROPERTY_NAME = 100, 128
MAX_TEXT = 4000
MAX_HOURS = 24 * 365 * 10
MAX_MINUTES = 7 * 24 * 60
# Defaults of actions_post.md: a job is due in 24 hours, a survey too; a poll expires in 720 hours.
JOB_HOURS, SURVEY_HOURS, POLL_HOURS, MEETING_MINUTES = 24, 24, 720, 30
CUSTOM_HOURS = 720  # a custom action's `validity` when none is given: as long as a poll's
# What a meeting's responses answer: Kaizala's Let's Meet asks whether one attends.
RSVP = [{"title": "Are you attending?", "type": "SingleOption", "isInvisible": False,
         "options": [{"title": "Yes"}, {"title": "No"}, {"title": "Maybe"}]}]


@dataclass
class Draft:
    """A checked action body, ready to store."""
    action_type: str
    title: str
    details: dict
    questions: list[dict] = field(default_factory=list)
    anonymous: bool = False
    multiple: bool = False
    sender_only: bool = False
    expires_at: datetime | None = None
    package_id: str | None = None
    files: list[media.StoredMedia] = field(default_factory=list)


def _count(body: dict, name: str, default: int, limit: int, unit: str) -> int:
    value = body.get(name)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not digits(str(value), 9) \
            or not 1 <= int(value) <= limit:
        raise bad_input(name, f"Enter a whole number of {unit} from 1 to {limit}.")
    return int(value)


_EARLIEST, _LATEST = datetime(1970, 1, 1), datetime(9000, 1, 1)


def _moment(value: object, name: str) -> datetime:
    """An instant given as ISO 8601 (`2018-01-01T00:00:00Z`) or as epoch milliseconds, as naive UTC."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10 ** 14:
        return datetime(1970, 1, 1) + timedelta(milliseconds=value)
    if isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value)
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment
        except (ValueError, OverflowError):
            moment = None
        # Far enough from datetime's ends that adding a duration stays within them.
        if moment is not None and _EARLIEST <= moment <= _LATEST:
            return moment
    raise bad_input(name, "Enter a date and time such as 2018-01-01T00:00:00Z (from 1970 to 9000).")


def _files(conn: Connection, value: object, name: str) -> list[media.StoredMedia]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > media.MAX_FILES:
        raise bad_input(name, f"Enter a list of at most {media.MAX_FILES} mediaResources.")
    files = [f for index, resource in enumerate(value) for f in media.files_of(conn, resource, f"{name}[{index}]")]
    if len(files) > media.MAX_FILES:
        raise bad_input(name, f"Attach at most {media.MAX_FILES} files.")
    return files


def _announcement(conn: Connection, group: Group, body: dict, now: datetime) -> Draft:
    body = canonical(body, ("title", "message", "mediaResources"))
    files = _files(conn, body.get("mediaResources"), "mediaResources")
    return Draft("Announcement", text(body, "title", limit=MAX_TITLE, required=False),
                 {"message": text(body, "message", limit=MAX_TEXT), "media": [f.id for f in files]}, files=files)


def _job(conn: Connection, group: Group, body: dict, now: datetime) -> Draft:
    body = canonical(body, ("title", "assignedTo", "dueDate"))
    title = title_of(body.get("title"), "title")
    assignees = e164_list(body.get("assignedTo"), "assignedTo", limit=MAX_PER_CALL)
    if not assignees:
        raise bad_input("assignedTo", "Enter the mobile numbers of one or more members of the group.")
    present = set(conn.execute(sa.select(people.c.mobile).join(members, members.c.person_id == people.c.id).where(
        members.c.group_id == group.id, people.c.mobile.in_(assignees))).scalars())
    strangers = [number for number in assignees if number not in present]
    if strangers:
        raise bad_input("assignedTo", f"{strangers[0]} is not a member of the group: a job goes to its members.")
    hours = _count(body, "dueDate", JOB_HOURS, MAX_HOURS, "hours")
    return Draft("Job", title, {"assignedTo": assignees}, expires_at=now + timedelta(hours=hours))


def _poll(conn: Connection, group: Group, body: dict, now: datetime) -> Draft:
    body = canonical(body, ("question", "choices", "expiryInHours", "isSenderOnly"))
    question = title_of(body.get("question"), "question")
    options = options_of(body.get("choices"), "choices")
    choices = []
    for index, (option, given) in enumerate(zip(options, body["choices"])):
        image = canonical(given, ("image",)).get("image")
        if image in (None, ""):
            choices.append(option)
            continue
        files = media.files_of(conn, image, f"choices[{index}].image")
        if len(files) != 1 or files[0].kind != "Image":
            raise bad_input(f"choices[{index}].image", "Enter the mediaResource of one image.")
        choices.append({**option, "image": files[0].id})
    hours = _count(body, "expiryInHours", POLL_HOURS, MAX_HOURS, "hours")
    return Draft("Poll", question, {"choices": choices},
                 [{"title": question, "type": "SingleOption", "isInvisible": False, "options": options}],
                 sender_only=flag(body.get("isSenderOnly"), "isSenderOnly"),
                 expires_at=now + timedelta(hours=hours))


def _survey(conn: Connection, group: Group, body: dict, now: datetime) -> Draft:
    body = canonical(body, ("title", "dueDate", "isAnonymous", "isSenderOnly", "acceptMultipleResponses",
                            "questions"))
    title = title_of(body.get("title"), "title")
    questions = questions_of(body.get("questions"))
    hours = _count(body, "dueDate", SURVEY_HOURS, MAX_HOURS, "hours")
    return Draft("Survey", title, {}, questions, anonymous=flag(body.get("isAnonymous"), "isAnonymous"),
                 multiple=flag(body.get("acceptMultipleResponses"), "acceptMultipleResponses"),
                 sender_only=flag(body.get("isSenderOnly"), "isSenderOnly"), expires_at=now + timedelta(hours=hours))


def _meeting(conn: Connection, group: Group, body: dict, now: datetime) -> Draft:
    # actions_post.md's table calls the length `DurationInMins`, its sample `duration`: both are read.
    body = canonical(body, ("title", "startingTime", "duration", "durationInMins", "place", "agenda", "isSenderOnly"))
    title = title_of(body.get("title"), "title")
    starting = _moment(body.get("startingTime"), "startingTime")
    name = "duration" if body.get("duration") is not None else "durationInMins"
    minutes = _count(body, name, MEETING_MINUTES, MAX_MINUTES, "minutes")
    details: dict = {"startingTime": utc_text(starting), "duration": minutes,
                     "agenda": text(body, "agenda", limit=MAX_TEXT, required=False)}
    if body.get("place") is not None:
        place = location_of(body["place"], "place")
        details["place"] = {"latitude": place["lt"], "longitude": place["lg"], "name": place["n"]}
    return Draft("LetsMeet", title, details, RSVP, sender_only=flag(body.get("isSenderOnly"), "isSenderOnly"),
                 expires_at=starting + timedelta(minutes=minutes))


def _properties(value: object) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_PROPERTIES:
        raise bad_input("properties", f"Enter a list of at most {MAX_PROPERTIES} properties.")
    checked = []
    for index, item in enumerate(value):
        where = f"properties[{index}]"
        if not isinstance(item, dict):
            raise bad_input(where, "Enter an object with name, type and value.")
        item = canonical(item, ("name", "type", "value"))
        if item.get("type") not in PROPERTY_TYPES:
            raise bad_input(f"{where}.type", f"Enter one of {', '.join(PROPERTY_TYPES)}.")
        checked.append({"name": title_of(item.get("name"), f"{where}.name", limit=MAX_PROPERTY_NAME),
                        "type": item["type"], "value": text(item, "value", limit=MAX_TEXT, required=False)})
    return checked


def _custom(conn: Connection, package_id: str, body: dict, now: datetime) -> Draft:
    """An instance of an imported custom action package: its responses answer the questions of the
    package's app model; the body may give it a `title`, `properties` and a `validity` (hours)."""
    found = packages.app_model(conn, package_id)
    if found is None:
        raise bad_input("id", f"There is no action package {package_id!r}: an administrator imports it first.")
    display_name, model = found
    questions = questions_of(model["questions"], "appModel.questions") if model.get("questions") else []
    body = canonical(body, ("title", "validity", "properties", "isAnonymous", "isSenderOnly",
                            "acceptMultipleResponses"))
    default_title = model.get("title") if isinstance(model.get("title"), str) else display_name
    title = text(body, "title", limit=MAX_TITLE, required=False) or default_title[:MAX_TITLE] or package_id
    hours = _count(body, "validity", CUSTOM_HOURS, MAX_HOURS, "hours")
    return Draft("Custom", title, {"properties": _properties(body.get("properties"))}, questions,
                 anonymous=flag(body.get("isAnonymous"), "isAnonymous"),
                 multiple=flag(body.get("acceptMultipleResponses"), "acceptMultipleResponses"),
                 sender_only=flag(body.get("isSenderOnly"), "isSenderOnly"),
                 expires_at=now + timedelta(hours=hours), package_id=package_id)


PARSERS = {"Announcement": _announcement, "Job": _job, "Poll": _poll, "Survey": _survey, "LetsMeet": _meeting}


def poster_role(conn: Connection, group: Group, caller: Caller, action_type: str) -> str:
    """The caller's role in the group; a member of a parent group may send announcements into it."""
    try:
        return role_of(conn, group, caller)
    except KintoneError:
        above = ancestors(conn, group.id) if action_type == "Announcement" else []
        if above and conn.execute(sa.select(members.c.id).where(
                members.c.person_id == caller.person.id, members.c.group_id.in_(above))).first():
            return "Member"
        raise


def send(conn: Connection, group: Group, role: str, sender: Person, action_type: str, body: dict, *,
         public_url: str, key: SecretKey) -> dict:
    """Post an Announcement, Job, Poll, Survey, LetsMeet or an instance of a custom action package
    (`Custom`, the package's `id` in the body) to the group (`body` is the whole request)."""
    action_body = body.get("actionBody")
    if not isinstance(action_body, dict):
        raise bad_input("actionBody", f"Send the {action_type}'s fields as an object.")
    now = now_naive()
    audience = subscribers.audience(conn, group, role, body)
    draft = _custom(conn, text(body, "id", limit=64), action_body, now) if action_type == "Custom" else \
        PARSERS[action_type](conn, group, action_body, now)
    return store(conn, group, sender, draft, audience, now, public_url=public_url, key=key)


def store(conn: Connection, group: Group, sender: Person, draft: Draft, audience: object, now: datetime, *,
          public_url: str, key: SecretKey) -> dict:
    """Keep a checked action and announce it."""
    action_id, reference = str(uuid.uuid4()), str(uuid.uuid4())
    conn.execute(actions.insert().values(
        id=action_id, reference_id=reference, group_id=group.id, sender_id=sender.id, action_type=draft.action_type,
        package_id=draft.package_id, title=draft.title, details=draft.details, questions=draft.questions,
        anonymous=draft.anonymous, multiple=draft.multiple, sender_only=draft.sender_only,
        expires_at=draft.expires_at, audience=audience, created_at=now))
    if draft.action_type == "Announcement":
        links, contents = media.event_media(conn, draft.files, public_url, key)
        reaches = descendants(conn, group.id) if audience is None else []
        kaizala_events.announcement(conn, group.id, sender, reference, draft.title, draft.details["message"], links,
                                    contents, reaches)
        watch.conversation_changed(conn, group.id, *reaches)
    else:
        kaizala_events.action_created(conn, group.id, sender, action_id, reference, draft.action_type, draft.title,
                                      created_fields(draft), draft.package_id)
        watch.conversation_changed(conn, group.id)
    return {"referenceId": reference, "actionId": action_id}


def created_fields(draft: Draft) -> dict:
    """What an action's created event says of it beyond its title: a job's due date and assignees;
    the questions of the others, and when they expire."""
    due = utc_text(draft.expires_at) if draft.expires_at else ""
    if draft.action_type == "Job":
        return {"dueDate": due, "assignedTo": draft.details["assignedTo"]}
    fields = {"questions": draft.questions, "expiryDate": due}
    if draft.action_type == "Survey":
        fields["isAnonymous"] = draft.anonymous
    return fields
