"""Supplier rules, called as a route would (services, then one commit): names, contact checks, terms, what they
sell us, payments to them (oldest first, never more than is open) and what we owe them."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.checks import run_all
from app.errors import BusinessRuleError, Duplicate
from app.extensions import db
from app.finance.services import AllocationInput, open_purchase_invoices, record_supplier_payment
from app.lines import QtyInput
from app.partners import suppliers
from app.purchasing import receiving
from app.purchasing import services as purchasing
from app.purchasing.models import PurchaseStatus
from app.purchasing.services import LineInput
from app.trade import balances as trade_balances
from tests import factories

D = Decimal


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def owner(app):
    return factories.user("owner")


def test_name_is_required_and_unique_ignoring_case(owner):
    made = suppliers.create_supplier(owner, {"name": " Acme Ltd ", "email": "sales@acme.cn"})
    db.session.commit()
    assert made.name == "Acme Ltd"
    with pytest.raises(BusinessRuleError) as refused:
        suppliers.create_supplier(owner, {"name": "  "})
    assert refused.value.field == "name"
    with pytest.raises(Duplicate):
        suppliers.create_supplier(owner, {"name": "ACME LTD"})
    db.session.rollback()
    other = suppliers.create_supplier(owner, {"name": "Other"})
    db.session.commit()
    with pytest.raises(Duplicate):
        suppliers.update_supplier(owner, other, {"name": "acme ltd"})
    db.session.rollback()
    suppliers.update_supplier(owner, made, {"name": "ACME LTD", "lead_time_days": 3})  # its own name, re-cased
    db.session.commit()
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == made.id)).all()
    assert "supplier.create" in actions and "supplier.update" in actions


@pytest.mark.parametrize("values, field", [({"email": "not-an-email"}, "email"), ({"payment_terms_days": 366},
                         "payment_terms_days"), ({"lead_time_days": -1}, "lead_time_days"),
                         ({"lead_time_days": "7"}, "lead_time_days")])
def test_email_terms_and_lead_time_are_checked(owner, values, field):
    with pytest.raises(BusinessRuleError) as refused:
        suppliers.create_supplier(owner, {"name": "X", **values})
    assert refused.value.field == field


def test_set_item_code_moq_and_one_preferred_supplier(owner):
    product = factories.product(sku="CASE")
    first = suppliers.create_supplier(owner, {"name": "A"})
    second = suppliers.create_supplier(owner, {"name": "B"})
    item = suppliers.set_item(owner, first, product.id, supplier_sku=" A-01 ", min_order_qty="12", preferred=True)
    db.session.commit()
    assert (item.supplier_sku, item.min_order_qty, item.preferred) == ("A-01", D("12"), True)
    other = suppliers.set_item(owner, second, product.id, preferred=True)
    db.session.commit()
    db.session.expire_all()
    assert other.preferred and not item.preferred
    with pytest.raises(BusinessRuleError):
        suppliers.set_item(owner, first, product.id, min_order_qty="-1")
    db.session.rollback()
    with pytest.raises(BusinessRuleError):
        suppliers.set_item(owner, first, 999999)


@pytest.fixture
def owed(owner):
    """Two invoices from one supplier: 113.00 then 56.50 (13% tax)."""
    main = factories.warehouse()
    product = factories.product(purchase_price="10.00")
    vendor = suppliers.create_supplier(owner, {"name": "深圳电子厂"})
    invoices = []
    for qty in (10, 5):
        order = purchasing.create_order(owner, vendor, main.id, [LineInput(product.id, qty, "10.00", "13")])
        purchasing.confirm_order(owner, order)
        receiving.receive(owner, order, [QtyInput(order.lines[0].id, qty)])
        invoices.append(receiving.invoice_order(owner, order))
        db.session.commit()
    return owner, vendor, invoices


def test_payments_settle_the_oldest_first_and_may_be_partial(owed):
    owner, vendor, (first, second) = owed
    assert [i.id for i in open_purchase_invoices(vendor)] == [first.id, second.id]
    assert trade_balances.supplier_balances([vendor.id]) == {vendor.id: D("169.50")}
    payment = record_supplier_payment(owner, vendor, "150.00", "cash")
    db.session.commit()
    assert payment.number.startswith("PM-")
    assert [(a.purchase_invoice_id, a.amount) for a in payment.allocations] == [(first.id, D("113.00")),
                                                                                 (second.id, D("37.00"))]
    assert sum(a.amount for a in payment.allocations) == payment.amount
    assert first.open_amount == 0 and second.open_amount == D("19.50")
    assert first.order.status == PurchaseStatus.PAID and second.order.status == PurchaseStatus.INVOICED
    assert trade_balances.supplier_balances([vendor.id]) == {vendor.id: D("19.50")}
    assert run_all() == []


@pytest.mark.parametrize("amount, allocations", [("170.00", None), ("10.00", [(1, "60.00")]),
                                                 ("60.00", [(1, "30.00")])])
def test_never_more_than_is_open_and_allocations_add_up(owed, amount, allocations):
    owner, vendor, (first, second) = owed
    given = [AllocationInput(second.id, part) for _n, part in allocations] if allocations else None
    with pytest.raises(BusinessRuleError):
        record_supplier_payment(owner, vendor, amount, "cash", given)
    db.session.rollback()
    record_supplier_payment(owner, vendor, "56.50", "wechat", [AllocationInput(second.id, "56.50")])
    db.session.commit()
    assert second.open_amount == 0 and first.open_amount == D("113.00")
    with pytest.raises(BusinessRuleError):
        record_supplier_payment(owner, vendor, "1.00", "cash", [AllocationInput(second.id, "1.00")])
    db.session.rollback()
    assert run_all() == []
