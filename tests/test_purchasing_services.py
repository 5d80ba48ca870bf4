"""Purchasing rules, called as a route would call them (services, then one commit): order prices and drafts,
receipts and the moving-average cost, scanning at the door, invoices, returns, reorder suggestions, and the
purchasing invariants of `flask check`."""
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.catalog import services as catalog
from app.catalog.models import PackUnit
from app.checks import run_all
from app.db_types import business_today
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.inventory.models import StockLevel, StockMove
from app.lines import QtyInput
from app.partners import suppliers
from app.partners.models import SupplierProduct
from app.purchasing import receiving, reorder, scanning
from app.purchasing import services as purchasing
from app.purchasing.models import PurchaseReceipt, PurchaseStatus
from app.purchasing.services import LineInput
from app.sales import fulfilment
from app.settings.services import company
from app.trade import balances as owed
from tests import factories

D = Decimal


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def shop(app):
    """An owner, a warehouse, two products (purchase prices 10.00 and 4.00) and a supplier with a 5-day lead time."""
    owner, clerk = factories.user("owner"), factories.user("warehouse")
    main = factories.warehouse("MAIN", "总仓")
    case = factories.product(name="手机壳", sku="CASE", purchase_price="10.00", barcode="6901234567892")
    cable = factories.product(name="数据线", sku="CABLE", purchase_price="4.00")
    vendor = suppliers.create_supplier(owner, {"name": "深圳电子厂", "lead_time_days": 5, "payment_terms_days": 30})
    db.session.commit()
    return SimpleNamespace(owner=owner, clerk=clerk, main=main, case=case, cable=cable, vendor=vendor)


def make_order(s, lines, confirm=True, supplier=None):
    """A purchase order; `lines` are (product, qty) or (product, qty, unit_price)."""
    order = purchasing.create_order(s.owner, supplier or s.vendor, s.main.id,
                                    [LineInput(p.id, q, *rest) for p, q, *rest in lines])
    if confirm:
        purchasing.confirm_order(s.owner, order)
    db.session.commit()
    return order


def receive(s, order, *qtys):
    receipt = receiving.receive(s.owner, order, [QtyInput(line.id, q) for line, q in zip(order.lines, qtys)])
    db.session.commit()
    return receipt


def on_hand(product, warehouse):
    db.session.expire_all()
    row = db.session.get(StockLevel, (product.id, warehouse.id))
    return row.on_hand if row else D("0")


def set_tolerance(pct):
    settings = company()
    settings.receipt_tolerance_pct = D(pct)
    db.session.add(settings)
    db.session.commit()


# Orders ---------------------------------------------------------------------------------------------

def test_default_price_is_the_last_price_else_the_purchase_price(shop):
    s = shop
    assert purchasing.default_price(s.vendor, s.case) == D("10.00")
    suppliers.set_item(s.owner, s.vendor, s.case.id, last_price="8.50")
    db.session.commit()
    assert purchasing.default_price(s.vendor, s.case) == D("8.50")
    order = make_order(s, [(s.case, 2), (s.cable, 3)], confirm=False)
    assert [(line.unit_price, line.amount) for line in order.lines] == [(D("8.50"), D("17.00")), (D("4.00"), D("12.00"))]
    assert order.subtotal == D("29.00") and order.total == order.subtotal + order.tax


def test_expected_date_is_today_plus_the_lead_time(shop):
    order = make_order(shop, [(shop.case, 1)], confirm=False)
    assert order.status == PurchaseStatus.DRAFT and order.number.startswith("PO-")
    assert order.expected_on == business_today() + timedelta(days=5)


def test_the_same_product_twice_raises_the_quantity(shop):
    s = shop
    order = make_order(s, [(s.case, 2)], confirm=False)
    purchasing.add_line(s.owner, order, LineInput(s.case.id, 3))
    db.session.commit()
    assert len(order.lines) == 1 and order.lines[0].qty == D("5") and order.lines[0].amount == D("50.00")


