"""Request parameters as kintone clients send them: a JSON body, or a query string whose arrays and
objects are spelled `fields[0]=a&fields[1]=b` and `apps[0][app]=1` (the `qs` style of the official
JavaScript client)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from kinflow.digits import is_digits
from kinflow.errors import invalid_input
from kinflow.i18n import N_

_PART = re.compile(r"\[([^\]]*)\]")
# kintone's deepest parameter, a subtable cell in a bulk write
# (`records[0][record][t][value][0][value][c][value]`), has nine parts; the bound leaves room and
# keeps a hostile key (`a[x][x]...` a thousand times) from exhausting recursion.
MAX_DEPTH = 16


def _path(key: str) -> list[str]:
    head, bracket, rest = key.partition("[")
    if not bracket:
        return [key]
    parts = _PART.findall("[" + rest)
    return [head, *parts] if parts and "[" + rest == "".join(f"[{p}]" for p in parts) else [key]


def _insert(target: dict, path: list[str], value: str) -> None:
    node: dict = target
    for index, part in enumerate(path):
        last = index == len(path) - 1
        if last:
            if part == "":
                items = node.get("")
                if not isinstance(items, list):  # `a[x][]=` after `a[x][y]=`: the later shape wins
                    items = node[""] = []
                items.append(value)
            else:
                node[part] = value
            return
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt


def _arrays(node: object) -> object:
    """Turn dicts whose keys are all array indexes into lists (in index order)."""
    if not isinstance(node, dict):
        return node
    converted = {k: _arrays(v) for k, v in node.items()}
    if converted and set(converted) == {""}:
        return converted[""]
    if converted and all(is_digits(k) for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def parse_query_string(query: str) -> dict:
    result: dict = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        path = _path(key)
        if len(path) > MAX_DEPTH:
            raise invalid_input({path[0][:100]: [N_("Parameters may be nested at most {max_depth} levels deep.",
                                                    max_depth=MAX_DEPTH)]})
        _insert(result, path, value)
    converted = _arrays(result)
    return converted if isinstance(converted, dict) else {}
