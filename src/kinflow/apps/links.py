"""Addresses of records in kinflow's web interface, as kintone forms them (permalinks)."""

from __future__ import annotations

from kinflow.apps.app import LiveApp


def permalink(public_url: str, live: LiveApp, record_id: int) -> str:
    base = public_url.rstrip("/")
    space = f"guest/{live.app.space_id}/" if live.app.guest_space else ""
    return f"{base}/k/{space}{live.app.id}/show#record={record_id}"


def comment_link(public_url: str, live: LiveApp, record_id: int, comment_number: int) -> str:
    return f"{permalink(public_url, live, record_id)}&comment={comment_number}"
