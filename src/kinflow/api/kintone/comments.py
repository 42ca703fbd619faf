"""Record comment routes: record/comment.json (post, delete) and record/comments.json (list)."""

from __future__ import annotations

from kinflow.api.kintone.calls import Call, route
from kinflow.apps.comments import add_comment, delete_comment, list_comments
from kinflow.events.kintone import CommentEvents


@route("POST", "record/comment")
def post_comment(call: Call) -> dict:
    live = call.live("view")
    comment = add_comment(call.conn, live, call.identity, call.params.get("record"), call.params.get("comment"))
    CommentEvents(call.conn, live, call.settings)(comment)
    return {"id": str(comment.number)}


@route("GET", "record/comments")
def get_comments(call: Call) -> dict:
    return list_comments(call.conn, call.live("view"), call.identity, call.params)


@route("DELETE", "record/comment")
def remove_comment(call: Call) -> dict:
    delete_comment(call.conn, call.live("view"), call.identity, call.params.get("record"), call.params.get("comment"))
    return {}
