"""The /schema page: the OpenAPI document as plain HTML, served from here.

Nothing is loaded from another site (no CDN script or font), so the reference works on a
machine without internet access and under the staff pages' `default-src 'self'` policy.
The document itself is at /schema/openapi.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(schema: dict[str, Any] | None) -> str:
    """`Unit` for a $ref, `list of Unit` for an array of one, else the JSON type."""
    if not schema:
        return ""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return "list of " + _ref_name(schema.get("items"))
    if "oneOf" in schema:
        return " or ".join(_ref_name(s) for s in schema["oneOf"])
    return str(schema.get("type", ""))


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation of the document, in path order, with what the page shows of it."""
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            found.append(
                {
                    "anchor": f"{method}-{path}".replace("/", "-").strip("-"),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _ref_name(p.get("schema")),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": [(media, _ref_name(c.get("schema"))) for media, c in body.items()],
                    "responses": [
                        (status, r.get("description", ""), ", ".join(r.get("content", {})))
                        for status, r in sorted(op.get("responses", {}).items())
                    ],
                    "secured": bool(op.get("security")),
                }
            )
    return found


class SchemaViewer(OpenAPIRenderPlugin):
    """The default page at /schema."""

    def __init__(self) -> None:
        super().__init__(path="/")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        page = _ENV.get_template("schema.html").render(
            info=openapi_schema.get("info", {}),
            operations=operations(openapi_schema),
            schemas=sorted(openapi_schema.get("components", {}).get("schemas", {})),
            json_url=self.get_openapi_json_route(request),
        )
        return page.encode()


def render_plugins() -> list[OpenAPIRenderPlugin]:
    return [SchemaViewer(), JsonRenderPlugin()]
