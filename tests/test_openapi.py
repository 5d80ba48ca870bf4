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


# What schemathesis found, each as a plain regression test.

@pytest.mark.parametrize("query", ["customer_id=null", "customer_id=0", "customer_id=1&customer_id=2",
                                   "status=shipped", "page=0", "per_page=201", "page=abc"])
def test_a_bad_filter_is_refused_not_ignored(api, query):
    """`?customer_id=null` used to list every order, as if no filter had been given."""
    response = api("owner").get(f"/sales-orders?{query}")
    assert response.status_code == 422 and response.json["type"] == "validation-error"
    assert set(response.json["errors"]) <= {"customer_id", "status", "page", "per_page"}


@pytest.mark.parametrize("path,query", [("/products", "active=maybe"), ("/reports/sales", "to="),
                                        ("/reports/sales", "from=2026-02-30"), ("/reports/inventory", "to=1999-12-31"),
                                        ("/users", "q=" + "x" * 201), ("/reorder-suggestions", "")])
def test_every_declared_query_parameter_is_checked(api, path, query):
    response = api("owner").get(f"{path}?{query}")
    assert response.status_code == 422, response.json
    name = query.split("=")[0] or "warehouse_id"  # reorder suggestions need their warehouse
    assert name in response.json["errors"]


def test_good_filters_still_filter(api):
    owner = api("owner")
    assert owner.get("/sales-orders?customer_id=1&status=draft&page=1&per_page=5").status_code == 200
    assert owner.get("/products?active=true&q=壳").status_code == 200
    assert owner.get("/reports/sales?from=2026-01-01&to=2026-01-31").status_code == 200


def test_json_numbers_with_fractions_are_accepted(api):
    """API.md: money and quantities accept strings or JSON numbers. 12.5 used to be read as a float and refused."""
    response = api("owner").post("/products", {"sku": "JSON-1", "name": "数据线", "sale_price": 12.5,
                                               "min_stock": 0.25})
    assert response.status_code == 201, response.json
    assert response.json["sale_price"] == "12.50" and response.json["min_stock"] == "0.250"


@pytest.mark.parametrize("method", ["GET", "PATCH", "POST"])
def test_an_id_beyond_any_row_is_404_for_every_method(api, method):
    """PATCH /customers/9223372036854775808 answered 405 (werkzeug, after the id converter refused the value)."""
    response = api("owner").call(method, "/customers/9223372036854775808", json={"name": "x"})
    assert response.status_code == 404 and response.json["type"] == "not-found"


def test_the_document_lists_what_the_server_answers(document):
    paths = document["paths"]
    scan = paths["/stocktakes/{stocktake_id}/scans"]["post"]["responses"]
    assert {"200", "201"} <= set(scan)  # a scan_id sent again is a 200
    assert "422" in paths["/sales-orders"]["get"]["responses"]  # bad filters
    assert "409" in paths["/customers/{customer_id}"]["patch"]["responses"]  # a taken unique value
    reorder = {p["name"]: p for p in paths["/reorder-suggestions"]["get"]["parameters"]}
    assert reorder["warehouse_id"]["required"] is True
    payment = document["components"]["schemas"]["PaymentCreate"]
    assert payment["oneOf"] == [{"required": ["customer_id"]}, {"required": ["supplier_id"]}]
    product = document["components"]["schemas"]["ProductCreate"]["properties"]
    assert product["sale_price"]["maximum"] == 100_000_000 and product["sale_price"]["minimum"] == 0
    assert product["sale_price"]["type"] == ["string", "number"]
    assert document["components"]["schemas"]["Product"]["properties"]["sale_price"]["type"] == "string"


def test_links_lead_from_what_was_made_to_what_can_be_done_with_it(document):
    created = document["paths"]["/sales-orders"]["post"]["responses"]["201"]
    assert created["headers"]["Location"]
    links = created["links"]
    assert links["sales_orders_confirm_post"] == {"operationId": "sales_orders_confirm_post",
                                                  "parameters": {"path.order_id": "$response.body#/id"}}
    assert links["deliver"]["requestBody"]["lines"] == [{"line_id": "$response.body#/lines/0/id", "qty": "1"}]
    operation_ids = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    for ops in document["paths"].values():
        for op in ops.values():
            for response in op["responses"].values():
                for link in response.get("links", {}).values():
                    assert link["operationId"] in operation_ids


@pytest.mark.parametrize("order", ["SalesOrderCreate", "PurchaseOrderCreate"])
def test_rates_are_documented_as_percentages(document, order):
    """A tax rate runs 0 to 100, as the service checks it (not to a price's 100,000,000)."""
    line = document["components"]["schemas"][order]["properties"]["lines"]["items"]
    if "$ref" in line:
        line = document["components"]["schemas"][line["$ref"].rsplit("/", 1)[1]]
    rate = line["properties"]["tax_rate"]
    assert (rate["minimum"], rate["maximum"]) == (0, 100)
