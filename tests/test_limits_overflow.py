"""Overflow: figures at the bounds never take a report down, and `flask check` names stored figures no report could
sum (rows written before the bounds, or straight into the database)."""
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.extensions import db
from app.lines import QtyInput
from app.sales import fulfilment
from tests import factories

TOP_PRICE = "100000000"  # limits.PRICE: 10 of them make a line of limits.AMOUNT


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args):
        db.session.remove()
        return runner.invoke(args=list(args))
    return run


def test_check_names_stored_figures_beyond_the_bounds(cli):
    factories.user(role="owner")
    factories.warehouse()
    product_id = factories.product().id
    assert cli("check").exit_code == 0
    # the field report's price, as a row written before the bounds existed would hold it (cents)
    db.session.execute(text("UPDATE product SET sale_price = :v WHERE id = :id"),
                       {"v": 4 * 10 ** 18, "id": product_id})
    db.session.commit()
    result = cli("check")
    assert result.exit_code == 1
    assert f"product {product_id}: sale_price 40,000,000,000,000,000.00 is beyond ±100,000,000" in result.output


def test_check_names_sums_no_report_could_add(cli):
    factories.user(role="owner")
    warehouse = factories.warehouse()
    product = factories.product()
    factories.stock(product, warehouse, "5")
    product_id = product.id
    assert cli("check").exit_code == 0
    db.session.execute(text("UPDATE stock_move_total SET value = :v WHERE product_id = :id"),
                       {"v": 2 ** 62 + 1, "id": product_id})
    db.session.commit()
    result = cli("check")
    assert result.exit_code == 1
    assert f"ledger totals (value, 10**-7) of product {product_id}" in result.output


def test_reports_sum_many_lines_at_the_bound(client, login, app):
    """Eleven deliveries of a line at the amount bound: 11 x 1,000,000,000.00 of one product. Summed in units of
    10**-9 (as best sellers did) that passes 2**63 and SQLite's SUM fails; every report still answers."""
    owner = login("owner", locale="en")
    warehouse = factories.warehouse()
    product = factories.product(sale_price=TOP_PRICE)
    factories.stock(product, warehouse, "110", unit_cost="1.00")
    customer = factories.customer()
    for _ in range(11):
        order = factories.order(customer, [(product, 10, TOP_PRICE, "0", "0")], actor=owner, confirm=True)
        fulfilment.deliver(owner, order, [QtyInput(order.lines[0].id, Decimal(10))])
        db.session.commit()
    for path in ("/reports/inventory/best-sellers", "/reports/inventory/abc", "/reports/inventory/turnover",
                 "/reports/inventory/summary", "/reports/", "/customers", "/orders", "/stock"):
        response = client.get(path, query_string={"period": "year"}, headers={"Accept-Language": "en"})
        assert response.status_code == 200, path
    page = client.get("/reports/inventory/best-sellers", query_string={"period": "year"}).get_data(as_text=True)
    assert "11,000,000,000.00" in page
