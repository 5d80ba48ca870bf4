"""Receipts and supplier payments name the money account they go into or out of: on the receipt form (salespeople
see names, never balances), on the supplier payment form and on the API; the voucher debits or credits that
account's own leaf."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.books import balances, chart
from app.books.models import MoneyAccount
from app.books.posting import voucher_of
from app.checks import run_all
from app.db_types import business_today
from app.extensions import db
from app.finance.models import Payment
from app.money import services as money
from app.purchasing import receiving
from tests import factories
from tests.test_finance_screens import EN, html, invoice, post
from tests.test_purchasing_screens import make_order, make_supplier

D = Decimal


@pytest.fixture
def accounts(app):
    """The seeded books with a second bank account (the one to choose) and one inactive account."""
    owner = factories.user("owner")
    chart.ensure()
    chosen = money.create_account(owner, {"name": "农业银行", "kind": "bank"})
    closed = money.create_account(owner, {"name": "旧微信", "kind": "wechat", "active": False})
    db.session.commit()
    return owner, chosen, closed


def leaf_lines(payment, source):
    return sorted((line.account.code, line.debit, line.credit) for line in voucher_of(source, payment.id).lines)


def test_a_salesperson_picks_the_account_by_name_on_the_receipt_form(client, login, accounts):
    _owner, chosen, closed = accounts
    seller = login("sales")
    customer = factories.customer("华强电子", salesperson=seller)
    owed = invoice(customer, "100.00")
    form = html(client.get(f"/receipts/new?customer_id={customer.id}", headers=EN))
    assert "农业银行" in form and "旧微信" not in form and 'name="money_account_id"' in form
    assert "0.00" not in form.split('name="money_account_id"')[1].split("</select>")[0]  # names, no balances
    refused = post(client, "/receipts", customer_id=customer.id, idempotency_key="k2", method="wechat",
                   paid_on=business_today().isoformat(), amount="1", money_account_id=closed.id)
    assert refused.status_code == 422 and "Choose one of the active money accounts." in html(refused)
    assert db.session.scalar(select(Payment)) is None
    done = post(client, "/receipts", customer_id=customer.id, idempotency_key="k1", method="bank_transfer",
                paid_on=business_today().isoformat(), amount="100", money_account_id=chosen.id,
                **{f"alloc-{owed.id}": "100"})
    assert done.status_code == 302
    payment = db.session.scalar(select(Payment))
    assert payment.money_account_id == chosen.id
    assert leaf_lines(payment, "receipt") == [(chosen.account.code, D("100.00"), D("0")), ("1122", D("0"), D("100.00"))]
    assert "农业银行" in html(client.get(done.location, headers=EN))
    assert run_all() == []


def test_a_receipt_without_a_choice_goes_to_the_methods_account(client, login, accounts):
    login("finance")
    customer = factories.customer("赛格")
    invoice(customer, "80.00")
    done = post(client, "/receipts", customer_id=customer.id, idempotency_key="k3", method="cash",
                paid_on=business_today().isoformat(), amount="80", money_account_id="")
    assert done.status_code == 302
    assert db.session.scalar(select(Payment)).money_account.name == "现金"


def test_a_supplier_payment_names_its_account_on_the_form(client, login, accounts):
    _owner, chosen, _closed = accounts
    login("finance")
    factories.warehouse(code="MAIN", name="主仓", is_default=True)
    supplier = make_supplier("深圳电池厂")
    order = make_order(supplier, [(factories.product(purchase_price="10.00"), 10)], received=True)
    receiving.invoice_order(accounts[0], order)
    db.session.commit()
    page = html(client.get(f"/suppliers/{supplier.id}/pay", headers=EN))
    assert "农业银行" in page and 'name="money_account_id"' in page
    paid = post(client, f"/suppliers/{supplier.id}/pay", amount="50", method="bank_transfer", idempotency_key="k-p",
                money_account_id=chosen.id)
    assert paid.status_code == 302
    payment = db.session.scalar(select(Payment))
    assert payment.money_account_id == chosen.id
    assert leaf_lines(payment, "supplier_payment") == [(chosen.account.code, D("0"), D("50.00")),
                                                       ("220201", D("50.00"), D("0"))]
    assert balances.balance(chosen.account) == D("-50.00")
    assert run_all() == []


def test_the_api_takes_and_returns_the_money_account(api, accounts):
    _owner, chosen, closed = accounts
    customer = factories.customer("华联")
    invoice(customer, "60.00")
    caller = api("finance")
    refused = caller.post("/payments", {"customer_id": customer.id, "amount": "10", "method": "wechat",
                                        "money_account_id": closed.id})
    assert refused.status_code == 422 and "money_account_id" in str(refused.json)
    made = caller.post("/payments", {"customer_id": customer.id, "amount": "10", "method": "wechat",
                                     "money_account_id": chosen.id})
    assert made.status_code == 201 and made.json["money_account_id"] == chosen.id
    default = caller.post("/payments", {"customer_id": customer.id, "amount": "5", "method": "cash"})
    cash = db.session.scalar(select(MoneyAccount).where(MoneyAccount.name == "现金"))
    assert default.json["money_account_id"] == cash.id
    assert caller.get(f"/payments/{made.json['id']}").json["money_account_id"] == chosen.id
    assert run_all() == []
