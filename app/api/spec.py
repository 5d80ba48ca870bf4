"""Each API view declares its shapes once; validation and the OpenAPI document both read them."""
import re
from dataclasses import dataclass, field
from decimal import Decimal

from hashlib import sha256

from flask import Response, current_app, g, jsonify, request
from flask_babel import gettext as _

from app.api import feed as feeds
from app.api.schema import DATE, Schema, ValidationFailed
from app.auth.roles import EVERYONE, PUBLIC, allowed_roles
from app.api.pagination import MAX_PER_PAGE, paginate
from app.errors import PROBLEM_STATUS, BusinessRuleError
from app.limits import MAX_ID, MAX_PAGE, parse_date, parse_int
from app.webhooks.openapi import document as webhook_document

MAX_QUERY_TEXT = 200
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Link:
    """An OpenAPI link from this operation's success response to another operation (an endpoint and a method).

    `parameters` and `body` hold runtime expressions ("$response.body#/id"): a client, or schemathesis' stateful
    run, feeds the object just made into the next step (read it, confirm it, deliver it ...).
    """
    endpoint: str
    method: str = "POST"
    parameters: dict = field(default_factory=dict)
    body: dict | None = None


@dataclass
class Operation:
    summary: str
    body: Schema | None = None
    response: Schema | None = None
    status: int = 200
    listing: bool = False
    partial: bool = False
    query: dict = field(default_factory=dict)
    query_required: tuple = ()  # of `query`, the parameters a request must send
    problems: tuple = ()
    body_optional: bool = False  # the view reads its body with optional_body(): none at all is fine
    also: tuple = ()  # other success statuses with the same body (a scan seen before: 200 instead of 201)
    location: str | None = None  # the endpoint a 201's Location header names: what was made, linked onwards
    item: str | None = None  # a listing's: the endpoint that reads one of its items, linked from the first
    links: dict = field(default_factory=dict)  # name -> Link, besides those to `location`'s operations
    feed: feeds.Feed | None = None  # a listing's: with updated_since or cursor it is a change feed (app.api.feed)
    description: str = ""  # the OpenAPI document's, beside the summary


# Said of the lists whose rows are computed rather than stored: nothing marks when a figure changed.
NOT_A_FEED = ("Not a change feed (no updated_since): its figures are computed from the documents on each "
              "request, so no row has a time it changed. Read it whole; the documents' own lists are feeds.")


def operation(summary: str, **kwargs):
    """Attach an Operation to an API view."""
    def mark(view):
        view.operation = Operation(summary, **kwargs)
        return view
    return mark


def request_json():
    """The request's JSON body, fractions as Decimal (a JSON number 12.5 is never a binary float), or None."""
    data = request.get_data()
    if not data:
        return None
    try:
        return current_app.json.loads(data, parse_float=Decimal)
    except ValueError:  # not JSON, not UTF-8, or nested too deep
        return None


def _declared() -> Operation:
    return current_app.view_functions[request.endpoint].operation


def parse_body():
    """The current view's declared body, validated (unknown fields refused)."""
    op = _declared()
    return op.body.parse(request_json(), partial=op.partial)


def reply(obj, status: int | None = None, location: str | None = None, **values):
    """The view's declared response, dumped from `obj` for the caller's role (the document is the serialiser): for
    a listing, `obj` is the envelope and each of its items is dumped. The operation's status unless another is
    given, and a Location header when one is."""
    op = _declared()
    if op.listing:
        body = {**obj, "items": [op.response.dump(item, g.user, **values) for item in obj["items"]]}
    else:
        body = op.response.dump(obj, g.user, **values)
    response = jsonify(body)
    response.status_code = status or op.status
    if location is not None:
        response.headers["Location"] = location
    if request.method == "GET" and not op.listing:
        return _conditional(response)
    return response


def _conditional(response):
    """A single object's strong ETag, from its body (so it changes with anything the caller sees of it, and
    differs between roles that see different fields); 304 with no body when If-None-Match names it. Compared
    weakly, as RFC 9110 has GETs do: app.compression weakens the ETag of a body it gzips."""
    etag = sha256(response.get_data()).hexdigest()[:32]
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers={"ETag": f'"{etag}"'})
    response.set_etag(etag)
    return response


def reply_page(query, **kw):
    """A page of `query` in the list envelope (pagination.paginate), each item dumped as the listing declares it."""
    return reply(paginate(query, **kw))


# The query string ---------------------------------------------------------------------------------------------------

