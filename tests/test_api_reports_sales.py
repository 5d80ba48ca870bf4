"""GET /api/v1/reports/sales: figures, groupings, the salesperson's scope without cost keys, 422 on bad input,
and its place in the OpenAPI document."""
from datetime import timedelta

import pytest

from app.db_types import business_today
from app.extensions import db
from app.sales import fulfilment
from app.sales.fulfilment import QtyInput
from tests import factories


@pytest.fixture
def sold(app):
    """Anna's customer bought 3 cases at 20 (cost 10) and returned 1; Ben's customer bought 2 cables at 9 (cost 4)."""
    owner, anna, ben = factories.user("owner"), factories.user("sales"), factories.user("sales")
    main = factories.warehouse()
    case = factories.product(name="手机壳", sku="CASE", sale_price="20.00")
    cable = factories.product(name="数据线", sku="CABLE", sale_price="9.00")
    factories.stock(case, main, 50, "10.00")
    factories.stock(cable, main, 50, "4.00")
    mine, theirs = factories.customer("华联超市", anna), factories.customer("万达广场", ben)
    for customer, product, qty, price, back in ((mine, case, 3, "20.00", 1), (theirs, cable, 2, "9.00", 0)):
        order = factories.order(customer, [(product, qty, price)], confirm=True)
        fulfilment.deliver(owner, order, [QtyInput(order.lines[0].id, qty)])
        fulfilment.invoice_order(owner, order)
        if back:
            fulfilment.return_goods(owner, order, [QtyInput(order.lines[0].id, back)])
        db.session.commit()
    return anna, mine, case


def _week():
    today = business_today()
    return {"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()}


def test_owner_gets_rows_with_cost_and_margin(sold, api):
    response = api("owner").get("/reports/sales", query_string={**_week(), "group_by": "product"})
    assert response.status_code == 200
    body = response.get_json()
    assert [(r["label"], r["qty"], r["revenue"], r["cost"], r["margin"]) for r in body["rows"]] == [
        ("手机壳", "2.000", "40.00", "20.00", "20.00"), ("数据线", "2.000", "18.00", "8.00", "10.00")]
    assert isinstance(body["rows"][0]["key"], int)
    assert (body["total"]["revenue"], body["total"]["cost"], body["total"]["margin_pct"]) == ("58.00", "28.00", "51.7")


def test_by_day_keys_are_dates(sold, api):
    body = api("finance").get("/reports/sales", query_string={**_week(), "group_by": "day"}).get_json()
    assert len(body["rows"]) == 7 and body["rows"][-1]["key"] == business_today().isoformat()
    assert body["rows"][-1]["revenue"] == "58.00" and body["rows"][0]["revenue"] == "0.00"


def test_a_salesperson_gets_own_customers_and_no_cost_keys(sold, client):
    anna, mine, _case = sold
    from app.auth import services as auth
    _token, secret = auth.create_token(anna, "tests")
    db.session.commit()
    response = client.get("/api/v1/reports/sales", query_string={**_week(), "group_by": "customer"},
                          headers={"Authorization": f"Bearer {secret}"})
    body = response.get_json()
    assert [(r["key"], r["revenue"]) for r in body["rows"]] == [(mine.id, "40.00")]
    assert not {"cost", "margin", "margin_pct"} & (set(body["rows"][0]) | set(body["total"]))


@pytest.mark.parametrize("query, field", [({"group_by": "planet"}, "group_by"), ({"from": "2026-02-30"}, "from"),
                                          ({"from": "2026-03-01", "to": "2026-02-01"}, "from"),
                                          ({"customer_id": "abc"}, "customer_id"), ({"period": "decade"}, "period")])
def test_bad_parameters_are_422(app, api, query, field):
    response = api("owner").get("/reports/sales", query_string=query)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("role, status", [("warehouse", 403), ("purchasing", 403)])
def test_roles_without_sales_reports_are_refused(app, api, role, status):
    assert api(role).get("/reports/sales").status_code == status


def test_the_report_is_in_the_openapi_document(app, api):
    spec = api("owner").get("/openapi.json").get_json()
    operation = spec["paths"]["/reports/sales"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"from", "to", "group_by"}
    assert "SalesReport" in spec["components"]["schemas"] and "422" in operation["responses"]
