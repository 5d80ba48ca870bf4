"""Money reports against hand-computed books: aging buckets to the day (now and as of a past date, payments
and credit notes counted from their dates), the customer statement and its running balance, cash by method,
who may open them, and their spreadsheets and PDFs."""
import io
import subprocess
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from app.db_types import business_today
from app.extensions import db
from app.finance.services import record_receipt, record_supplier_payment
from app.lines import QtyInput
from app.partners import suppliers
from app.purchasing import receiving
from app.purchasing import services as purchasing
from app.purchasing.services import LineInput
from app.reports import money
from app.reports.periods import Period
from app.sales import fulfilment
from app.trade import balances as owed
from tests import factories

D = Decimal
UNIT = D("28.25")  # one case at 25.00 plus 13 % tax


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def shop(app):
    owner = factories.user("owner")
    main = factories.warehouse("MAIN", "总仓")
    case = factories.product(name="手机壳", sku="CASE", sale_price="25.00", purchase_price="10.00", tax_rate="13")
    factories.stock(case, main, 1000)
    return SimpleNamespace(owner=owner, main=main, case=case)


def sold(s, customer, qty, issued=None, due=None):
    """An invoice for `qty` cases (qty x 28.25), dated as given."""
    order = factories.order(customer, [(s.case, qty)], actor=s.owner, confirm=True)
    fulfilment.deliver(s.owner, order, [QtyInput(order.lines[0].id, qty)])
    invoice = fulfilment.invoice_order(s.owner, order)
    invoice.issued_on = issued or invoice.issued_on
    invoice.due_on = due or invoice.due_on
    db.session.commit()
    return invoice


def returned(s, invoice, qty, at=None):
    sales_return = fulfilment.return_goods(s.owner, invoice.order, [QtyInput(invoice.order.lines[0].id, qty)])
    if at is not None:
        sales_return.created_at = at
    db.session.commit()
    return sales_return


def received(s, customer, amount, day, method="cash"):
    payment = record_receipt(s.owner, customer, D(amount), method, paid_on=day)
    db.session.commit()
    return payment


def bought(s, supplier, qty, issued, due):
    """A supplier invoice for `qty` cases at 10.00 plus 13 % tax (qty x 11.30)."""
    order = purchasing.create_order(s.owner, supplier, s.main.id, [LineInput(s.case.id, qty, "10.00")])
    purchasing.confirm_order(s.owner, order)
    receiving.receive(s.owner, order, [QtyInput(order.lines[0].id, qty)])
    invoice = receiving.invoice_order(s.owner, order)
    invoice.issued_on, invoice.due_on = issued, due
    db.session.commit()
    return invoice


def buckets(row):
    return [row.amounts[key] for key in money.BUCKET_KEYS] + [row.total]


# Aging ----------------------------------------------------------------------------------------------

def test_receivables_buckets_at_their_boundaries(shop):
    """Due today is current, 1 and 30 days late are 1-30, 31 is 31-60, 90 is 61-90, 91 is over 90."""
    today = business_today()
    buyer = factories.customer("华联超市")
    for qty, late in ((1, 0), (2, 1), (3, 30), (4, 31), (5, 90), (6, 91)):
        sold(shop, buyer, qty, issued=today - timedelta(days=late + 30), due=today - timedelta(days=late))
    settled = factories.customer("已结清")
    received(shop, settled, sold(shop, settled, 2).total, today)

    aging = money.receivables_aging(today)
    assert [row.name for row in aging.rows] == ["华联超市"]  # a customer who owes nothing is left out
    assert buckets(aging.rows[0]) == [D("28.25"), D("141.25"), D("113.00"), D("141.25"), D("169.50"), D("593.25")]
    assert buckets(aging.totals) == buckets(aging.rows[0])
    assert aging.rows[0].total == owed.customer_balance(buyer)


