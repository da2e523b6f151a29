"""msgspec's validation messages about an instrument file, as the field path a person can
find in the TOML (`$.items[3].text.fr`, dict keys by name) and what was expected there.

errors.split_validation_message takes msgspec's message apart; this module only adds what
an instrument file needs: the keys of tables, and the expected shape at that path.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from typing import Any

import msgspec.inspect as mi

from service.errors import split_validation_message
from service.instruments.schemas import (
    IDENT_PATTERN,
    LANGUAGE_PATTERN,
    SLUG_PATTERN,
    Instrument,
    SingleChoiceItem,
)

# Readable names for the patterns msgspec quotes in its messages.
_PATTERN_HINTS = {
    IDENT_PATTERN: "lower-case letters, digits and underscores, e.g. `self_stigma`",
    SLUG_PATTERN: "lower-case letters, digits and hyphens, e.g. `help-seeking-stigma`",
    LANGUAGE_PATTERN: "a language code such as `en` or `fr`",
}
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+|\.\.\.)\]")


def describe_validation_error(data: bytes, text: str) -> tuple[str, str]:
    message, where = split_validation_message(text)
    field = where or "$"
    if field.startswith("key` in `"):
        field = field.removeprefix("key` in `")
        message = f"{message} (for a key)"
    try:
        raw: Any = tomllib.loads(data.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        raw = None
    segments = _segments(field)
    if "..." in segments:
        field, segments = _name_dict_keys(raw, segments)
    unknown = re.fullmatch(r"Object contains unknown field `(.+)`", message)
    missing = re.fullmatch(r"Object missing required field `(.+)`", message)
    if unknown:
        name = unknown.group(1)
        struct = _type_at(raw, segments)
        message = f"unknown field `{name}`"
        if isinstance(struct, mi.StructType):
            if name == "reverse" and struct.cls is SingleChoiceItem:
                message += "; only likert items can be reverse-coded"
            message += f"; expected one of: {', '.join(_field_names(struct))}"
        return f"{field}.{name}", message
    if missing:
        return f"{field}.{missing.group(1)}", "is missing; this field is required"
    invalid_tag = re.fullmatch(r"Invalid value '(.*)'", message)
    if invalid_tag and segments and segments[-1] == "kind":
        return (
            field,
            f"unknown item kind `{invalid_tag.group(1)}`; expected likert or single_choice",
        )
    for pattern, hint in _PATTERN_HINTS.items():
        message = message.replace(f"matching regex '{pattern}'", f"made of {hint}")
    expected = _type_at(raw, segments)
    if isinstance(expected, mi.LiteralType):
        message += f"; expected one of: {', '.join(map(str, expected.values))}"
    return field, message


def _segments(field: str) -> list[str | int]:
    out: list[str | int] = []
    for name, index in _SEGMENT.findall(field.removeprefix("$")):
        if name:
            out.append(name)
        else:
            out.append(int(index) if index.isdigit() else index)
    return out


def _render(segments: Sequence[str | int]) -> str:
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in segments)


def _name_dict_keys(raw: Any, segments: list[str | int]) -> tuple[str, list[str | int]]:
    """msgspec writes `[...]` for a dict value; find the key whose value is not a text."""
    node = raw
    named: list[str | int] = []
    for segment in segments:
        if segment == "..." and isinstance(node, dict):
            bad = [k for k, v in node.items() if not isinstance(v, str) or not v]
            if not bad:
                return _render(segments), segments
            segment = bad[0]
        named.append(segment)
        node = _child(node, segment)
    return _render(named), named


def _child(node: Any, segment: str | int) -> Any:
    if isinstance(segment, int) and isinstance(node, list) and segment < len(node):
        return node[segment]
    if isinstance(segment, str) and isinstance(node, dict):
        return node.get(segment)
    return None


def _type_at(raw: Any, segments: Sequence[str | int]) -> mi.Type | None:
    """The type the field path points at, following item kinds in the raw data."""
    info: mi.Type | None = mi.type_info(Instrument)
    node = raw
    for segment in segments:
        info = _concrete(info, node)
        if isinstance(segment, int) and isinstance(info, mi.ListType):
            info = info.item_type
        elif isinstance(segment, str) and isinstance(info, mi.DictType):
            info = info.value_type
        elif isinstance(segment, str) and isinstance(info, mi.StructType):
            info = next((f.type for f in info.fields if f.encode_name == segment), None)
        else:
            return None
        node = _child(node, segment)
    return _concrete(info, node)


def _concrete(info: mi.Type | None, node: Any) -> mi.Type | None:
    if not isinstance(info, mi.UnionType):
        return info
    options = [t for t in info.types if not isinstance(t, mi.NoneType)]
    if len(options) == 1:
        return options[0]
    tag = node.get("kind") if isinstance(node, dict) else None
    return next(
        (t for t in options if isinstance(t, mi.StructType) and t.tag == tag),
        None,
    )


def _field_names(struct: mi.StructType) -> list[str]:
    names = [f.encode_name for f in struct.fields]
    if struct.tag_field is not None:
        names.append(struct.tag_field)
    return sorted(names)
