"""Each API view declares its shapes once; validation and the OpenAPI document both read them."""
import re
from dataclasses import dataclass, field

from flask import current_app, request

from app.api.schema import Schema
from app.auth.roles import PUBLIC, allowed_roles


@dataclass
class Operation:
    summary: str
    body: Schema | None = None
    response: Schema | None = None
    status: int = 200
    listing: bool = False
    partial: bool = False
    query: dict = field(default_factory=dict)
    problems: tuple = ()


def operation(summary: str, **kwargs):
    """Attach an Operation to an API view."""
    def mark(view):
        view.operation = Operation(summary, **kwargs)
        return view
    return mark


def parse_body():
    """The current view's declared body, validated (unknown fields refused)."""
    view = current_app.view_functions[request.endpoint]
    op = view.operation
    return op.body.parse(request.get_json(silent=True), partial=op.partial)


PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
}


def _path(rule: str) -> str:
    """Flask's /users/<int:user_id> as OpenAPI's /users/{user_id}, relative to /api/v1."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix("/api/v1"))


def document() -> dict:
    """The OpenAPI 3.1 document for every route of the API blueprint."""
    paths: dict = {}
    schemas: dict = {"Problem": PROBLEM_SCHEMA}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        view = current_app.view_functions[rule.endpoint]
        op: Operation = view.operation
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(_path(rule.rule), {})[method.lower()] = _operation(rule, method, view, op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "JXC API", "version": "1.0.0",
                 "description": "Sales, purchasing and inventory. Money and quantities are decimal strings."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {name: {"description": name, "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}} for name in ("Problem",)},
        },
    }


def _operation(rule, method, view, op: Operation, schemas: dict) -> dict:
    spec: dict = {"summary": op.summary, "operationId": f"{rule.endpoint.removeprefix('api.')}_{method.lower()}"}
    if allowed_roles(view) == PUBLIC:
        spec["security"] = []
    parameters = [{"name": arg, "in": "path", "required": True, "schema": {"type": "integer"}}
                  for arg in sorted(rule.arguments)]
    parameters += [{"name": name, "in": "query", "required": False, "schema": schema}
                   for name, schema in op.query.items()]
    if op.listing:
        parameters += [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                       {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}]
    if method == "POST":
        parameters.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "schema": {"type": "string", "maxLength": 100}})
    if parameters:
        spec["parameters"] = parameters
    if op.body is not None:
        name = op.body.name + ("Patch" if op.partial else "")
        schemas[name] = op.body.openapi(partial=op.partial)
        spec["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{name}"}}}}
    responses: dict = {}
    if op.response is not None:
        schemas[op.response.name] = op.response.openapi()
        ref = {"$ref": f"#/components/schemas/{op.response.name}"}
        body = ({"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
            "items": {"type": "array", "items": ref}, "total": {"type": "integer"},
            "page": {"type": "integer"}, "per_page": {"type": "integer"}}} if op.listing else ref)
        responses[str(op.status)] = {"description": "OK", "content": {"application/json": {"schema": body}}}
    else:
        responses[str(op.status)] = {"description": "OK"}
    codes = {"401"} if allowed_roles(view) != PUBLIC else set()
    codes |= {"403"} if allowed_roles(view) not in (PUBLIC, None) and len(allowed_roles(view)) < 5 else set()
    codes |= {"404"} if rule.arguments else set()
    codes |= {"400", "422"} if op.body is not None or method == "POST" else set()
    codes |= {str(code) for code in op.problems}
    for code in sorted(codes):
        responses[code] = {"$ref": "#/components/responses/Problem"}
    spec["responses"] = responses
    return spec
