"""Reading HTML forms and turning problems into messages beside the fields.

A page form sends strings. `read` is the one way a form becomes a strict struct: it reads
each input as its `Input` says, converts numbers with messages a coordinator understands,
checks each field against the struct's own msgspec constraints (one field at a time, so
every bad field is reported at once, not only the first) and gives the struct or the
messages beside the inputs. `place` puts a DomainError beside the input it is about, and
`errors_of` maps field paths (`policy.delta`, `instruments[2]`) to the names of the inputs.
The program form, whose blank resource rows are left out, reads through `program_form`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

import msgspec

from service.errors import DomainError, FieldError, field_error, split_validation_message
from service.i18n import N_, gettext

# A form's values as the handler read them; lists for the fields that repeat (checkboxes).
FormValues = dict[str, Any]
Errors = dict[str, str]
S = TypeVar("S", bound=msgspec.Struct)

_BOUND = re.compile(r"Expected `(int|float)` (>=|>|<=|<) (\S+)")
_LENGTH = re.compile(r"Expected `(str|array)` of length (>=|<=) (\d+)")
# msgspec's bounds in words: a whole sentence for each kind of number and each bound.
_BOUND_MESSAGES = {
    ("int", ">="): N_("Enter a whole number at least %(limit)s."),
    ("int", ">"): N_("Enter a whole number more than %(limit)s."),
    ("int", "<="): N_("Enter a whole number at most %(limit)s."),
    ("int", "<"): N_("Enter a whole number less than %(limit)s."),
    ("float", ">="): N_("Enter a number at least %(limit)s."),
    ("float", ">"): N_("Enter a number more than %(limit)s."),
    ("float", "<="): N_("Enter a number at most %(limit)s."),
    ("float", "<"): N_("Enter a number less than %(limit)s."),
}
_LENGTH_MESSAGES = {
    ("str", ">="): N_("Use at least %(limit)s characters."),
    ("str", "<="): N_("Use at most %(limit)s characters."),
    ("array", ">="): N_("Use at least %(limit)s choices."),
    ("array", "<="): N_("Use at most %(limit)s choices."),
}


def text(form: Mapping[str, Any], name: str, limit: int = 4000) -> str:
    """One text field, trimmed; a missing field or an uploaded file reads as ''."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def texts(form: Any, name: str, limit: int = 200) -> list[str]:
    """Every value of a repeated field (checkboxes), trimmed, blanks dropped."""
    values = form.getall(name) if hasattr(form, "getall") and name in form else []
    return [v.strip()[:limit] for v in values if isinstance(v, str) and v.strip()]


def checked(form: Mapping[str, Any], name: str) -> bool:
    return text(form, name) in {"yes", "on", "true", "1"}


def number(raw: str, field: str, errors: Errors, *, whole: bool = False) -> float | int | None:
    """A number typed into a field; None (and a message in `errors`) when it is not one."""
    cleaned = raw.strip().replace(",", ".") if not whole else raw.strip()
    if not cleaned:
        errors.setdefault(field, gettext("Enter a number."))
        return None
    try:
        value: float | int = int(cleaned) if whole else float(cleaned)
    except ValueError:
        errors.setdefault(
            field,
            gettext("Enter a whole number, e.g. 40.")
            if whole
            else gettext("Enter a number, e.g. 0.5."),
        )
        return None
    if not math.isfinite(value):
        errors.setdefault(field, gettext("Enter a finite number."))
        return None
    return value


def utc_datetime(raw: str, field: str, errors: Errors) -> datetime | None:
    """`2031-01-06T09:00` from a datetime-local input, read as UTC."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        errors.setdefault(field, gettext("Enter a date and time, e.g. 2031-01-06 09:00 (UTC)."))
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def friendly(message: str) -> str:
    """msgspec's constraint messages in plain words, in the request's language."""
    message = split_validation_message(message)[0]
    bound = _BOUND.fullmatch(message)
    if bound:
        kind, op, limit = bound.groups()
        return gettext(_BOUND_MESSAGES[kind, op], limit=limit)
    length = _LENGTH.fullmatch(message)
    if length:
        kind, op, limit = length.groups()
        if kind == "str" and op == ">=" and limit == "1":
            return gettext("This cannot be empty.")
        return gettext(_LENGTH_MESSAGES[kind, op], limit=limit)
    if message.startswith("Expected `str` matching regex"):
        return gettext("This contains characters that are not allowed (e.g. line breaks).")
    if message.startswith("Invalid enum value"):
        return gettext("Choose one of the options.")
    return message


def path_of(exc: msgspec.ValidationError) -> str:
    """The `$.a[0].b` path in a msgspec message, as `a[0].b` ('' for the value itself)."""
    return field_error(exc).field


def check_fields(
    struct: type[msgspec.Struct], raw: Mapping[str, Any], prefix: str = ""
) -> list[FieldError]:
    """Check every field in `raw` on its own against `struct`'s field types."""
    found: list[FieldError] = []
    types = {f.name: f.type for f in msgspec.structs.fields(struct)}
    for name, value in raw.items():
        if name not in types:
            continue
        try:
            msgspec.convert(value, type=types[name])
        except msgspec.ValidationError as exc:
            inner = path_of(exc)
            where = f"{prefix}{name}" + (
                inner if inner.startswith("[") else f".{inner}" if inner else ""
            )
            found.append(FieldError(field=where, message=friendly(str(exc))))
    return found