def test_only_drafts_can_be_edited(shop):
    s = shop
    order = make_order(s, [(s.case, 2), (s.cable, 1)], confirm=False)
    purchasing.update_line(s.owner, order, order.lines[0].id, LineInput(s.case.id, 4, "9.00"))
    purchasing.remove_line(s.owner, order, order.lines[1].id)
    db.session.commit()
    assert [(line.qty, line.unit_price) for line in order.lines] == [(D("4"), D("9.00"))]
    purchasing.confirm_order(s.owner, order)
    db.session.commit()
    line_id = order.lines[0].id
    for change in (lambda: purchasing.add_line(s.owner, order, LineInput(s.cable.id, 1)),
                   lambda: purchasing.update_line(s.owner, order, line_id, LineInput(s.case.id, 1)),
                   lambda: purchasing.remove_line(s.owner, order, line_id),
                   lambda: purchasing.confirm_order(s.owner, order)):
        with pytest.raises(InvalidState):
            change()
        db.session.rollback()


def test_bad_quantities_and_prices_are_refused(shop):
    s = shop
    order = make_order(s, [(s.case, 1)], confirm=False)
    for given, field in ((LineInput(s.cable.id, 0), "qty"), (LineInput(s.cable.id, "x"), "qty"),
                         (LineInput(s.cable.id, 1, "-1"), "unit_price"), (LineInput(s.cable.id, 1, None, 101), "tax_rate"),
                         (LineInput(999999, 1), "product_id")):
        with pytest.raises(BusinessRuleError) as refused:
            purchasing.add_line(s.owner, order, given)
        assert refused.value.field == field
        db.session.rollback()


def test_confirm_needs_lines(shop):
    order = make_order(shop, [], confirm=False)
    with pytest.raises(BusinessRuleError):
        purchasing.confirm_order(shop.owner, order)


def test_cancel_only_before_anything_is_received(shop):
    s = shop
    draft, confirmed = make_order(s, [(s.case, 1)], confirm=False), make_order(s, [(s.case, 1)])
    for order in (draft, confirmed):
        purchasing.cancel_order(s.owner, order)
        db.session.commit()
        assert order.status == PurchaseStatus.CANCELLED
    with pytest.raises(InvalidState):
        receiving.receive(s.owner, confirmed, [QtyInput(confirmed.lines[0].id, 1)])
    db.session.rollback()
    started = make_order(s, [(s.case, 2)])
    receive(s, started, 1)
    with pytest.raises(InvalidState):
        purchasing.cancel_order(s.owner, started)


# Receiving ------------------------------------------------------------------------------------------

def test_partial_receipts_then_received(shop):
    s = shop
    order = make_order(s, [(s.case, 10), (s.cable, 5)])
    first = receive(s, order, 4, 0)
    assert first.number.startswith("GR-") and order.status == PurchaseStatus.PARTIALLY_RECEIVED
    assert [line.received_qty for line in order.lines] == [D("4"), D("0")]
    receive(s, order, 6, 5)
    assert order.status == PurchaseStatus.RECEIVED and order.received_at is not None
    assert on_hand(s.case, s.main) == D("10") and on_hand(s.cable, s.main) == D("5")
    assert run_all() == []


def test_never_more_than_ordered_unless_the_owner_allows(shop):
    s = shop
    order = make_order(s, [(s.case, 10)])
    with pytest.raises(BusinessRuleError):
        receiving.receive(s.owner, order, [QtyInput(order.lines[0].id, 11)])
    db.session.rollback()
    assert on_hand(s.case, s.main) == 0
    set_tolerance("10")
    with pytest.raises(BusinessRuleError):
        receiving.receive(s.owner, order, [QtyInput(order.lines[0].id, 12)])
    db.session.rollback()
    receive(s, order, 11)
    assert order.status == PurchaseStatus.RECEIVED and on_hand(s.case, s.main) == D("11")
    assert run_all() == []


def test_moving_average_cost_and_the_margin_of_a_later_sale(shop):
    s = shop
    receive(s, make_order(s, [(s.case, 10, "10.00")]), 10)
    receive(s, make_order(s, [(s.case, 10, "20.00")]), 10)
    db.session.expire_all()
    assert s.case.avg_cost == D("15.00")
    sale = factories.order(factories.customer("华联超市"), [(s.case, 2, "25.00")], actor=s.owner, warehouse=s.main,
                           confirm=True)
    delivery = fulfilment.deliver(s.owner, sale, [QtyInput(sale.lines[0].id, 2)])
    db.session.commit()
    assert delivery.lines[0].unit_cost == D("15.00")
    out = db.session.scalar(select(StockMove).where(StockMove.source_type == "sales_delivery"))
    assert out.unit_cost == D("15.00")
    assert sale.lines[0].amount - 2 * delivery.lines[0].unit_cost == D("20.00")  # margin at 15.00 each
    assert run_all() == []


