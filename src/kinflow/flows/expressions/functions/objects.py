"""Manipulation functions for JSON objects. Each returns a new object: the value it was given (an
action's outputs, a variable) is never changed in place."""

from __future__ import annotations

import copy
import io
import xml.etree.ElementTree as ElementTree

import elementpath

from kinflow.flows.expressions.functions.registry import function
from kinflow.flows.expressions.values import as_text, envelope, envelope_bytes, fail, need_object, need_text
from kinflow.flows.expressions.xml_json import parse_xml


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


@function("xpath", 2)
def xpath(xml, path):
    # XPath 1.0, as the service evaluates it: node results come back as XML values (one node
    # alone, several as an array), attributes and text as strings, numbers as numbers.
    text = as_text(xml) if envelope_bytes(xml) is not None else need_text(xml, "the XML")
    document = ElementTree.ElementTree(parse_xml(text))
    # The document's own prefixes, so name() can name an element of a default namespace.
    namespaces: dict[str, str] = {}
    for _, (prefix, uri) in ElementTree.iterparse(io.StringIO(text), events=["start-ns"]):
        namespaces.setdefault(prefix, uri)
    try:
        result = elementpath.select(document, need_text(path, "the XPath"), namespaces=namespaces,
                                    parser=elementpath.XPath1Parser)
    except (elementpath.ElementPathError, ValueError, TypeError) as error:
        fail(f"the XPath is not valid ({str(error)[:120]}).")
    if isinstance(result, list):
        items = [_xpath_item(item, namespaces.get("")) for item in result]
        return items[0] if len(items) == 1 else items
    if isinstance(result, float) and result.is_integer():
        return int(result)
    return result


def _xpath_item(item, default_namespace: str | None):
    if isinstance(item, ElementTree.Element):
        node = copy.copy(item)
        node.tail = None  # the text after the node belongs to its parent
        try:
            text = ElementTree.tostring(node, encoding="unicode", default_namespace=default_namespace)
        except ValueError:  # a node outside the default namespace is written with prefixes
            text = ElementTree.tostring(node, encoding="unicode")
        return envelope(text.encode(), "application/xml;charset=utf-8")
    return item if isinstance(item, (str, int, float, bool)) else str(item)
