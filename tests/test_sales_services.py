"""Sales rules, called as a route would call them (services, then one commit): prices and their
floor, confirming against stock and credit, deliveries, invoices, returns, cancelling, and costs
that never drift. Flows end with `flask check`'s invariants holding."""
import threading
import time
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.models import User
from app.checks import run_all
from app.db_types import business_today
from app.errors import BusinessRuleError, InvalidState
from app.extensions import db
from app.finance.models import CreditAllocation
from app.finance.services import record_receipt
from app.inventory import services as inventory
from app.inventory.ledger import InsufficientStock
from app.inventory.models import MoveKind, StockLevel, StockMove
from app.partners import services as partners
from app.sales import fulfilment, pricing
from app.sales import services as sales
from app.sales.fulfilment import QtyInput
from app.sales.models import OrderStatus, SalesOrder, line_amounts
from app.sales.services import CreditLimitExceeded, LineInput
from app.settings.services import update_company
from app.trade import balances as owed
from app.trade.settlement import InvoiceStatus
from tests import factories

D = Decimal


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def shop(app):
    """A shop with two warehouses, two products in stock, a salesperson and their customer."""
    owner, seller = factories.user("owner"), factories.user("sales")
    main, store = factories.warehouse("MAIN", "总仓"), factories.warehouse("SHOP", "门店")
    case = factories.product(name="手机壳", sku="CASE", sale_price="25.00")
    cable = factories.product(name="数据线", sku="CABLE", sale_price="10.00")
    factories.stock(case, main, 10, "10.00")
    factories.stock(cable, main, 20, "4.00")
    buyer = factories.customer("华联超市", seller)
    return SimpleNamespace(owner=owner, seller=seller, main=main, store=store, case=case, cable=cable, buyer=buyer)


def level(product, warehouse):
    db.session.expire_all()
    row = db.session.get(StockLevel, (product.id, warehouse.id))
    return (row.on_hand, row.reserved) if row else (D("0"), D("0"))


def confirmed(s, lines, actor=None, customer=None):
    return factories.order(customer or s.buyer, lines, actor=actor or s.seller, confirm=True)


def deliver(s, order, *qtys, warehouse=None):
    delivery = fulfilment.deliver(s.owner, order, [QtyInput(line.id, q) for line, q in zip(order.lines, qtys)],
                                  warehouse.id if warehouse else None)
    db.session.commit()
    return delivery