def test_the_suppliers_last_price_is_remembered(shop):
    s = shop
    receive(s, make_order(s, [(s.case, 3, "9.20")]), 3)
    item = db.session.scalar(select(SupplierProduct).where(SupplierProduct.product_id == s.case.id))
    assert item.supplier_id == s.vendor.id and item.last_price == D("9.20")
    assert make_order(s, [(s.case, 1)], confirm=False).lines[0].unit_price == D("9.20")


# Scanning -------------------------------------------------------------------------------------------

@pytest.fixture
def boxed(shop):
    """The case also comes in boxes of 12 with their own barcode."""
    box = PackUnit(product=shop.case, name="箱", ratio=D("12"))
    db.session.add(box)
    catalog.add_barcode(shop.case, "6901234567885", box)
    db.session.commit()
    return shop


def test_a_scan_counts_one_unit_and_a_pack_its_ratio(boxed):
    s = boxed
    order = make_order(s, [(s.case, 20)])
    scanning.scan(s.clerk, order, "6901234567892")
    scanning.scan(s.clerk, order, "6901234567885")
    db.session.commit()
    receipt = scanning.open_receipt(s.clerk, order)
    assert receipt.number is None and [rl.qty for rl in receipt.lines] == [D("13")]
    assert on_hand(s.case, s.main) == 0 and order.lines[0].received_qty == 0  # nothing moves before posting
    assert run_all() == []


@pytest.mark.parametrize("code, problem", [("0000000000000", "not-found"), ("CABLE-X", "not-found")])
def test_an_unknown_barcode_counts_nothing(shop, code, problem):
    order = make_order(shop, [(shop.case, 5)])
    with pytest.raises(BusinessRuleError) as refused:
        scanning.scan(shop.clerk, order, code)
    assert refused.value.problem == problem and "nothing was counted" in str(refused.value.message)
    db.session.rollback()
    assert scanning.open_receipt(shop.clerk, order) is None


def test_a_product_not_on_the_order_is_refused(shop):
    s = shop
    catalog.add_barcode(s.cable, "6901234567908")
    db.session.commit()
    order = make_order(s, [(s.case, 5)])
    with pytest.raises(BusinessRuleError) as refused:
        scanning.scan(s.clerk, order, "6901234567908")
    assert "not on this order" in str(refused.value.message)
    db.session.rollback()
    assert scanning.open_receipt(s.clerk, order) is None


def test_beyond_what_may_come_in_counting_other_peoples_scans(boxed):
    s = boxed
    other = factories.user("warehouse")
    order = make_order(s, [(s.case, 14)])
    scanning.scan(other, order, "6901234567885")  # a box of 12 on someone else's receipt
    db.session.commit()
    scanning.scan(s.clerk, order, "6901234567892", count=2)
    db.session.commit()
    for code in ("6901234567892", "6901234567885"):
        with pytest.raises(BusinessRuleError) as refused:
            scanning.scan(s.clerk, order, code)
        assert "Only 0" in str(refused.value.message)
        db.session.rollback()
    assert scanning.open_receipt(s.clerk, order).lines[0].qty == D("2")


def test_set_counted_undoes_a_scan(shop):
    s = shop
    order = make_order(s, [(s.case, 5)])
    scanning.scan(s.clerk, order, "6901234567892", count=3)
    db.session.commit()
    receipt = scanning.open_receipt(s.clerk, order)
    scanning.set_counted(s.clerk, receipt, receipt.lines[0].id, 2)
    db.session.commit()
    assert receipt.lines[0].qty == D("2")
    with pytest.raises(BusinessRuleError):
        scanning.set_counted(s.clerk, receipt, receipt.lines[0].id, 6)
    db.session.rollback()
    scanning.set_counted(s.clerk, receipt, receipt.lines[0].id, 0)
    db.session.commit()
    assert receipt.lines == []
    with pytest.raises(BusinessRuleError):
        scanning.post_receipt(s.clerk, receipt)


