"""Which accounts each posting document posts to: the one table of posting rules (过账规则), which the owner reads on
the books' rules screen, and the figures each rule takes from its document.

An entry debits one account and credits another with one of the document's figures; a negative figure swaps the
sides (a stock loss credits 库存商品 where a gain debits it). Accounts are named by role ("receivables"), which the
chart maps to an account (1122), or by what the document names: its money account, its expense category.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select

from app.amounts import ZERO
from app.books.models import Expense, MoneyAccount, MoneyDirection, MoneyTransfer
from app.db_types import business_today
from app.extensions import db
from app.finance.models import Payment
from app.inventory.models import StockAdjustment
from app.inventory.models import StockMove
from app.opening.models import OpeningStock
from app.purchasing.models import PurchaseInvoice, PurchaseReceipt, PurchaseReturn
from app.reports.models import SalesFact
from app.sales.models import SalesDelivery, SalesInvoice, SalesReturn
from app.settings.services import business_zone
from app.stocktake.models import Stocktake, StocktakeStatus

# Accounts a document names itself, rather than a role of the chart.
MONEY, FROM_MONEY, TO_MONEY, CATEGORY = "money", "from_money", "to_money", "category"

ROLE_LABELS = {
    "receivables": _l("Receivables"), "payables": _l("Payables"), "stock": _l("Stock"),
    "goods_shipped": _l("Goods shipped, not yet billed"), "received_not_invoiced": _l("Goods received, not invoiced"),
    "input_vat": _l("Input VAT"), "output_vat": _l("Output VAT"), "revenue": _l("Sales revenue"),
    "cost_of_sales": _l("Cost of sales"), "stock_differences": _l("Stock gains and losses"),
    "opening_equity": _l("Opening balances (retained earnings)"),
    MONEY: _l("The money account paid into or from"), FROM_MONEY: _l("The money account paid from"),
    TO_MONEY: _l("The money account paid into"), CATEGORY: _l("The category's account"),
}

FIGURE_LABELS = {
    "total": _l("total"), "subtotal": _l("amount before tax"), "tax": _l("tax"), "amount": _l("amount"),
    "cost": _l("cost of the goods billed"), "value": _l("stock value of the goods"),
    "returned_cost": _l("cost of the goods credited"), "shipped_back": _l("cost of the goods not yet billed"),
    "net": _l("amount less deductible tax"),
}


@dataclass(frozen=True)
class Entry:
    debit: str
    credit: str
    figure: str


@dataclass(frozen=True)
class Figures:
    """What a rule reads off one document."""

    booked_on: date
    number: str
    amounts: dict[str, Decimal]
    partner: str = ""
    customer_id: int | None = None
    supplier_id: int | None = None
    accounts: dict[str, int] = field(default_factory=dict)  # MONEY / CATEGORY ... -> account id


@dataclass(frozen=True)
class Rule:
    source: str  # Voucher.source_type
    title: object
    entries: tuple[Entry, ...]
    figures: Callable[[object], Figures]
    documents: Callable[[], object]  # a select of the ids of every document that must have a voucher
    dated_by: str = "booked_on"  # the form field a closed month's refusal points at
    restated: bool = False  # an opening balance: its voucher follows the document while opening is open
    note: object = None
    reads_moves: bool = False  # its figures include the value of the document's stock moves (`figures` takes it)

    def read(self, document, moves=None) -> Figures:
        """The document's figures. `moves`: every stock move the document posted, as post_moves answered them, so
        their value is summed here rather than read back from the ledger."""
        if moves is None:
            return self.figures(document)
        if not self.reads_moves:
            raise ValueError(f"{self.source} vouchers take no stock moves")
        if any(move.source_type != self.source or move.source_id != document.id for move in moves):
            raise ValueError(f"moves of another document than {self.source} {document.id}")
        return self.figures(document, sum((move.value for move in moves), ZERO))


def _day(moment: datetime | None) -> date:
    """The business day of a stored UTC time; today for a document not flushed yet."""
    return moment.astimezone(business_zone()).date() if moment else business_today()


def _moves_value(source: str, document_id: int, known: Decimal | None = None) -> Decimal:
    """What the document's stock moves added to stock, to the cent (each move's value is rounded once, in the
    ledger): `known` when the poster summed the moves it just wrote, else read from the ledger."""
    if known is not None:
        return known
    return db.session.scalar(_MOVES_VALUE, {"source": source, "id": document_id}) or ZERO


def _facts_cost(**where) -> Decimal:
    [(column, value)] = where.items()
    return db.session.scalar(_FACTS_COST[column], {"id": value}) or ZERO


# Built once: building a select and its cache key on every posting cost more than running it.
_MOVES_VALUE = select(func.sum(StockMove.value)).where(StockMove.source_type == bindparam("source"),
                                                       StockMove.source_id == bindparam("id"))
_FACTS_COST = {column: select(func.sum(SalesFact.cost)).where(getattr(SalesFact, column) == bindparam("id"))
               for column in ("invoice_id", "return_id")}


def _sales_invoice(invoice: SalesInvoice) -> Figures:
    return Figures(invoice.issued_on, invoice.number, {"subtotal": invoice.subtotal, "tax": invoice.tax,
                                                       "total": invoice.total,
                                                       "cost": _facts_cost(invoice_id=invoice.id)},
                   invoice.customer.name, customer_id=invoice.customer_id)


def _delivery(delivery: SalesDelivery, moved: Decimal | None = None) -> Figures:
    return Figures(_day(delivery.created_at), delivery.number,
                   {"value": -_moves_value("sales_delivery", delivery.id, moved)}, delivery.order.customer.name)


def _sales_return(sales_return: SalesReturn, moved: Decimal | None = None) -> Figures:
    returned_cost = -_facts_cost(return_id=sales_return.id)
    value = _moves_value("sales_return", sales_return.id, moved)
    return Figures(_day(sales_return.created_at), sales_return.number,
                   {"subtotal": sales_return.subtotal, "tax": sales_return.tax, "returned_cost": returned_cost,
                    "shipped_back": value - returned_cost},
                   sales_return.customer.name, customer_id=sales_return.customer_id)


def _money(account: MoneyAccount | None) -> dict[str, int]:
    return {MONEY: account.account_id} if account is not None else {}


def _receipt(payment: Payment) -> Figures:
    return Figures(payment.paid_on, payment.number, {"amount": payment.amount}, payment.customer.name,
                   customer_id=payment.customer_id, accounts=_money(payment.money_account))


def _supplier_payment(payment: Payment) -> Figures:
    return Figures(payment.paid_on, payment.number, {"amount": payment.amount}, payment.supplier.name,
                   supplier_id=payment.supplier_id, accounts=_money(payment.money_account))


def _purchase_receipt(receipt: PurchaseReceipt, moved: Decimal | None = None) -> Figures:
    return Figures(_day(receipt.posted_at), receipt.number,
                   {"value": _moves_value("purchase_receipt", receipt.id, moved)}, receipt.order.supplier.name)


def _purchase_invoice(invoice: PurchaseInvoice) -> Figures:
    return Figures(invoice.issued_on, invoice.number, {"subtotal": invoice.subtotal, "tax": invoice.tax},
                   invoice.supplier.name, supplier_id=invoice.supplier_id)


def _purchase_return(purchase_return: PurchaseReturn, moved: Decimal | None = None) -> Figures:
    return Figures(_day(purchase_return.created_at), purchase_return.number,
                   {"subtotal": purchase_return.subtotal, "tax": purchase_return.tax,
                    "value": -_moves_value("purchase_return", purchase_return.id, moved)},
                   purchase_return.supplier.name, supplier_id=purchase_return.supplier_id)


def _adjustment(adjustment: StockAdjustment, moved: Decimal | None = None) -> Figures:
    return Figures(_day(adjustment.created_at), adjustment.number,
                   {"value": _moves_value("adjustment", adjustment.id, moved)}, adjustment.kind.label)


def _stocktake(stocktake: Stocktake, moved: Decimal | None = None) -> Figures:
    return Figures(_day(stocktake.posted_at), stocktake.number,
                   {"value": _moves_value("stocktake", stocktake.id, moved)}, stocktake.warehouse.name)


def _opening_stock(document: OpeningStock, moved: Decimal | None = None) -> Figures:
    return Figures(document.opened_on, document.number, {"value": _moves_value("opening", document.id, moved)},
                   document.warehouse.name)


def _opening_receivable(invoice: SalesInvoice) -> Figures:
    return Figures(invoice.issued_on, invoice.number, {"total": invoice.total}, invoice.customer.name,
                   customer_id=invoice.customer_id)


def _opening_payable(invoice: PurchaseInvoice) -> Figures:
    return Figures(invoice.issued_on, invoice.number, {"total": invoice.total}, invoice.supplier.name,
                   supplier_id=invoice.supplier_id)


def _opening_money(account: MoneyAccount) -> Figures:
    return Figures(account.opened_on or business_today(), account.name, {"amount": account.opening_balance},
                   account.name, accounts=_money(account))


def _expense(expense: Expense) -> Figures:
    return Figures(expense.spent_on, expense.number, {"amount": expense.amount, "tax": expense.tax,
                                                      "net": expense.amount - expense.tax},
                   expense.category.name, supplier_id=expense.supplier_id,
                   accounts={**_money(expense.money_account), CATEGORY: expense.category.account_id})


def _money_transfer(transfer: MoneyTransfer) -> Figures:
    return Figures(transfer.moved_on, transfer.number, {"amount": transfer.amount},
                   f"{transfer.from_account.name} → {transfer.to_account.name}",
                   accounts={FROM_MONEY: transfer.from_account.account_id, TO_MONEY: transfer.to_account.account_id})


RULES: dict[str, Rule] = {rule.source: rule for rule in (
    Rule("sales_invoice", _l("Sales slip"),
         (Entry("receivables", "revenue", "subtotal"), Entry("receivables", "output_vat", "tax"),
          Entry("cost_of_sales", "goods_shipped", "cost")),
         _sales_invoice, lambda: select(SalesInvoice.id).where(SalesInvoice.opening.is_(False)),
         note=_l("Revenue and its cost are booked together when the goods are billed on a sales slip.")),
    Rule("sales_delivery", _l("Delivery"), (Entry("goods_shipped", "stock", "value"),),
         _delivery, lambda: select(SalesDelivery.id), reads_moves=True),
    Rule("sales_return", _l("Sales return"),
         (Entry("revenue", "receivables", "subtotal"), Entry("output_vat", "receivables", "tax"),
          Entry("stock", "cost_of_sales", "returned_cost"), Entry("stock", "goods_shipped", "shipped_back")),
         _sales_return, lambda: select(SalesReturn.id), reads_moves=True,
         note=_l("What had been billed is credited to the customer; the goods come back at the cost they left at.")),
    Rule("receipt", _l("Receipt"), (Entry(MONEY, "receivables", "amount"),),
         _receipt, lambda: select(Payment.id).where(Payment.customer_id.is_not(None)), dated_by="paid_on"),
    Rule("purchase_receipt", _l("Goods received"), (Entry("stock", "received_not_invoiced", "value"),),
         _purchase_receipt, lambda: select(PurchaseReceipt.id).where(PurchaseReceipt.posted_at.is_not(None)),
         reads_moves=True,
         note=_l("Until the supplier's invoice comes, the goods are owed at the order's price (暂估).")),
    Rule("purchase_invoice", _l("Purchase invoice"),
         (Entry("received_not_invoiced", "payables", "subtotal"), Entry("input_vat", "payables", "tax")),
         _purchase_invoice, lambda: select(PurchaseInvoice.id).where(PurchaseInvoice.opening.is_(False))),
    Rule("supplier_payment", _l("Supplier payment"), (Entry("payables", MONEY, "amount"),),
         _supplier_payment, lambda: select(Payment.id).where(Payment.supplier_id.is_not(None)), dated_by="paid_on"),
    Rule("purchase_return", _l("Purchase return"),
         (Entry("payables", "received_not_invoiced", "subtotal"), Entry("payables", "input_vat", "tax"),
          Entry("received_not_invoiced", "stock", "value")),
         _purchase_return, lambda: select(PurchaseReturn.id), reads_moves=True,
         note=_l("The supplier credits what had been invoiced; goods not yet invoiced leave the amount owed at the "
                 "order's price.")),
    Rule("adjustment", _l("Stock adjustment"), (Entry("stock", "stock_differences", "value"),),
         _adjustment, lambda: select(StockAdjustment.id), reads_moves=True,
         note=_l("Gains and losses wait in 待处理财产损溢 until finance writes them off with a voucher.")),
    Rule("stocktake", _l("Stocktake"), (Entry("stock", "stock_differences", "value"),),
         _stocktake, lambda: select(Stocktake.id).where(Stocktake.status == StocktakeStatus.POSTED), reads_moves=True),
    Rule("opening", _l("Opening stock"), (Entry("stock", "opening_equity", "value"),),
         _opening_stock, lambda: select(OpeningStock.id), dated_by="opened_on", restated=True, reads_moves=True),
    Rule("opening_receivable", _l("Opening receivable"), (Entry("receivables", "opening_equity", "total"),),
         _opening_receivable, lambda: select(SalesInvoice.id).where(SalesInvoice.opening.is_(True)),
         dated_by="issued_on", restated=True),
    Rule("opening_payable", _l("Opening payable"), (Entry("opening_equity", "payables", "total"),),
         _opening_payable, lambda: select(PurchaseInvoice.id).where(PurchaseInvoice.opening.is_(True)),
         dated_by="issued_on", restated=True),
    Rule("opening_money", _l("Opening balance of a money account"), (Entry(MONEY, "opening_equity", "amount"),),
         _opening_money, lambda: select(MoneyAccount.id).where(MoneyAccount.opening_balance != 0),
         dated_by="opened_on", restated=True),
    Rule("expense", _l("Expense"), (Entry(CATEGORY, MONEY, "net"), Entry("input_vat", MONEY, "tax")),
         _expense, lambda: select(Expense.id).where(Expense.direction == MoneyDirection.EXPENSE), dated_by="spent_on"),
    Rule("other_income", _l("Other income"), (Entry(MONEY, CATEGORY, "amount"),),
         _expense, lambda: select(Expense.id).where(Expense.direction == MoneyDirection.INCOME), dated_by="spent_on"),
    Rule("money_transfer", _l("Money transfer"), (Entry(TO_MONEY, FROM_MONEY, "amount"),),
         _money_transfer, lambda: select(MoneyTransfer.id), dated_by="moved_on"),
)}

# Documents that never post: their value does not change (cost is kept per product, not per warehouse).
NOT_POSTED = ((_l("Stock transfer"), _l("No voucher: goods change warehouse at the same cost, so no value "
                                         "changes.")),)

MANUAL = "manual"  # a voucher finance enters by hand: it has no rule
