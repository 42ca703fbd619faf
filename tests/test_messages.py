"""Every message of the API (errors, validation, notifications) has its Japanese, Simplified Chinese
and Traditional Chinese translations, and is written so that it can have them: through `N_`, never as
a plain or formatted string."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from kinflow import i18n

SOURCE = Path(i18n.__file__).parent
# The Kaizala-compatible groups and the flows engine answer in their own services' formats, in English.
_OTHER_SERVICES = ("flows", "groups", "api/kaizala", "api/flows.py", "api/workflows.py", "cli", "web")
_PLACEHOLDER = re.compile(r"{(\w+)[^}]*}")
TRANSLATED = [language for language in i18n.LANGUAGES if language != i18n.DEFAULT]


def _api_messages() -> set[str]:
    return {message for _, _, message, _, _ in extract_from_dir(
        str(SOURCE), method_map=[("**.py", "python")], keywords={"N_": None}, comment_tags=())}


def _catalogue_messages() -> list[str]:
    """Every message of the catalogues: the Japanese one's (every catalogue has them all)."""
    with (SOURCE / "locale" / "ja.po").open("rb") as po:
        return sorted(message.id for message in read_po(po) if message.id)


def test_every_catalogue_is_read():
    assert TRANSLATED == ["ja", "zh", "zh-TW"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_api_message_is_translated(language):
    messages = _api_messages()
    assert len(messages) > 150
    assert sorted(m for m in messages if not i18n.has_translation(m, language)) == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_fill_only_the_placeholders_the_message_has(language):
    for message in _api_messages():
        translated = i18n.translator(language)(message)
        assert set(_PLACEHOLDER.findall(translated)) <= set(_PLACEHOLDER.findall(message)), message


@pytest.mark.parametrize("language", ["zh", "zh-TW"])
def test_chinese_keeps_every_placeholder_of_the_catalogue(language):
    """The Chinese catalogues translate every message the Japanese one does, and say every value the
    English does: each placeholder, as often."""
    for message in _catalogue_messages():
        assert i18n.has_translation(message, language), message
        translated = i18n.translator(language)(message)
        assert sorted(_PLACEHOLDER.findall(translated)) == sorted(_PLACEHOLDER.findall(message)), message


def test_the_chinese_catalogues_are_written_in_their_own_characters():
    """Simplified for `zh`, traditional for `zh-TW`: no message of one in the other's characters."""
    simplified, traditional = i18n.translator("zh"), i18n.translator("zh-TW")
    assert simplified("Missing or invalid input.") == "输入内容不正确。"
    assert traditional("Missing or invalid input.") == "輸入內容不正確。"
    for message in _catalogue_messages():
        assert not set(traditional(message)) & set("记录应权设请户择删这"), message
        assert not set(simplified(message)) & set("記錄應權設請戶擇刪這"), message


def _plain_messages(tree: ast.AST) -> list[ast.AST]:
    """Messages written as literals where a `KintoneError`, `invalid_input`, a value's `Invalid` or
    a settings check's `fail` takes them."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name == "KintoneError" and len(node.args) >= 2:
            found.append(node.args[1])
        elif name == "Invalid" and node.args:
            found.append(node.args[0])
        elif name in ("fail", "_err") and len(node.args) >= 2:
            found.append(node.args[-1])
        elif name == "invalid_input" and node.args and isinstance(node.args[0], ast.Dict):
            for value in node.args[0].values:
                found += value.elts if isinstance(value, ast.List) else [value]
    return [m for m in found if isinstance(m, ast.JoinedStr) or (isinstance(m, ast.Constant) and isinstance(m.value, str))]


def test_api_messages_are_written_to_be_translated():
    plain = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        if relative.startswith(_OTHER_SERVICES):
            continue
        plain += [f"{relative}:{m.lineno}" for m in _plain_messages(ast.parse(path.read_text(encoding="utf-8")))]
    assert plain == []


def test_a_message_is_english_until_it_is_translated():
    message = i18n.N_("The specified record (ID: {id}) is not found.", id=7)
    assert message == "The specified record (ID: 7) is not found."
    assert i18n.translate(message, "en") == message
    assert i18n.translate(message, "ja") == "指定したレコード（id: 7）が見つかりません。"
    assert i18n.translate("Missing or invalid input.", "ja") == "入力内容が正しくありません。"


def test_language_falls_back_to_the_server_default():
    assert i18n.choose("auto", "", "ja") == "ja"
    assert i18n.choose("auto", "de, fr", "ja") == "ja"
    assert i18n.choose("auto", "en-US", "ja") == "en"
    assert i18n.choose("en", "ja", "ja") == "en"
    # A language kinflow has no catalogue for reads English, whatever the browser says.
    assert i18n.choose("th", "ja", "ja") == "en"
    assert i18n.choose("zh", "ja", "ja") == "zh"
    assert i18n.choose("zh-TW", "zh-CN", "ja") == "zh-TW"


@pytest.mark.parametrize(("accept_language", "language"), [
    ("zh-TW", "zh-TW"), ("zh-Hant", "zh-TW"), ("zh-Hant-TW", "zh-TW"), ("zh-HK", "zh-TW"), ("zh_TW", "zh-TW"),
    ("zh-CN", "zh"), ("zh", "zh"), ("zh-Hans", "zh"), ("zh-Hans-CN", "zh"), ("zh-SG", "zh"),
    ("ZH-tw", "zh-TW"), ("de, zh-CN;q=0.5, ja;q=0.4", "zh"), ("ja, zh-TW;q=0.9", "ja"), ("zh-Hant;q=0, en", "en"),
])
def test_chinese_browsers_negotiate_simplified_or_traditional(accept_language, language):
    assert i18n.choose("auto", accept_language, "ja") == language
    assert i18n.choose(None, accept_language) == language


def test_a_message_reads_in_each_chinese():
    message = i18n.N_("The specified record (ID: {id}) is not found.", id=7)
    assert i18n.translate(message, "zh") == "未找到指定的记录（id: 7）。"
    assert i18n.translate(message, "zh-TW") == "找不到指定的記錄（id: 7）。"
    assert i18n.locale_name("zh-TW") == "zh_TW"
