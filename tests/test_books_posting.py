"""Each posting document's voucher, worked out by hand: the accounts, debits and credits to the cent, the partner
on the receivables and payables lines, the number in its month, the day it is booked on and the document it comes
from. After each, `flask check`'s invariants hold (the books equal the documents)."""
import uuid
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.books import chart
from app.books.models import Account, AccountMonth, ExpenseCategory, MoneyAccount, Voucher
from app.finance.models import Payment
from app.checks import run_all
from app.db_types import business_today
from app.extensions import db
from app.finance.services import record_receipt, record_supplier_payment
from app.inventory import services as inventory
from app.inventory.services import LineInput as StockLine
from app.opening import services as opening
from app.purchasing import receiving
from app.purchasing import services as purchasing
from app.sales import fulfilment
from app.sales.fulfilment import QtyInput
from app.stocktake import services as stocktakes
from tests import factories
from tests.test_concurrency import server  # noqa: F401  (the gunicorn fixture)

D = Decimal
CASE_CODE = "6901234567892"


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def shop(app):
    """10 phone cases at 10.00 in the main warehouse (booked by hand as 记-0001, stock from before the books), a
    customer and a supplier."""
    owner = factories.user("owner")
    main, store = factories.warehouse("MAIN", "总仓"), factories.warehouse("SHOP", "门店")
    case = factories.product(name="手机壳", sku="CASE", barcode=CASE_CODE, sale_price="19.99",
                             purchase_price="12.34")
    factories.stock(case, main, 10, "10.00")
    return SimpleNamespace(owner=owner, main=main, store=store, case=case, buyer=factories.customer("华联超市"),
                           maker=factories.supplier("深圳配件厂"))


def voucher(source, document) -> Voucher:
    db.session.expire_all()
    return db.session.scalar(select(Voucher).where(Voucher.source_type == source, Voucher.source_id == document.id))


def lines(found: Voucher) -> list[tuple]:
    """(account code, debit, credit, partner's name) of each line, in a fixed order."""
    return sorted((line.account.code, line.debit, line.credit,
                   (line.customer.name if line.customer else None) or (line.supplier.name if line.supplier else None))
                  for line in found.lines)


def expect(found: Voucher, source, document, number: str, seq: int, rows: list[tuple], day=None) -> None:
    assert found is not None, f"{source} {number} has no voucher"
    assert (found.source_type, found.source_id, found.source_number) == (source, document.id, number)
    day = day or business_today()
    assert (found.booked_on, found.period, found.number) == (day, f"{day:%Y-%m}", f"记-{seq:04d}")
    assert all(line.booked_on == day for line in found.lines)
    assert lines(found) == sorted(rows)
    assert found.debit_total == found.credit_total
    assert run_all() == []


def sold(s, qty=3, price="19.99"):
    order = factories.order(s.buyer, [(s.case, qty, price)], warehouse=s.main, confirm=True)
    order.lines[0].tax_rate = D("13")  # explicit, whatever the company's default
    order.lines[0].price()
    order.recompute_totals()
    db.session.commit()
    return order


def deliver(s, order, qty):
    delivery = fulfilment.deliver(s.owner, order, [QtyInput(order.lines[0].id, qty)])
    db.session.commit()
    return delivery


def bought(s, qty=5, price="12.34"):
    order = purchasing.create_order(s.owner, s.maker, s.main.id,
                                    [purchasing.LineInput(s.case.id, D(qty), D(price), D("13"))])
    purchasing.confirm_order(s.owner, order)
    receipt = receiving.receive(s.owner, order, [QtyInput(order.lines[0].id, D(qty))])
    db.session.commit()
    return order, receipt


def test_the_stock_from_before_the_books_is_the_months_first_voucher(shop):
    [manual] = db.session.scalars(select(Voucher)).all()
    assert (manual.source_type, manual.number, manual.memo) == ("manual", "记-0001", "期初库存")
    assert lines(manual) == [("1405", D("100.00"), D("0"), None), ("310401", D("0"), D("100.00"), None)]
    assert run_all() == []


def test_a_delivery_moves_its_cost_from_stock_to_goods_shipped(shop):
    delivery = deliver(shop, sold(shop), 3)
    expect(voucher("sales_delivery", delivery), "sales_delivery", delivery, delivery.number, 2,
           [("1406", D("30.00"), D("0"), None), ("1405", D("0"), D("30.00"), None)])


