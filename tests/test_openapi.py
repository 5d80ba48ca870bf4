"""The served OpenAPI document is valid OpenAPI 3.1 (checked by a real validator), in 3.1's own JSON Schema."""
import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from app.api.schema import Choice, DecimalString, Integer, Nested, Schema, String, or_null


def _walk(node, path=""):
    """Every (path, schema-ish dict) in the document."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


@pytest.fixture
def document(api):
    response = api("owner").get("/openapi.json")
    assert response.status_code == 200
    return response.json


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
              for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []


def test_nullable_is_gone_null_is_a_type(document):
    """3.1 removed `nullable`; a field that may be null lists "null" among its types."""
    assert [path for path, node in _walk(document) if "nullable" in node] == []
    assert [path for path, node in _walk(document) if "example" in node] == []  # 3.1 schemas use `examples`
    customer = document["components"]["schemas"]["Customer"]["properties"]
    assert customer["salesperson_id"]["type"] == ["integer", "null"]
    assert customer["credit_limit"]["type"] == ["string", "null"]
    assert customer["balance"]["type"] == "string"


def test_or_null_keeps_enums_and_refs_honest():
    assert or_null({"type": "string", "enum": ["a"]}) == {"type": ["string", "null"], "enum": ["a", None]}
    assert or_null({"type": ["string", "integer"]}) == {"type": ["string", "integer", "null"]}
    assert or_null({"$ref": "#/x"}) == {"anyOf": [{"$ref": "#/x"}, {"type": "null"}]}
    shape = Schema("T", {"a": Choice(["x"], nullable=True), "b": Integer(nullable=True), "c": String(),
                         "d": DecimalString(2, nullable=True), "e": Nested(Schema("U", {}), nullable=True)})
    properties = shape.openapi()["properties"]
    assert properties["a"]["enum"] == ["x", None] and properties["b"]["type"] == ["integer", "null"]
    assert properties["c"]["type"] == "string" and properties["d"]["type"] == ["string", "null"]
    assert properties["e"]["type"] == ["object", "null"]
