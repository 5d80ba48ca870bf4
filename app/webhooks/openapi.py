"""The OpenAPI 3.1 `webhooks` section: one entry per event type, each a POST of {"type", "timestamp", "data"} with
the Standard Webhooks headers; `data` refers to the same component schema as the API's GET of that object."""
from app.webhooks import events
from app.webhooks.delivery import TIMEOUT

HEADERS = [
    {"name": "webhook-id", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "The message's id: the same on every retry and on \"send again\" (use it to drop repeats)"},
    {"name": "webhook-timestamp", "in": "header", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"},
     "description": "Seconds since 1970 when this attempt was signed (refuse ones far from now)"},
    {"name": "webhook-signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "v1,<base64 of HMAC-SHA256 over \"<webhook-id>.<webhook-timestamp>.<body>\" keyed with the "
                    "base64-decoded secret after whsec_>"},
]
TEST_DATA = {"type": "object", "properties": {"endpoint_id": {"type": "integer"}, "sent_by": {"type": "string"}}}


def document(schemas: dict) -> dict:
    """The webhooks section; the schemas its bodies refer to are added to `schemas` (the document's components)."""
    hooks = {}
    for event_type in events.EVENT_TYPES.values():
        shape = events.schema(event_type)
        schemas.setdefault(shape.name, shape.openapi())
        hooks[event_type.name] = _hook(event_type.name, event_type.summary,
                                       {"$ref": f"#/components/schemas/{shape.name}"})
    hooks[events.TEST_EVENT] = _hook(events.TEST_EVENT, "Sent by \"send a test event\" on the endpoint's screen",
                                     TEST_DATA)
    return hooks


def _hook(name: str, summary: str, data: dict) -> dict:
    return {"post": {
        "summary": summary, "operationId": "webhook_" + name.replace(".", "_"), "security": [],
        "parameters": HEADERS,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["type", "timestamp", "data"], "additionalProperties": False,
            "properties": {"type": {"const": name}, "timestamp": {"type": "string", "format": "date-time"},
                           "data": data}}}}},
        "responses": {"2XX": {"description": f"Received. Any other answer, or none within {TIMEOUT} s, is retried "
                                             "after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h"}}}}
