"""Record comments with mentions: post, list, delete (kintone's record/comment(s).json).

Rules from kintone's documentation (shared/seeds/kintone-add-comment.txt, reference §7):
- text is required, at most 65,535 characters; at most 10 mentions of users, groups or departments;
- the names of the mentioned are put at the start of the stored text (without kintone's `@`);
- inactive or unknown users, departments and groups cannot be mentioned;
- posting needs view permission on the record; with an API token the poster is `Administrator`;
- only the poster deletes a comment (so a token deletes only `Administrator`'s);
- an app whose comments are turned off refuses posting and reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kinflow.apps.access import require_record
from kinflow.apps.app import LiveApp, parse_id
from kinflow.apps.records import fetch_records
from kinflow.clock import clock, utc_text
from kinflow.directory.identity import Identity
from kinflow.directory.users import entity_names, existing_codes
from kinflow.errors import KintoneError, integer_param, invalid_input, no_privilege, record_not_found
from kinflow.i18n import N_
from kinflow.storage.schema import MAX_ID, record_comments

MAX_TEXT = 65_535
MAX_MENTIONS = 10
MAX_LIMIT = 10
MENTION_TYPES = ("USER", "GROUP", "ORGANIZATION")
_KIND_WORDS = {"USER": "user", "GROUP": "group", "ORGANIZATION": "department"}


@dataclass(frozen=True)
class Comment:
    record_id: int
    number: int
    text: str
    mentions: list[dict]
    creator: str
    created_at: datetime


def comments_disabled() -> KintoneError:
    # kintone documents that this is an error without naming its code; the code is kinflow's.
    return KintoneError("GAIA_CM01", N_("The comment feature of this app is turned off."), 400)


def comment_not_found(number: object) -> KintoneError:
    # kintone answers 400 (not 404) here (reference §7).
    return KintoneError("GAIA_RE02", N_("The specified comment (ID: {number}) is not found.", number=number), 400)


def check_enabled(live: LiveApp) -> None:
    if not live.settings.get("enableComments", True):
        raise comments_disabled()


def _record_id(conn: Connection, live: LiveApp, identity: Identity, raw: object, *, lock: bool) -> int:
    """The record a comment call names, which the caller must be allowed to view (kintone: viewing
    a record is what reading and posting its comments takes)."""
    number = parse_id(raw, "record")
    # Locking the record serialises the numbering of its comments on PostgreSQL.
    found = fetch_records(conn, live, [number], for_update=lock)
    if number not in found:
        raise record_not_found(number)
    require_record(conn, live, identity, [found[number]], "viewable")
    return number


# --- posting ------------------------------------------------------------------------------


def _parse_mentions(raw: object) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid_input({"comment.mentions": [N_("Enter an array of mentions.")]})
    if len(raw) > MAX_MENTIONS:
        raise invalid_input({"comment.mentions": [N_("Up to {max_mentions} mentions can be specified.",
                                                     max_mentions=MAX_MENTIONS)]})
    errors: dict[str, list[str]] = {}
    mentions = []
    for index, item in enumerate(raw):
        base = f"comment.mentions[{index}]"
        if not isinstance(item, dict):
            errors[base] = [N_("Enter an object with code and type.")]
            continue
        code, kind = item.get("code"), item.get("type")
        if not isinstance(code, str) or not code.strip():
            errors[f"{base}.code"] = [N_("Required field.")]
        if kind not in MENTION_TYPES:
            errors[f"{base}.type"] = [N_("Enter USER, GROUP or ORGANIZATION.")]
        if f"{base}.code" not in errors and f"{base}.type" not in errors:
            mentions.append({"code": code, "type": kind})
    if errors:
        raise invalid_input(errors)
    return mentions


def _check_mentionable(conn: Connection, mentions: list[dict]) -> dict[tuple[str, str], str]:
    """The display name of every mention; an unknown or inactive one is refused, naming it."""
    names: dict[tuple[str, str], str] = {}
    errors: dict[str, list[str]] = {}
    for kind in MENTION_TYPES:
        codes = {m["code"] for m in mentions if m["type"] == kind}
        known = existing_codes(conn, kind, codes, active_only=True)
        for code, name in entity_names(conn, kind, known).items():
            names[(kind, code)] = name
    for index, mention in enumerate(mentions):
        if (mention["type"], mention["code"]) not in names:
            word = _KIND_WORDS[mention["type"]]
            errors[f"comment.mentions[{index}].code"] = [
                f"The {word} ({mention['code']}) cannot be mentioned: it is not found or is inactive."]
    if errors:
        raise invalid_input(errors)
    return names


def _parse_text(raw: object) -> str:
    if raw is None or raw == "":
        raise invalid_input({"comment.text": [N_("Required field.")]})
    if not isinstance(raw, str):
        raise invalid_input({"comment.text": [N_("Enter a string value.")]})
    if len(raw) > MAX_TEXT:
        raise invalid_input({"comment.text": [N_("Enter less than {limit} characters.", limit=MAX_TEXT + 1)]})
    return raw


def add_comment(conn: Connection, live: LiveApp, identity: Identity, record: object, comment: object) -> Comment:
    check_enabled(live)
    if not isinstance(comment, dict):
        raise invalid_input({"comment": [N_("Required field.")]})
    text = _parse_text(comment.get("text"))
    mentions = _parse_mentions(comment.get("mentions"))
    record_id = _record_id(conn, live, identity, record, lock=True)
    names = _check_mentionable(conn, mentions)
    if mentions:
        # kintone puts the mentioned names before the text, each followed by a space, then a line break.
        text = "".join(f"{names[(m['type'], m['code'])]} " for m in mentions) + "\n" + text
    last = conn.execute(
        sa.select(sa.func.max(record_comments.c.number)).where(
            record_comments.c.app_id == live.id, record_comments.c.record_id == record_id)
    ).scalar()
    saved = Comment(record_id, (last or 0) + 1, text, mentions, identity.code,
                    clock.now().replace(tzinfo=None, microsecond=0))
    conn.execute(record_comments.insert().values(
        app_id=live.id, record_id=record_id, number=saved.number, text=saved.text, mentions=saved.mentions,
        creator=saved.creator, created_at=saved.created_at))
    return saved


# --- reading ------------------------------------------------------------------------------


def render_comment(comment: Comment, names: dict[str, str]) -> dict:
    """A comment in kintone's Get Comments format."""
    return {
        "id": str(comment.number),
        "text": comment.text,
        "createdAt": utc_text(comment.created_at),
        "creator": {"code": comment.creator, "name": names.get(comment.creator, comment.creator)},
        "mentions": [{"code": m["code"], "type": m["type"]} for m in comment.mentions],
    }