def test_receivables_as_of_a_past_date_count_payments_and_credits_from_their_dates(shop):
    buyer = factories.customer("华联超市")
    invoice = sold(shop, buyer, 4, issued=date(2026, 1, 10), due=date(2026, 2, 9))  # 113.00
    received(shop, buyer, "50.00", date(2026, 3, 1))
    # 00:30 on 15 March in Shanghai is still 14 March in UTC: the credit counts from the 15th.
    returned(shop, invoice, 1, at=datetime(2026, 3, 14, 16, 30, tzinfo=timezone.utc))  # 28.25

    def aged(day):
        rows = money.receivables_aging(day).rows
        return buckets(rows[0]) if rows else None

    assert aged(date(2026, 1, 9)) is None  # not issued yet
    assert aged(date(2026, 2, 9)) == [D("113.00"), 0, 0, 0, 0, D("113.00")]
    assert aged(date(2026, 2, 28)) == [0, D("113.00"), 0, 0, 0, D("113.00")]
    assert aged(date(2026, 3, 1)) == [0, D("63.00"), 0, 0, 0, D("63.00")]
    assert aged(date(2026, 3, 14)) == [0, 0, D("63.00"), 0, 0, D("63.00")]
    assert aged(date(2026, 3, 15)) == [0, 0, D("34.75"), 0, 0, D("34.75")]
    assert aged(business_today()) == [0, 0, 0, 0, D("34.75"), D("34.75")]
    assert [(i.number, amount) for i, amount, _late in money.open_invoices_as_of(buyer.id, date(2026, 3, 1))] == [
        (invoice.number, D("63.00"))]


def test_payables_aging_per_supplier(shop):
    today = business_today()
    vendor = suppliers.create_supplier(shop.owner, {"name": "深圳电子厂", "payment_terms_days": 30})
    db.session.commit()
    bought(shop, vendor, 3, today - timedelta(days=20), today)  # 33.90, due today
    old = bought(shop, vendor, 5, today - timedelta(days=121), today - timedelta(days=91))  # 56.50
    record_supplier_payment(shop.owner, vendor, D("20.00"), "bank_transfer",
                            allocations=[money_allocation(old.id, "20.00")], paid_on=today - timedelta(days=10))
    db.session.commit()

    now = money.payables_aging(today)
    assert [row.name for row in now.rows] == ["深圳电子厂"]
    assert buckets(now.rows[0]) == [D("33.90"), 0, 0, 0, D("36.50"), D("70.40")]
    assert now.rows[0].total == owed.supplier_balances([vendor.id])[vendor.id]
    before_payment = money.payables_aging(today - timedelta(days=11))
    assert buckets(before_payment.rows[0]) == [D("33.90"), 0, 0, D("56.50"), 0, D("90.40")]


def money_allocation(invoice_id, amount):
    from app.finance.services import AllocationInput
    return AllocationInput(invoice_id, amount)


# Statement ------------------------------------------------------------------------------------------

@pytest.fixture
def books(shop):
    today = business_today()
    buyer = factories.customer("华联超市")
    first = sold(shop, buyer, 4, issued=today - timedelta(days=40), due=today - timedelta(days=10))  # 113.00
    received(shop, buyer, "50.00", today - timedelta(days=35))
    second = sold(shop, buyer, 2, issued=today - timedelta(days=20), due=today + timedelta(days=10))  # 56.50
    receipt = received(shop, buyer, "40.00", today - timedelta(days=10), method="wechat")
    credit = returned(shop, second, 1)  # 28.25, today
    return SimpleNamespace(**vars(shop), today=today, buyer=buyer, first=first, second=second, receipt=receipt,
                           credit=credit)


def test_statement_running_balance_ends_at_the_customer_balance(books):
    today = books.today
    report = money.statement(books.buyer, Period(today - timedelta(days=30), today))
    assert report.opening == D("63.00")
    assert [(e.day, e.kind, e.number, e.debit, e.credit, e.balance) for e in report.entries] == [
        (today - timedelta(days=20), "invoice", books.second.number, D("56.50"), 0, D("119.50")),
        (today - timedelta(days=10), "receipt", books.receipt.number, 0, D("40.00"), D("79.50")),
        (today, "credit_note", books.credit.number, 0, D("28.25"), D("51.25"))]
    assert report.closing == D("51.25") == owed.customer_balance(books.buyer)
    assert (report.debits, report.credits) == (D("56.50"), D("68.25"))


def test_statement_of_an_earlier_period(books):
    today = books.today
    report = money.statement(books.buyer, Period(today - timedelta(days=45), today - timedelta(days=15)))
    assert report.opening == 0
    assert [e.balance for e in report.entries] == [D("113.00"), D("63.00"), D("119.50")]
    assert report.closing == D("119.50")
    later = money.statement(books.buyer, Period(today - timedelta(days=14), today))
    assert later.opening == report.closing


# Cash by method -------------------------------------------------------------------------------------

