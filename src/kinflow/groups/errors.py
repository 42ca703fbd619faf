"""The refusals of the groups API. They travel as kinflow's one error type; `kinflow.api.kaizala`
renders them in Kaizala's shape. Codes are stable names, never dependent on the message's language."""

from __future__ import annotations

from kinflow.errors import KintoneError


def bad_input(field: str, message: str) -> KintoneError:
    return KintoneError("BadRequest", f"{field}: {message}", 400, {field: [message]})


def unauthorized(message: str) -> KintoneError:
    return KintoneError("Unauthorized", message, 401)


def forbidden(message: str) -> KintoneError:
    return KintoneError("Forbidden", message, 403)


def not_found(what: str, identifier: object) -> KintoneError:
    return KintoneError("NotFound", f"The {what} ({identifier}) is not found.", 404)


def text(body: dict, field: str, *, limit: int, required: bool = True, default: str = "") -> str:
    """A string field of a JSON body, at most `limit` characters."""
    value = body.get(field)
    if value is None or value == "":
        if required:
            raise bad_input(field, "Required field.")
        return default
    if not isinstance(value, str):
        raise bad_input(field, "Enter a string.")
    if len(value) > limit:
        raise bad_input(field, f"Enter at most {limit} characters.")
    return value


def digits(value: object, most: int) -> bool:
    """Whether `value` is a string of 1 to `most` ASCII digits (`str.isdigit` also takes "²", which
    `int` refuses, and a number too long to convert)."""
    return isinstance(value, str) and 0 < len(value) <= most and value.isascii() and value.isdigit()


def flag(value: object, field: str, default: bool = False) -> bool:
    """A boolean given as JSON true/false or the text "true"/"false" (Kaizala's samples use both)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise bad_input(field, "Enter true or false.")
