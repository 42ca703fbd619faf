"""Collection functions: arrays, and strings or objects where the reference allows them."""

from __future__ import annotations

from kinflow.flows.expressions.functions.registry import function
from kinflow.flows.expressions.values import (
    MAX_ITEMS,
    as_text,
    checked_text,
    fail,
    kind,
    need_array,
    need_int,
    need_text,
)


@function("contains", 2)
def contains(collection, value):
    if isinstance(collection, str):
        return need_text(value, "the substring") in collection
    if isinstance(collection, (list, tuple)):
        return value in collection
    if isinstance(collection, dict):
        return need_text(value, "the key") in collection
    fail(f"the collection must be a string, an array or an object, not {kind(collection)}.")


@function("empty", 1)
def empty(collection):
    if collection is None:
        return True
    if isinstance(collection, (str, list, tuple, dict)):
        return len(collection) == 0
    fail(f"the collection must be a string, an array or an object, not {kind(collection)}.")


def _sequence(collection):
    if not isinstance(collection, (str, list, tuple)):
        fail(f"the collection must be a string or an array, not {kind(collection)}.")
    return collection


@function("first", 1)
def first(collection):
    collection = _sequence(collection)
    return collection[0] if collection else None


@function("last", 1)
def last(collection):
    collection = _sequence(collection)
    return collection[-1] if collection else None


def _count(count) -> int:
    count = need_int(count, "the count")
    if count < 0:
        fail("the count must not be negative.")
    return count


@function("take", 2)
def take(collection, count):
    collection = _sequence(collection)
    return collection[:_count(count)] if isinstance(collection, str) else list(collection[:_count(count)])


@function("skip", 2)
def skip(collection, count):
    collection = _sequence(collection)
    return collection[_count(count):] if isinstance(collection, str) else list(collection[_count(count):])


@function("join", 2)
def join(collection, delimiter):
    items = need_array(collection, "the collection")
    return checked_text(need_text(delimiter, "the delimiter").join(as_text(item) for item in items))


def _same_kind(collections) -> type:
    if all(isinstance(c, (list, tuple)) for c in collections):
        return list
    if all(isinstance(c, dict) for c in collections):
        return dict
    fail("the collections must be all arrays or all objects.")


def _distinct(items) -> list:
    out: list = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


@function("union", 1, None)
def union(*collections):
    if _same_kind(collections) is dict:
        merged: dict = {}
        for collection in collections:
            merged.update(collection)  # a name in several objects keeps its last value
        return merged
    items = [item for collection in collections for item in collection]
    if len(items) > MAX_ITEMS:
        fail(f"the result would hold more than {MAX_ITEMS} items.")
    return _distinct(items)


@function("intersection", 1, None)
def intersection(*collections):
    if _same_kind(collections) is dict:
        names = [name for name in collections[0] if all(name in other for other in collections[1:])]
        return {name: next(c[name] for c in reversed(collections)) for name in names}
    return _distinct(item for item in collections[0] if all(item in other for other in collections[1:]))


@function("chunk", 2)
def chunk(collection, size):
    collection = _sequence(collection)
    size = need_int(size, "the chunk length")
    if size <= 0:
        fail("the chunk length must be positive.")
    pieces = [collection[i:i + size] for i in range(0, len(collection), size)]
    return [piece if isinstance(piece, str) else list(piece) for piece in pieces]


@function("reverse", 1)
def reverse(collection):
    return list(reversed(need_array(collection, "the collection")))


@function("sort", 1, 2)
def sort(collection, sort_by=None):
    items = need_array(collection, "the collection")
    if sort_by is not None:
        key = need_text(sort_by, "the property to sort by")
        if not all(isinstance(item, dict) for item in items):
            fail("sorting by a property needs an array of objects.")
        keys = [item.get(key) for item in items]
    else:
        keys = items
    if all(isinstance(k, str) for k in keys) or all(isinstance(k, (int, float)) and not isinstance(k, bool)
                                                     for k in keys):
        order = sorted(range(len(items)), key=lambda index: keys[index])  # stable: equal keys keep their order
        return [items[index] for index in order]
    fail("only an array of numbers or of strings (or objects by such a property) can be sorted.")