def query_parameters(op: Operation) -> dict:
    """The query parameters an operation takes, name -> JSON Schema, with the bounds the server keeps to."""
    declared = {name: _bounded(name, schema) for name, schema in op.query.items()}
    if op.listing:
        declared |= {"page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                     "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}}
    if op.feed is not None:
        declared |= feeds.PARAMETERS
    return declared


def _bounded(name: str, schema: dict) -> dict:
    if schema.get("type") == "integer":
        return {"minimum": 1, "maximum": MAX_ID, **schema}  # every integer filter is an id
    if schema.get("format") == "date":
        return {**DATE, **schema}
    if schema.get("type") == "string" and "enum" not in schema:
        return {"maxLength": MAX_QUERY_TEXT, **schema}
    return schema


def check_query() -> None:
    """Refuse (422, naming each) query values that break the operation's declared parameters: what the document
    says is refused is refused, rather than a typo'd filter quietly ignored."""
    view = current_app.view_functions.get(request.endpoint)
    op = getattr(view, "operation", None)
    if op is None:
        return
    errors = {}
    for name, schema in query_parameters(op).items():
        values = request.args.getlist(name)
        if not values and name in op.query_required:
            errors[name] = [_("Required.")]
        elif len(values) > 1:
            errors[name] = [_("Give this at most once.")]
        elif values and (message := _query_error(values[0], schema)):
            errors[name] = [message]
    if errors:
        raise ValidationFailed(errors)


def _query_error(value: str, schema: dict) -> str | None:
    if "enum" in schema:
        return None if value in schema["enum"] else _("Must be one of: %(values)s.", values=", ".join(schema["enum"]))
    kind = schema.get("type")
    if kind == "integer":
        low, high = schema.get("minimum", 1), schema.get("maximum", MAX_ID)
        try:
            parse_int(value, low, high)
            return None
        except ValueError:
            return _("Must be a whole number from %(low)d to %(high)d.", low=low, high=high)
    if kind == "boolean":
        return None if value in ("true", "false") else _("Must be true or false.")
    if schema.get("pattern") == feeds.INSTANT["pattern"]:
        return None if feeds.parse_instant(value) else _(
            "Give a time in ISO 8601 with its offset, for example 2026-12-06T08:00:00+08:00.")
    if schema.get("format") == "date":
        try:
            parse_date(value, "date")
            return None
        except BusinessRuleError as error:
            return str(error.message)
    if kind == "string" and len(value) > schema.get("maxLength", MAX_QUERY_TEXT):
        return _("At most %(n)d characters.", n=schema.get("maxLength", MAX_QUERY_TEXT))
    if kind == "string" and "pattern" in schema and not re.search(schema["pattern"], value):
        return _("Not in the expected form.")
    return None


# The document -------------------------------------------------------------------------------------------------------

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "enum": sorted(PROBLEM_STATUS)}, "title": {"type": "string"},
        "status": {"type": "integer", "enum": sorted(set(PROBLEM_STATUS.values()))},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
}
PROBLEMS = {
    "400": "The body is not JSON, or not an object (bad-request)",
    "401": "No token, or not a valid one (unauthenticated)",
    "403": "The token's role may not do this (forbidden)",
    "404": "No such object, or outside the caller's data scope (not-found)",
    "413": "The body is over the size the server takes (payload-too-large)",
    "409": "The state or a unique value does not allow it: insufficient-stock, credit-limit-exceeded, "
           "invalid-state, duplicate",
    "422": "Fields or query values fail validation (validation-error, `errors` says which), or an "
           "Idempotency-Key was reused with another body (idempotency-key-reused)",
    "429": "Too many attempts (rate-limited)",
}


