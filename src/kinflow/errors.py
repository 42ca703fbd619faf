"""The one error type of kinflow's kintone-compatible side.

Domain code raises `KintoneError`; only the HTTP layer turns it into JSON. The codes, statuses and
English messages are those the real service answers with (see shared/reference/kintone-rest-api.md §2).
"""

from __future__ import annotations

import secrets
import string

from kinflow.digits import is_digits

_ID_ALPHABET = string.ascii_letters + string.digits


def error_id() -> str:
    """A random 20-character id, like the `id` kintone puts in every error body."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(20))


class KintoneError(Exception):
    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        errors: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(f"[{status}] [{code}] {message}")
        self.code = code
        self.message = message
        self.status = status
        self.errors = errors

    def body(self) -> dict:
        body: dict = {"code": self.code, "id": error_id(), "message": self.message}
        if self.errors:
            body["errors"] = {key: {"messages": msgs} for key, msgs in self.errors.items()}
        return body


def invalid_input(errors: dict[str, list[str]]) -> KintoneError:
    """`CB_VA01` with per-parameter messages; the shape of every validation failure."""
    return KintoneError("CB_VA01", "Missing or invalid input.", 400, errors)


def required_param(name: str) -> KintoneError:
    return invalid_input({name: ["Required field."]})


def integer_param(params: dict, name: str, default: int, low: int, high: int) -> int:
    """An integer parameter (a JSON number or its digits in a query string) within [low, high];
    absent or empty gives `default`."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    text = raw.strip() if isinstance(raw, str) else raw
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(text, str) and is_digits(text.lstrip("-")))):
        raise invalid_input({name: ["Enter an integer value."]})
    value = int(text)
    if not low <= value <= high:
        raise invalid_input({name: [f"Enter a value between {low} and {high}."]})
    return value


def array_param(params: dict, name: str) -> list | None:
    """An array parameter (`name[0]=...` in a query string, a JSON array in a body); one plain value
    stands for an array of it; absent gives None."""
    raw = params.get(name)
    if raw is None:
        return None
    if isinstance(raw, (str, int)) and not isinstance(raw, bool):
        return [raw]
    if not isinstance(raw, list):
        raise invalid_input({name: ["Enter an array."]})
    return raw


def texts_param(params: dict, name: str) -> list[str] | None:
    """An array parameter whose items are strings (codes, login names)."""
    items = array_param(params, name)
    for index, item in enumerate(items or []):
        if not isinstance(item, str):
            raise invalid_input({f"{name}[{index}]": ["Enter a string."]})
    return items


def app_not_found(app_id: object) -> KintoneError:
    return KintoneError(
        "GAIA_AP01", f"The app (ID: {app_id}) not found. The app may have been deleted.", 404
    )


def record_not_found(record_id: object) -> KintoneError:
    return KintoneError("GAIA_RE01", f"The specified record (ID: {record_id}) is not found.", 404)


def no_privilege() -> KintoneError:
    return KintoneError("CB_NO02", "No privilege to proceed.", 403)


def revision_conflict(expected: object, actual: object) -> KintoneError:
    return KintoneError(
        "GAIA_CO02",
        f"The revision is not the latest. Someone may update a record after you opened it. "
        f"(id: {actual}, revision: {expected})",
        409,
    )
