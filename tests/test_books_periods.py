"""Closed months (结账): once finance closes a month nothing can be dated in it — the refusal says what to do and
writes nothing (no document, no stock move, no number used) — months close in order, and reopening is audited."""
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.books import chart, periods, posting
from app.books.models import AccountMonth, ClosedPeriod, Voucher, VoucherLine
from app.checks import run_all
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.finance.models import Payment
from app.finance.services import record_receipt, record_supplier_payment
from app.inventory import services as inventory
from app.inventory.models import StockAdjustment, StockMove
from app.inventory.services import LineInput as StockLine
from app.numbering import DocumentSequence
from app.opening import services as opening
from app.opening.models import OpeningStock
from app.purchasing import receiving
from app.purchasing import services as purchasing
from app.purchasing.models import PurchaseInvoice
from app.sales import fulfilment
from app.sales.fulfilment import QtyInput
from app.sales.models import SalesDelivery, SalesInvoice
from tests import factories

D = Decimal
TABLES = (SalesDelivery, SalesInvoice, PurchaseInvoice, Payment, StockAdjustment, StockMove, OpeningStock, Voucher,
          VoucherLine, AccountMonth, DocumentSequence)


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


def this_month() -> str:
    return f"{business_today():%Y-%m}"


def last_month():
    return business_today().replace(day=1) - timedelta(days=1)


def everything() -> dict:
    """Rows of every table a refused document could have written to, and the counters' values."""
    db.session.expire_all()
    counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}
    counts["counters"] = sorted(db.session.execute(select(DocumentSequence.prefix, DocumentSequence.year,
                                                          DocumentSequence.last)).all())
    counts["month totals"] = sorted(db.session.execute(select(AccountMonth.account_id, AccountMonth.period,
                                                              AccountMonth.debit, AccountMonth.credit)).all())
    return counts


def refused(call, field: str, month: str) -> None:
    """`call` is refused for the closed month, in words that say what to do; then the caller rolls back, as a route
    does, and nothing it did remains."""
    before = everything()
    with pytest.raises(BusinessRuleError) as refusal:
        call()
    assert refusal.value.field == field
    assert str(refusal.value) == (f"{month} is closed: nothing can be dated in it any more. Choose a date in an "
                                  f"open month, or ask finance to reopen {month}.")
    db.session.rollback()
    assert everything() == before
    assert run_all() == []


@pytest.fixture
def shop(app):
    owner = factories.user("owner")
    main = factories.warehouse("MAIN", "总仓")
    case = factories.product(name="手机壳", sku="CASE", sale_price="20.00", purchase_price="10.00")
    factories.stock(case, main, 10, "10.00")
    buyer, maker = factories.customer("华联超市"), factories.supplier("深圳配件厂")
    order = factories.order(buyer, [(case, 3, "20.00")], warehouse=main, confirm=True)
    purchase = purchasing.create_order(owner, maker, main.id, [purchasing.LineInput(case.id, D("2"), D("10.00"))])
    purchasing.confirm_order(owner, purchase)
    db.session.commit()
    return SimpleNamespace(owner=owner, main=main, case=case, buyer=buyer, maker=maker, order=order,
                           purchase=purchase)


def close(owner, month: str) -> None:
    periods.close(owner, month)
    db.session.commit()


def test_a_closed_month_refuses_todays_stock_documents_and_writes_nothing(shop):
    close(shop.owner, this_month())
    month = this_month()
    refused(lambda: fulfilment.deliver(shop.owner, shop.order, [QtyInput(shop.order.lines[0].id, D("3"))]),
            "booked_on", month)
    refused(lambda: inventory.create_adjustment(shop.owner, shop.main.id, "damage", "dropped",
                                                [StockLine(shop.case.id, D("-1"))]), "booked_on", month)
    refused(lambda: receiving.receive(shop.owner, shop.purchase, [QtyInput(shop.purchase.lines[0].id, D("2"))]),
            "booked_on", month)


def test_a_payment_dated_in_a_closed_month_is_refused_before_anything_is_written(shop):
    fulfilment.deliver(shop.owner, shop.order, [QtyInput(shop.order.lines[0].id, D("3"))])
    fulfilment.invoice_order(shop.owner, shop.order)
    db.session.commit()
    close(shop.owner, f"{last_month():%Y-%m}")
    before = everything()
    with pytest.raises(BusinessRuleError) as refusal:
        record_receipt(shop.owner, shop.buyer, "10.00", "cash", paid_on=last_month())
    assert refusal.value.field == "paid_on" and f"{last_month():%Y-%m} is closed" in str(refusal.value)
    with pytest.raises(BusinessRuleError):
        record_supplier_payment(shop.owner, shop.maker, "1.00", "cash", paid_on=last_month())
    db.session.commit()  # refused before writing: even a caller that commits has nothing to keep
    assert everything() == before
    receipt = record_receipt(shop.owner, shop.buyer, "10.00", "cash")  # today is open
    db.session.commit()
    assert receipt.number and run_all() == []