def test_an_invoice_books_revenue_output_vat_and_the_delivered_cost(shop):
    order = sold(shop)
    deliver(shop, order, 3)
    invoice = fulfilment.invoice_order(shop.owner, order)
    db.session.commit()
    # 3 × 19.99 = 59.97; VAT 13% = 7.7961 → 7.80; total 67.77; the goods left at 3 × 10.00.
    assert (invoice.subtotal, invoice.tax, invoice.total) == (D("59.97"), D("7.80"), D("67.77"))
    expect(voucher("sales_invoice", invoice), "sales_invoice", invoice, invoice.number, 3,
           [("1122", D("67.77"), D("0"), "华联超市"), ("5001", D("0"), D("59.97"), None),
            ("22210102", D("0"), D("7.80"), None),
            ("5401", D("30.00"), D("0"), None), ("1406", D("0"), D("30.00"), None)])


def test_the_cost_invoiced_is_what_the_goods_left_at_not_todays_average(shop):
    order = sold(shop, qty=2)
    deliver(shop, order, 2)  # at 10.00
    _, receipt = bought(shop, qty=8, price="13.00")  # the average is now (8 × 10 + 8 × 13) / 16 = 11.50
    invoice = fulfilment.invoice_order(shop.owner, order)
    db.session.commit()
    assert ("5401", D("20.00"), D("0"), None) in lines(voucher("sales_invoice", invoice))
    assert run_all() == []


def test_a_return_after_invoicing_credits_the_customer_and_takes_the_goods_back_at_their_cost(shop):
    order = sold(shop)
    deliver(shop, order, 3)
    fulfilment.invoice_order(shop.owner, order)
    returned = fulfilment.return_goods(shop.owner, order, [QtyInput(order.lines[0].id, D("1"))])
    db.session.commit()
    # Credit note for 1 × 19.99 + VAT 2.5987 → 2.60 = 22.59; the goods come back at 10.00 out of cost of sales.
    assert returned.total == D("22.59")
    expect(voucher("sales_return", returned), "sales_return", returned, returned.number, 4,
           [("5001", D("19.99"), D("0"), None), ("22210102", D("2.60"), D("0"), None),
            ("1122", D("0"), D("22.59"), "华联超市"),
            ("1405", D("10.00"), D("0"), None), ("5401", D("0"), D("10.00"), None)])


def test_a_return_before_invoicing_only_brings_the_goods_back_from_goods_shipped(shop):
    order = sold(shop)
    deliver(shop, order, 3)
    returned = fulfilment.return_goods(shop.owner, order, [QtyInput(order.lines[0].id, D("1"))])
    db.session.commit()
    assert returned.total == D("0")
    expect(voucher("sales_return", returned), "sales_return", returned, returned.number, 3,
           [("1405", D("10.00"), D("0"), None), ("1406", D("0"), D("10.00"), None)])
    invoice = fulfilment.invoice_order(shop.owner, order)  # the 2 kept: their cost leaves 1406 with them
    db.session.commit()
    assert ("1406", D("0"), D("20.00"), None) in lines(voucher("sales_invoice", invoice))
    assert run_all() == []


def test_a_return_partly_invoiced_splits_credit_note_and_goods_shipped(shop):
    order = sold(shop, qty=4)
    deliver(shop, order, 2)
    fulfilment.invoice_order(shop.owner, order)  # 2 invoiced
    deliver(shop, order, 2)  # 2 more out, not invoiced
    returned = fulfilment.return_goods(shop.owner, order, [QtyInput(order.lines[0].id, D("3"))])
    db.session.commit()
    # Of 3 back, 1 is what the customer keeps less than was invoiced (4 out, 3 back, 2 invoiced → 1 credited):
    # credit 19.99 + 2.60; 3 × 10.00 back into stock, 10.00 out of cost of sales and 20.00 out of goods shipped.
    expect(voucher("sales_return", returned), "sales_return", returned, returned.number, 5,
           [("5001", D("19.99"), D("0"), None), ("22210102", D("2.60"), D("0"), None),
            ("1122", D("0"), D("22.59"), "华联超市"), ("1405", D("30.00"), D("0"), None),
            ("5401", D("0"), D("10.00"), None), ("1406", D("0"), D("20.00"), None)])


