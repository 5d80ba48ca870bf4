"""The /opening screens: who may open them, adding and changing opening balances and stock, the lock, empty states."""
from datetime import timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from app.checks import run_all
from app.db_types import business_today
from app.extensions import db
from app.opening import services as opening
from app.opening.models import OpeningStock
from app.sales.models import SalesInvoice
from app.trade import balances as owed
from tests import factories


def post(client, url, **data):
    return client.post(url, data={"csrf_token": client.csrf, **data})


@pytest.mark.parametrize("role, status", [("owner", 200), ("finance", 200), ("sales", 403), ("warehouse", 403),
                                          ("purchasing", 403)])
def test_only_owner_and_finance_open_the_opening_screen(client, login, role, status):
    login(role)
    assert client.get("/opening").status_code == status
    assert client.get("/opening/receivable/new").status_code == status


def test_empty_opening_screen_says_what_to_do_next(client, login):
    login("owner")
    html = client.get("/opening").get_data(as_text=True)
    assert 'href="/opening/receivable/new"' in html and 'href="/opening/payable/new"' in html
    assert 'action="/opening/stock/lines"' in html and 'href="/imports/products"' in html and 'href="/imports/opening_stock"' in html
    assert "没有期初应收" in html and "还没有期初库存" in html  # Chinese first


def test_add_an_opening_receivable_by_hand_then_change_and_delete_it(client, login):
    owner = login("owner")
    buyer = factories.customer("华联超市")
    today = business_today()
    response = post(client, "/opening/receivable/new", partner_id=buyer.id, reference="INV-0091",
                    issued_on=(today - timedelta(days=60)).isoformat(), due_on=(today - timedelta(days=30)).isoformat(),
                    amount="1200.50", notes="旧账", idempotency_key="k1")
    assert response.status_code == 302
    again = post(client, "/opening/receivable/new", partner_id=buyer.id, reference="INV-0091",
                 issued_on=today.isoformat(), amount="1200.50", idempotency_key="k1")  # a double tap
    assert again.status_code == 302
    item = db.session.scalar(select(SalesInvoice).where(SalesInvoice.opening.is_(True)))
    assert db.session.scalar(select(func.count(SalesInvoice.id))) == 1
    assert owed.customer_balance(buyer) == D("1200.50")
    page = client.get("/opening").get_data(as_text=True)
    assert "INV-0091" in page and "华联超市" in page and "overdue" in page
    assert client.get(f"/invoices/{item.id}").status_code == 200  # the invoice page shows it, with its receipts

    changed = post(client, f"/opening/receivable/{item.id}", partner_id=buyer.id, reference="INV-0091",
                   issued_on=(today - timedelta(days=60)).isoformat(), due_on=today.isoformat(), amount="1000")
    assert changed.status_code == 302
    db.session.expire_all()
    assert owed.customer_balance(buyer) == D("1000.00")
    assert run_all() == []

    assert post(client, f"/opening/receivable/{item.id}/delete").status_code == 303
    assert owed.customer_balance(buyer) == 0
    assert owner.id


def test_a_bad_opening_balance_is_422_with_the_field_named_and_nothing_written(client, login):
    login("owner", locale="en")
    maker = factories.supplier("深圳工厂")
    response = post(client, "/opening/payable/new", partner_id=maker.id, reference="FP-1",
                    issued_on=business_today().isoformat(), amount="-3")
    assert response.status_code == 422
    response = post(client, "/opening/payable/new", partner_id=maker.id, reference="FP-1",
                    issued_on=business_today().isoformat(), due_on=(business_today() - timedelta(days=1)).isoformat(),
                    amount="3")
    assert response.status_code == 422 and "due date" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SalesInvoice.id))) == 0
    assert not opening.opening_entered().balances


def test_enter_opening_stock_by_hand_and_view_it(client, login):
    login("owner", locale="en")
    main = factories.warehouse("MAIN", "总仓")
    case = factories.product(sku="CASE", name="手机壳")
    response = post(client, "/opening/stock/lines", warehouse_id=main.id, sku="case", qty="12", unit_cost="7.5")
    assert response.status_code == 303
    document = db.session.scalar(select(OpeningStock))
    page = client.get(f"/opening/stock/{document.id}").get_data(as_text=True)
    assert "手机壳" in page and "90.00" in page  # 12 x 7.50
    bad = post(client, "/opening/stock/lines", warehouse_id=main.id, sku="NOPE", qty="1", unit_cost="1")
    assert bad.status_code == 422 and "SKU" in bad.get_data(as_text=True)
    assert run_all() == []
    assert post(client, f"/opening/stock/{document.id}/delete").status_code == 303
    assert db.session.scalar(select(OpeningStock)) is None
    assert case.id


def test_finance_does_not_get_costs_hidden_but_sees_them(client, login):
    login("finance")
    main = factories.warehouse("MAIN", "总仓")
    factories.product(sku="CASE", name="手机壳")
    assert post(client, "/opening/stock/lines", warehouse_id=main.id, sku="CASE", qty="2", unit_cost="3").status_code == 303
    assert "6.00" in client.get("/opening").get_data(as_text=True)


