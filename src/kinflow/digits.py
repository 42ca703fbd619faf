"""Whether text is a plain decimal number. `str.isdigit()` also accepts "²" and "٣", which `int()`
refuses or reads as another number than a client meant; kintone takes ASCII digits only."""

from __future__ import annotations


def is_digits(text: str) -> bool:
    """Only 0-9, at least one."""
    return text.isascii() and text.isdigit()


def bounded_number(raw: str | None, high: int) -> int:
    """A whole number a user typed (a page offset, a count), at most `high`; 0 when it is not one."""
    return min(int(raw), high) if raw and is_digits(raw) and len(raw) < 19 else 0


def digit_text(raw: str | None) -> str | None:
    """The text when it is an id of ASCII digits that fits a 64-bit integer, else None."""
    return raw if raw and is_digits(raw) and len(raw) < 19 else None