def invoiced(shop):
    order = sold(shop)
    deliver(shop, order, 3)
    invoice = fulfilment.invoice_order(shop.owner, order)
    db.session.commit()
    return invoice


def test_a_receipt_goes_into_the_money_account_its_method_says(shop):
    invoiced(shop)
    receipt = record_receipt(shop.owner, shop.buyer, "50.00", "wechat")
    db.session.commit()
    assert receipt.money_account.name == "微信"
    expect(voucher("receipt", receipt), "receipt", receipt, receipt.number, 4,
           [("101201", D("50.00"), D("0"), None), ("1122", D("0"), D("50.00"), "华联超市")])


def test_a_receipt_goes_into_the_money_account_chosen(shop):
    invoiced(shop)
    bank = db.session.scalar(select(MoneyAccount).where(MoneyAccount.name == "银行存款"))
    earlier = business_today() - timedelta(days=1) if business_today().day > 1 else business_today()
    receipt = record_receipt(shop.owner, shop.buyer, "67.77", "cash", paid_on=earlier, money_account_id=bank.id)
    db.session.commit()
    expect(voucher("receipt", receipt), "receipt", receipt, receipt.number, 4,
           [("100201", D("67.77"), D("0"), None), ("1122", D("0"), D("67.77"), "华联超市")], day=earlier)


def test_goods_received_are_owed_at_the_orders_price_until_invoiced(shop):
    _, receipt = bought(shop)
    expect(voucher("purchase_receipt", receipt), "purchase_receipt", receipt, receipt.number, 2,
           [("1405", D("61.70"), D("0"), None), ("220202", D("0"), D("61.70"), None)])


def test_a_purchase_invoice_moves_the_debt_to_the_supplier_with_input_vat(shop):
    order, _ = bought(shop)
    invoice = receiving.invoice_order(shop.owner, order, "FP-1")
    db.session.commit()
    # 5 × 12.34 = 61.70; VAT 13% = 8.021 → 8.02; total 69.72.
    assert (invoice.subtotal, invoice.tax, invoice.total) == (D("61.70"), D("8.02"), D("69.72"))
    expect(voucher("purchase_invoice", invoice), "purchase_invoice", invoice, invoice.number, 3,
           [("220202", D("61.70"), D("0"), None), ("22210101", D("8.02"), D("0"), None),
            ("220201", D("0"), D("69.72"), "深圳配件厂")])


def test_a_supplier_payment_leaves_the_bank_by_the_methods_default(shop):
    order, _ = bought(shop)
    receiving.invoice_order(shop.owner, order)
    payment = record_supplier_payment(shop.owner, shop.maker, "69.72", "bank_transfer")
    db.session.commit()
    expect(voucher("supplier_payment", payment), "supplier_payment", payment, payment.number, 4,
           [("220201", D("69.72"), D("0"), "深圳配件厂"), ("100201", D("0"), D("69.72"), None)])


def test_returning_invoiced_goods_is_credited_by_the_supplier(shop):
    order, _ = bought(shop)
    receiving.invoice_order(shop.owner, order)
    returned = receiving.return_goods(shop.owner, order, [QtyInput(order.lines[0].id, D("2"))])
    db.session.commit()
    # Credit 2 × 12.34 = 24.68 + VAT 3.2084 → 3.21 = 27.89; the goods leave stock at the 12.34 they came in at.
    assert returned.total == D("27.89")
    expect(voucher("purchase_return", returned), "purchase_return", returned, returned.number, 4,
           [("220201", D("27.89"), D("0"), "深圳配件厂"), ("220202", D("0"), D("24.68"), None),
            ("22210101", D("0"), D("3.21"), None),
            ("220202", D("24.68"), D("0"), None), ("1405", D("0"), D("24.68"), None)])


def test_returning_goods_not_yet_invoiced_takes_them_off_what_is_owed_at_the_orders_price(shop):
    order, _ = bought(shop)
    returned = receiving.return_goods(shop.owner, order, [QtyInput(order.lines[0].id, D("2"))])
    db.session.commit()
    assert returned.total == D("0")
    expect(voucher("purchase_return", returned), "purchase_return", returned, returned.number, 3,
           [("220202", D("24.68"), D("0"), None), ("1405", D("0"), D("24.68"), None)])
    invoice = receiving.invoice_order(shop.owner, order)  # the 3 kept: 37.02 + VAT 4.81
    db.session.commit()
    assert lines(voucher("purchase_invoice", invoice)) == sorted([
        ("220202", D("37.02"), D("0"), None), ("22210101", D("4.81"), D("0"), None),
        ("220201", D("0"), D("41.83"), "深圳配件厂")])
    assert run_all() == []


