"""Sales facts and the sales report against hand-computed figures: invoices (also partial), credited returns,
cost snapshots that never move, the previous period, the salesperson's scope, and the screen, .xlsx and PDF."""
import io
import subprocess
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import func, select

from app.checks import run_all
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.reports import periods
from app.reports.models import SalesFact
from app.reports.periods import Period
from app.reports.sales import SalesFilters, buckets, sales_summary
from app.sales import fulfilment
from app.sales.fulfilment import QtyInput
from tests import factories

D = Decimal


@pytest.fixture(autouse=True)
def english(app, client):
    app.config["BABEL_DEFAULT_LOCALE"] = client.application.config["BABEL_DEFAULT_LOCALE"] = "en"


def deliver(actor, order, *qtys):
    fulfilment.deliver(actor, order, [QtyInput(line.id, q) for line, q in zip(order.lines, qtys)])
    db.session.commit()


def invoice(actor, order):
    made = fulfilment.invoice_order(actor, order)
    db.session.commit()
    return made


def give_back(actor, order, *qtys):
    made = fulfilment.return_goods(actor, order, [QtyInput(line.id, q) for line, q in zip(order.lines, qtys)])
    db.session.commit()
    return made


@pytest.fixture
def shop(app):
    """Two salespeople with a customer each; a case (cost 10) and a cable (cost 4) in stock.

    Sold today: 华联 buys 10 cases at 25 and 5 cables at 8 (invoiced), returns 3 cases (credited);
    万达 orders 4 cases, 2 are delivered and invoiced, 2 more delivered not invoiced, then those 2 returned
    (never invoiced: no fact). Hand-computed: qty 10 + 5 + 2 - 3 = 14; revenue 250 + 40 + 50 - 75 = 265;
    cost 100 + 20 + 20 - 30 = 110; margin 155 (58.5 %).
    """
    owner, anna, ben = factories.user("owner"), factories.user("sales", display_name="Anna"), \
        factories.user("sales", display_name="Ben")
    main = factories.warehouse("MAIN", "总仓")
    phones = factories.category("手机配件")
    case = factories.product(name="手机壳", sku="CASE", sale_price="25.00", category_id=phones.id)
    cable = factories.product(name="数据线", sku="CABLE", sale_price="8.00")
    factories.stock(case, main, 100, "10.00")
    factories.stock(cable, main, 100, "4.00")
    hualian, wanda = factories.customer("华联超市", anna), factories.customer("万达广场", ben)
    first = factories.order(hualian, [(case, 10, "25.00"), (cable, 5, "8.00")], actor=anna, confirm=True)
    deliver(owner, first, 10, 5)
    invoice(owner, first)
    give_back(owner, first, 3, 0)
    second = factories.order(wanda, [(case, 4, "25.00")], actor=ben, confirm=True)
    deliver(owner, second, 2)
    invoice(owner, second)
    deliver(owner, second, 2)
    give_back(owner, second, 2)
    today = business_today()
    return SimpleNamespace(owner=owner, anna=anna, ben=ben, main=main, phones=phones, case=case, cable=cable,
                           hualian=hualian, wanda=wanda, first=first, second=second, today=today,
                           week=Period(today - timedelta(days=6), today))


# Facts ------------------------------------------------------------------------------------------------

def test_facts_are_written_with_invoices_and_credited_returns_only(shop):
    facts = db.session.execute(select(SalesFact.invoice_id.is_not(None), SalesFact.product_id, SalesFact.qty,
                                      SalesFact.revenue, SalesFact.cost, SalesFact.salesperson_id)
                               .order_by(SalesFact.id)).all()
    s = shop
    assert facts == [(True, s.case.id, D("10.000"), D("250.00"), D("100.00"), s.anna.id),
                     (True, s.cable.id, D("5.000"), D("40.00"), D("20.00"), s.anna.id),
                     (False, s.case.id, D("-3.000"), D("-75.00"), D("-30.00"), s.anna.id),
                     (True, s.case.id, D("2.000"), D("50.00"), D("20.00"), s.ben.id)]
    assert all(day == s.today for day in db.session.scalars(select(SalesFact.day)))
    assert run_all() == []


def test_flask_check_notices_a_fact_that_disagrees_with_its_invoice(shop):
    fact = db.session.scalars(select(SalesFact).where(SalesFact.invoice_id.is_not(None))).first()
    fact.revenue += D("1.00")
    db.session.commit()
    assert any("facts" in breach.lower() for breach in run_all())


# The report -----------------------------------------------------------------------------------------------

def test_totals_by_product_with_cost_and_margin(shop):
    report = sales_summary(shop.owner, shop.week, "product")
    rows = {row.label: (row.qty, row.revenue, row.cost, row.margin, row.margin_pct) for row in report.rows}
    assert rows == {"手机壳": (D("9.000"), D("225.00"), D("90.00"), D("135.00"), D("60.0")),
                    "数据线": (D("5.000"), D("40.00"), D("20.00"), D("20.00"), D("50.0"))}
    assert [row.label for row in report.rows] == ["手机壳", "数据线"]  # biggest revenue first
    total = report.total
    assert (total.qty, total.revenue, total.cost, total.margin, total.margin_pct) == (
        D("14.000"), D("265.00"), D("110.00"), D("155.00"), D("58.5"))


