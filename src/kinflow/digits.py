"""Whether text is a plain decimal number. `str.isdigit()` also accepts "²" and "٣", which `int()`
refuses or reads as another number than a client meant; kintone takes ASCII digits only."""

from __future__ import annotations


def is_digits(text: str) -> bool:
    """Only 0-9, at least one."""
    return text.isascii() and text.isdigit()