def audited(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


# Prices ---------------------------------------------------------------------------------------------

def test_list_price_follows_the_customer_price_level(shop):
    s = shop
    s.case.wholesale_price = D("20.00")
    wholesale = factories.customer("批发商", price_level="wholesale")
    discount = factories.customer("老客户", price_level="discount", discount_pct="15")
    assert pricing.list_price(s.buyer, s.case) == D("25.00")
    assert pricing.list_price(wholesale, s.case) == D("20.00")
    assert pricing.list_price(wholesale, s.cable) == D("10.00")  # no wholesale price: the sale price
    assert pricing.list_price(discount, s.case) == D("21.25")


def test_new_line_takes_the_list_price_then_the_last_price_paid(shop):
    s = shop
    first = factories.order(s.buyer, [(s.case, 2)])
    line = first.lines[0]
    assert (line.unit_price, line.list_price, line.discount_pct, line.tax_rate) == (
        D("25.00"), D("25.00"), D("0.00"), D("13.00"))
    sales.update_line(s.seller, first, line.id, LineInput(s.case.id, 2, "25.00", "8"))
    sales.confirm_order(s.seller, first)
    db.session.commit()
    assert pricing.last_price(s.buyer, s.case.id) == D("23.00")
    again = factories.order(s.buyer, [(s.case, 1)])
    assert (again.lines[0].unit_price, again.lines[0].discount_pct) == (D("23.00"), D("0.00"))
    assert factories.order(factories.customer("新客户"), [(s.case, 1)]).lines[0].unit_price == D("25.00")


@pytest.mark.parametrize("unit_price, discount, allowed", [
    ("22.50", None, True), ("22.49", None, False), ("25.00", "10", True), ("25.00", "10.1", False),
    ("24.00", "6.25", True), ("24.00", "6.3", False),
])
def test_a_salesperson_cannot_go_below_the_floor(shop, unit_price, discount, allowed):
    s = shop
    order = factories.order(s.buyer, [])
    given = LineInput(s.case.id, 1, unit_price, discount)
    if allowed:
        sales.add_line(s.seller, order, given)
    else:
        with pytest.raises(BusinessRuleError, match="手机壳 cannot be sold below") as refused:
            sales.add_line(s.seller, order, given)
        assert refused.value.field == "unit_price"
        assert sales.add_line(s.owner, order, given).net_price < D("22.50")  # the owner is not limited


def test_the_floor_follows_the_owner_setting(shop):
    s = shop
    update_company(s.owner, {"name": "鼎盛", "currency": "CNY", "default_tax_rate": "13",
                             "max_sales_discount_pct": "20"})
    db.session.commit()
    assert pricing.price_floor(s.buyer, s.case) == D("20.00")
    sales.add_line(s.seller, factories.order(s.buyer, []), LineInput(s.case.id, 1, "20.00"))


def test_an_earlier_lower_agreed_price_stays_usable(shop):
    s = shop
    confirmed(s, [(s.case, 1, "18.00")], actor=s.owner)
    assert pricing.price_floor(s.buyer, s.case) == D("18.00")
    order = factories.order(s.buyer, [(s.case, 1)])
    assert order.lines[0].unit_price == D("18.00")
    with pytest.raises(BusinessRuleError, match="below"):
        sales.update_line(s.seller, order, order.lines[0].id, LineInput(s.case.id, 1, "17.99"))
    assert pricing.price_floor(factories.customer("别家"), s.case) == D("22.50")  # agreed with that customer only


def test_line_amounts_round_each_to_the_cent():
    assert line_amounts(D("3"), D("33.33"), D("10"), D("13")) == (D("89.99"), D("11.70"))
    assert line_amounts(D("0.125"), D("10.00"), D("0"), D("13")) == (D("1.25"), D("0.16"))
    assert line_amounts(D("1"), D("0.05"), D("0"), D("13")) == (D("0.05"), D("0.01"))  # 0.0065 rounds half up


def test_order_totals_and_the_same_product_twice(shop):
    s = shop
    order = factories.order(s.buyer, [(s.case, 2), (s.cable, 3, "9.99"), (s.case, 1)])
    assert [(line.product_id, line.qty) for line in order.lines] == [(s.case.id, D("3.000")), (s.cable.id, D("3.000"))]
    sales.add_line(s.seller, order, LineInput(s.cable.id, "0.5"))
    db.session.commit()
    assert order.lines[1].qty == D("3.500") and order.lines[1].amount == D("34.97")
    assert (order.subtotal, order.tax, order.total) == (D("109.97"), D("9.75") + D("4.55"), D("124.27"))
    sales.remove_line(s.seller, order, order.lines[0].id)
    db.session.commit()
    assert (order.subtotal, order.total) == (D("34.97"), D("39.52"))


@pytest.mark.parametrize("qty", ["0", "-1", "abc"])
def test_a_line_needs_a_quantity_above_zero(shop, qty):
    s = shop
    with pytest.raises(BusinessRuleError) as refused:
        sales.add_line(s.seller, factories.order(s.buyer, []), LineInput(s.case.id, qty))
    assert refused.value.field == "qty"


# Confirming -----------------------------------------------------------------------------------------

def test_confirm_reserves_stock(shop):
    s = shop
    order = confirmed(s, [(s.case, 4), (s.cable, 5)])
    assert order.status == OrderStatus.CONFIRMED and order.confirmed_at is not None
    assert level(s.case, s.main) == (D("10"), D("4")) and level(s.cable, s.main) == (D("20"), D("5"))
    assert [e.user_id for e in audited("sales_order.confirm")] == [s.seller.id]
    assert run_all() == []


def test_confirm_refuses_what_other_orders_reserved_and_reserves_nothing(shop):
    s = shop
    confirmed(s, [(s.case, 8)])
    order = factories.order(s.buyer, [(s.cable, 5), (s.case, 3)])
    with pytest.raises(InsufficientStock) as refused:
        sales.confirm_order(s.seller, order)
    db.session.rollback()
    assert refused.value.problem == "insufficient-stock"
    assert refused.value.message == "Not enough 手机壳 in 总仓: 2 个 available, 3 needed."
    assert level(s.cable, s.main) == (D("20"), D("0")) and level(s.case, s.main) == (D("10"), D("8"))
    assert order.status == OrderStatus.DRAFT
    assert run_all() == []


def test_confirm_refuses_an_empty_order(shop):
    with pytest.raises(BusinessRuleError, match="at least one line"):
        sales.confirm_order(shop.seller, factories.order(shop.buyer, []))


def test_credit_limit_counts_debts_open_orders_and_this_order(shop):
    s = shop
    partners.update_customer(s.owner, s.buyer, {"credit_limit": "300"})
    invoiced = confirmed(s, [(s.case, 4)])  # 113.00
    deliver(s, invoiced, 4)
    fulfilment.invoice_order(s.owner, invoiced)
    confirmed(s, [(s.cable, 10)])  # 113.00 promised, not invoiced
    db.session.commit()
    assert owed.credit_headroom(s.buyer) == D("74.00")
    fits = factories.order(s.buyer, [(s.cable, "6.548")])  # 73.99 with tax
    over = factories.order(s.buyer, [(s.cable, "6.55")])  # 74.02 with tax
    assert sales.credit_check(fits) is None
    with pytest.raises(CreditLimitExceeded) as refused:
        sales.confirm_order(s.seller, over)
    db.session.rollback()
    assert refused.value.problem == "credit-limit-exceeded"
    assert refused.value.message == (
        "华联超市 has a credit limit of ¥300.00 and already owes ¥113.00 (¥113.00 more on orders not yet billed). "
        "This order of ¥74.02 would go ¥0.02 over the limit.")
    assert over.status == OrderStatus.DRAFT and level(s.cable, s.main)[1] == D("10")


def test_the_owner_may_approve_an_order_over_the_limit_but_a_salesperson_may_not(shop):
    s = shop
    partners.update_customer(s.owner, s.buyer, {"credit_limit": "0"})
    order = factories.order(s.buyer, [(s.case, 1)])
    with pytest.raises(BusinessRuleError) as refused:
        sales.confirm_order(s.seller, order, approve_over_limit=True)
    assert refused.value.problem == "forbidden"
    db.session.rollback()
    assert order.status == OrderStatus.DRAFT and not audited("sales_order.approve_over_limit")
    sales.confirm_order(s.owner, order, approve_over_limit=True)
    db.session.commit()
    assert order.status == OrderStatus.CONFIRMED and order.over_limit_approved_by_id == s.owner.id
    [approval] = audited("sales_order.approve_over_limit")
    assert approval.user_id == s.owner.id and "credit limit" in approval.changes["reason"][1]


def test_no_credit_limit_means_no_check(shop):
    s = shop
    assert s.buyer.credit_limit is None
    assert confirmed(s, [(s.case, 10)]).status == OrderStatus.CONFIRMED


def test_draft_only_actions_refuse_other_states(shop):
    s = shop
    order = confirmed(s, [(s.case, 1)])
    for action in (lambda: sales.add_line(s.seller, order, LineInput(s.cable.id, 1)),
                   lambda: sales.update_line(s.seller, order, order.lines[0].id, LineInput(s.case.id, 2)),
                   lambda: sales.remove_line(s.seller, order, order.lines[0].id),
                   lambda: sales.update_order(s.seller, order, notes="x"),
                   lambda: sales.confirm_order(s.seller, order)):
        with pytest.raises(InvalidState) as refused:
            action()
        assert refused.value.problem == "invalid-state" and order.number in refused.value.message


# Delivering -----------------------------------------------------------------------------------------

def test_partial_then_full_delivery(shop):
    s = shop
    order = confirmed(s, [(s.case, 10)])
    first = deliver(s, order, 4)
    assert order.status == OrderStatus.PARTIALLY_DELIVERED and order.lines[0].to_deliver == D("6")
    assert level(s.case, s.main) == (D("6"), D("6"))
    assert first.number.startswith("DN-") and first.lines[0].unit_cost == D("10.0000")
    moves = db.session.scalars(select(StockMove).where(StockMove.kind == MoveKind.SALES_DELIVERY)).all()
    assert [(m.qty, m.unit_cost, m.source_number) for m in moves] == [(D("-4.000"), D("10.0000"), first.number)]
    with pytest.raises(BusinessRuleError, match="Only 6 个 of 手机壳 are left to deliver") as refused:
        fulfilment.deliver(s.owner, order, [QtyInput(order.lines[0].id, 7)])
    assert refused.value.field == "lines"
    db.session.rollback()
    deliver(s, order, 6)
    assert order.status == OrderStatus.DELIVERED and level(s.case, s.main) == (D("0"), D("0"))
    with pytest.raises(InvalidState):
        fulfilment.deliver(s.owner, order, [QtyInput(order.lines[0].id, 1)])
    assert run_all() == []


@pytest.mark.parametrize("qtys, message", [([0, 0], "at least one line"), (["-1", 1], "negative"),
                                           (["x", 1], "number")])
def test_delivery_quantities_are_checked(shop, qtys, message):
    s = shop
    order = confirmed(s, [(s.case, 2), (s.cable, 2)])
    with pytest.raises(BusinessRuleError, match=message):
        fulfilment.deliver(s.owner, order, [QtyInput(line.id, q) for line, q in zip(order.lines, qtys)])


def test_a_draft_cannot_be_delivered(shop):
    order = factories.order(shop.buyer, [(shop.case, 1)])
    with pytest.raises(InvalidState):
        fulfilment.deliver(shop.owner, order, [QtyInput(order.lines[0].id, 1)])


def test_delivering_from_another_warehouse(shop):
    s = shop
    factories.stock(s.case, s.store, 5, "10.00")
    order = confirmed(s, [(s.case, 3)])
    delivery = deliver(s, order, 3, warehouse=s.store)
    assert delivery.warehouse_id == s.store.id and order.status == OrderStatus.DELIVERED
    assert level(s.case, s.main) == (D("10"), D("0")) and level(s.case, s.store) == (D("2"), D("0"))
    assert run_all() == []


# Invoicing ------------------------------------------------------------------------------------------

def test_invoices_bill_only_what_was_delivered(shop):
    s = shop
    order = confirmed(s, [(s.case, 10), (s.cable, 5)])
    with pytest.raises(InvalidState, match="nothing delivered"):
        fulfilment.invoice_order(s.owner, order)
    deliver(s, order, 4, 0)
    first = fulfilment.invoice_order(s.owner, order)
    db.session.commit()
    assert [(il.product_id, il.qty) for il in first.lines] == [(s.case.id, D("4.000"))]
    assert (first.subtotal, first.tax, first.total) == (D("100.00"), D("13.00"), D("113.00"))
    assert first.due_on == business_today() + timedelta(days=30) and first.status == InvoiceStatus.OPEN
    assert order.status == OrderStatus.PARTIALLY_DELIVERED
    with pytest.raises(InvalidState):
        fulfilment.invoice_order(s.owner, order)
    db.session.rollback()
    deliver(s, order, 6, 5)
    second = fulfilment.invoice_order(s.owner, order)
    db.session.commit()
    assert [il.qty for il in second.lines] == [D("6.000"), D("5.000")] and second.total == D("226.00")
    assert order.status == OrderStatus.INVOICED and owed.customer_balance(s.buyer) == D("339.00")
    assert [e.changes["invoice"][1] for e in audited("sales_order.invoice")] == [first.number, second.number]
    assert run_all() == []


def test_due_date_follows_the_payment_terms(shop):
    s = shop
    partners.update_customer(s.owner, s.buyer, {"payment_terms_days": 0})
    order = confirmed(s, [(s.case, 1)])
    deliver(s, order, 1)
    assert fulfilment.invoice_order(s.owner, order).due_on == business_today()


def test_a_free_order_is_settled_when_invoiced(shop):
    """Free samples: a zero invoice owes nothing, so it is not left 'unpaid' among open invoices."""
    s = shop
    order = confirmed(s, [(s.case, 1, "0")], actor=s.owner)
    deliver(s, order, 1)
    invoice = fulfilment.invoice_order(s.owner, order)
    db.session.commit()
    assert invoice.total == D("0.00") and invoice.status == InvoiceStatus.PAID
    assert order.status == OrderStatus.PAID


# Returns --------------------------------------------------------------------------------------------

def test_never_return_more_than_delivered_and_kept(shop):
    s = shop
    order = confirmed(s, [(s.case, 5)])
    with pytest.raises(BusinessRuleError, match="Only 0 个"):
        fulfilment.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 1)])
    deliver(s, order, 3)
    fulfilment.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 2)])
    db.session.commit()
    with pytest.raises(BusinessRuleError, match="Only 1 个 of 手机壳 were delivered and not returned"):
        fulfilment.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 2)])


