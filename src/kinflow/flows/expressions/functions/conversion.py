"""Conversion functions: types, base64, data URIs, URI components, JSON and XML.

Binary results (`binary`, `base64ToBinary`, `dataUriToBinary`, ...) and XML are content envelopes
(`$content-type`, `$content`), the form the service hands between actions.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote, unquote, unquote_to_bytes

import orjson

from kinflow.flows.expressions.functions.registry import function
from kinflow.flows.expressions.values import (
    INT_MAX,
    INT_MIN,
    MAX_ITEMS,
    as_text,
    envelope,
    envelope_bytes,
    fail,
    is_number,
    need_text,
)
from kinflow.flows.expressions.xml_json import json_to_xml, parse_xml, xml_to_json

_INTEGER = re.compile(r"\s*[+-]?\d+\s*")
_FLOAT = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


@function("string", 1)
def string(value):
    return as_text(value)


@function("int", 1)
def int_(value):
    if is_number(value) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        number = int(value)
        if INT_MIN <= number <= INT_MAX:
            return number
    fail(f"the value {_show(value)} cannot be converted to an integer.")


@function("float", 1)
def float_(value):
    if is_number(value):
        return float(value)
    if isinstance(value, str) and _FLOAT.fullmatch(value):
        return float(value)
    fail(f"the value {_show(value)} cannot be converted to a float.")


@function("isInt", 1)
def is_int(value):
    return isinstance(value, str) and bool(_INTEGER.fullmatch(value)) and INT_MIN <= int(value) <= INT_MAX


@function("isFloat", 1)
def is_float(value):
    return isinstance(value, str) and bool(_FLOAT.fullmatch(value))


@function("bool", 1)
def bool_(value):
    if isinstance(value, bool):
        return value
    if is_number(value):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    fail(f"the value {_show(value)} cannot be converted to a Boolean.")


def _show(value) -> str:
    text = as_text(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 40 else text[:40] + "…"


@function("array", 1)
def array(value):
    return [value]


@function("createArray", 1, None)
def create_array(*values):
    if len(values) > MAX_ITEMS:
        fail(f"an array may hold at most {MAX_ITEMS} items.")
    return list(values)


@function("json", 1)
def json(value):
    if value is None:
        return {}  # as documented: a null string gives an empty object
    xml_bytes = envelope_bytes(value)
    if xml_bytes is not None:
        return xml_to_json(xml_bytes.decode("utf-8", errors="replace"))
    text = need_text(value, "the value")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        fail("the value is not valid JSON.")


@function("xml", 1)
def xml(value):
    if isinstance(value, dict) and envelope_bytes(value) is None:
        text = json_to_xml(value)
    else:
        text = need_text(as_text(value) if envelope_bytes(value) is not None else value, "the value")
        if text.lstrip().startswith(("{", "[")):
            try:
                text = json_to_xml(orjson.loads(text))
            except orjson.JSONDecodeError:
                fail("the value is neither XML nor a JSON object.")
        else:
            parse_xml(text)
    return envelope(text.encode(), "application/xml;charset=utf-8")


def _utf8(value) -> bytes:
    data = envelope_bytes(value)
    return data if data is not None else need_text(value, "the value").encode()


def _from_base64(value) -> bytes:
    text = need_text(value, "the base64 text").strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        fail("the value is not valid base64.")


@function("base64", 1)
def base64_(value):
    return base64.b64encode(_utf8(value)).decode("ascii")


@function("base64ToString", 1)
def base64_to_string(value):
    return _from_base64(value).decode("utf-8", errors="replace")


@function("decodeBase64", 1)
def decode_base64(value):
    return base64_to_string(value)


@function("base64ToBinary", 1)
def base64_to_binary(value):
    return envelope(_from_base64(value), "application/octet-stream")


@function("binary", 1)
def binary(value):
    return envelope(_utf8(value), "application/octet-stream")


@function("dataUri", 1)
def data_uri(value):
    return "data:text/plain;charset=utf-8;base64," + base64.b64encode(_utf8(value)).decode("ascii")


def _data_uri_parts(value) -> tuple[bytes, str]:
    text = need_text(value, "the data URI")
    if not text.startswith("data:") or "," not in text:
        fail("the value is not a data URI (data:[<media type>][;base64],<data>).")
    header, data = text[5:].split(",", 1)
    params = header.split(";")
    media_type = ";".join(p for p in params if p != "base64") or "text/plain;charset=US-ASCII"
    return (_from_base64(data) if "base64" in params else unquote_to_bytes(data)), media_type


@function("dataUriToString", 1)
def data_uri_to_string(value):
    return _data_uri_parts(value)[0].decode("utf-8", errors="replace")


@function("dataUriToBinary", 1)
def data_uri_to_binary(value):
    data, media_type = _data_uri_parts(value)
    return envelope(data, media_type)


@function("decodeDataUri", 1)
def decode_data_uri(value):
    return data_uri_to_binary(value)


@function("uriComponent", 1)
def uri_component(value):
    # Every character but the unreserved ones of RFC 3986 is escaped, as .NET's EscapeDataString.
    return quote(as_text(value), safe="")


@function("encodeUriComponent", 1)
def encode_uri_component(value):
    return uri_component(value)


@function("uriComponentToString", 1)
def uri_component_to_string(value):
    return unquote(need_text(value, "the encoded text"))


@function("decodeUriComponent", 1)
def decode_uri_component(value):
    return uri_component_to_string(value)


@function("uriComponentToBinary", 1)
def uri_component_to_binary(value):
    return envelope(unquote_to_bytes(need_text(value, "the encoded text")), "application/octet-stream")
