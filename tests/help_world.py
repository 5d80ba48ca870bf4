"""A business with one of everything, so every screen can be opened with real ids (help page tests)."""
from datetime import date
from decimal import Decimal

from app.books import chart
from app.extensions import db
from tests import factories


# Screens whose forms show only before real documents exist (opening balances are locked after): they are also
# rendered at that moment, through `before_documents`.
BEFORE_DOCUMENTS = ("opening.",)


def screen_world(owner, before_documents=None) -> dict:
    """Objects behind every id a screen's URL takes, by argument name (plus per-endpoint overrides).

    `before_documents(world)` is called with the world so far once opening balances exist and before any real
    document does: once for the receivable side, once for the payable."""
    from app.finance import services as finance
    from app.finance.models import PaymentMethod
    from app.inventory import services as inventory
    from app.inventory.models import AdjustmentKind
    from app.lines import QtyInput
    from app.sales import fulfilment
    from app.opening import services as opening
    from app.settings.services import company
    from app.stocktake.models import Stocktake
    # Opening balances first: once real documents exist they can no longer be entered.
    receivable = opening.create_opening_item(owner, opening.RECEIVABLE, factories.customer(name="期初客户"), {
        "reference": "OLD-1", "issued_on": date(2026, 11, 1), "amount": "100.00"})
    opening_stock = opening.set_opening_stock(owner, factories.warehouse(code="OPEN", name="期初仓"), [
        opening.StockLineInput(factories.product(sku="OPEN-1").id, "5", "8.00")])
    db.session.commit()
    payable = opening.create_opening_item(owner, opening.PAYABLE, factories.supplier(name="期初供应商"), {
        "reference": "OLD-2", "issued_on": date(2026, 11, 1), "amount": "60.00"})
    db.session.commit()
    openings = {"side": opening.RECEIVABLE, "item_id": receivable.id, "stock_id": opening_stock.id}
    if before_documents is not None:
        before_documents({"args": openings, "overrides": {}})
        before_documents({"args": {**openings, "side": opening.PAYABLE, "item_id": payable.id}, "overrides": {}})
    world = factories.api_world(owner)
    home, second = world["warehouses"]
    goods = world["products"]
    draft, confirmed, delivered = world["orders"]
    sales_return = fulfilment.return_goods(owner, delivered, [QtyInput(delivered.lines[0].id, Decimal(1))],
                                           reason="破损")
    invoice = delivered.invoices[0] if delivered.invoices else None
    # A second delivered and invoiced order, left open to receive money against.
    other = factories.order(world["customers"][0], [(goods[2], 2)], warehouse=home, confirm=True)
    delivery = fulfilment.deliver(owner, other, [QtyInput(line.id, line.qty) for line in other.lines])
    invoice = fulfilment.invoice_order(owner, other)
    payment = finance.record_receipt(owner, world["customers"][0], Decimal("1.00"), PaymentMethod.CASH)
    adjustment = inventory.create_adjustment(owner, home.id, AdjustmentKind.OTHER_IN, "盘盈",
                                             [inventory.LineInput(goods[0].id, Decimal(1))])
    transfer = inventory.create_transfer(owner, home.id, second.id, [inventory.LineInput(goods[0].id, Decimal(1))])
    stocktake = db.session.scalars(db.select(Stocktake)).first()
    clerk = factories.user(role="sales")
    factories.customer(name="明珠商行", salesperson=clerk)  # customers to hand over to another salesperson
    factories.user(role="sales", display_name="小张")
    settings = company()
    settings.is_demo = True  # a demo company: the screen that clears it can be opened
    db.session.add(settings)
    db.session.commit()
    purchase = world["purchase_order"]
    books = _books_world(owner, invoice)
    from app.webhooks import services as webhooks
    hook = webhooks.create_endpoint(owner, "https://erp.example.com/hooks", ["sales_order.confirmed"], "ERP")
    db.session.commit()
    return {
        "args": {"product_id": goods[0].id, "customer_id": world["customers"][0].id, "order_id": confirmed.id,
                 "delivery_id": delivery.id, "invoice_id": invoice.id, "return_id": sales_return.id,
                 "payment_id": payment.id, "supplier_id": world["supplier"].id, "user_id": clerk.id,
                 "adjustment_id": adjustment.id, "transfer_id": transfer.id, "stocktake_id": stocktake.id,
                 "webhook_id": hook.id,
                 **books["args"], **openings},
        # The state a screen needs to show its fields: goods to return, a purchase order to receive.
        "overrides": {
            "catalog.scan": {"code": "6920000000005"},
            "imports.kind": {"name": "customers"},  # an unknown code: the attach-or-create screen
            "sales.return_new": {"order_id": delivered.id},
            "sales.show": {"order_id": draft.id},
            "purchasing.show": {"order_id": purchase.id},
            "purchasing.receive": {"order_id": purchase.id},
            "purchasing.return_new": {"order_id": purchase.id},
            "sharing.invoice_links": {"document_id": invoice.id},
            "sharing.quotation_links": {"document_id": confirmed.id},
            "sharing.delivery_links": {"document_id": delivery.id},
            **books["overrides"],
        },
    }


