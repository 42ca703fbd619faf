"""Every message of the pages has its Japanese and Chinese translations."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from kinflow import i18n

# `_("...")` and `_('...')` in templates and page modules.
_CALL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _messages() -> set[str]:
    found = set()
    web = files("kinflow.web")
    sources = [p for p in web.joinpath("templates").iterdir() if p.name.endswith(".html")]
    sources += [p for p in web.joinpath("pages").iterdir() if p.name.endswith(".py")]
    for source in sources:
        for double, single in _CALL.findall(source.read_text(encoding="utf-8")):
            found.add((double or single).replace("\\'", "'").replace('\\"', '"'))
    return found


@pytest.mark.parametrize("language", ["ja", "zh", "zh-TW"])
def test_every_page_message_is_translated(language):
    messages = _messages()
    assert len(messages) > 10
    missing = sorted(m for m in messages if not i18n.has_translation(m, language))
    assert missing == []


def test_language_follows_the_setting_else_the_browser():
    assert i18n.choose("ja", "en-US,en;q=0.9") == "ja"
    assert i18n.choose("auto", "fr;q=0.9, ja;q=0.8, en;q=0.1") == "ja"
    assert i18n.choose("auto", "en-GB, ja;q=0.5") == "en"
    assert i18n.choose(None, "de, fr") == "en"
    assert i18n.choose("auto", "ja;q=oops, en") == "en"
