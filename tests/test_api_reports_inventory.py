"""GET /api/v1/reports/inventory against the hand-worked ledger of test_reports_inventory.py."""
import pytest

import app.api.reports_inventory  # noqa: F401  (until app/api/__init__.py imports it)
from tests.test_reports_inventory import english, shop  # noqa: F401  (the fixtures)


def test_owner_gets_every_figure(shop, api):  # noqa: F811
    owner = api("owner")
    response = owner.get("/reports/inventory", query_string=shop.p1.args())
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 7 and body["page"] == 1 and body["per_page"] == 50
    rows = {row["sku"]: row for row in body["items"]}
    assert [row["sku"] for row in body["items"][:3]] == ["CABLE", "CASE", "T"]
    assert rows["CASE"] == {"product_id": shop.p.id, "sku": "CASE", "name": "手机壳", "on_hand": "13.000",
                            "value": "92.08", "sold_qty": "3.000", "turnover_days": "45.8",
                            "last_sale_at": rows["CASE"]["last_sale_at"], "class": "A"}
    assert rows["CASE"]["last_sale_at"].endswith("+00:00")
    assert rows["R"]["turnover_days"] is None and rows["R"]["last_sale_at"] is None and rows["R"]["class"] == "C"


def test_filters_and_paging(shop, api):  # noqa: F811
    owner = api("finance")
    side = owner.get("/reports/inventory", query_string={**shop.p1.args(), "warehouse_id": shop.side.id}).get_json()
    case = next(row for row in side["items"] if row["sku"] == "CASE")
    assert case["on_hand"] == "2.000" and case["value"] == "14.17"
    only_b = owner.get("/reports/inventory", query_string={**shop.p1.args(), "class": "B"}).get_json()
    assert [row["sku"] for row in only_b["items"]] == ["T"] and only_b["total"] == 1
    second = owner.get("/reports/inventory", query_string={**shop.p1.args(), "per_page": 3, "page": 2}).get_json()
    assert [row["sku"] for row in second["items"]] == ["U", "R", "S"] and second["total"] == 7


def test_warehouse_gets_no_value(shop, api):  # noqa: F811
    body = api("warehouse").get("/reports/inventory", query_string=shop.p1.args()).get_json()
    assert body["items"] and all("value" not in row for row in body["items"])


def test_sales_may_not(shop, api):  # noqa: F811
    response = api("sales").get("/reports/inventory")
    assert response.status_code == 403 and response.get_json()["type"] == "forbidden"


@pytest.mark.parametrize("args, field", [({"from": "2025-13-40"}, "from"), ({"class": "D"}, "class"),
                                         ({"per_page": "500"}, "per_page"), ({"period": "decade"}, "period")])
def test_bad_arguments_are_422(shop, api, args, field):  # noqa: F811
    response = api("owner").get("/reports/inventory", query_string=args)
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_in_the_openapi_document(api):
    doc = api("owner").get("/openapi.json").get_json()
    operation = doc["paths"]["/reports/inventory"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"warehouse_id", "from", "to", "class", "page"}
    row = doc["components"]["schemas"]["InventoryReportRow"]["properties"]
    assert {"on_hand", "value", "turnover_days", "last_sale_at", "class"} <= set(row)
