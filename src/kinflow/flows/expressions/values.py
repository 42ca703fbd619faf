"""The value model shared by the evaluator and the functions: JSON values (str, int, float, bool,
None, list, dict), how each is named in messages and written as text."""

from __future__ import annotations

import base64
import binascii
import math
from typing import Any, NoReturn

import orjson

from kinflow.flows.expressions.errors import ExpressionError

# The workflow language computes with 64-bit integers; a result outside them is an error, not a
# silently huge number.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
# The longest string a function may build (concat's documented limit: 104,857,600 characters).
MAX_TEXT = 104_857_600
# The most items a function may build into one array (range's documented limit).
MAX_ITEMS = 100_000


def fail(message: str) -> NoReturn:
    raise ExpressionError(message)


def kind(value: Any) -> str:
    """The type name the function reference uses."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, (list, tuple)):
        return "Array"
    return "Object"


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def checked_int(value: int) -> int:
    if not INT_MIN <= value <= INT_MAX:
        fail("the result is outside the range of a 64-bit integer.")
    return value


def checked_float(value: float) -> float:
    if math.isinf(value) or math.isnan(value):
        fail("the result is not a finite number.")
    return value


def checked_text(value: str) -> str:
    if len(value) > MAX_TEXT:
        fail(f"the result would be longer than {MAX_TEXT} characters.")
    return value


def need_text(value: Any, what: str = "the value") -> str:
    if not isinstance(value, str):
        fail(f"{what} must be a string, not {kind(value)}.")
    return value


def need_int(value: Any, what: str = "the value") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        fail(f"{what} must be an integer, not {kind(value)}.")
    return value


def need_number(value: Any, what: str = "the value") -> int | float:
    if not is_number(value):
        fail(f"{what} must be a number, not {kind(value)}.")
    return value


def need_array(value: Any, what: str = "the value") -> list:
    if not isinstance(value, (list, tuple)):
        fail(f"{what} must be an array, not {kind(value)}.")
    return list(value)


def need_object(value: Any, what: str = "the value") -> dict:
    if not isinstance(value, dict):
        fail(f"{what} must be an object, not {kind(value)}.")
    return value


def float_text(value: float) -> str:
    """A float as .NET writes a double: integral values without `.0`, exponents as `E+20`."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}E{sign}{exponent.lstrip('+-').rjust(2, '0')}"
    return text


def json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def as_text(value: Any) -> str:
    """A value as `@{...}` interpolation and `string()` write it: null is empty, booleans are
    `True`/`False` (the .NET spelling the service prints), objects and arrays are JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return float_text(value)
    data = envelope_bytes(value)
    if data is not None:
        return data.decode("utf-8", errors="replace")
    return json_text(value)


# Binary and XML values travel as the service's content envelope: the media type and the bytes in
# base64. Written as text (interpolation, `string()`), an envelope is its decoded content.
CONTENT_TYPE, CONTENT = "$content-type", "$content"


def envelope(data: bytes, media_type: str) -> dict:
    return {CONTENT_TYPE: media_type, CONTENT: base64.b64encode(data).decode("ascii")}


def envelope_bytes(value: Any) -> bytes | None:
    """The bytes of a content envelope; None for any other value."""
    if isinstance(value, dict) and set(value) == {CONTENT_TYPE, CONTENT} and isinstance(value[CONTENT], str):
        try:
            return base64.b64decode(value[CONTENT], validate=True)
        except (binascii.Error, ValueError):
            return None
    return None