def test_a_stock_gain_waits_in_stock_differences(shop):
    gain = inventory.create_adjustment(shop.owner, shop.main.id, "other_in", "found",
                                       [StockLine(shop.case.id, D("2"), D("7.50"))])
    db.session.commit()
    expect(voucher("adjustment", gain), "adjustment", gain, gain.number, 2,
           [("1405", D("15.00"), D("0"), None), ("1901", D("0"), D("15.00"), None)])


def test_a_stock_loss_leaves_stock_at_the_average(shop):
    loss = inventory.create_adjustment(shop.owner, shop.main.id, "damage", "dropped",
                                       [StockLine(shop.case.id, D("-3"))])
    db.session.commit()
    expect(voucher("adjustment", loss), "adjustment", loss, loss.number, 2,
           [("1901", D("30.00"), D("0"), None), ("1405", D("0"), D("30.00"), None)])


def counted(shop, qty):
    count = stocktakes.open_stocktake(shop.owner, shop.main.id)
    db.session.commit()
    stocktakes.record_scan(shop.owner, count.id, str(uuid.uuid4()), CASE_CODE, qty)
    stocktakes.post_stocktake(shop.owner, count)
    db.session.commit()
    return count


def test_a_stocktake_loss(shop):
    count = counted(shop, "8")
    expect(voucher("stocktake", count), "stocktake", count, count.number, 2,
           [("1901", D("20.00"), D("0"), None), ("1405", D("0"), D("20.00"), None)])


def test_a_stocktake_gain(shop):
    count = counted(shop, "13")
    expect(voucher("stocktake", count), "stocktake", count, count.number, 2,
           [("1405", D("30.00"), D("0"), None), ("1901", D("0"), D("30.00"), None)])


def test_a_stocktake_that_changes_nothing_writes_no_voucher(shop):
    count = counted(shop, "10")
    assert voucher("stocktake", count) is None  # no empty voucher to number, export and explain
    assert run_all() == []


def test_a_transfer_writes_no_voucher(shop):
    before = db.session.scalar(select(func.count()).select_from(Voucher))
    inventory.create_transfer(shop.owner, shop.main.id, shop.store.id, [StockLine(shop.case.id, D("3"))])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Voucher)) == before
    assert run_all() == []


@pytest.fixture
def fresh(app):
    """A business with nothing yet: opening figures may still be entered."""
    owner = factories.user("owner")
    return SimpleNamespace(owner=owner, main=factories.warehouse("MAIN", "总仓"),
                           case=factories.product(name="手机壳", sku="CASE"),
                           buyer=factories.customer("华联超市"), maker=factories.supplier("深圳配件厂"))


def last_month() -> "date":  # noqa: F821
    return business_today().replace(day=1) - timedelta(days=1)


def month_totals(code: str, period: str) -> tuple:
    account = next(a for a in chart.leaves() if a.code == code)
    row = db.session.get(AccountMonth, (account.id, period))
    return (row.debit, row.credit) if row else (D("0"), D("0"))


def test_opening_stock_is_restated_on_edit_keeping_its_number_and_withdrawn_on_delete(fresh):
    day = last_month()
    document = opening.set_opening_stock(fresh.owner, fresh.main, [opening.StockLineInput(fresh.case.id, "4", "9.99")],
                                         opened_on=day)
    db.session.commit()
    expect(voucher("opening", document), "opening", document, document.number, 1,
           [("1405", D("39.96"), D("0"), None), ("310401", D("0"), D("39.96"), None)], day=day)
    first = voucher("opening", document).id
    opening.set_opening_stock(fresh.owner, fresh.main, [opening.StockLineInput(fresh.case.id, "5", "9.99")])
    db.session.commit()
    restated = voucher("opening", document)
    assert restated.id == first and restated.updated_at is not None
    expect(restated, "opening", document, document.number, 1,
           [("1405", D("49.95"), D("0"), None), ("310401", D("0"), D("49.95"), None)], day=day)
    assert month_totals("1405", f"{day:%Y-%m}") == (D("49.95"), D("0"))
    opening.delete_opening_stock(fresh.owner, document)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Voucher)) == 0
    assert month_totals("1405", f"{day:%Y-%m}") == (D("0"), D("0"))
    assert run_all() == []


