"""Manipulation functions for JSON objects. Each returns a new object: the value it was given (an
action's outputs, a variable) is never changed in place."""

from __future__ import annotations

from kinflow.flows.expressions.functions.registry import function
from kinflow.flows.expressions.values import fail, need_object, need_text


@function("coalesce", 1, None, lazy=True)
def coalesce(*values):
    # Empty strings, arrays and objects are not null; arguments after the first non-null are not
    # evaluated.
    for value in values:
        result = value()
        if result is not None:
            return result
    return None


@function("addProperty", 3)
def add_property(obj, name, value):
    obj, name = need_object(obj, "the object"), need_text(name, "the property name")
    if name in obj:
        fail(f"the object already has the property '{name}' (setProperty() changes it).")
    return {**obj, name: value}


@function("setProperty", 3)
def set_property(obj, name, value):
    obj, name = need_object(obj, "the object"), need_text(name, "the property name")
    return {**obj, name: value}


@function("removeProperty", 2)
def remove_property(obj, name):
    obj, name = need_object(obj, "the object"), need_text(name, "the property name")
    return {key: value for key, value in obj.items() if key != name}
