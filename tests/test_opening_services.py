"""Opening stock and opening balances: the ledger, valuation, balances, statement, aging, receipts and the lock."""
from datetime import timedelta
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.checks import run_all
from app.db_types import business_today
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.finance.services import AllocationInput, record_receipt, record_supplier_payment
from app.inventory.models import MoveKind, StockLevel, StockMove
from app.lines import QtyInput
from app.opening import services as opening
from app.opening.models import OpeningStock
from app.purchasing import receiving
from app.purchasing import services as purchasing
from app.purchasing.services import LineInput
from app.reports import money
from app.reports.periods import Period
from app.trade import balances as owed
from tests import factories


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def shop(app):
    owner = factories.user("owner")
    main = factories.warehouse("MAIN", "总仓")
    case = factories.product(name="手机壳", sku="CASE", sale_price="25.00", purchase_price="10.00", tax_rate="13")
    return SimpleNamespace(owner=owner, main=main, case=case)


def on_hand(product, warehouse):
    level = db.session.get(StockLevel, (product.id, warehouse.id))
    return level.on_hand if level else D("0")


def assert_checks_hold():
    assert run_all() == []


def enter_stock(s, qty, cost, product=None, warehouse=None):
    document = opening.set_opening_stock(s.owner, warehouse or s.main, [
        opening.StockLineInput((product or s.case).id, qty, cost)])
    db.session.commit()
    return document


def receivable(s, customer, reference, amount, issued, due=None, notes=""):
    item = opening.create_opening_item(s.owner, opening.RECEIVABLE, customer, {
        "reference": reference, "issued_on": issued, "due_on": due, "amount": amount, "notes": notes})
    db.session.commit()
    return item


def payable(s, supplier, reference, amount, issued, due=None):
    item = opening.create_opening_item(s.owner, opening.PAYABLE, supplier, {
        "reference": reference, "issued_on": issued, "due_on": due, "amount": amount})
    db.session.commit()
    return item


def real_purchase(s, qty, price):
    supplier = factories.supplier("真实供应商")
    order = purchasing.create_order(s.owner, supplier, s.main.id, [LineInput(s.case.id, qty, price)])
    purchasing.confirm_order(s.owner, order)
    receiving.receive(s.owner, order, [QtyInput(order.lines[0].id, qty)])
    db.session.commit()
    return order


# Opening stock --------------------------------------------------------------------------------------------

def test_opening_stock_then_a_purchase_values_at_the_moving_average(shop):
    """100 at 8.00 opening, then 50 bought at 11.00: on hand 150, average (800 + 550) / 150 = 9.00."""
    document = enter_stock(shop, "100", "8.00")
    assert document.number.startswith("OPN-")
    assert on_hand(shop.case, shop.main) == 100
    db.session.refresh(shop.case)
    assert shop.case.avg_cost == D("8.0000")
    move = db.session.scalar(select(StockMove).where(StockMove.source_id == document.id))
    assert (move.kind, move.source_type, move.qty, move.unit_cost) == (MoveKind.OPENING, "opening", 100, D("8.0000"))
    assert_checks_hold()

    real_purchase(shop, 50, "11.00")
    db.session.refresh(shop.case)
    assert on_hand(shop.case, shop.main) == 150
    assert shop.case.avg_cost == D("9.0000")
    assert_checks_hold()


def test_changing_opening_stock_reverses_and_reposts_through_the_ledger(shop):
    enter_stock(shop, "100", "8.00")
    document = enter_stock(shop, "40", "12.50")
    db.session.refresh(shop.case)
    assert on_hand(shop.case, shop.main) == 40
    assert shop.case.avg_cost == D("12.5000")
    assert [(line.qty, line.unit_cost) for line in document.lines] == [(D("40"), D("12.5"))]
    moves = db.session.scalars(select(StockMove.qty).where(StockMove.source_id == document.id)
                               .order_by(StockMove.id)).all()
    assert moves == [D("100"), D("-100"), D("40")]  # never edited: reversed, then posted again
    assert_checks_hold()

    enter_stock(shop, "0", "0")  # a quantity of 0 removes the line
    assert on_hand(shop.case, shop.main) == 0 and not db.session.get(OpeningStock, document.id).lines
    assert_checks_hold()