def test_an_opening_stock_moved_to_another_month_is_numbered_there(fresh):
    day = last_month()
    document = opening.set_opening_stock(fresh.owner, fresh.main, [opening.StockLineInput(fresh.case.id, "4", "9.99")],
                                         opened_on=day)
    db.session.commit()
    opening.set_opening_stock(fresh.owner, fresh.main, [], opened_on=business_today())
    db.session.commit()
    expect(voucher("opening", document), "opening", document, document.number, 1,
           [("1405", D("39.96"), D("0"), None), ("310401", D("0"), D("39.96"), None)])
    assert month_totals("1405", f"{day:%Y-%m}") == (D("0"), D("0"))


def test_an_opening_receivable_and_payable_are_restated_and_withdrawn(fresh):
    day = last_month()
    owed = opening.create_opening_item(fresh.owner, opening.RECEIVABLE, fresh.buyer, {
        "reference": "OLD-1", "issued_on": day, "amount": "1234.56"})
    db.session.commit()
    expect(voucher("opening_receivable", owed), "opening_receivable", owed, owed.number, 1,
           [("1122", D("1234.56"), D("0"), "华联超市"), ("310401", D("0"), D("1234.56"), None)], day=day)
    due = opening.create_opening_item(fresh.owner, opening.PAYABLE, fresh.maker, {
        "reference": "OLD-2", "issued_on": day, "amount": "800.00"})
    db.session.commit()
    expect(voucher("opening_payable", due), "opening_payable", due, due.number, 2,
           [("310401", D("800.00"), D("0"), None), ("220201", D("0"), D("800.00"), "深圳配件厂")], day=day)
    opening.update_opening_item(fresh.owner, owed, {"reference": "OLD-1", "issued_on": day, "amount": "1000.00"})
    db.session.commit()
    expect(voucher("opening_receivable", owed), "opening_receivable", owed, owed.number, 1,
           [("1122", D("1000.00"), D("0"), "华联超市"), ("310401", D("0"), D("1000.00"), None)], day=day)
    opening.delete_opening_item(fresh.owner, due)
    db.session.commit()
    assert voucher("opening_payable", due) is None
    assert month_totals("220201", f"{day:%Y-%m}") == (D("0"), D("0"))
    assert run_all() == []


def test_a_month_numbers_its_vouchers_from_one(fresh):
    day = last_month()
    opening.create_opening_item(fresh.owner, opening.RECEIVABLE, fresh.buyer, {
        "reference": "OLD-1", "issued_on": day, "amount": "10.00"})
    today = opening.create_opening_item(fresh.owner, opening.RECEIVABLE, fresh.buyer, {
        "reference": "OLD-2", "issued_on": business_today(), "amount": "20.00"})
    db.session.commit()
    assert voucher("opening_receivable", today).number == "记-0001"
    assert run_all() == []


def a_month_of_everything(shop):
    """Every kind of posting document, some dated back, in a business that had stock before the books."""
    order = sold(shop, qty=4)
    deliver(shop, order, 3)
    fulfilment.invoice_order(shop.owner, order)
    fulfilment.return_goods(shop.owner, order, [QtyInput(order.lines[0].id, D("1"))])
    purchase, _ = bought(shop)
    receiving.invoice_order(shop.owner, purchase)
    receiving.return_goods(shop.owner, purchase, [QtyInput(purchase.lines[0].id, D("1"))])
    db.session.commit()
    earlier = business_today() - timedelta(days=1) if business_today().day > 1 else business_today()
    record_receipt(shop.owner, shop.buyer, "30.00", "wechat", paid_on=earlier)
    record_supplier_payment(shop.owner, shop.maker, "20.00", "cash")
    inventory.create_adjustment(shop.owner, shop.main.id, "damage", "dropped", [StockLine(shop.case.id, D("-1"))])
    inventory.create_transfer(shop.owner, shop.main.id, shop.store.id, [StockLine(shop.case.id, D("2"))])
    db.session.commit()
    counted(shop, "8")  # 9 on hand: one missing