@pytest.mark.parametrize("group_by, expected", [
    ("customer", {"华联超市": D("215.00"), "万达广场": D("50.00")}),
    ("salesperson", {"Anna": D("215.00"), "Ben": D("50.00")}),
    ("category", {"手机配件": D("225.00"), "No category": D("40.00")}),
])
def test_revenue_by_dimension(shop, group_by, expected):
    assert {row.label: row.revenue for row in sales_summary(shop.owner, shop.week, group_by).rows} == expected


def test_by_day_lists_every_day_of_the_period(shop):
    report = sales_summary(shop.owner, shop.week, "day")
    assert [row.key for row in report.rows] == [shop.week.start + timedelta(days=n) for n in range(7)]
    assert [row.revenue for row in report.rows] == [D("0.00")] * 6 + [D("265.00")]


@pytest.mark.parametrize("group_by", ["week", "month"])
def test_weeks_and_months_bucket_in_the_database(shop, group_by):
    period = Period(date(2026, 1, 1), shop.today)
    report = sales_summary(shop.owner, period, group_by)
    expected = shop.today - timedelta(days=shop.today.weekday()) if group_by == "week" else shop.today.replace(day=1)
    assert [row.key for row in report.rows if row.revenue] == [expected]
    assert report.rows[0].key == (date(2025, 12, 29) if group_by == "week" else date(2026, 1, 1))


def test_buckets_walk_the_calendar():
    assert buckets(Period(date(2026, 1, 30), date(2026, 3, 2)), "month") == [date(2026, 1, 1), date(2026, 2, 1),
                                                                            date(2026, 3, 1)]
    assert buckets(Period(date(2026, 11, 25), date(2026, 12, 7)), "week") == [date(2026, 11, 23), date(2026, 11, 30),
                                                                            date(2026, 12, 7)]


def test_margins_do_not_move_when_purchase_prices_change_later(shop):
    before = sales_summary(shop.owner, shop.week, "product").total
    factories.stock(shop.case, shop.main, 100, "30.00")  # the average cost of a case jumps to 20
    after = sales_summary(shop.owner, shop.week, "product").total
    assert (after.cost, after.margin) == (before.cost, before.margin) == (D("110.00"), D("155.00"))


def test_the_previous_period_is_compared(shop, monkeypatch):
    monkeypatch.setattr(fulfilment, "business_today", lambda: shop.week.start - timedelta(days=3))
    older = factories.order(shop.hualian, [(shop.case, 4, "25.00")], actor=shop.anna, confirm=True)
    deliver(shop.owner, older, 4)
    invoice(shop.owner, older)  # 100.00 of revenue three days before this week
    report = sales_summary(shop.owner, shop.week, "product")
    case = next(row for row in report.rows if row.label == "手机壳")
    assert (case.prev_revenue, case.change_pct) == (D("100.00"), D("125.0"))
    assert (report.total.revenue, report.total.prev_revenue, report.total.change_pct) == (
        D("265.00"), D("100.00"), D("165.0"))
    by_day = sales_summary(shop.owner, shop.week, "day")
    assert by_day.rows[4].prev_revenue == D("100.00")  # the same place in the week before (day 5 of 7)
    assert sales_summary(shop.owner, shop.week.previous(), "day").total.revenue == D("100.00")


def test_a_salesperson_sees_only_their_customers_and_no_cost(shop):
    report = sales_summary(shop.ben, shop.week, "customer", SalesFilters(salesperson_id=shop.anna.id))
    assert [(row.label, row.revenue, row.cost, row.margin) for row in report.rows] == [
        ("万达广场", D("50.00"), None, None)]
    assert (report.total.revenue, report.total.cost, report.shows_cost) == (D("50.00"), None, False)


def test_filters_narrow_the_facts(shop):
    assert sales_summary(shop.owner, shop.week, "day", SalesFilters(category_id=shop.phones.id)).total.revenue == D("225.00")
    assert sales_summary(shop.owner, shop.week, "day", SalesFilters(customer_id=shop.wanda.id)).total.revenue == D("50.00")
    assert sales_summary(shop.owner, shop.week, "day", SalesFilters(product_id=shop.cable.id)).total.qty == D("5.000")
    assert sales_summary(shop.owner, shop.week, "day", SalesFilters(salesperson_id=shop.ben.id)).total.revenue == D("50.00")


def test_the_screen_limit_keeps_the_biggest_and_the_full_total(shop):
    report = sales_summary(shop.owner, shop.week, "product", limit=1)
    assert ([row.label for row in report.rows], report.truncated, report.total.revenue) == (
        ["手机壳"], True, D("265.00"))


# Periods --------------------------------------------------------------------------------------------------