def test_after_a_real_document_the_screens_refuse_with_a_clear_message(client, login):
    owner = login("owner")
    buyer = factories.customer("华联超市")
    main = factories.warehouse("MAIN", "总仓")
    case = factories.product(sku="CASE", name="手机壳")
    document = opening.set_opening_stock(owner, main, [opening.StockLineInput(case.id, "5", "2")])
    item = opening.create_opening_item(owner, opening.RECEIVABLE, buyer, {
        "reference": "INV-1", "issued_on": business_today(), "amount": "10"})
    db.session.commit()
    order = factories.order(buyer, [(case, 1)], actor=owner, warehouse=main)

    page = client.get("/opening").get_data(as_text=True)
    assert order.number in page and 'action="/opening/stock/lines"' not in page
    refused = post(client, "/opening/receivable/new", partner_id=buyer.id, reference="INV-2",
                   issued_on=business_today().isoformat(), amount="5", idempotency_key="k2")
    assert refused.status_code == 422 and order.number in refused.get_data(as_text=True)
    assert post(client, f"/opening/receivable/{item.id}", partner_id=buyer.id, reference="INV-1",
                issued_on=business_today().isoformat(), amount="99").status_code == 422
    assert post(client, f"/opening/receivable/{item.id}/delete").status_code == 303
    assert post(client, f"/opening/stock/{document.id}/delete").status_code == 303
    assert post(client, "/opening/stock/lines", warehouse_id=main.id, sku="CASE", qty="1",
                unit_cost="1").status_code == 422
    db.session.expire_all()
    assert owed.customer_balance(buyer) == D("10.00")
    assert db.session.get(OpeningStock, document.id).lines[0].qty == 5
    assert run_all() == []


def test_the_statement_and_aging_screens_show_opening_items(client, login):
    owner = login("owner")
    buyer = factories.customer("华联超市")
    maker = factories.supplier("深圳工厂")
    today = business_today()
    opening.create_opening_item(owner, opening.RECEIVABLE, buyer, {
        "reference": "INV-0091", "issued_on": today - timedelta(days=50), "due_on": today - timedelta(days=40),
        "amount": "100"})
    payable = opening.create_opening_item(owner, opening.PAYABLE, maker, {
        "reference": "FP-1", "issued_on": today, "amount": "70"})
    db.session.commit()
    statement = client.get(f"/reports/customers/{buyer.id}/statement?from={(today - timedelta(days=60)).isoformat()}")
    assert statement.status_code == 200 and "INV-0091" in statement.get_data(as_text=True)
    aging = client.get(f"/reports/payables?partner_id={maker.id}")
    assert aging.status_code == 200 and f'/opening/payable/{payable.id}' in aging.get_data(as_text=True)


def test_unknown_or_non_opening_items_are_404(client, login):
    login("owner")
    assert client.get("/opening/receivable/999").status_code == 404
    assert client.get("/opening/stock/999").status_code == 404
    assert client.get("/opening/other/1").status_code == 404


def test_english_screen(client, login):
    login("owner", locale="en")
    html = client.get("/opening").get_data(as_text=True)
    assert "Opening stock and balances" in html and "No opening receivables" in html


@pytest.mark.parametrize("language", ["zh", "en"])
def test_help_pages_name_only_fields_the_screens_show(app, client, login, language):
    import re
    from pathlib import Path
    owner = login("owner", **({"locale": "en"} if language == "en" else {}))
    main = factories.warehouse("MAIN", "总仓")
    case = factories.product(sku="CASE", name="手机壳")
    document = opening.set_opening_stock(owner, main, [opening.StockLineInput(case.id, "5", "2")])
    item = opening.create_opening_item(owner, opening.RECEIVABLE, factories.customer("华联超市"), {
        "reference": "INV-1", "issued_on": business_today(), "amount": "10"})
    db.session.commit()
    screens = {"opening.index": "/opening", "opening.item_new": "/opening/receivable/new",
               "opening.item": f"/opening/receivable/{item.id}", "opening.stock": f"/opening/stock/{document.id}"}
    for endpoint, url in screens.items():
        text = (Path(app.root_path).parent / "docs" / "help" / language / f"{endpoint}.md").read_text()
        html = client.get(url).get_data(as_text=True)
        if endpoint == "opening.item_new":  # the payable form names a supplier instead
            html += client.get("/opening/payable/new").get_data(as_text=True)
        for label in re.findall(r"^- \*\*(.+?)\*\*", text, re.M):
            assert f">{label}<" in html or f">{label} <" in html or label in html, (endpoint, label)


def test_a_salesperson_sees_own_customers_opening_receivables_only(client, login, api):
    seller = login("sales")
    other = factories.user("sales")
    mine, theirs = factories.customer("我的客户", salesperson=seller), factories.customer("别人的客户", salesperson=other)
    owner = factories.user("owner")
    own = opening.create_opening_item(owner, opening.RECEIVABLE, mine, {
        "reference": "A-1", "issued_on": business_today(), "amount": "10"})
    hidden = opening.create_opening_item(owner, opening.RECEIVABLE, theirs, {
        "reference": "B-1", "issued_on": business_today(), "amount": "20"})
    db.session.commit()
    listed = client.get("/invoices").get_data(as_text=True)
    assert own.number in listed and hidden.number not in listed
    assert client.get(f"/invoices/{own.id}").status_code == 200
    assert client.get(f"/invoices/{hidden.id}").status_code == 404
    owner_api = api("owner")
    found = owner_api.get(f"/sales-invoices/{own.id}").get_json()
    assert (found["sales_order_id"], found["total"], found["lines"]) == (None, "10.00", [])
