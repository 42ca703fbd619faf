"""The pages' languages: English (the messages as written) and Japanese (`locale/ja.po`).

A page speaks the user's language setting; with "auto" (kintone's "follow the browser"), or before
sign-in, the best of the browser's `Accept-Language` that kinflow has, else English.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.resources import files

from babel.core import negotiate_locale
from babel.messages.pofile import read_po

LANGUAGES = ("en", "ja")
DEFAULT = "en"
# An Accept-Language header is read this far at most: the rest cannot change the choice.
_MAX_HEADER = 512


def _preferred(accept_language: str) -> list[str]:
    """The languages of an `Accept-Language` header, most wanted first."""
    ranked = []
    for position, part in enumerate(accept_language[:_MAX_HEADER].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.replace("-", "_")))
    return [tag for _, _, tag in sorted(ranked)]


def choose(setting: str | None, accept_language: str) -> str:
    if setting in LANGUAGES:
        return setting
    preferred = [tag.split("_")[0].lower() for tag in _preferred(accept_language)]
    return negotiate_locale(preferred, LANGUAGES) or DEFAULT


@cache
def _catalogue(language: str) -> dict[str, str]:
    if language == DEFAULT:
        return {}
    with files("kinflow.web.locale").joinpath(f"{language}.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    return {message.id: message.string for message in catalog if message.id and message.string}


def translator(language: str) -> Callable[..., str]:
    """`_(text, **values)`: the text in the language (as written when it has no translation), with
    `{name}` placeholders filled in."""
    catalogue = _catalogue(language)

    def translate(text: str, **values: object) -> str:
        found = catalogue.get(text, text)
        return found.format(**values) if values else found

    return translate
