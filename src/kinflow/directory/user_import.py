"""Users from a CSV file: one header line naming the columns, then a user a line.

Columns: `code` (required), `name`, `email`, `password`, `language`, `timezone`, `mobileNumber`,
`departments` (codes separated by `;`, the first one primary), `admin` (`true`/`false`).
The whole file goes in one transaction: a bad line (named by its number) leaves nothing written.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Connection

from kinflow.directory import people, users
from kinflow.errors import KintoneError
from kinflow.i18n import N_

COLUMNS = ("code", "name", "email", "password", "language", "timezone", "mobileNumber", "departments", "admin")
MAX_ROWS = 100_000
MAX_FILE_BYTES = 64 * 1024 * 1024


class UserImportError(ValueError):
    """A file kinflow cannot import, with the line at fault."""


def read_rows(path: Path) -> list[dict[str, str]]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UserImportError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MB")
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        unknown = set(reader.fieldnames or ()) - set(COLUMNS)
        if not reader.fieldnames or "code" not in reader.fieldnames or unknown:
            raise UserImportError(f"line 1: the header must name a `code` column and only these: {', '.join(COLUMNS)}"
                               + (f" (unknown: {', '.join(sorted(unknown))})" if unknown else ""))
        rows = []
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise UserImportError(f"more than {MAX_ROWS} users in one file")
            if None in row:
                raise UserImportError(f"line {reader.line_num}: more values than columns")
            rows.append({key: (value or "").strip() for key, value in row.items()})
    return rows


def _add(conn: Connection, row: dict[str, str]) -> None:
    for name in ("name", "email", "timezone"):
        people.checked_text(row, name)
    departments = [code for code in row.get("departments", "").split(";") if code.strip()]
    admin = row.get("admin", "").lower()
    if admin not in ("", "true", "false"):
        raise KintoneError("CB_VA01", N_("admin: enter true or false."))
    user = users.create_user(conn, row["code"], row.get("name") or None, row.get("password", ""),
                             email=row.get("email", ""), is_admin=admin == "true",
                             timezone=row.get("timezone") or "UTC", departments_codes=departments)
    profile = {key: row[key] for key in ("language", "mobileNumber") if row.get(key)}
    if profile:
        people.update_user(conn, user.code, profile)


def import_users(conn: Connection, rows: list[dict[str, str]], progress: Callable[[int], None]) -> int:
    """Add every row's user (in the caller's transaction); `progress(done)` after each."""
    for number, row in enumerate(rows, start=1):
        try:
            _add(conn, row)
        except KintoneError as error:
            detail = "; ".join(f"{key}: {' '.join(messages)}" for key, messages in (error.errors or {}).items())
            raise UserImportError(f"line {number + 1} ({row.get('code', '')[:40]}): {error.message} {detail}".strip()) \
                from None
        progress(number)
    return len(rows)
