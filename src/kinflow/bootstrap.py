"""First start: the Administrator login, an example app with records, and an API token for it.

The token's value is known on that start only: the database keeps its hash.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from kinflow.apps import form_fields
from kinflow.apps import settings as app_settings
from kinflow.apps.app import create_app, load_app, load_live
from kinflow.apps.deploy import deploy
from kinflow.apps.records import Writer
from kinflow.config import Settings
from kinflow.directory.identity import Identity
from kinflow.directory.tokens import create_token
from kinflow.directory.passwords import verify_password
from kinflow.directory.users import ADMINISTRATOR, create_user, get_user, get_user_with_hash
from kinflow.storage.database import Database
from kinflow.storage.schema import apps

EXAMPLE_FIELDS = {
    "Company": {"type": "SINGLE_LINE_TEXT", "code": "Company", "label": "Company", "required": True},
    "Contact": {"type": "SINGLE_LINE_TEXT", "code": "Contact", "label": "Contact person"},
    "Stage": {"type": "DROP_DOWN", "code": "Stage", "label": "Stage", "options": {
        "Lead": {"label": "Lead", "index": "0"}, "Proposal": {"label": "Proposal", "index": "1"},
        "Won": {"label": "Won", "index": "2"}, "Lost": {"label": "Lost", "index": "3"}}},
    "Amount": {"type": "NUMBER", "code": "Amount", "label": "Deal amount", "unit": "$"},
    "Next_contact": {"type": "DATE", "code": "Next_contact", "label": "Next contact"},
    "Notes": {"type": "MULTI_LINE_TEXT", "code": "Notes", "label": "Notes"},
}
EXAMPLE_RECORDS = [
    ("Cybozu, Inc.", "Sato", "Proposal", "12000", "2026-12-01"),
    ("Example Trading", "Tanaka", "Lead", "3500", "2026-12-10"),
    ("Northwind", "Davis", "Won", "48000", ""),
]


@dataclass
class FirstStart:
    admin_password: str | None  # set only when this start created the login
    example_app: int | None
    api_token: str | None  # set only when this start created it
    # KINFLOW_ADMIN_PASSWORD was given but is not Administrator's password: it applies to the first start only.
    admin_password_ignored: bool = False


def ensure_initial_data(settings: Settings, db: Database) -> FirstStart:
    with db.write() as conn:
        existing = get_user_with_hash(conn, ADMINISTRATOR)
        if existing is not None:
            first_app = conn.execute(sa.select(sa.func.min(apps.c.id))).scalar()
            ignored = bool(settings.admin_password) and not verify_password(existing[1], settings.admin_password)
            return FirstStart(None, first_app, None, ignored)
        password = settings.admin_password or secrets.token_urlsafe(12)
        create_user(conn, ADMINISTRATOR, ADMINISTRATOR, password, is_admin=True)
        if not settings.example_app:
            return FirstStart(password, None, None)
        identity = Identity(get_user(conn, ADMINISTRATOR))
        app = create_app(conn, "Customers", ADMINISTRATOR)
        document = app_settings.get_document(conn, app, "form", preview=True)
        form_fields.add_fields(document, EXAMPLE_FIELDS)
        app_settings.put_document(conn, app, "form", document, ADMINISTRATOR)
        _, token = create_token(conn, settings.keys, app.id, view=True, add=True, edit=True, delete=True)
        deploy(db, conn, [(app.id, None)], revert=False, guest_space_id=None, can_manage=lambda c, a: None)
        live = load_live(conn, app.id)
        raws = [
            {"Company": {"value": c}, "Contact": {"value": p}, "Stage": {"value": s}, "Amount": {"value": a},
             "Next_contact": {"value": d}}
            for c, p, s, a, d in EXAMPLE_RECORDS
        ]
        Writer(conn, live, identity, lambda: True).add(raws, bases=[f"records[{i}]" for i in range(len(raws))])
        assert load_app(conn, app.id).deployed
        return FirstStart(password, app.id, token)