def test_a_return_before_invoicing_is_simply_not_billed(shop):
    s = shop
    order = confirmed(s, [(s.case, 10)])
    deliver(s, order, 10)
    sales_return = fulfilment.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 3)], reason="破损")
    db.session.commit()
    assert sales_return.total == D("0.00") and sales_return.lines[0].credited_qty == D("0")
    assert level(s.case, s.main) == (D("3"), D("0"))
    invoice = fulfilment.invoice_order(s.owner, order)
    db.session.commit()
    assert invoice.lines[0].qty == D("7.000") and invoice.total == D("197.75")
    assert order.status == OrderStatus.INVOICED and owed.customer_balance(s.buyer) == D("197.75")
    assert run_all() == []


def test_a_return_after_invoicing_is_a_credit_note_on_the_open_invoice(shop):
    s = shop
    order = confirmed(s, [(s.case, 10)])
    deliver(s, order, 10)
    invoice = fulfilment.invoice_order(s.owner, order)
    db.session.commit()
    sales_return = fulfilment.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 2)])
    db.session.commit()
    assert sales_return.number.startswith("SR-") and sales_return.total == D("56.50")
    [allocation] = db.session.scalars(select(CreditAllocation)).all()
    assert (allocation.sales_invoice_id, allocation.amount) == (invoice.id, D("56.50"))
    assert invoice.credited == D("56.50") and invoice.open_amount == D("226.00")
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert owed.customer_balance(s.buyer) == D("226.00")  # 282.50 invoiced - 56.50 credited
    with pytest.raises(InvalidState):  # the returned goods are credited, never invoiced again
        fulfilment.invoice_order(s.owner, order)
    db.session.rollback()
    record_receipt(s.owner, s.buyer, "226.00", "cash")
    db.session.commit()
    assert invoice.status == InvoiceStatus.PAID and order.status == OrderStatus.PAID
    assert owed.customer_balance(s.buyer) == D("0.00")
    assert run_all() == []


