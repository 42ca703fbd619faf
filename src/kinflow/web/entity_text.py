"""Entities (users, groups, departments, a field's users, the creator) written as one line of text
on a settings page: `TYPE:code` or `CREATOR`, separated by commas (`USER:ann, GROUP:sales`)."""

from __future__ import annotations

import re

MAX_ENTITIES = 200


def entities_text(entities: list[dict]) -> str:
    return ", ".join(e["entity"]["type"] if e["entity"].get("code") is None else f"{e['entity']['type']}:{e['entity']['code']}"
                     for e in entities)


def entities_of(text: str, include_subs: bool = False) -> list[dict]:
    """The entities of a line of text, for the settings API to check (unknown types and codes are its
    to refuse)."""
    found = []
    for word in [w for w in re.split(r"[,\s]+", text) if w][:MAX_ENTITIES]:
        kind, _, code = word.partition(":")
        found.append({"entity": {"type": kind.upper(), "code": code or None}, "includeSubs": include_subs})
    return found
