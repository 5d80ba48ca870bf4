"""The JSON API (/api/v1): bearer tokens, idempotent writes and the OpenAPI document."""