def test_a_return_after_payment_leaves_a_credit_on_the_account(shop):
    s = shop
    order = confirmed(s, [(s.case, 2)])
    deliver(s, order, 2)
    fulfilment.invoice_order(s.owner, order)
    record_receipt(s.owner, s.buyer, "56.50", "wechat")
    db.session.commit()
    fulfilment.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 1)])
    db.session.commit()
    assert db.session.scalars(select(CreditAllocation)).all() == []
    assert owed.customer_balance(s.buyer) == D("-28.25")  # we owe the customer
    assert run_all() == []


def test_returned_goods_come_back_at_the_cost_they_left_at(shop):
    s = shop
    order = confirmed(s, [(s.case, 5)])
    deliver(s, order, 5)  # out at 10.00
    inventory.create_adjustment(s.owner, s.main.id, "other_in", "补货", [inventory.LineInput(s.case.id, D("5"), D("30"))])
    db.session.commit()
    assert s.case.avg_cost == D("20.0000")
    sales_return = fulfilment.return_goods(s.owner, order, [QtyInput(order.lines[0].id, 2)])
    db.session.commit()
    move = db.session.scalar(select(StockMove).where(StockMove.kind == MoveKind.SALES_RETURN))
    assert sales_return.lines[0].unit_cost == D("10.0000") and move.unit_cost == D("10.0000")
    assert move.qty == D("2.000") and s.case.avg_cost == D("18.3333")  # (10 x 20 + 2 x 10) / 12
    assert run_all() == []


