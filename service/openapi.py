"""The OpenAPI side of the API: what each /api/v1 operation declares, and how wire shapes
become schemas.

Every operation declares the problem responses it can send (RFC 9457,
application/problem+json) and the security it needs; service/errors.py makes the
documents themselves; service/auth/guards.py has SECURITY, service/db.py MAX_ID.
`SCHEMA_PLUGINS` make the document say exactly what the service accepts: a body struct
that refuses unknown fields says `additionalProperties: false`, and an integer bound is
an integer.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin, get_type_hints

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIType, Reference, Schema
from litestar.params import KwargDefinition
from litestar.plugins import OpenAPISchemaPlugin

from service.errors import PROBLEM_MEDIA_TYPE, Problem

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition

# What any staff operation can answer: an unreadable request, no or a bad credential, a
# role or scope that does not allow it, an invalid field, a token over its rate limit.
COMMON = (400, 401, 403, 422, 429)

_PROBLEM_WHEN: dict[int, str] = {
    400: "The request could not be read (problem document).",
    401: "No valid session or API token: `not-authenticated` or `token-invalid` "
    "(revoked or expired token).",
    403: "The role or the token scope does not allow this (`forbidden`).",
    404: "No such program, wave, unit, instrument, staff account or token, or one outside "
    "your scope (the same answer; the problem's `type` says which).",
    409: "The request conflicts with the current state (the problem's `type` says how).",
    413: "The request body is over the size limit (`body-too-large`).",
    422: "A query parameter or field is not valid; `errors` names it.",
    429: "The API token sent too many requests (`rate-limited`); see `Retry-After` "
    "and the `RateLimit` headers.",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """`responses=` for a route decorator: each status as an RFC 9457 problem document."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_PROBLEM_WHEN.get(status, "A problem document."),
            media_type=PROBLEM_MEDIA_TYPE,
            # Generated examples would hold FieldError objects the document cannot carry.
            generate_examples=False,
        )
        for status in statuses
    }


def api_problems(*extra: int) -> dict[int, ResponseSpec]:
    """The common problem responses and `extra` (404, 409, 413) for a staff operation."""
    return problem_responses(*COMMON, *extra)


# --- schemas of wire shapes -----------------------------------------------------------


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """msgspec structs as Litestar writes them, corrected where Litestar loses what msgspec
    enforces, so that the document promises no request the service refuses:

    - a struct declared with `forbid_unknown_fields=True` says `additionalProperties: false`;
    - a field whose constraints sit inside its type (the items of a list, the members of a
      union: `list[Slug]`, `UnitId | str`) gets msgspec's own schema of that type, since
      Litestar keeps only the constraints of the outermost `Annotated`.
    """

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        struct = field_definition.type_
        info = msgspec.inspect.type_info(struct)
        strict = isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields
        if strict:
            schema.additional_properties = False
        hints = get_type_hints(struct, include_extras=True)
        for field in msgspec.structs.fields(struct):
            if not _has_inner_constraints(hints[field.name]):
                continue
            exact = msgspec.json.schema(hints[field.name])
            if "$defs" in exact or "$ref" in exact:
                continue  # a struct inside: Litestar's own component reference stays
            kept = (schema.properties or {}).get(field.encode_name)
            replacement = _schema_of(exact)
            if isinstance(kept, Schema):
                replacement.description = replacement.description or kept.description
                replacement.default = kept.default
            (schema.properties or {})[field.encode_name] = replacement
        if strict:
            for value in (schema.properties or {}).values():
                _refuse_nul(value)
        # Rules between fields that a struct states for the document (`openapi_rules`).
        rules = getattr(struct, "openapi_rules", None)
        if rules:
            schema.all_of = [_schema_of(rule) for rule in rules]
        return schema


# PostgreSQL text cannot hold U+0000, so the service refuses it in any text it is sent
# (`invalid-input`, service/errors.py); a request body's strings say so.
NO_NUL = "^[^\\u0000]*$"


def _refuse_nul(schema: Schema | Reference) -> None:
    if not isinstance(schema, Schema):
        return
    if schema.type == OpenAPIType.STRING and not (schema.pattern or schema.format or schema.enum):
        schema.pattern = NO_NUL
    for member in [*(schema.one_of or []), *(schema.any_of or [])]:
        _refuse_nul(member)
    if isinstance(schema.items, Schema):
        _refuse_nul(schema.items)


def _has_inner_constraints(hint: Any) -> bool:
    """Whether an `Annotated` sits anywhere below the outermost one of `hint`."""
    if get_origin(hint) is Annotated:
        hint = get_args(hint)[0]
    return any(
        get_origin(arg) is Annotated or _has_inner_constraints(arg) for arg in get_args(hint)
    )


_KEYWORDS = {"not": "schema_not", "if": "schema_if", "else": "schema_else"}


def _schema_of(node: dict[str, Any]) -> Schema:
    """A JSON Schema dict (msgspec's) as Litestar's Schema object."""
    kwargs: dict[str, Any] = {}
    for key, value in node.items():
        name = _KEYWORDS.get(key) or re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()
        if key in {"anyOf", "oneOf", "allOf", "prefixItems"}:
            value = [_schema_of(member) for member in value]
        elif key in {"items", "not", "if", "then", "else"}:
            value = _schema_of(value)
        elif key == "properties":
            value = {name: _schema_of(member) for name, member in value.items()}
        elif key == "type":
            value = (
                OpenAPIType(value) if isinstance(value, str) else [OpenAPIType(v) for v in value]
            )
        kwargs[name] = value
    return Schema(**kwargs)


_BOUNDS = (("ge", "minimum"), ("gt", "exclusive_minimum"), ("le", "maximum"),
           ("lt", "exclusive_maximum"), ("multiple_of", "multiple_of"))  # fmt: skip


class IntegerBoundsSchemaPlugin(OpenAPISchemaPlugin):
    """A bounded `int` with its bounds as integers. Litestar writes every bound as a float,
    and `float(2**63 - 1)` is 2**63: the document would allow an id the service refuses."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        kwargs = field_definition.kwarg_definition
        return (
            field_definition.annotation is int
            and isinstance(kwargs, KwargDefinition)
            and any(getattr(kwargs, bound) is not None for bound, _ in _BOUNDS)
        )

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = Schema(type=OpenAPIType.INTEGER)
        for bound, key in _BOUNDS:
            value = getattr(field_definition.kwarg_definition, bound, None)
            if value is not None:
                setattr(schema, key, int(value))
        return schema


# Before Litestar's own: the first plugin that takes a type writes its schema.
SCHEMA_PLUGINS: list[OpenAPISchemaPlugin] = [
    StrictStructSchemaPlugin(),
    IntegerBoundsSchemaPlugin(),
]
