"""kintone's field types, grouped by how kinflow stores them.

Source: shared/reference/kintone-rest-api.md §4 (value formats, property rules).
"""

from __future__ import annotations

# Text held in one column; '' means empty.
TEXT_TYPES = frozenset(
    {"SINGLE_LINE_TEXT", "LINK", "MULTI_LINE_TEXT", "RICH_TEXT", "RADIO_BUTTON", "DROP_DOWN"}
)
# Several values: a JSON list in the record's column, one row per value in the values side table.
MULTI_CHOICE_TYPES = frozenset({"CHECK_BOX", "MULTI_SELECT"})
ENTITY_SELECT_TYPES = frozenset({"USER_SELECT", "ORGANIZATION_SELECT", "GROUP_SELECT"})
MULTI_VALUE_TYPES = MULTI_CHOICE_TYPES | ENTITY_SELECT_TYPES
CHOICE_TYPES = frozenset({"CHECK_BOX", "RADIO_BUTTON", "DROP_DOWN", "MULTI_SELECT"})
TEMPORAL_TYPES = frozenset({"DATE", "TIME", "DATETIME"})
# Numbers: a float column to compare and sort, and the exact decimal text beside it. A CALC field
# keeps its formula's result there, so queries search and sort it like a number.
NUMERIC_TYPES = frozenset({"NUMBER", "CALC"})
# FILE (attachments): the files' `{contentType, fileKey, name, size}` as JSON in the record's column,
# the files themselves in `record_files` (apps/files.py).
DATA_TYPES = TEXT_TYPES | MULTI_VALUE_TYPES | TEMPORAL_TYPES | NUMERIC_TYPES | {"FILE"}

# Maintained by kinflow itself; present in every form, never written by clients.
SYSTEM_TYPES = frozenset(
    {
        "RECORD_NUMBER",
        "CREATOR",
        "CREATED_TIME",
        "MODIFIER",
        "UPDATED_TIME",
        "STATUS",
        "STATUS_ASSIGNEE",
        "CATEGORY",
    }
)
# Layout-only elements: in the form, never in records.
LAYOUT_TYPES = frozenset({"LABEL", "SPACER", "HR", "GROUP", "REFERENCE_TABLE"})

INNER_ALLOWED_TYPES = DATA_TYPES
ALL_TYPES = DATA_TYPES | SYSTEM_TYPES | LAYOUT_TYPES | {"SUBTABLE"}

UNIQUE_CAPABLE_TYPES = frozenset({"SINGLE_LINE_TEXT", "NUMBER", "LINK", "DATE", "DATETIME"})
LENGTH_CAPABLE_TYPES = frozenset({"SINGLE_LINE_TEXT", "LINK"})

# The codes and labels kintone gives the system fields of a new app, in its creator's language: an
# app made by a Japanese user has `レコード番号`, `作成者`... as both code and label, and its exported
# form, queries and views name them so. A language with no names here gets the English ones.
SYSTEM_FIELD_NAMES = {
    "en": {
        "Record_number": ("RECORD_NUMBER", "Record number"),
        "Created_by": ("CREATOR", "Created by"),
        "Created_datetime": ("CREATED_TIME", "Created datetime"),
        "Updated_by": ("MODIFIER", "Updated by"),
        "Updated_datetime": ("UPDATED_TIME", "Updated datetime"),
        "Status": ("STATUS", "Status"),
        "Assignee": ("STATUS_ASSIGNEE", "Assignee"),
        "Categories": ("CATEGORY", "Categories"),
    },
    "ja": {
        "レコード番号": ("RECORD_NUMBER", "レコード番号"),
        "作成者": ("CREATOR", "作成者"),
        "作成日時": ("CREATED_TIME", "作成日時"),
        "更新者": ("MODIFIER", "更新者"),
        "更新日時": ("UPDATED_TIME", "更新日時"),
        "ステータス": ("STATUS", "ステータス"),
        "作業者": ("STATUS_ASSIGNEE", "作業者"),
        "カテゴリー": ("CATEGORY", "カテゴリー"),
    },
    "zh": {
        "记录编号": ("RECORD_NUMBER", "记录编号"),
        "创建人": ("CREATOR", "创建人"),
        "创建时间": ("CREATED_TIME", "创建时间"),
        "更新人": ("MODIFIER", "更新人"),
        "更新时间": ("UPDATED_TIME", "更新时间"),
        "状态": ("STATUS", "状态"),
        "执行者": ("STATUS_ASSIGNEE", "执行者"),
        "类别": ("CATEGORY", "类别"),
    },
    "zh-TW": {
        "記錄號碼": ("RECORD_NUMBER", "記錄號碼"),
        "建立人": ("CREATOR", "建立人"),
        "建立時間": ("CREATED_TIME", "建立時間"),
        "更新人": ("MODIFIER", "更新人"),
        "更新時間": ("UPDATED_TIME", "更新時間"),
        "狀態": ("STATUS", "狀態"),
        "執行者": ("STATUS_ASSIGNEE", "執行者"),
        "類別": ("CATEGORY", "類別"),
    },
}