def test_opening_balances_dated_in_a_closed_month_are_refused_before_anything_is_written(app):
    owner = factories.user("owner")
    main = factories.warehouse("MAIN", "总仓")
    case = factories.product(name="手机壳", sku="CASE")
    buyer = factories.customer("华联超市")
    earlier = last_month()
    item = opening.create_opening_item(owner, opening.RECEIVABLE, buyer, {
        "reference": "OLD-1", "issued_on": earlier, "amount": "100.00"})
    document = opening.set_opening_stock(owner, main, [opening.StockLineInput(case.id, "2", "5.00")],
                                         opened_on=earlier)
    db.session.commit()
    close(owner, f"{earlier:%Y-%m}")
    before = everything()
    month = f"{earlier:%Y-%m}"
    attempts = (
        (lambda: opening.create_opening_item(owner, opening.RECEIVABLE, buyer, {
            "reference": "OLD-2", "issued_on": earlier, "amount": "5.00"}), "issued_on"),
        (lambda: opening.update_opening_item(owner, item, {"reference": "OLD-1", "issued_on": business_today(),
                                                           "amount": "100.00"}), "issued_on"),
        (lambda: opening.delete_opening_item(owner, item), "issued_on"),
        (lambda: opening.set_opening_stock(owner, main, [opening.StockLineInput(case.id, "3", "5.00")]),
         "opened_on"),
        (lambda: opening.delete_opening_stock(owner, document), "opened_on"),
    )
    for attempt, field in attempts:
        with pytest.raises(BusinessRuleError) as refusal:
            attempt()
        assert refusal.value.field == field and f"{month} is closed" in str(refusal.value)
        db.session.commit()  # nothing was written to keep
        assert everything() == before
    assert run_all() == []


def test_months_close_in_order_never_ahead_and_once(shop):
    earlier = last_month()
    opening_month = f"{earlier:%Y-%m}"
    roles = chart.by_role()  # an earlier month with a voucher, entered by hand
    posting.post_manual(shop.owner, earlier, "期初", [
        VoucherLine(account_id=roles["stock"].id, debit=D("1.00"), credit=D("0")),
        VoucherLine(account_id=roles["stock"].id, debit=D("0"), credit=D("1.00"))])
    db.session.commit()
    with pytest.raises(BusinessRuleError) as refusal:
        periods.close(shop.owner, this_month())
    assert str(refusal.value) == f"Close {opening_month} first: months are closed in order."
    next_month = (business_today().replace(day=28) + timedelta(days=5)).strftime("%Y-%m")
    with pytest.raises(BusinessRuleError, match="has not begun yet"):
        periods.close(shop.owner, next_month)
    with pytest.raises(BusinessRuleError, match="Choose a month"):
        periods.close(shop.owner, "2026-13")
    close(shop.owner, opening_month)
    with pytest.raises(BusinessRuleError, match="already closed"):
        periods.close(shop.owner, opening_month)
    close(shop.owner, this_month())
    assert [row.period for row in periods.closed()] == [this_month(), opening_month]


def test_reopening_is_from_the_latest_with_a_reason_the_audit_log_keeps(shop):
    earlier = f"{last_month():%Y-%m}"
    close(shop.owner, earlier)
    close(shop.owner, this_month())
    with pytest.raises(BusinessRuleError, match=f"Reopen {this_month()} first"):
        periods.reopen(shop.owner, earlier, "late invoice")
    with pytest.raises(BusinessRuleError, match="Say why") as refusal:
        periods.reopen(shop.owner, this_month(), "   ")
    assert refusal.value.field == "reason"
    with pytest.raises(BusinessRuleError, match="is not closed"):
        periods.reopen(shop.owner, "2020-01", "why not")
    periods.reopen(shop.owner, this_month(), "供应商发票晚到")
    db.session.commit()
    assert db.session.get(ClosedPeriod, this_month()) is None
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("period.%"))
                                 .order_by(AuditEntry.id)).all()
    assert [entry.action for entry in entries] == ["period.close", "period.close", "period.reopen"]
    assert entries[-1].changes["reason"] == [None, "供应商发票晚到"]
    assert entries[-1].user_id == shop.owner.id
    # reopened, today's documents post again
    delivery = fulfilment.deliver(shop.owner, shop.order, [QtyInput(shop.order.lines[0].id, D("3"))])
    db.session.commit()
    assert db.session.scalar(select(Voucher).where(Voucher.source_id == delivery.id,
                                                   Voucher.source_type == "sales_delivery")) is not None
    assert run_all() == []