def test_deleting_opening_stock_takes_it_back_out(shop):
    other = factories.product(sku="CABLE", name="数据线")
    document = enter_stock(shop, "10", "5.00")
    enter_stock(shop, "3", "2.00", product=other)
    assert len(document.lines) == 2
    opening.delete_opening_stock(shop.owner, document)
    db.session.commit()
    assert db.session.scalar(select(OpeningStock)) is None
    assert on_hand(shop.case, shop.main) == 0 and on_hand(other, shop.main) == 0
    assert_checks_hold()
    assert not opening.opening_entered().stock


@pytest.mark.parametrize("qty, cost, field", [("-1", "5", "qty"), ("abc", "5", "qty"), ("1", "-2", "unit_cost"),
                                              ("99999999999", "1", "qty")])
def test_bad_opening_stock_is_refused(shop, qty, cost, field):
    with pytest.raises(BusinessRuleError) as refused:
        opening.set_opening_stock(shop.owner, shop.main, [opening.StockLineInput(shop.case.id, qty, cost)])
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(StockMove)) is None


# Opening balances -----------------------------------------------------------------------------------------

def test_opening_receivable_counts_in_balance_statement_and_aging_overdue_by_its_due_date(shop):
    today = business_today()
    buyer = factories.customer("华联超市", payment_terms_days=30)
    old = receivable(shop, buyer, "INV-0091", "1200.00", today - timedelta(days=80), today - timedelta(days=45),
                     notes="旧账")
    fresh = receivable(shop, buyer, "INV-0102", "300.00", today - timedelta(days=5))  # due: + 30 days terms
    assert fresh.due_on == today + timedelta(days=25)
    assert old.number.startswith("OBR-") and old.opening and old.order_id is None
    assert owed.customer_balance(buyer) == D("1500.00")
    assert_checks_hold()

    aging = money.receivables_aging(today)
    row = aging.rows[0]
    assert (row.name, row.amounts["current"], row.amounts["d31_60"], row.total) == (
        "华联超市", D("300.00"), D("1200.00"), D("1500.00"))
    assert [(inv.reference, amount, late) for inv, amount, late in money.open_invoices_as_of(buyer.id, today)] == [
        ("INV-0091", D("1200.00"), 45), ("INV-0102", D("300.00"), 0)]

    report = money.statement(buyer, Period(today - timedelta(days=90), today))
    assert report.opening == 0 and report.closing == D("1500.00")
    assert [(e.kind, e.number, e.debit, e.note) for e in report.entries] == [
        (money.OPENING, old.number, D("1200.00"), "INV-0091"), (money.OPENING, fresh.number, D("300.00"), "INV-0102")]
    later = money.statement(buyer, Period(today - timedelta(days=3), today))
    assert later.opening == D("1500.00") and later.entries == []


def test_a_receipt_settles_an_opening_receivable_like_an_invoice(shop):
    today = business_today()
    buyer = factories.customer("华联超市")
    item = receivable(shop, buyer, "INV-0091", "1200.00", today - timedelta(days=80), today - timedelta(days=45))
    payment = record_receipt(shop.owner, buyer, "500.00", "cash", [AllocationInput(item.id, "500.00")])
    db.session.commit()
    db.session.refresh(item)
    assert (item.paid, item.open_amount, item.status.value) == (D("500.00"), D("700.00"), "partially_paid")
    assert owed.customer_balance(buyer) == D("700.00")
    assert money.receivables_aging(today).rows[0].amounts["d31_60"] == D("700.00")
    assert_checks_hold()

    record_receipt(shop.owner, buyer, "700.00", "wechat")  # oldest first without allocations
    db.session.commit()
    db.session.refresh(item)
    assert item.status.value == "paid" and owed.customer_balance(buyer) == 0
    assert money.receivables_aging(today).rows == []
    assert payment.number.startswith("RC-")
    assert_checks_hold()


def test_opening_payable_counts_for_the_supplier_and_a_payment_settles_it(shop):
    today = business_today()
    maker = factories.supplier("深圳工厂")
    item = payable(shop, maker, "FP-778", "2000.00", today - timedelta(days=20), today - timedelta(days=5))
    assert item.number.startswith("OBP-") and item.supplier_reference == "FP-778"
    assert owed.supplier_balances([maker.id])[maker.id] == D("2000.00")
    assert money.payables_aging(today).rows[0].amounts["d1_30"] == D("2000.00")
    record_supplier_payment(shop.owner, maker, "2000.00", "bank_transfer")
    db.session.commit()
    db.session.refresh(item)
    assert item.status.value == "paid" and owed.supplier_balances([maker.id])[maker.id] == 0
    assert_checks_hold()