# Cancelling -----------------------------------------------------------------------------------------

def test_cancel_a_draft_or_a_confirmed_order_gives_stock_back(shop):
    s = shop
    draft = factories.order(s.buyer, [(s.case, 1)])
    order = confirmed(s, [(s.case, 6), (s.cable, 2)])
    sales.cancel_order(s.seller, draft)
    sales.cancel_order(s.seller, order)
    db.session.commit()
    assert (draft.status, order.status) == (OrderStatus.CANCELLED, OrderStatus.CANCELLED)
    assert level(s.case, s.main) == (D("10"), D("0")) and level(s.cable, s.main) == (D("20"), D("0"))
    assert len(audited("sales_order.cancel")) == 2
    with pytest.raises(InvalidState):
        sales.cancel_order(s.seller, order)
    assert run_all() == []


def test_no_cancel_after_a_delivery(shop):
    s = shop
    order = confirmed(s, [(s.case, 6)])
    deliver(s, order, 1)
    with pytest.raises(InvalidState, match="nothing delivered"):
        sales.cancel_order(s.owner, order)
    db.session.rollback()
    assert level(s.case, s.main) == (D("9"), D("5"))
    assert run_all() == []


# Costs and invariants -------------------------------------------------------------------------------

def test_delivered_cost_never_drifts(shop):
    s = shop
    order = confirmed(s, [(s.case, 4)])
    delivery = deliver(s, order, 4)
    inventory.create_adjustment(s.owner, s.main.id, "other_in", "补货", [inventory.LineInput(s.case.id, D("6"), D("40"))])
    db.session.commit()
    db.session.expire_all()
    assert s.case.avg_cost == D("25.0000")  # (6 x 10 + 6 x 40) / 12
    assert delivery.lines[0].unit_cost == D("10.0000")
    move = db.session.scalar(select(StockMove).where(StockMove.kind == MoveKind.SALES_DELIVERY))
    assert move.unit_cost == D("10.0000")