def _books_world(owner, invoice) -> dict:
    """The books' objects: a bank account with an opening balance, a transfer into it, an expense with its category,
    other income, an imported bank statement with one line matched, and the voucher of the invoice.

    money.* screens take a money account's id as account_id, books.* a ledger account's (overridden here)."""
    from app.books.models import ExpenseCategory, MoneyAccount
    from app.books.posting import voucher_of
    from app.db_types import business_today
    from app.money import expenses, reconcile, services as money
    today = business_today()
    bank = money.create_account(owner, {"name": "工商银行基本户", "kind": "bank", "bank_name": "工商银行",
                                        "account_number": "6222020200001234", "opening_balance": "5000.00",
                                        "opened_on": today.replace(day=1)})
    cash = db.session.scalar(db.select(MoneyAccount).where(MoneyAccount.name == "现金"))
    money.create_transfer(owner, cash.id, bank.id, "200.00", today, "现金存入银行")
    category = {name: db.session.scalar(db.select(ExpenseCategory).where(ExpenseCategory.name == name))
                for name in ("房租", "利息收入")}
    rent = expenses.create_expense(owner, {"category_id": category["房租"].id, "money_account_id": bank.id,
                                           "amount": "3000.00", "spent_on": today, "notes": "十二月房租"})
    expenses.create_expense(owner, {"category_id": category["利息收入"].id, "money_account_id": bank.id,
                                    "amount": "8.88", "spent_on": today})
    # The bank's statement: the rent (matched to the books by itself) and a fee the books do not have yet.
    day = today.strftime("%Y/%m/%d")
    statement = f"交易日期,摘要,收入,支出,流水号\r\n{day},房租,,3000.00,R1\r\n{day},手续费,,5.00,R2\r\n"
    reconcile.import_statement(bank, "statement.csv", statement.encode("gb18030"))
    db.session.commit()
    receivables = chart.by_role()["receivables"].id
    return {
        "args": {"account_id": bank.id, "expense_id": rent.id, "category_id": category["房租"].id,
                 "voucher_id": voucher_of("sales_invoice", invoice.id).id},
        "overrides": {
            "books.account": {"account_id": receivables},
            "books.account_ledger": {"account_id": receivables},  # the 明细账 of 应收账款
            "books.export_mapping": {"target": "kingdee"},
        },
    }


def screen_url(world: dict, rule) -> str:
    """The screen's address with the world's ids (an endpoint's override first)."""
    from flask import url_for
    args = {**{name: world["args"][name] for name in rule.arguments if name in world["args"]},
            **world["overrides"].get(rule.endpoint, {})}
    missing = set(rule.arguments) - set(args)
    assert not missing, f"{rule.endpoint} takes {missing}: give screen_world (tests/help_world.py) an object for it"
    return url_for(rule.endpoint, **args)