def errors_of(
    problems: Iterable[FieldError],
    known: Iterable[str],
    *,
    lists: Iterable[str] = (),
    fallback: str = "form",
) -> Errors:
    """Field errors keyed by the input names on the page; unknown fields go to `fallback`.

    `lists` are fields the page shows as one group of checkboxes (`instruments[2]` is the
    `instruments` group).
    """
    names = set(known)
    groups = tuple(lists)
    out: Errors = {}
    for problem in problems:
        field = problem.field
        for group in groups:
            if field.startswith(group + "["):
                field = group
        if field not in names:
            message = f"{problem.field}: {problem.message}" if problem.field != "body" else ""
            field = fallback
            out[field] = f"{out[field]} {message}".strip() if field in out else message
            continue
        out.setdefault(field, sentence(problem.message))
    return {k: v for k, v in out.items() if v}


def problem_errors(
    exc: DomainError, known: Iterable[str], *, lists: Iterable[str] = (), fallback: str = "form"
) -> Errors:
    """The messages of a DomainError beside the fields it names, its detail for the rest."""
    out = errors_of(exc.errors or [], known, lists=lists, fallback=fallback)
    if not exc.errors:
        out[fallback] = exc.detail
    return out


def place(
    exc: DomainError,
    known: Iterable[str],
    *,
    rename: Mapping[str, str] | None = None,
    lists: Iterable[str] = (),
) -> Errors:
    """Any DomainError's messages on the page: beside the input the error names
    (`form_field`, or the page's own name for it in `rename`) when the page has it, else
    its field errors beside theirs and its detail for the form."""
    names = tuple(known)
    field = exc.form_field
    if field is not None and rename:
        field = rename.get(field, field)
    if field is not None and field in names:
        return {field: exc.detail}
    return problem_errors(exc, names, lists=lists)


_TYPED = object()


@dataclass(frozen=True)
class Input:
    """How one input of a form is read.

    `text` is sent as typed; `whole` must read as a whole number first; `id` is a number
    the schema bounds (anything else is refused by the schema, not here); `check` is a
    checkbox and `checks` a group of them. A blank input sends `blank` when one is given.
    `message`, when given, is what any complaint of the schema about this input says: an
    `N_`-marked message, shown in the request's language with `values` in its placeholders.
    """

    kind: Literal["text", "whole", "id", "check", "checks"] = "text"
    blank: Any = _TYPED
    message: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    limit: int = 1000
    lower: bool = False


@dataclass
class Read(Generic[S]):
    """A form as read: the text to show again, the problems beside their inputs, and the
    strict struct (None while there is any problem)."""

    values: FormValues
    errors: Errors
    data: S | None = None
    names: tuple[str, ...] = field(default=())


def read(
    form: Any,
    struct: type[S],
    inputs: Mapping[str, Input],
    *,
    lists: Iterable[str] = (),
    fallback: str = "form",
) -> Read[S]:
    """The one way a console form becomes a strict struct or messages beside its inputs.

    Every input is checked on its own against the struct's own field types, so every bad
    input is reported at once; the rules stay in the schema.
    """
    values: FormValues = {}
    raw: dict[str, Any] = {}
    errors: Errors = {}
    for name, spec in inputs.items():
        if spec.kind == "check":
            values[name] = raw[name] = checked(form, name)
            continue
        if spec.kind == "checks":
            values[name] = raw[name] = texts(form, name, spec.limit)
            continue
        typed = text(form, name, spec.limit)
        values[name] = typed = typed.lower() if spec.lower else typed
        if not typed and spec.blank is not _TYPED:
            raw[name] = spec.blank
        elif spec.kind == "whole":
            whole = number(typed, name, errors, whole=True)
            if whole is not None:
                raw[name] = whole
        elif spec.kind == "id":
            try:
                raw[name] = msgspec.convert(typed, int, strict=False)
            except msgspec.ValidationError:
                raw[name] = typed
        else:
            raw[name] = typed
    problems = [
        FieldError(field=p.field, message=_message(inputs[p.field]) or p.message)
        if p.field in inputs
        else p
        for p in check_fields(struct, {k: v for k, v in raw.items() if k not in errors})
    ]
    for problem in errors_of(problems, inputs, lists=lists, fallback=fallback).items():
        errors.setdefault(*problem)
    order = {name: i for i, name in enumerate(inputs)}
    errors = dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))
    result = Read[S](values=values, errors=errors, names=tuple(inputs))
    if not errors:
        try:
            result.data = msgspec.convert(raw, type=struct)
        except msgspec.ValidationError as exc:
            errors[fallback] = sentence(friendly(str(exc)))
    return result


def _message(spec: Input) -> str | None:
    return gettext(spec.message, **spec.values) if spec.message else None


def sentence(message: str) -> str:
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "?", "!")) else message + "."
