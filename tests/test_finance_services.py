"""Receipts (收款): oldest due first unless told otherwise, never more than is open, and the statuses
of invoices and orders that follow."""
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.checks import run_all
from app.errors import BusinessRuleError
from app.extensions import db
from app.finance.models import PaymentAllocation, PaymentMethod
from app.finance.services import AllocationInput, open_invoices, record_receipt
from app.partners import services as partners
from app.sales import fulfilment
from app.sales.fulfilment import QtyInput
from app.sales.models import OrderStatus
from app.trade import balances as owed
from app.trade.settlement import InvoiceStatus
from tests import factories

D = Decimal


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


def invoiced(owner, customer, product, qty):
    """A confirmed, fully delivered and invoiced order of `qty` x `product`."""
    order = factories.order(customer, [(product, qty)], actor=owner, confirm=True)
    fulfilment.deliver(owner, order, [QtyInput(order.lines[0].id, qty)])
    invoice = fulfilment.invoice_order(owner, order)
    db.session.commit()
    return invoice


@pytest.fixture
def books(app):
    """Two open invoices of one customer: `later` (113.00, due in 60 days) made before `sooner`
    (226.00, due in 10 days), so oldest-due and oldest-made differ."""
    owner = factories.user("owner")
    case = factories.product(name="手机壳", sale_price="25.00")
    factories.stock(case, factories.warehouse("MAIN", "总仓"), 100)
    buyer = factories.customer("华联超市", payment_terms_days=60)
    later = invoiced(owner, buyer, case, 4)
    partners.update_customer(owner, buyer, {"payment_terms_days": 10})
    sooner = invoiced(owner, buyer, case, 8)
    return SimpleNamespace(owner=owner, buyer=buyer, case=case, later=later, sooner=sooner)


def test_open_invoices_are_listed_oldest_due_first(books):
    assert [i.id for i in open_invoices(books.buyer)] == [books.sooner.id, books.later.id]


def test_a_receipt_settles_the_oldest_due_first_and_may_be_partial(books):
    b = books
    payment = record_receipt(b.owner, b.buyer, "250.00", "bank_transfer", reference="TX-1")
    db.session.commit()
    assert payment.number.startswith("RC-") and payment.method == PaymentMethod.BANK_TRANSFER
    assert [(a.sales_invoice_id, a.amount) for a in payment.allocations] == [(b.sooner.id, D("226.00")),
                                                                            (b.later.id, D("24.00"))]
    assert (b.sooner.status, b.sooner.order.status) == (InvoiceStatus.PAID, OrderStatus.PAID)
    assert (b.later.status, b.later.order.status) == (InvoiceStatus.PARTIALLY_PAID, OrderStatus.INVOICED)
    assert b.later.open_amount == D("89.00") and owed.customer_balance(b.buyer) == D("89.00")
    assert [i.id for i in open_invoices(b.buyer)] == [b.later.id]
    record_receipt(b.owner, b.buyer, "89", "cash")
    db.session.commit()
    assert b.later.status == InvoiceStatus.PAID and b.later.order.status == OrderStatus.PAID
    assert owed.customer_balance(b.buyer) == D("0.00") and open_invoices(b.buyer) == []
    assert [e.user_id for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "payment.create"))] \
        == [b.owner.id, b.owner.id]
    assert run_all() == []


def test_explicit_allocations(books):
    b = books
    payment = record_receipt(b.owner, b.buyer, "150", "wechat",
                             [AllocationInput(b.later.id, "113.00"), AllocationInput(b.sooner.id, "37")])
    db.session.commit()
    assert {a.sales_invoice_id: a.amount for a in payment.allocations} == {b.later.id: D("113.00"),
                                                                           b.sooner.id: D("37.00")}
    assert (b.later.status, b.sooner.status) == (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID)
    assert b.sooner.open_amount == D("189.00") and owed.customer_balance(b.buyer) == D("189.00")
    assert run_all() == []


@pytest.mark.parametrize("amount, allocations, field, message", [
    ("339.01", None, "amount", "owes ¥339.00 on open sales slips"),
    ("0", None, "amount", "above zero"),
    ("abc", None, "amount", "Enter an amount"),
    ("114", [("later", "114")], "allocations", "has only ¥113.00 open"),
    ("114", [("later", "60"), ("later", "54")], "allocations", "has only ¥113.00 open"),
    ("100", [("later", "50"), ("sooner", "40")], "allocations", "add up"),
    ("100", [("later", "110")], "allocations", "add up"),
    ("10", [("later", "-5"), ("sooner", "15")], "allocations", "above zero"),
    ("10", [("other", "10")], "allocations", "not found"),
])
def test_never_more_than_is_open(books, amount, allocations, field, message):
    b = books
    other = invoiced(b.owner, factories.customer("别家"), b.case, 1)
    ids = {"later": b.later.id, "sooner": b.sooner.id, "other": other.id}
    given = None if allocations is None else [AllocationInput(ids[name], part) for name, part in allocations]
    with pytest.raises(BusinessRuleError, match=message) as refused:
        record_receipt(b.owner, b.buyer, amount, "cash", given)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalars(select(PaymentAllocation)).all() == []
    assert owed.customer_balance(b.buyer) == D("339.00")


def test_payment_method_is_checked(books):
    with pytest.raises(BusinessRuleError) as refused:
        record_receipt(books.owner, books.buyer, "10", "cheque")
    assert refused.value.field == "method"


def test_a_paid_invoice_takes_no_more(books):
    b = books
    record_receipt(b.owner, b.buyer, "113", "alipay", [AllocationInput(b.later.id, "113")])
    db.session.commit()
    with pytest.raises(BusinessRuleError, match="not found") as refused:
        record_receipt(b.owner, b.buyer, "1", "cash", [AllocationInput(b.later.id, "1")])
    assert refused.value.field == "allocations"
    db.session.rollback()
    record_receipt(b.owner, b.buyer, "226", "cash")
    db.session.commit()
    with pytest.raises(BusinessRuleError, match="owes ¥0.00"):
        record_receipt(b.owner, b.buyer, "1", "cash")