def forget_the_books():
    """The database as it was before the books: no vouchers, no month totals, payments with no money account."""
    from app.books.models import VoucherLine
    from app.finance.models import Payment
    from app.numbering import DocumentSequence
    db.session.execute(VoucherLine.__table__.delete())
    db.session.execute(Voucher.__table__.delete())
    db.session.execute(AccountMonth.__table__.delete())
    db.session.execute(DocumentSequence.__table__.delete().where(DocumentSequence.prefix == "记"))
    db.session.execute(Payment.__table__.update().values(money_account_id=None))
    db.session.commit()


def test_backfill_books_every_document_of_an_older_database_in_date_order_once(shop):
    from app.books import backfill
    a_month_of_everything(shop)
    assert run_all() == []
    sources = sorted(db.session.execute(select(Voucher.source_type, Voucher.source_id, Voucher.booked_on)).all())
    forget_the_books()
    assert any("have no voucher" in breach for breach in run_all())
    done = backfill.backfill()
    db.session.commit()
    assert done == {"payments": 2, "sales_delivery": 1, "sales_invoice": 1, "sales_return": 1,
                    "purchase_receipt": 1, "purchase_invoice": 1, "purchase_return": 1, "receipt": 1,
                    "supplier_payment": 1, "adjustment": 1, "stocktake": 1, "期初库存": 1}
    assert run_all() == []
    again = sorted(db.session.execute(select(Voucher.source_type, Voucher.source_id, Voucher.booked_on)).all())
    assert again == sources
    [stock] = db.session.scalars(select(Voucher).where(Voucher.source_type == "manual")).all()
    assert lines(stock) == [("1405", D("100.00"), D("0"), None), ("310401", D("0"), D("100.00"), None)]
    assert {payment.money_account.name for payment in db.session.scalars(select(Payment))} == {"微信", "现金"}
    for period in {row.period for row in db.session.scalars(select(Voucher))}:
        days = db.session.scalars(select(Voucher.booked_on).where(Voucher.period == period).order_by(Voucher.seq)).all()
        assert days == sorted(days)  # numbered in date order
        assert db.session.scalars(select(Voucher.seq).where(Voucher.period == period)
                                  .order_by(Voucher.seq)).all() == list(range(1, len(days) + 1))
    assert backfill.backfill() == {}  # idempotent
    db.session.commit()
    assert run_all() == []


def test_backfill_books_stock_that_came_in_later_without_a_document(shop):
    from app.books import backfill
    from app.inventory.ledger import Move, Source, post_moves
    from app.inventory.models import MoveKind
    post_moves(None, Source("opening", None, "IMPORT"),
               [Move(shop.case.id, shop.main.id, D("3"), MoveKind.OPENING, unit_cost=D("10.00"))])
    db.session.commit()
    assert any("1405" in breach for breach in run_all())
    assert backfill.backfill() == {"期初库存": 1}
    db.session.commit()
    assert run_all() == []
    assert backfill.backfill() == {}


def test_the_demo_keeps_books_dated_like_its_documents(app):
    from app.books.rules import RULES
    from app.demo import OPENING_DAYS_AGO, load_demo
    from app.opening.models import OpeningStock
    from app.sales.models import SalesInvoice
    load_demo()
    db.session.commit()
    assert run_all() == []
    vouchers = db.session.scalars(select(Voucher).where(Voucher.source_type != "manual")).all()
    assert len(vouchers) > 10
    for found in vouchers:
        rule = RULES[found.source_type]
        document = db.session.get(rule.documents().column_descriptions[0]["entity"], found.source_id)
        assert found.booked_on == rule.figures(document).booked_on, (found.source_type, found.source_number)
    # The opening stock comes first, before the history, as opening balances (未分配利润), not a stock difference (1901).
    opening = db.session.scalars(select(OpeningStock)).one()
    assert opening.opened_on == business_today() - timedelta(days=OPENING_DAYS_AGO)
    assert voucher("opening", opening).number == "记-0001"
    overdue = min(db.session.scalars(select(SalesInvoice)), key=lambda invoice: invoice.issued_on)
    assert overdue.issued_on == business_today() - timedelta(days=52)
    same_month = (overdue.issued_on.year, overdue.issued_on.month) == (opening.opened_on.year, opening.opened_on.month)
    assert voucher("sales_invoice", overdue).number == ("记-0002" if same_month else "记-0001")