def _path(rule: str) -> str:
    """Flask's /users/<int:user_id> as OpenAPI's /users/{user_id}, relative to /api/v1."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.removeprefix("/api/v1"))


def _operation_id(endpoint: str, method: str) -> str:
    return f"{endpoint.removeprefix('api.')}_{method.lower()}"


def document() -> dict:
    """The OpenAPI 3.1 document for every route of the API blueprint."""
    paths: dict = {}
    schemas: dict = {"Problem": PROBLEM_SCHEMA}
    rules = sorted((r for r in current_app.url_map.iter_rules() if r.endpoint.startswith("api.")), key=lambda r: r.rule)
    for rule in rules:
        view = current_app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(_path(rule.rule), {})[method.lower()] = _operation(rule, method, view, schemas, rules)
    return {
        "openapi": "3.1.0",
        "info": {"title": "JXC API", "version": "1.0.0",
                 "description": "Sales, purchasing and inventory. Money and quantities are decimal strings."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "webhooks": webhook_document(schemas),
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {code: {"description": text, "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}} for code, text in PROBLEMS.items()},
        },
    }


def _operation(rule, method, view, schemas: dict, rules) -> dict:
    op: Operation = view.operation
    roles = allowed_roles(view)
    spec: dict = {"summary": op.summary, "operationId": _operation_id(rule.endpoint, method)}
    if op.description:
        spec["description"] = op.description
    if roles == PUBLIC:
        spec["security"] = []
    parameters = [{"name": arg, "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}} for arg in sorted(rule.arguments)]
    query = query_parameters(op)
    parameters += [{"name": name, "in": "query", "required": name in op.query_required, "schema": schema}
                   for name, schema in query.items()]
    if method == "POST":
        parameters.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "schema": {"type": "string", "minLength": 1, "maxLength": 100}})
    if _tagged(method, op):
        parameters.append({"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
                           "description": "The ETag of the copy the client holds: 304 with no body if unchanged"})
    if parameters:
        spec["parameters"] = parameters
    if op.body is not None:
        name = op.body.name + ("Patch" if op.partial else "")
        schemas[name] = op.body.openapi(partial=op.partial, incoming=True)
        spec["requestBody"] = {"required": not op.body_optional,
                               "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}
    spec["responses"] = _responses(rule, method, op, roles, schemas, rules, query)
    return spec


def _responses(rule, method, op: Operation, roles, schemas: dict, rules, query: dict) -> dict:
    success: dict = {"description": "OK"}
    if op.response is not None:
        schemas[op.response.name] = op.response.openapi()
        ref = {"$ref": f"#/components/schemas/{op.response.name}"}
        body = ({"type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
            "items": {"type": "array", "items": ref}, "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer"}, "per_page": {"type": "integer"},
            **(feeds.ENVELOPE if op.feed is not None else {})}} if op.listing else ref)
        success["content"] = {"application/json": {"schema": body}}
    if _tagged(method, op):
        success["headers"] = {"ETag": ETAG_HEADER}
    if op.status == 201 and op.location:
        success["headers"] = {"Location": {"description": "Where what was made can be read",
                                           "schema": {"type": "string"}}}
    links = _links(op, rules)
    if links:
        success["links"] = links
    responses = {str(status): success for status in (op.status, *op.also)}
    if _tagged(method, op):
        responses["304"] = {"description": "Not modified: If-None-Match names the current ETag (no body)",
                            "headers": {"ETag": ETAG_HEADER}}
    codes = {"401"} if roles != PUBLIC else set()
    codes |= {"403"} if roles not in (PUBLIC, None) and roles != EVERYONE else set()
    codes |= {"404"} if rule.arguments else set()
    codes |= {"400", "413", "422"} if op.body is not None or method == "POST" else set()
    codes |= {"422"} if query else set()
    codes |= {"409"} if method in WRITES else set()  # a unique value taken by a concurrent write: duplicate
    codes |= {str(code) for code in op.problems}
    for code in sorted(codes):
        responses[code] = {"$ref": f"#/components/responses/{code}"}
    return responses


ETAG_HEADER = {"description": "The object's version: send it back in If-None-Match", "required": True,
               "schema": {"type": "string"}}


def _tagged(method: str, op: Operation) -> bool:
    """A read of one object (reply() gives it an ETag)."""
    return method == "GET" and op.response is not None and not op.listing


def _links(op: Operation, rules) -> dict:
    """The declared links, and one to every operation on what a 201 made (its Location's path and below), or on
    a listing's first item."""
    links = {}
    if op.location or op.item:
        made = next(r for r in rules if r.endpoint == (op.location or op.item))
        made_path, arguments = _path(made.rule), sorted(made.arguments)
        pointer = "$response.body#/id" if op.location else "$response.body#/items/0/id"
        for rule in rules:
            if not _path(rule.rule).startswith(made_path) or sorted(rule.arguments) != arguments:
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                target = _operation_id(rule.endpoint, method)
                links[target] = {"operationId": target, "parameters": {f"path.{arg}": pointer for arg in arguments}}
    for name, link in op.links.items():
        links[name] = {"operationId": _operation_id(link.endpoint, link.method),
                       **({"parameters": link.parameters} if link.parameters else {}),
                       **({"requestBody": link.body} if link.body is not None else {})}
    return links
