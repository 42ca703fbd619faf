"""String functions of the function reference. Indexes are 0-based throughout; `indexOf`,
`lastIndexOf`, `startsWith` and `endsWith` ignore case, `replace` and `contains` do not, as
documented."""

from __future__ import annotations

import uuid

from kinflow.flows.expressions.functions.registry import function
from kinflow.flows.expressions.values import (
    MAX_ITEMS,
    as_text,
    checked_text,
    fail,
    kind,
    need_int,
    need_text,
)


@function("concat", 1, None)
def concat(*values):
    # Non-strings are joined as their text, as interpolation writes them.
    return checked_text("".join(as_text(value) for value in values))


@function("toLower", 1)
def to_lower(text):
    return need_text(text, "the text").lower()


@function("toUpper", 1)
def to_upper(text):
    return need_text(text, "the text").upper()


@function("trim", 1)
def trim(text):
    return need_text(text, "the text").strip()


@function("startsWith", 2)
def starts_with(text, search):
    return need_text(text, "the text").lower().startswith(need_text(search, "the search text").lower())


@function("endsWith", 2)
def ends_with(text, search):
    return need_text(text, "the text").lower().endswith(need_text(search, "the search text").lower())


@function("indexOf", 2)
def index_of(text, search):
    return need_text(text, "the text").lower().find(need_text(search, "the search text").lower())


@function("lastIndexOf", 2)
def last_index_of(text, search):
    text, search = need_text(text, "the text").lower(), need_text(search, "the search text").lower()
    if not search:
        # .NET's LastIndexOf finds an empty string at the last character, not past the end.
        return max(len(text) - 1, 0)
    return text.rfind(search)


@function("nthIndexOf", 3)
def nth_index_of(text, search, occurrence):
    text, search = need_text(text, "the text"), need_text(search, "the search text")
    occurrence = need_int(occurrence, "the occurrence")
    if occurrence == 0:
        fail("the occurrence must not be 0.")
    starts = [i for i in range(len(text)) if text.startswith(search, i)] if search else []
    if abs(occurrence) > len(starts):
        return -1
    return starts[occurrence - 1] if occurrence > 0 else starts[occurrence]


@function("replace", 3)
def replace(text, old, new):
    text, old, new = need_text(text, "the text"), need_text(old, "the old text"), need_text(new, "the new text")
    if not old:
        fail("the text to replace must not be empty.")
    return checked_text(text.replace(old, new))


@function("split", 2)
def split(text, delimiter):
    text, delimiter = need_text(text, "the text"), need_text(delimiter, "the delimiter")
    if not delimiter:
        return [text]
    parts = text.split(delimiter)
    if len(parts) > MAX_ITEMS:
        fail(f"the result would hold more than {MAX_ITEMS} items.")
    return parts


@function("substring", 2, 3)
def substring(text, start, length=None):
    text, start = need_text(text, "the text"), need_int(start, "the start index")
    length = len(text) - start if length is None else need_int(length, "the length")
    if start < 0 or length < 0 or start + length > len(text):
        fail(f"the start index {start} and length {length} must be non-negative and their sum no larger "
             f"than the text's length {len(text)}.")
    return text[start:start + length]


@function("slice", 2, 3)
def slice_(text, start, end=None):
    # Out-of-range indexes are clamped and negative ones count from the end: slice never fails.
    text, start = need_text(text, "the text"), need_int(start, "the start index")
    end = len(text) if end is None else need_int(end, "the end index")
    return text[start:end]


@function("length", 1)
def length(collection):
    if isinstance(collection, (str, list, tuple)):
        return len(collection)
    fail(f"the value must be a string or an array, not {kind(collection)}.")


_GUID_FORMATS = {"n": "{hex}", "d": "{d}", "b": "{{{d}}}", "p": "({d})"}


@function("guid", 0, 1)
def guid(form="D"):
    form = need_text(form, "the format")
    value = uuid.uuid4()
    if form.lower() == "x":
        # .NET's "X": {0xdddddddd,0xdddd,0xdddd,{0xdd,0xdd,0xdd,0xdd,0xdd,0xdd,0xdd,0xdd}}
        h = value.hex
        tail = ",".join(f"0x{h[i:i + 2]}" for i in range(16, 32, 2))
        return f"{{0x{h[:8]},0x{h[8:12]},0x{h[12:16]},{{{tail}}}}}"
    pattern = _GUID_FORMATS.get(form.lower())
    if pattern is None:
        fail("the format must be one of N, D, B, P or X.")
    return pattern.format(hex=value.hex, d=str(value))