@pytest.fixture
def cash(shop):
    buyer = factories.customer("华联超市")
    sold(shop, buyer, 20)  # 565.00 to receive against
    for amount, day, method in (("100.00", date(2026, 3, 30), "cash"), ("30.00", date(2026, 3, 30), "wechat"),
                                ("20.00", date(2026, 3, 31), "alipay"), ("70.00", date(2026, 4, 2), "bank_transfer"),
                                ("9.00", date(2026, 4, 6), "cash")):
        received(shop, buyer, amount, day, method)
    vendor = suppliers.create_supplier(shop.owner, {"name": "深圳电子厂"})
    bought(shop, vendor, 10, date(2026, 3, 1), date(2026, 3, 31))
    record_supplier_payment(shop.owner, vendor, D("40.00"), "bank_transfer", paid_on=date(2026, 3, 31))
    db.session.commit()
    return SimpleNamespace(buyer=buyer, vendor=vendor, period=Period(date(2026, 3, 30), date(2026, 4, 5)))


def test_cash_by_day(cash):
    report = money.cash_by_method(cash.period, "day")
    assert [row.start for row in report.rows] == [date(2026, 3, 30) + timedelta(days=n) for n in range(7)]
    first, second, *_rest = report.rows
    assert (first.received["cash"], first.received["wechat"], first.total_paid) == (D("100.00"), D("30.00"), 0)
    assert (second.received["alipay"], second.paid["bank_transfer"], second.net) == (D("20.00"), D("40.00"),
                                                                                       D("-20.00"))
    assert report.rows[3].received["bank_transfer"] == D("70.00")
    assert (report.totals.total_received, report.totals.total_paid, report.totals.net) == (
        D("220.00"), D("40.00"), D("180.00"))


def test_cash_by_week_and_month(cash):
    week = money.cash_by_method(cash.period, "week")
    assert len(week.rows) == 1 and week.rows[0].received == {
        "cash": D("100.00"), "bank_transfer": D("70.00"), "wechat": D("30.00"), "alipay": D("20.00")}
    month = money.cash_by_method(cash.period, "month")
    assert [(r.start, r.end, r.total_received, r.total_paid) for r in month.rows] == [
        (date(2026, 3, 30), date(2026, 3, 31), D("150.00"), D("40.00")),
        (date(2026, 4, 1), date(2026, 4, 5), D("70.00"), 0)]
    assert [p.amount for p in money.payments_in(cash.period, received=True, method="cash")] == [D("100.00")]
    assert [p.amount for p in money.payments_in(cash.period, received=False)] == [D("40.00")]


# Screens, spreadsheets, PDFs and who may open them ---------------------------------------------------

def report_urls(customer_id):
    return ["/reports/receivables", "/reports/payables", "/reports/statements", "/reports/cash",
            "/reports/cash/payments", f"/reports/customers/{customer_id}/statement"]


@pytest.mark.parametrize("role", ["sales", "warehouse", "purchasing"])
def test_only_the_owner_and_finance_open_money_reports(client, login, shop, role):
    buyer = factories.customer("华联超市")
    login(role)
    for url in report_urls(buyer.id):
        assert client.get(url).status_code == 403, url
        assert client.get(url + "?format=xlsx").status_code == 403, url


@pytest.mark.parametrize("role", ["owner", "finance"])
def test_every_money_screen_renders_for_owner_and_finance(client, login, books, role):
    login(role)
    for url in report_urls(books.buyer.id):
        response = client.get(url)
        assert response.status_code == 200, url
    assert client.get("/reports/customers/999999/statement").status_code == 404


def test_aging_screen_drills_into_open_invoices(client, login, books):
    login("finance")
    html = client.get(f"/reports/receivables?partner_id={books.buyer.id}").get_data(as_text=True)
    assert "华联超市" in html and books.first.number in html and books.second.number in html
    assert f"/invoices/{books.first.id}" in html and f"/customers/{books.buyer.id}" in html
    assert "51.25" in html  # 23.00 open on the first invoice + 28.25 on the second


def test_bad_filters_are_told_not_crashed(client, login, books):
    login("owner")
    for url in ("/reports/receivables?as_of=2026-13-01", "/reports/cash?from=nonsense", "/reports/cash?grain=hour",
                f"/reports/customers/{books.buyer.id}/statement?from=2026-05-01&to=2026-04-01"):
        response = client.get(url)
        assert response.status_code == 422, url
        assert 'role="alert"' in response.get_data(as_text=True), url
    assert client.get("/reports/receivables?as_of=2999-01-01").status_code == 422
    assert client.get("/reports/cash/payments?method=cheque").status_code == 422


