"""Money and quantities: one strict pattern, sane bounds, checked in the services, shown on the screen and the API."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import limits
from app.errors import BusinessRuleError
from app.extensions import db
from app.purchasing import services as purchasing
from app.sales import services as sales
from app.sales.models import SalesOrder
from tests import factories

EN = {"Accept-Language": "en"}
HUGE_PRICE = "40000000000000000"  # the field report: three invoices at this price overflowed SQLite's SUM
NOT_NUMBERS = ["1e309", "1e400", "9" * 5000, "1_000", "１２", "٣", "NaN", "Infinity", "-Infinity", "sNaN", "1e3",
               "0x10", " ", "1.2.3", "12abc"]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_only_plain_digits_are_numbers(text):
    with pytest.raises((TypeError, ValueError)):
        limits.parse_decimal(text)
    with pytest.raises(ValueError):
        limits.QUANTITY.parse(text)


@pytest.mark.parametrize("text, expected", [("12", Decimal("12.000")), ("12.5", Decimal("12.500")),
                                            (" 3 ", Decimal("3.000")), (".5", Decimal("0.500"))])
def test_plain_numbers_are_read(text, expected):
    assert limits.QUANTITY.parse(text) == expected
    assert limits.SIGNED_QUANTITY.parse("-3") == Decimal("-3.000")


def test_floats_and_booleans_are_not_numbers():
    for value in (1.5, float("inf"), True):
        with pytest.raises((TypeError, ValueError)):
            limits.parse_decimal(value)


@pytest.mark.parametrize("limit, inside, outside", [
    (limits.PRICE, "100000000", "100000000.01"), (limits.QUANTITY, "10000000", "10000000.001"),
    (limits.AMOUNT, "1000000000", "1000000000.01"), (limits.PERCENT, "100", "100.01"),
    (limits.COST, "100000000", "100000000.0001")])
def test_each_bound_takes_its_maximum_and_refuses_beyond(limit, inside, outside):
    assert limit.parse(inside) == Decimal(inside)
    with pytest.raises(ValueError, match="from"):
        limit.parse(outside)
    with pytest.raises(ValueError):
        limit.parse("-0.01")


def _draft(app):
    factories.warehouse()
    customer = factories.customer()
    product = factories.product()
    return customer, product


def test_a_sales_line_at_the_field_report_price_is_refused(app):
    customer, product = _draft(app)
    owner = factories.user("owner")
    for price, field in ((HUGE_PRICE, "unit_price"), ("-1", "unit_price"), ("100000000.01", "unit_price")):
        with pytest.raises(BusinessRuleError) as refused:
            sales.create_order(owner, customer, None, [sales.LineInput(product.id, "1", price)])
        assert refused.value.field == field
        db.session.rollback()
    for discount in ("-5", "100.01"):
        with pytest.raises(BusinessRuleError) as refused:
            sales.create_order(owner, customer, None, [sales.LineInput(product.id, "1", "10", discount)])
        assert refused.value.field == "discount_pct"
        db.session.rollback()
    with pytest.raises(BusinessRuleError) as refused:
        sales.create_order(owner, customer, None, [sales.LineInput(product.id, "1", "10", "0", "-13")])
    assert refused.value.field == "tax_rate"


def test_a_line_whose_quantity_and_price_multiply_beyond_the_amount_bound_is_refused(app):
    customer, product = _draft(app)
    owner = factories.user("owner")
    with pytest.raises(BusinessRuleError, match="1,000,000,000.00") as refused:
        sales.create_order(owner, customer, None, [sales.LineInput(product.id, "10000000", "100000000")])
    assert refused.value.field == "qty"
    db.session.rollback()
    # each line within the bound, the order beyond it
    with pytest.raises(BusinessRuleError, match="1,000,000,000.00"):
        sales.create_order(owner, customer, None, [sales.LineInput(product.id, "9", "100000000", "0", "0")] * 2)


def test_a_negative_or_huge_purchase_price_is_refused(app):
    from app.partners import suppliers
    owner = factories.user("owner")
    supplier = suppliers.create_supplier(owner, {"name": "供应商甲"})
    factories.warehouse()
    product = factories.product()
    for price in ("-1", HUGE_PRICE, "NaN", "1_000"):
        with pytest.raises(BusinessRuleError) as refused:
            purchasing.create_order(owner, supplier, None, [purchasing.LineInput(product.id, "1", price)])
        assert refused.value.field == "unit_price"
        db.session.rollback()


@pytest.mark.parametrize("field, value", [("unit_price", HUGE_PRICE), ("unit_price", "-1"), ("qty", "1e400"),
                                          ("qty", "1_000"), ("qty", "１２"), ("qty", "٣"), ("qty", "NaN"),
                                          ("qty", "9" * 5000), ("qty", 10 ** 30), ("discount_pct", "101"),
                                          ("tax_rate", "-1")])
def test_the_api_refuses_out_of_bound_and_strange_numbers_with_422_naming_the_field(api, field, value):
    client = api("owner")
    factories.warehouse()
    customer, product = factories.customer(), factories.product()
    line = {"product_id": product.id, "qty": "1", field: value}
    response = client.post("/sales-orders", {"customer_id": customer.id, "lines": [line]})
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["type"] == "validation-error"
    assert f"lines.0.{field}" in body["errors"]
    assert db.session.scalar(select(func.count()).select_from(SalesOrder)) == 0


def test_the_api_refuses_a_product_at_the_field_report_price(api):
    response = api("owner").post("/products", {"sku": "BIG-1", "name": "天价", "unit": "个", "sale_price": HUGE_PRICE})
    assert response.status_code == 422
    assert "sale_price" in response.get_json()["errors"]


def test_the_product_screen_refuses_the_field_report_price_on_its_field(client, login):
    login("owner", locale="en")
    data = {"sku": "BIG-1", "name": "天价", "unit": "个", "barcode": "", "sale_price": HUGE_PRICE,
            "purchase_price": "10", "min_stock": "0", "max_stock": "0", "notes": "", "active": "y",
            "idempotency_key": "k1", "csrf_token": client.csrf}
    response = client.post("/products/new", data=data, headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*\bid="sale_price"[^>]*>', page).group(0)
    assert "Enter a number from 0.00 to 100000000.00." in page


def test_the_order_screen_refuses_the_field_report_price_next_to_the_line(client, login):
    user = login("owner", locale="en")
    factories.warehouse()
    customer, product = factories.customer(), factories.product()
    order = factories.order(customer, [(product, 1)], actor=user)
    line = order.lines[0]
    response = client.post(f"/orders/{order.id}/lines/{line.id}", headers={"HX-Request": "true", **EN},
                           data={"csrf_token": client.csrf, "qty": "3", "unit_price": HUGE_PRICE,
                                 "discount_pct": "0", "tax_rate": "13"})
    assert response.status_code == 422
    assert "Enter a number from 0.00 to 100000000.00." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SalesOrder, order.id).lines[0].unit_price == Decimal("25.00")


def test_the_message_is_chinese_first(client, login):
    login("owner")
    data = {"sku": "BIG-1", "name": "天价", "unit": "个", "sale_price": HUGE_PRICE, "purchase_price": "10",
            "min_stock": "0", "max_stock": "0", "active": "y", "idempotency_key": "k1", "csrf_token": client.csrf}
    page = client.post("/products/new", data=data).get_data(as_text=True)
    assert "请输入 0.00 到 100000000.00 之间的数" in page
