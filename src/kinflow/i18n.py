"""kinflow's languages: English (the messages as written), Japanese (`locale/ja.po`), Simplified
Chinese (`locale/zh.po`) and Traditional Chinese (`locale/zh_TW.po`), one catalogue each for the API's
errors, validation, notifications and the pages alike.

Languages are named as kintone names them (`ja`, `zh`, `zh-TW`); babel's name for one is `locale_name`.
A reader speaks their language setting; with "auto" (kintone's "follow the browser"), or before
sign-in, the best of the browser's `Accept-Language` that kinflow has, else the server's default
(`KINFLOW_LANGUAGE`). A user may choose any of kintone's languages; one with no catalogue here
(`es`, `pt-BR`, `th`) reads the English messages.

Domain code cannot know who will read an error, so it writes its messages in English through `N_`:
the English text at once (a `str`, as before), which keeps its template and values so that the
HTTP layer can say it again in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.resources import files

from babel.messages.pofile import read_po

# Languages with a catalogue; English is the messages' own.
LANGUAGES = ("en", "ja", "zh", "zh-TW")
DEFAULT = "en"
# Browser regions whose Chinese is written in traditional characters, as kintone's zh-TW is.
_TRADITIONAL_REGIONS = frozenset({"tw", "hk", "mo"})
# An Accept-Language header is read this far at most: the rest cannot change the choice.
_MAX_HEADER = 512


class Message(str):
    """An English message made from a template and values (`N_`), translatable later."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, values: dict[str, object]) -> Message:
        self = super().__new__(cls, template.format(**values) if values else template)
        self.template = template
        self.values = values
        return self


def N_(template: str, **values: object) -> Message:  # noqa: N802 (gettext's name for "translated later")
    """A message to be shown in the reader's language: `template` is the English text with `{name}`
    placeholders filled from `values`, and the catalogue's key."""
    return Message(template, values)


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


def _language_of(tag: str) -> str:
    """kinflow's language for a browser's tag: its primary language, except that Chinese is `zh-TW`
    when written in traditional characters (`zh-Hant`, `zh-TW`, `zh-HK`...) and `zh` otherwise
    (`zh-CN`, `zh-Hans`, `zh-SG`, plain `zh`)."""
    primary, *rest = tag.lower().split("_")
    if primary != "zh":
        return primary
    return "zh-TW" if "hant" in rest or _TRADITIONAL_REGIONS.intersection(rest) else "zh"


def choose(setting: str | None, accept_language: str, default: str = DEFAULT) -> str:
    """The language of a reader whose setting is `setting` (None before sign-in)."""
    if setting in LANGUAGES:
        return setting
    if setting and setting != "auto":  # one of kintone's languages kinflow has no catalogue for
        return DEFAULT
    for tag in _preferred(accept_language):
        if (language := _language_of(tag)) in LANGUAGES:
            return language
    return default if default in LANGUAGES else DEFAULT


def locale_name(language: str) -> str:
    """babel's (and gettext's) name for one of kintone's languages: `zh-TW` is `zh_TW`."""
    return language.replace("-", "_")


@cache
def _catalogue(language: str) -> dict[str, str]:
    if language not in LANGUAGES or language == DEFAULT:
        return {}
    with files("kinflow.locale").joinpath(f"{locale_name(language)}.po").open("rb") as po:
        catalog = read_po(po, locale=locale_name(language))
    return {message.id: message.string for message in catalog if message.id and message.string}


def has_translation(text: str, language: str) -> bool:
    return (text.template if isinstance(text, Message) else text) in _catalogue(language)


def translate(text: str, language: str) -> str:
    """`text` in `language`: a `Message` from its template, a plain text as the catalogue has it;
    as written when the catalogue has no translation."""
    catalogue = _catalogue(language)
    if isinstance(text, Message):
        found = catalogue.get(text.template)
        if found is None or not text.values:
            return str(text) if found is None else found
        # A value may be a message itself (a formula's reason inside the field's error).
        return found.format(**{name: translate(value, language) if isinstance(value, Message) else value
                               for name, value in text.values.items()})
    return catalogue.get(text, text)


def translator(language: str) -> Callable[..., str]:
    """`_(text, **values)`: the text in the language (as written when it has no translation), with
    `{name}` placeholders filled in."""
    catalogue = _catalogue(language)

    def translate_text(text: str, **values: object) -> str:
        if isinstance(text, Message) and not values:
            return translate(text, language)
        found = catalogue.get(text, text)
        return found.format(**values) if values else found

    return translate_text
