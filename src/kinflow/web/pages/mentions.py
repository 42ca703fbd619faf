"""`@` mentions in a comment typed on the record page: completion (`/k/mentions.json?q=`) and the
mentions of a posted text (`@code` of an active user, else a group, else a department), which go to
the comment API as its `mentions`; the API checks them and puts the names before the text."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from sqlalchemy.engine import Connection

from kinflow.api.kintone.http import json_response
from kinflow.apps.comments import MAX_MENTIONS
from kinflow.directory.users import find_mentionable, mentioned
from kinflow.web.access import read, signed_in_page
from kinflow.web.sessions import Browser

MAX_SEARCH = 64
_MENTION = re.compile(r"(?:(?<=\s)|^)@([^\s@]{1,128})")


@signed_in_page
async def mention_candidates(request: Request, browser: Browser) -> Response:
    text = request.query_params.get("q", "").strip()[:MAX_SEARCH]
    if not text:
        return json_response({"entities": []})
    found = await read(request, browser, lambda reader: find_mentionable(reader.conn, text))
    return json_response({"entities": found})


def split_mentions(conn: Connection, text: str) -> tuple[str, list[dict]]:
    """The text without its known `@code` words, and those mentions (the first `MAX_MENTIONS` + 1, so
    that the API can refuse too many)."""
    codes = list(dict.fromkeys(_MENTION.findall(text)))[:MAX_MENTIONS + 1]
    kinds = mentioned(conn, set(codes))
    mentions = [{"code": code, "type": kinds[code]} for code in codes if code in kinds]
    if not mentions:
        return text, []
    known = {m["code"] for m in mentions}
    rest = _MENTION.sub(lambda found: "" if found.group(1) in known else found.group(0), text)
    return re.sub(r"[ \t]{2,}", " ", rest).strip(), mentions