def test_the_backfill_command_says_what_it_did(app, shop):
    forget_the_books()
    runner = app.test_cli_runner()
    db.session.remove()
    result = runner.invoke(args=["books", "backfill"])
    assert result.exit_code == 0, result.output
    assert "期初库存: 1" in result.output
    assert run_all() == []
    result = runner.invoke(args=["books", "backfill"])
    assert result.output.strip() == "the books are complete; nothing to do"


def test_documents_posting_at_once_queue_for_the_voucher_counter_and_never_deadlock(app, server):  # noqa: F811
    """Deliveries, receipts and stock adjustments sent at once by a multi-process server: each takes its own locks
    first (orders, products, invoices) and the voucher counter and month totals last, so all of them succeed,
    the month's voucher numbers are gapless and the books equal the documents."""
    import json
    from concurrent.futures import ThreadPoolExecutor

    from tests.test_concurrency import _post
    owner, token = factories.user_with_token(role="owner")
    main = factories.warehouse("MAIN", "总仓")
    case, cable = factories.product(name="手机壳"), factories.product(name="数据线")
    factories.stock(case, main, 100, "10.00")
    factories.stock(cable, main, 100, "4.00")
    customers = [factories.customer(f"客户{n}") for n in range(6)]
    shipping = []
    for buyer in customers:
        paid = factories.order(buyer, [(case, 2, "20.00")], warehouse=main, confirm=True)
        fulfilment.deliver(owner, paid, [QtyInput(paid.lines[0].id, D("2"))])
        fulfilment.invoice_order(owner, paid)
        shipping.append(factories.order(buyer, [(case, 1, "20.00"), (cable, 1, "8.00")], warehouse=main,
                                        confirm=True))
    db.session.commit()
    before = db.session.scalar(select(func.max(Voucher.seq)).where(Voucher.period == f"{business_today():%Y-%m}"))
    requests = []
    for order, buyer in zip(shipping, customers):
        requests.append((f"sales-orders/{order.id}/deliveries",
                         {"lines": [{"line_id": line.id, "qty": "1"} for line in order.lines]}))
        requests.append(("payments", {"customer_id": buyer.id, "amount": "10.00", "method": "cash"}))
        requests.append(("stock/adjustments", {"warehouse_id": main.id, "reason": "盘点",
                                               "lines": [{"product_id": cable.id, "qty": "-1"},
                                                         {"product_id": case.id, "qty": "-1"}]}))

    def send(request):
        path, body = request
        return _post(f"{server}/api/v1/{path}", token, json.dumps(body).encode())

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(send, requests))
    assert statuses == [201] * len(requests)
    db.session.rollback()
    seqs = db.session.scalars(select(Voucher.seq).where(Voucher.period == f"{business_today():%Y-%m}")
                              .order_by(Voucher.seq)).all()
    assert seqs == list(range(1, before + len(requests) + 1))
    assert run_all() == []


def test_a_page_that_finds_no_chart_waits_for_the_one_another_page_seeds_instead_of_failing(app):
    """A new company's first dashboard asks for the books from two pages at once (its summary and the page itself).
    The page whose read began before the other seeded the chart failed on SQLite with "database is locked": a read
    transaction cannot turn writer once another has committed. A page now seeds in a write transaction of its own,
    which waits for the lock and finds the chart there; and what it seeds is kept, not rolled back with the page."""
    with app.test_request_context("/reports/summary"):  # a page: reads in read transactions (the app fixture's)
        assert db.session.scalar(select(Account.id).limit(1)) is None  # its read transaction began: no chart yet
        with app.app_context(), app.test_request_context("/"):  # the other page, with a session of its own
            chart.ensure()
            db.session.commit()  # as a page's request may, noting a session's last use
        chart.ensure()
        assert set(chart.by_role()) == {role for *_account, role in chart.CHART if role}
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Account)) == len(chart.CHART)  # once, and kept
    assert db.session.scalar(select(func.count()).select_from(MoneyAccount)) == len(chart.MONEY_ACCOUNTS)
    assert db.session.scalar(select(func.count()).select_from(ExpenseCategory)) == len(chart.EXPENSE_CATEGORIES)