def test_the_check_notices_a_reservation_out_of_step(shop):
    s = shop
    confirmed(s, [(s.case, 2)])
    assert run_all() == []
    db.session.get(StockLevel, (s.case.id, s.main.id)).reserved += 1
    db.session.commit()
    [breach] = run_all()
    assert breach.startswith("Reserved stock equals") and "reserved 3.000, open orders 2.000" in breach


# Two people at once ---------------------------------------------------------------------------------

def _at_once(app, first, second, ready=None):
    """Two requests at once, as two processes would run them: `first` does its work and holds its
    transaction open while `second` starts (on PostgreSQL it reads what `first` has not committed
    yet; SQLite writers queue from their first statement). `first` may set `ready` itself to let
    `second` start earlier. Returns what each returned or raised. The work functions use ids, not
    the test's objects, which belong to the test's own session."""
    ready, results = ready or threading.Event(), {}

    def run(name, work, hold):
        with app.app_context():
            try:
                results[name] = work()
                if hold:
                    ready.set()
                    time.sleep(0.3)
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (reported to the test, which names what it expects)
                db.session.rollback()
                results[name] = error
            finally:
                ready.set()

    db.session.commit()
    one = threading.Thread(target=run, args=("first", first, True))
    one.start()
    ready.wait(10)
    two = threading.Thread(target=run, args=("second", second, False))
    two.start()
    one.join(20)
    two.join(20)
    db.session.rollback()
    return results["first"], results["second"]


def _fresh(model, id_):
    return db.session.get(model, id_)


def test_two_deliveries_of_the_same_goods_at_once_ship_them_once(app, shop):
    s = shop
    order = confirmed(s, [(s.case, 5)])
    ids = (order.id, order.lines[0].id, s.owner.id)

    def ship():
        order, owner = _fresh(SalesOrder, ids[0]), _fresh(User, ids[2])
        return fulfilment.deliver(owner, order, [QtyInput(ids[1], 5)]).number

    first, second = _at_once(app, ship, ship)
    assert isinstance(first, str) and isinstance(second, BusinessRuleError), (first, second)
    assert level(s.case, s.main) == (D("5"), D("0"))
    assert run_all() == []


def test_two_invoices_of_the_same_delivery_at_once_bill_it_once(app, shop):
    s = shop
    order = confirmed(s, [(s.case, 5)])
    deliver(s, order, 5)
    ids = (order.id, s.owner.id)

    def bill():
        order = _fresh(SalesOrder, ids[0])
        return fulfilment.invoice_order(_fresh(User, ids[1]), order).total

    first, second = _at_once(app, bill, bill)
    assert first == D("141.25") and isinstance(second, InvalidState), (first, second)
    assert owed.customer_balance(s.buyer) == D("141.25")
    assert run_all() == []