def test_post_receipt_numbers_it_and_posts_stock_two_deliveries(shop):
    s = shop
    order = make_order(s, [(s.case, 5, "11.00")])
    scanning.scan(s.clerk, order, "6901234567892", count=3)
    db.session.commit()
    first = scanning.post_receipt(s.clerk, scanning.open_receipt(s.clerk, order))
    db.session.commit()
    assert first.number.startswith("GR-") and first.posted_at is not None
    assert on_hand(s.case, s.main) == D("3") and order.lines[0].received_qty == D("3")
    assert order.status == PurchaseStatus.PARTIALLY_RECEIVED and scanning.open_receipt(s.clerk, order) is None
    with pytest.raises(InvalidState):
        scanning.post_receipt(s.clerk, first)
    db.session.rollback()
    with pytest.raises(InvalidState):
        scanning.set_counted(s.clerk, first, first.lines[0].id, 1)
    db.session.rollback()
    scanning.scan(s.clerk, order, "6901234567892", count=2)  # the second delivery of the same order
    db.session.commit()
    second = scanning.post_receipt(s.clerk, scanning.open_receipt(s.clerk, order))
    db.session.commit()
    assert second.number != first.number and on_hand(s.case, s.main) == D("5")
    assert order.status == PurchaseStatus.RECEIVED and s.case.avg_cost == D("11.00")
    with pytest.raises(InvalidState):
        scanning.scan(s.clerk, order, "6901234567892")
    db.session.rollback()
    assert run_all() == []


def test_posting_refuses_what_others_received_meanwhile(shop):
    s = shop
    order = make_order(s, [(s.case, 5)])
    scanning.scan(s.clerk, order, "6901234567892", count=3)
    db.session.commit()
    receive(s, order, 4)  # typed in by someone else meanwhile
    with pytest.raises(BusinessRuleError):
        scanning.post_receipt(s.clerk, scanning.open_receipt(s.clerk, order))
    db.session.rollback()
    assert on_hand(s.case, s.main) == D("4") and run_all() == []


# Invoices and returns -------------------------------------------------------------------------------

def test_invoice_only_what_was_received_and_not_invoiced(shop):
    s = shop
    order = make_order(s, [(s.case, 10, "10.00")])
    with pytest.raises(InvalidState):
        receiving.invoice_order(s.owner, order)
    db.session.rollback()
    receive(s, order, 4)
    invoice = receiving.invoice_order(s.owner, order, "FP-001")
    db.session.commit()
    assert invoice.number.startswith("PI-") and invoice.supplier_reference == "FP-001"
    assert invoice.lines[0].qty == D("4") and invoice.subtotal == D("40.00")
    assert invoice.due_on == invoice.issued_on + timedelta(days=30)
    with pytest.raises(InvalidState):
        receiving.invoice_order(s.owner, order)
    db.session.rollback()
    receive(s, order, 6)
    assert order.status == PurchaseStatus.RECEIVED
    second = receiving.invoice_order(s.owner, order)
    db.session.commit()
    assert second.lines[0].qty == D("6") and order.status == PurchaseStatus.INVOICED
    assert run_all() == []


def test_returns_never_more_than_received_at_the_received_cost(shop):
    s = shop
    factories.stock(s.case, s.main, 6, "6.00")
    order = make_order(s, [(s.case, 10, "12.00")])
    receive(s, order, 6)
    assert s.case.avg_cost == D("9.00")
    with pytest.raises(BusinessRuleError):
        receiving.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 7)])
    db.session.rollback()
    returned = receiving.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 2)], reason="坏了")
    db.session.commit()
    assert returned.number.startswith("PR-") and returned.lines[0].unit_cost == D("12.00")
    assert returned.total == 0  # nothing invoiced yet, so nothing to credit
    assert on_hand(s.case, s.main) == D("10") and order.lines[0].returnable == D("4")
    out = db.session.scalar(select(StockMove).where(StockMove.source_type == "purchase_return"))
    assert out.qty == D("-2")
    with pytest.raises(BusinessRuleError):
        receiving.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 5)])
    db.session.rollback()
    invoice = receiving.invoice_order(s.owner, order)
    db.session.commit()
    assert invoice.lines[0].qty == D("4")  # what was kept
    assert run_all() == []