def test_statement_screen_and_spreadsheet(client, login, books):
    login("owner")
    today = books.today
    args = f"from={(today - timedelta(days=30)).isoformat()}&to={today.isoformat()}"
    html = client.get(f"/reports/customers/{books.buyer.id}/statement?{args}").get_data(as_text=True)
    assert all(n in html for n in (books.second.number, books.receipt.number, books.credit.number))
    assert "63.00" in html and "51.25" in html
    response = client.get(f"/reports/customers/{books.buyer.id}/statement?{args}&format=xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response.mimetype
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    assert values[0][-1] == 63 and values[-1][-1] == pytest.approx(51.25)
    assert [row[2] for row in values[1:-1]] == [books.second.number, books.receipt.number, books.credit.number]


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def test_statement_pdf_in_chinese(client, login, books):
    client.application.config["BABEL_DEFAULT_LOCALE"] = "zh"
    login("finance")
    since = (books.today - timedelta(days=30)).isoformat()
    response = client.get(f"/reports/customers/{books.buyer.id}/statement?from={since}&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "华联超市" in text and "客户" in text  # the name and the labels in Chinese
    assert books.credit.number in text and "51.25" in text


def test_aging_and_cash_export_and_print(client, login, books):
    login("owner")
    sheet = load_workbook(io.BytesIO(client.get("/reports/receivables?format=xlsx").data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
    assert rows[0][0] == "华联超市" and rows[0][-1] == pytest.approx(51.25)
    assert client.get("/reports/payables?format=pdf").mimetype == "application/pdf"
    pdf = client.get("/reports/receivables?format=pdf")
    assert "华联超市" in pdf_text(pdf.data)
    since = (books.today - timedelta(days=40)).isoformat()
    cash = client.get(f"/reports/cash?from={since}&grain=month&format=xlsx")
    sheet = load_workbook(io.BytesIO(cash.data)).active
    total = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)][-1]
    assert total[5] == pytest.approx(90)  # 50.00 + 40.00 received in the last 40 days
    assert "application/pdf" == client.get("/reports/cash?format=pdf").mimetype


def test_cash_figures_drill_into_the_payments(client, login, cash):
    login("finance")
    html = client.get("/reports/cash?from=2026-03-30&to=2026-04-05&grain=week").get_data(as_text=True)
    assert "220.00" in html and "180.00" in html
    listing = client.get("/reports/cash/payments?from=2026-03-30&to=2026-04-05&direction=in&method=cash")
    assert listing.status_code == 200 and "100.00" in listing.get_data(as_text=True)
    assert "9.00" not in listing.get_data(as_text=True)
    paid = client.get("/reports/cash/payments?from=2026-03-30&to=2026-04-05&direction=out").get_data(as_text=True)
    assert "深圳电子厂" in paid and "40.00" in paid


def test_long_aging_lists_show_the_largest_and_sum_the_rest():
    rows = [money.AgingRow(n, f"客户{n}", {key: D(n) for key in money.BUCKET_KEYS}, D(n * 5)) for n in (9, 5, 2, 1)]
    aging = money.Aging(date(2026, 3, 1), rows, rows[0])
    shown, others, count = aging.head(2)
    assert [r.partner_id for r in shown] == [9, 5] and count == 2
    assert others.amounts["d61_90"] == D(3) and others.total == D(15)
    assert aging.head(4) == (rows, None, 0)


def test_cash_grain_follows_the_period_and_by_day_is_capped(client, login, cash):
    login("owner")
    assert money.default_grain(Period(date(2026, 1, 1), date(2026, 1, 31))) == "day"
    assert money.default_grain(Period(date(2026, 1, 1), date(2026, 4, 30))) == "week"
    assert money.default_grain(Period(date(2026, 1, 1), date(2026, 12, 31))) == "month"
    assert client.get("/reports/cash?from=2026-01-01&to=2026-06-30&grain=day").status_code == 422
    html = client.get("/reports/cash?from=2026-01-01&to=2026-07-31").get_data(as_text=True)
    assert '<option value="month" selected>' in html and "229.00" in html  # every receipt of the fixture