def render_comments(conn: Connection, comments: list[Comment]) -> list[dict]:
    names = entity_names(conn, "USER", {c.creator for c in comments})
    return [render_comment(c, names) for c in comments]


def list_comments(conn: Connection, live: LiveApp, identity: Identity, params: dict) -> dict:
    check_enabled(live)
    order = params.get("order") or "desc"
    if order not in ("asc", "desc"):
        raise invalid_input({"order": [N_("must be one of the enum value")]})
    offset = integer_param(params, "offset", 0, 0, MAX_ID)
    limit = integer_param(params, "limit", MAX_LIMIT, 0, MAX_LIMIT)
    record_id = _record_id(conn, live, identity, params.get("record"), lock=False)
    visible = [record_comments.c.app_id == live.id, record_comments.c.record_id == record_id,
               sa.not_(record_comments.c.deleted)]
    number = record_comments.c.number
    rows = conn.execute(
        sa.select(record_comments).where(*visible)
        .order_by(number.asc() if order == "asc" else number.desc()).limit(limit).offset(offset)
    ).all()
    total = conn.execute(sa.select(sa.func.count()).select_from(record_comments).where(*visible)).scalar_one()
    comments = [Comment(r.record_id, r.number, r.text, list(r.mentions), r.creator, r.created_at) for r in rows]
    # `older`: comments with smaller ids exist beyond the window; `newer`: with larger ones.
    before, after = offset > 0, offset + len(comments) < total
    older, newer = (before, after) if order == "asc" else (after, before)
    return {"comments": render_comments(conn, comments), "older": older, "newer": newer}


# --- deleting -----------------------------------------------------------------------------


def delete_comment(conn: Connection, live: LiveApp, identity: Identity, record: object, comment: object) -> None:
    record_id = _record_id(conn, live, identity, record, lock=True)
    number = parse_id(comment, "comment")
    row = conn.execute(
        sa.select(record_comments.c.id, record_comments.c.creator).where(
            record_comments.c.app_id == live.id, record_comments.c.record_id == record_id,
            record_comments.c.number == number, sa.not_(record_comments.c.deleted))
    ).first()
    if row is None:
        raise comment_not_found(number)
    if row.creator != identity.code:
        raise no_privilege()
    conn.execute(record_comments.update().where(record_comments.c.id == row.id).values(deleted=True))

