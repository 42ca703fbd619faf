"""XML to JSON and back, in the shape the service's `json(xml(...))` and `xml(json(...))` give:
attributes as `@name`, text beside child elements as `#text`, repeated elements as an array, the
declaration as `?xml`."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from typing import Any

from kinflow.flows.expressions.values import as_text, fail

_DECLARATION = re.compile(r"\s*<\?xml\s+(.*?)\?>", re.S)
_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# Entity declarations are how an XML text grows without bound or reads local files: refused whole.
_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_xml(text: str) -> ElementTree.Element:
    if _DOCTYPE.search(text):
        fail("XML with a DOCTYPE is not accepted.")
    try:
        return ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        fail(f"the value is not well-formed XML ({error}).")


def xml_to_json(text: str) -> dict:
    root = parse_xml(text)
    document: dict = {}
    declaration = _DECLARATION.match(text)
    if declaration:
        document["?xml"] = {f"@{name}": a or b for name, a, b in _ATTRIBUTE.findall(declaration.group(1))}
    document[_local(root.tag)] = _element(root)
    return document


def _element(element: ElementTree.Element) -> Any:
    value: dict = {f"@{_local(name)}": text for name, text in element.attrib.items()}
    texts = [element.text] + [child.tail for child in element]
    text = "".join(part for part in texts if part and part.strip()).strip()
    repeated = _repeated(element)
    for child in element:
        name = _local(child.tag)
        if name in repeated:
            value.setdefault(name, []).append(_element(child))
        else:
            value[name] = _element(child)
    if not value:
        return text or None
    if text:
        value["#text"] = text
    return value


def _repeated(element: ElementTree.Element) -> set[str]:
    seen, repeated = set(), set()
    for child in element:
        name = _local(child.tag)
        (repeated if name in seen else seen).add(name)
    return repeated


def json_to_xml(value: Any) -> str:
    if not isinstance(value, dict):
        fail("only a JSON object converts to XML.")
    roots = [name for name in value if name != "?xml"]
    if len(roots) != 1 or isinstance(value[roots[0]], list):
        fail("the JSON object must have exactly one root property, which is not an array.")
    element = _build(roots[0], value[roots[0]])
    return ElementTree.tostring(element, encoding="unicode", short_empty_elements=True)


def _build(name: str, value: Any) -> ElementTree.Element:
    if not re.fullmatch(r"[A-Za-z_][\w.-]*", name):
        fail(f"'{name}' cannot be an XML element name.")
    element = ElementTree.Element(name)
    _fill(element, value)
    return element


def _fill(element: ElementTree.Element, value: Any) -> None:
    if not isinstance(value, dict):
        element.text = _scalar(value)
        return
    for key, item in value.items():
        if key.startswith("@"):
            element.set(key[1:], _scalar(item) or "")
        elif key == "#text":
            element.text = _scalar(item)
        else:
            for one in item if isinstance(item, list) else [item]:
                child = _build(key, None)
                _fill(child, one)
                element.append(child)


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return as_text(value)