def test_two_confirmations_at_once_reserve_once(app, shop):
    s = shop
    order = factories.order(s.buyer, [(s.case, 4)])
    ids = (order.id, s.seller.id)

    def confirm():
        order = _fresh(SalesOrder, ids[0])
        return sales.confirm_order(_fresh(User, ids[1]), order).status

    first, second = _at_once(app, confirm, confirm)
    assert first == OrderStatus.CONFIRMED and isinstance(second, InvalidState), (first, second)
    assert level(s.case, s.main) == (D("10"), D("4"))
    assert run_all() == []


def test_two_receipts_at_once_never_overpay_an_invoice(app, shop):
    s = shop
    order = confirmed(s, [(s.case, 2)])
    deliver(s, order, 2)
    fulfilment.invoice_order(s.owner, order)
    ids = (s.buyer.id, s.owner.id)

    def receive():
        from app.partners.models import Customer
        return record_receipt(_fresh(User, ids[1]), _fresh(Customer, ids[0]), "56.50", "cash").amount

    first, second = _at_once(app, receive, receive)
    assert first == D("56.50") and isinstance(second, BusinessRuleError), (first, second)
    assert owed.customer_balance(s.buyer) == D("0.00")
    assert run_all() == []


def test_two_orders_that_each_fit_the_credit_limit_cannot_pass_it_together(app, shop):
    s = shop
    partners.update_customer(s.owner, s.buyer, {"credit_limit": "150"})
    orders = [factories.order(s.buyer, [(s.case, 4)]).id, factories.order(s.buyer, [(s.cable, 10)]).id]  # 113 each
    seller_id = s.seller.id

    def confirm(order_id):
        return lambda: sales.confirm_order(_fresh(User, seller_id), _fresh(SalesOrder, order_id)).status

    first, second = _at_once(app, confirm(orders[0]), confirm(orders[1]))
    assert first == OrderStatus.CONFIRMED and isinstance(second, CreditLimitExceeded), (first, second)
    assert run_all() == []


def test_a_delivery_and_an_adjustment_of_the_same_product_at_once_both_go_through(app, shop, monkeypatch):
    """Locks are taken in one order everywhere (products, then stock levels), so no deadlock."""
    s = shop
    order = confirmed(s, [(s.case, 5)])
    ids, ready = (order.id, order.lines[0].id, s.owner.id, s.main.id, s.case.id), threading.Event()

    def numbered_slowly(prefix, _next=fulfilment.next_number):
        ready.set()  # the delivery holds its stock locks now: let the adjustment start
        time.sleep(0.3)
        return _next(prefix)

    monkeypatch.setattr(fulfilment, "next_number", numbered_slowly)

    def ship():
        order = _fresh(SalesOrder, ids[0])
        return fulfilment.deliver(_fresh(User, ids[2]), order, [QtyInput(ids[1], 5)]).number

    def restock():
        return inventory.create_adjustment(_fresh(User, ids[2]), ids[3], "other_in", "补货",
                                           [inventory.LineInput(ids[4], D("2"), D("10"))]).number

    first, second = _at_once(app, ship, restock, ready)
    assert first.startswith("DN-") and second.startswith("ADJ-"), (first, second)
    assert level(s.case, s.main) == (D("7"), D("0"))
    assert run_all() == []


def test_every_change_to_a_draft_is_audited(app):
    seller, _warehouse = factories.user("sales"), factories.warehouse()
    product = factories.product(sale_price="10.00")
    draft = factories.order(factories.customer(salesperson=seller), [(product, 2)])
    line = draft.lines[0]
    sales.update_line(seller, draft, line.id, sales.LineInput(product.id, 3, unit_price="9.50"))
    sales.update_order(seller, draft, notes="送到后门")
    sales.remove_line(seller, draft, line.id)
    db.session.commit()
    entries = db.session.query(AuditEntry).filter_by(object_type="SalesOrder", object_id=draft.id).order_by(AuditEntry.id).all()
    assert [e.action for e in entries] == ["sales_order.create", "sales_order.line_update", "sales_order.update",
                                           "sales_order.line_remove"]
    assert entries[0].changes["lines"][1] == [{"product": [None, product.sku], "qty": [None, "2.000"],
                                               "unit_price": [None, "10.00"], "discount_pct": [None, "0"],
                                               "tax_rate": [None, "13.00"]}]  # the lines it was made with
    assert entries[1].changes["unit_price"] == ["10.00", "9.50"] and entries[1].changes["qty"] == ["2.000", "3.000"]