def test_periods_from_arguments(app):
    today = business_today()
    assert periods.period_from_args({}) == Period(today.replace(day=1), today)
    assert periods.period_from_args({"period": "today"}) == Period(today, today)
    assert periods.period_from_args({"period": "week"}).start.weekday() == 0
    assert periods.period_from_args({"from": "2026-01-05", "to": "2026-01-11"}) == Period(date(2026, 1, 5),
                                                                                      date(2026, 1, 11))
    assert Period(date(2026, 3, 1), date(2026, 3, 31)).previous() == Period(date(2026, 1, 29), date(2026, 2, 28))
    assert periods.preset("quarter", date(2026, 11, 28)) == Period(date(2026, 10, 1), date(2026, 11, 28))


@pytest.mark.parametrize("args, field", [({"from": "2026-13-01"}, "from"), ({"to": "yesterday"}, "to"),
                                         ({"from": "2026-02-01", "to": "2026-01-01"}, "from"),
                                         ({"period": "decade"}, "period")])
def test_bad_periods_are_refused(app, args, field):
    with pytest.raises(BusinessRuleError) as refused:
        periods.period_from_args(args)
    assert refused.value.field == field


# Screens, spreadsheet and PDF -----------------------------------------------------------------------------

def _week_args(s, **more):
    return {"from": s.week.start.isoformat(), "to": s.week.end.isoformat(), **more}


def test_the_owner_sees_figures_chart_and_drill_down(shop, client, login):
    login("owner", locale="en")
    html = client.get("/reports/sales", query_string=_week_args(shop, group_by="product")).get_data(as_text=True)
    assert "<svg" in html and "手机壳" in html and "¥265.00" in html and "¥155.00" in html and "58.5 %" in html
    assert f"/products/{shop.case.id}" in html and f"product_id={shop.case.id}" in html
    day = client.get("/reports/sales", query_string=_week_args(shop, group_by="day")).get_data(as_text=True)
    assert f"from={shop.today.isoformat()}&amp;to={shop.today.isoformat()}&amp;group_by=product" in day


def test_a_salesperson_screen_has_no_cost(shop, client, login):
    user = login("sales", locale="en")
    factories.customer("我的客户", user)
    html = client.get("/reports/sales", query_string=_week_args(shop, group_by="customer")).get_data(as_text=True)
    assert "华联超市" not in html and "万达广场" not in html
    assert "Margin" not in html and "Cost" not in html


@pytest.mark.parametrize("role, status", [("owner", 200), ("finance", 200), ("sales", 200), ("warehouse", 403),
                                          ("purchasing", 403)])
def test_who_may_open_the_sales_report(app, client, login, role, status):
    login(role, locale="en")
    assert client.get("/reports/sales").status_code == status


def test_bad_filters_answer_422_with_a_message(shop, client, login):
    login("owner", locale="en")
    response = client.get("/reports/sales", query_string={"from": "2026-02-30"})
    assert response.status_code == 422 and "YYYY-MM-DD" in response.get_data(as_text=True)
    assert client.get("/reports/sales", query_string={"group_by": "planet"}).status_code == 422


def test_the_spreadsheet_holds_the_figures(shop, client, login):
    login("owner", locale="en")
    response = client.get("/reports/sales", query_string=_week_args(shop, group_by="product", format="xlsx"))
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Sales by product"
    assert values[1] == ("Product", "SKU", "Quantity", "Revenue", "Cost", "Margin", "Margin rate",
                         "Previous period", "Change")
    assert values[2][:7] == ("手机壳", "CASE", 9, 225, 90, 135, 60)
    assert values[-1][:6] == ("Total", None, 14, 265, 110, 155)
    assert isinstance(values[2][3], (int, float))  # a number, not text, so it sums in the spreadsheet


def test_a_salesperson_spreadsheet_has_no_cost_columns(shop, client, login):
    login("sales", locale="en")
    response = client.get("/reports/sales", query_string=_week_args(shop, format="xlsx"))
    header = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))[1]
    assert "Cost" not in header and "Margin" not in header


def test_the_pdf_prints_the_report(shop, client, login):
    login("owner", locale="en")
    response = client.get("/reports/sales", query_string=_week_args(shop, group_by="customer", format="pdf"))
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=response.data, capture_output=True,
                          check=True).stdout.decode()
    assert "华联超市" in text and "265.00" in text and "Sales by customer" in text


def test_the_migration_backfills_the_same_facts_from_existing_documents(shop):
    """Documents made before the facts table existed are reported exactly as new ones."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).parents[1] / "migrations/versions/8d2f4c7a1e95_sales_facts_for_reports.py"
    spec = importlib.util.spec_from_file_location("facts_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    columns = (SalesFact.day, SalesFact.invoice_id, SalesFact.return_id, SalesFact.product_id, SalesFact.customer_id,
               SalesFact.salesperson_id, SalesFact.warehouse_id, SalesFact.qty, SalesFact.revenue, SalesFact.cost)
    written = sorted(db.session.execute(select(*columns)).all(), key=repr)
    db.session.execute(SalesFact.__table__.delete())
    migration._backfill(db.session.connection())
    assert sorted(db.session.execute(select(*columns)).all(), key=repr) == written
    assert db.session.scalar(select(func.count()).select_from(SalesFact)) == 4