def test_the_ledger_takes_returned_goods_out_at_the_received_cost(shop):
    s = shop
    factories.stock(s.case, s.main, 6, "6.00")
    order = make_order(s, [(s.case, 6, "12.00")])
    receive(s, order, 6)
    receiving.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 2)])
    db.session.commit()
    out = db.session.scalar(select(StockMove).where(StockMove.source_type == "purchase_return"))
    assert out.unit_cost == D("12.00") and s.case.avg_cost == D("8.40")  # (108 - 24) / 10


def test_a_return_credits_open_invoices_and_the_rest_stays_on_account(shop):
    s = shop
    order = make_order(s, [(s.case, 10, "10.00")])
    receive(s, order, 10)
    invoice = receiving.invoice_order(s.owner, order)
    db.session.commit()
    from app.finance.services import record_supplier_payment
    record_supplier_payment(s.owner, s.vendor, invoice.total - D("20.00"), "bank_transfer")
    db.session.commit()
    returned = receiving.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 3)])
    db.session.commit()
    per_unit = invoice.total / 10
    assert returned.total == 3 * per_unit and order.lines[0].credited_qty == D("3")
    assert invoice.credited == D("20.00") and invoice.open_amount == 0  # the rest is credit on account
    assert owed.supplier_balances([s.vendor.id])[s.vendor.id] == D("20.00") - returned.total
    assert run_all() == []


# Reorder --------------------------------------------------------------------------------------------

def test_reorder_suggests_up_to_max_rounded_to_the_moq(shop):
    s = shop
    s.case.min_stock, s.case.max_stock = D("10"), D("30")
    s.cable.min_stock, s.cable.max_stock = D("5"), D("20")
    factories.stock(s.case, s.main, 8)
    factories.stock(s.cable, s.main, 5)  # at its minimum: nothing to order
    suppliers.set_item(s.owner, s.vendor, s.case.id, min_order_qty=12, preferred=True)
    sale = factories.order(factories.customer(), [(s.case, 3)], actor=s.owner, warehouse=s.main, confirm=True)
    make_order(s, [(s.case, 4)])  # on order
    make_order(s, [(s.case, 50)], confirm=False)  # a draft is not on order
    found = reorder.suggestions(s.main.id)
    assert [x.product.sku for x in found] == ["CASE"] and sale.lines[0].qty == 3
    case = found[0]
    assert (case.available, case.on_order) == (D("5"), D("4"))
    assert case.qty == D("24") and case.supplier.id == s.vendor.id  # 30 - 9 = 21, up to two boxes of 12


def test_draft_orders_one_per_supplier_skipping_unclear_ones(shop):
    s = shop
    other = suppliers.create_supplier(s.owner, {"name": "义乌小商品"})
    third = factories.product(name="耳机", sku="EAR", purchase_price="30.00")
    for product in (s.case, s.cable, third):
        product.min_stock, product.max_stock = D("5"), D("10")
    suppliers.set_item(s.owner, s.vendor, s.case.id)
    suppliers.set_item(s.owner, other, s.cable.id)
    suppliers.set_item(s.owner, s.vendor, third.id)
    suppliers.set_item(s.owner, other, third.id)  # two suppliers, no preference: no clear supplier
    db.session.commit()
    drafted = reorder.draft_orders(s.owner, s.main.id, auto_drafted=True)
    db.session.commit()
    assert sorted((o.supplier.name, [(line.product.sku, line.qty) for line in o.lines]) for o in drafted) == [
        ("义乌小商品", [("CABLE", D("10"))]), ("深圳电子厂", [("CASE", D("10"))])]
    assert all(o.auto_drafted and o.status == PurchaseStatus.DRAFT for o in drafted)


# Invariants -----------------------------------------------------------------------------------------

def test_tampering_is_reported(shop):
    s = shop
    factories.user("owner")
    order = make_order(s, [(s.case, 10)])
    receive(s, order, 5)
    scanning.scan(s.clerk, order, "6901234567892", count=2)  # open receipts count for nothing
    invoice = receiving.invoice_order(s.owner, order)
    db.session.commit()
    assert run_all() == []
    order.lines[0].received_qty += 1
    invoice.paid += D("1.00")
    db.session.commit()
    breaches = run_all()
    assert any("purchase order line" in b and "received 6" in b for b in breaches)
    assert any(f"purchase invoice {invoice.number}" in b for b in breaches)
    assert db.session.scalar(select(PurchaseReceipt).where(PurchaseReceipt.posted_at.is_(None))) is not None