@pytest.mark.parametrize("values, field", [
    ({"reference": ""}, "reference"), ({"amount": "0"}, "amount"), ({"amount": "-5"}, "amount"),
    ({"amount": "1e400"}, "amount"), ({"issued_on": None}, "issued_on"),
    ({"due_on": "yesterday-before"}, "due_on"), ({"reference": "X" * 51}, "reference")])
def test_bad_opening_balances_are_refused(shop, values, field):
    buyer = factories.customer("华联超市")
    today = business_today()
    given = {"reference": "INV-1", "issued_on": today, "due_on": None, "amount": "10.00", **values}
    if given["due_on"] == "yesterday-before":
        given["due_on"] = today - timedelta(days=1)
    with pytest.raises(BusinessRuleError) as refused:
        opening.create_opening_item(shop.owner, opening.RECEIVABLE, buyer, given)
    assert refused.value.field == field


def test_the_same_document_number_twice_for_one_customer_is_refused(shop):
    buyer, other = factories.customer("华联超市"), factories.customer("永辉")
    receivable(shop, buyer, "INV-1", "10.00", business_today())
    receivable(shop, other, "INV-1", "10.00", business_today())  # another customer's INV-1 is fine
    with pytest.raises(BusinessRuleError) as refused:
        opening.create_opening_item(shop.owner, opening.RECEIVABLE, buyer, {
            "reference": "inv-1", "issued_on": business_today(), "amount": "5"})
    assert refused.value.problem == "duplicate"


def test_opening_balances_can_be_changed_and_deleted_before_the_lock(shop):
    buyer = factories.customer("华联超市")
    item = receivable(shop, buyer, "INV-1", "10.00", business_today())
    opening.update_opening_item(shop.owner, item, {"reference": "INV-1A", "issued_on": business_today(),
                                                   "due_on": business_today(), "amount": "25.50"})
    db.session.commit()
    assert owed.customer_balance(buyer) == D("25.50") and item.reference == "INV-1A"
    opening.delete_opening_item(shop.owner, item)
    db.session.commit()
    assert owed.customer_balance(buyer) == 0
    assert not opening.opening_entered().balances


# The lock ---------------------------------------------------------------------------------------------------

def test_opening_entered_tells_the_checklist_what_exists(shop):
    assert not opening.opening_entered().anything
    enter_stock(shop, "4", "2.50")
    entered = opening.opening_entered()
    assert (entered.stock, entered.balances, entered.stock_lines, entered.stock_value) == (True, False, 1, D("10.00"))
    receivable(shop, factories.customer(), "A-1", "7.00", business_today())
    payable(shop, factories.supplier(), "B-1", "8.00", business_today())
    entered = opening.opening_entered()
    assert (entered.receivables, entered.receivables_total, entered.payables_total) == (1, D("7.00"), D("8.00"))


@pytest.mark.parametrize("real", ["purchase", "sales_order", "receipt"])
def test_after_a_real_document_opening_figures_can_no_longer_change(shop, real):
    today = business_today()
    buyer = factories.customer("华联超市")
    document = enter_stock(shop, "100", "8.00")
    item = receivable(shop, buyer, "INV-1", "50.00", today)
    supplier_item = payable(shop, factories.supplier("旧供应商"), "P-1", "60.00", today)
    assert not opening.locked()
    if real == "purchase":
        real_purchase(shop, 5, "9.00")
    elif real == "sales_order":
        factories.order(buyer, [(shop.case, 1)], actor=shop.owner)
    else:
        record_receipt(shop.owner, buyer, "10.00", "cash")  # a receipt against the opening receivable itself
        db.session.commit()
    assert opening.locked()
    refusals = [
        lambda: opening.set_opening_stock(shop.owner, shop.main, [opening.StockLineInput(shop.case.id, "1", "1")]),
        lambda: opening.delete_opening_stock(shop.owner, document),
        lambda: opening.create_opening_item(shop.owner, opening.RECEIVABLE, buyer, {
            "reference": "INV-2", "issued_on": today, "amount": "5"}),
        lambda: opening.update_opening_item(shop.owner, item, {"reference": "INV-1", "issued_on": today,
                                                              "amount": "99"}),
        lambda: opening.delete_opening_item(shop.owner, supplier_item),
    ]
    for refuse in refusals:
        with pytest.raises(InvalidState, match="locked"):
            refuse()
        db.session.rollback()
    assert db.session.get(OpeningStock, document.id).lines[0].qty == 100
    assert_checks_hold()
