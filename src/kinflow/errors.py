"""The one error type of kinflow's kintone-compatible side.

Domain code raises `KintoneError`; only the HTTP layer turns it into JSON. The codes, statuses and
English messages are those the real service answers with (see shared/reference/kintone-rest-api.md §2).
Messages are written with `kinflow.i18n.N_`, so that each caller reads them in their language
(`locale/ja.po`: the wording Japanese kintone users see).
"""

from __future__ import annotations

import secrets
import string

from kinflow.digits import is_digits
from kinflow.i18n import DEFAULT, N_, translate

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
        self.language: str | None = None  # the caller's, when the code that met the error knew it

    def body(self, language: str = DEFAULT) -> dict:
        """The JSON body, its messages in `language`: codes and `errors` keys are the same in all."""
        body: dict = {"code": self.code, "id": error_id(), "message": translate(self.message, language)}
        if self.errors:
            body["errors"] = {key: {"messages": [translate(m, language) for m in msgs]}
                              for key, msgs in self.errors.items()}
        return body


def invalid_input(errors: dict[str, list[str]]) -> KintoneError:
    """`CB_VA01` with per-parameter messages; the shape of every validation failure."""
    return KintoneError("CB_VA01", N_("Missing or invalid input."), 400, errors)


def required_param(name: str) -> KintoneError:
    return invalid_input({name: [N_("Required field.")]})


def integer_param(params: dict, name: str, default: int, low: int, high: int) -> int:
    """An integer parameter (a JSON number or its digits in a query string) within [low, high];
    absent or empty gives `default`."""
    raw = params.get(name)
    if raw in (None, ""):
        return default
    text = raw.strip() if isinstance(raw, str) else raw
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(text, str) and is_digits(text.lstrip("-")))):
        raise invalid_input({name: [N_("Enter an integer value.")]})
    value = int(text)
    if not low <= value <= high:
        raise invalid_input({name: [N_("Enter a value between {low} and {high}.", low=low, high=high)]})
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
        raise invalid_input({name: [N_("Enter an array.")]})
    return raw


def texts_param(params: dict, name: str) -> list[str] | None:
    """An array parameter whose items are strings (codes, login names)."""
    items = array_param(params, name)
    for index, item in enumerate(items or []):
        if not isinstance(item, str):
            raise invalid_input({f"{name}[{index}]": [N_("Enter a string.")]})
    return items


def app_not_found(app_id: object) -> KintoneError:
    return KintoneError(
        "GAIA_AP01", N_("The app (ID: {app}) not found. The app may have been deleted.", app=app_id), 404
    )


def record_not_found(record_id: object) -> KintoneError:
    return KintoneError("GAIA_RE01", N_("The specified record (ID: {id}) is not found.", id=record_id), 404)


def no_privilege() -> KintoneError:
    return KintoneError("CB_NO02", N_("No privilege to proceed."), 403)


def revision_conflict(expected: object, actual: object) -> KintoneError:
    return KintoneError(
        "GAIA_CO02",
        N_("The revision is not the latest. Someone may update a record after you opened it. "
           "(id: {id}, revision: {revision})", id=actual, revision=expected),
        409,
    )
