"""Money reports: receivables and payables aging (账龄), the customer statement (对账单), cash by method.

Figures are summed by the database. "As of" a past date is exact: an invoice counts from the day it was
issued, a payment from its date (paid_on, never in the future) and a credit note (a return) from the
moment it was made, and both are allocated in the transaction that makes them.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, type_coerce, union_all
from sqlalchemy.orm import selectinload

from app.db_types import Money
from app.extensions import db
from app.finance.models import CreditAllocation, Payment, PaymentAllocation, PaymentMethod, PurchaseCreditAllocation
from app.partners.models import Customer, Supplier
from app.purchasing.models import PurchaseInvoice, PurchaseReturn
from app.reports.periods import Period
from app.sales.models import SalesInvoice, SalesReturn
from app.settings.services import business_zone
from app.trade import balances as owed
from app.trade.settlement import InvoiceStatus

ZERO = Decimal("0.00")
# (key, label, overdue days from, to): "current" is not yet due; due today is current, a day late is 1-30.
BUCKETS = (("current", _l("Current"), None, 0), ("d1_30", _l("1-30 days"), 1, 30),
           ("d31_60", _l("31-60 days"), 31, 60), ("d61_90", _l("61-90 days"), 61, 90),
           ("d90_plus", _l("Over 90 days"), 91, None))
BUCKET_KEYS = tuple(key for key, *_ in BUCKETS)


def _zone() -> ZoneInfo:
    return business_zone()


def day_start(day: date) -> datetime:
    """The instant the business day starts (business_timezone), for comparing with stored UTC times."""
    return datetime.combine(day, time(), tzinfo=_zone())


def business_day(moment: datetime) -> date:
    """The business calendar day of a stored UTC time."""
    return moment.astimezone(_zone()).date()


# Aging --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgingRow:
    partner_id: int | None
    name: str
    amounts: dict  # bucket key -> Decimal
    total: Decimal

    def as_dict(self) -> dict:
        return {"name": self.name, **self.amounts, "total": self.total}


@dataclass(frozen=True)
class Aging:
    as_of: date
    rows: list[AgingRow]  # largest total first
    totals: AgingRow

    def head(self, limit: int) -> tuple[list[AgingRow], AgingRow | None, int]:
        """The `limit` largest rows, the rest summed into one (None when nothing is left over), and how many that is."""
        rest = self.rows[limit:]
        if not rest:
            return self.rows, None, 0
        amounts = {key: sum((r.amounts[key] for r in rest), ZERO) for key in BUCKET_KEYS}
        return self.rows[:limit], AgingRow(None, "", amounts, sum(amounts.values(), ZERO)), len(rest)


@dataclass(frozen=True)
class _Ledger:
    """The tables one side of the books uses (sales: customers; purchasing: suppliers)."""
    invoice: type
    partner: type
    partner_fk: object
    payment_invoice_fk: object  # PaymentAllocation's column naming this side's invoice
    credit_allocation: type
    credit_invoice_fk: object
    credit_document: type
    credit_document_fk: object


def _sales() -> _Ledger:
    return _Ledger(SalesInvoice, Customer, SalesInvoice.customer_id, PaymentAllocation.sales_invoice_id,
                   CreditAllocation, CreditAllocation.sales_invoice_id, SalesReturn, CreditAllocation.sales_return_id)


def _purchases() -> _Ledger:
    return _Ledger(PurchaseInvoice, Supplier, PurchaseInvoice.supplier_id, PaymentAllocation.purchase_invoice_id,
                   PurchaseCreditAllocation, PurchaseCreditAllocation.purchase_invoice_id, PurchaseReturn,
                   PurchaseCreditAllocation.purchase_return_id)


def _open_parts(side: _Ledger, as_of: date, partner_id: int | None = None):
    """What each invoice had open at the end of `as_of`, as a subquery of parts (invoice_id, partner_id, due_on,
    amount) whose sum per invoice is that open amount.

    Open then = open now + what settled it after `as_of` (payments dated later, credit notes made later). Both
    parts are small and read through indexes: invoices not yet paid (status) and settlements after the date
    (payment date, return time), instead of summing every allocation ever made. For today the second part is
    empty. Allocations never exceed what is open, so no part makes an invoice's sum negative.
    """
    invoice = side.invoice
    issued = [invoice.issued_on <= as_of]
    if partner_id is not None:
        issued.append(side.partner_fk == partner_id)
    columns = (invoice.id.label("invoice_id"), side.partner_fk.label("partner_id"), invoice.due_on.label("due_on"))
    open_now = select(*columns, (invoice.total - invoice.paid - invoice.credited).label("amount")).where(
        invoice.status.in_([InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID]), *issued)
    paid_later = (select(*columns, PaymentAllocation.amount)
                  .join(PaymentAllocation, side.payment_invoice_fk == invoice.id)
                  .join(Payment, Payment.id == PaymentAllocation.payment_id)
                  .where(Payment.paid_on > as_of, *issued))
    credit, document = side.credit_allocation, side.credit_document
    credited_later = (select(*columns, credit.amount)
                      .join(credit, side.credit_invoice_fk == invoice.id)
                      .join(document, document.id == side.credit_document_fk)
                      .where(document.created_at >= day_start(as_of + timedelta(days=1)), *issued))
    return union_all(open_now, paid_later, credited_later).subquery("open_parts")


def _bucket_condition(due_on, as_of: date, low, high):
    """Days overdue (as_of - due_on) between low and high as a comparison of dates, the same on both engines."""
    conditions = []
    if low is not None:
        conditions.append(due_on <= as_of - timedelta(days=low))
    if high is not None:
        conditions.append(due_on >= as_of - timedelta(days=high))
    return conditions[0] if len(conditions) == 1 else conditions[0] & conditions[1]


def _aging(side: _Ledger, as_of: date, partner_id: int | None = None) -> Aging:
    parts, partner = _open_parts(side, as_of, partner_id), side.partner
    sums = [type_coerce(func.sum(case((_bucket_condition(parts.c.due_on, as_of, low, high), parts.c.amount),
                                      else_=0)), Money()).label(key) for key, _label, low, high in BUCKETS]
    query = (select(partner.id, partner.name, *sums).join(parts, parts.c.partner_id == partner.id)
             .group_by(partner.id, partner.name).having(func.sum(parts.c.amount) > 0))
    rows = []
    for row in db.session.execute(query):
        amounts = {key: getattr(row, key) or ZERO for key in BUCKET_KEYS}
        rows.append(AgingRow(row.id, row.name, amounts, sum(amounts.values(), ZERO)))
    rows.sort(key=lambda r: (-r.total, r.name))
    totals = {key: sum((r.amounts[key] for r in rows), ZERO) for key in BUCKET_KEYS}
    return Aging(as_of, rows, AgingRow(None, "", totals, sum(totals.values(), ZERO)))


def receivables_aging(as_of: date, customer_id: int | None = None) -> Aging:
    """What each customer owes on invoices at the end of `as_of`, by how long past due."""
    return _aging(_sales(), as_of, customer_id)


def payables_aging(as_of: date, supplier_id: int | None = None) -> Aging:
    """What we owe each supplier on invoices at the end of `as_of`, by how long past due."""
    return _aging(_purchases(), as_of, supplier_id)


def _open_as_of(side: _Ledger, partner_id: int, as_of: date) -> list[tuple]:
    parts, invoice = _open_parts(side, as_of, partner_id), side.invoice
    open_amount = type_coerce(func.sum(parts.c.amount), Money())
    opened = (select(parts.c.invoice_id, open_amount.label("open")).group_by(parts.c.invoice_id)
              .having(func.sum(parts.c.amount) > 0).subquery())
    rows = db.session.execute(select(invoice, opened.c.open).join(opened, opened.c.invoice_id == invoice.id)
                              .order_by(invoice.due_on, invoice.id))
    return [(row, amount, max(0, (as_of - row.due_on).days)) for row, amount in rows]


def open_invoices_as_of(customer_id: int, as_of: date) -> list[tuple[SalesInvoice, Decimal, int]]:
    """The customer's invoices open at the end of `as_of`: (invoice, open amount, days overdue), oldest due first."""
    return _open_as_of(_sales(), customer_id, as_of)


def open_purchase_invoices_as_of(supplier_id: int, as_of: date) -> list[tuple[PurchaseInvoice, Decimal, int]]:
    """The supplier's invoices we had not settled at the end of `as_of`, as open_invoices_as_of."""
    return _open_as_of(_purchases(), supplier_id, as_of)


# Customer statement ----------------------------------------------------------------------------------

INVOICE, CREDIT_NOTE, RECEIPT, OPENING = "invoice", "credit_note", "receipt", "opening"
KIND_LABELS = {INVOICE: _l("Sales slip"), CREDIT_NOTE: _l("Credit note"), RECEIPT: _l("Receipt"),
               OPENING: _l("Opening receivable")}


@dataclass(frozen=True)
class Entry:
    day: date
    kind: str
    document_id: int
    number: str
    debit: Decimal  # adds to what the customer owes
    credit: Decimal  # takes from it
    balance: Decimal
    due_on: date | None = None  # invoices
    note: str = ""  # a receipt's method, a credit note's reason

    @property
    def label(self):
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class Statement:
    customer: Customer
    period: Period
    opening: Decimal
    entries: list[Entry]
    closing: Decimal
    debits: Decimal
    credits: Decimal


def _signed_since(customer_id: int, start: date) -> Decimal:
    """Invoices less credit notes less receipts dated from `start` on (the same documents as the balance)."""
    invoiced = db.session.scalar(select(func.sum(SalesInvoice.total)).where(
        SalesInvoice.customer_id == customer_id, SalesInvoice.issued_on >= start)) or ZERO
    credited = db.session.scalar(select(func.sum(SalesReturn.total)).where(
        SalesReturn.customer_id == customer_id, SalesReturn.created_at >= day_start(start))) or ZERO
    received = db.session.scalar(select(func.sum(Payment.amount)).where(
        Payment.customer_id == customer_id, Payment.paid_on >= start)) or ZERO
    return invoiced - credited - received


def statement(customer: Customer, period: Period) -> Statement:
    """Opening balance, each invoice, credit note and receipt of the period in date order, and the closing balance.

    The balance rule lives in partners.services.balance (invoices less credit notes less receipts); the opening
    balance is today's balance less everything dated from the period's start, so the two can never disagree.
    """
    opening = owed.customer_balance(customer) - _signed_since(customer.id, period.start)
    after = day_start(period.end + timedelta(days=1))
    found = []  # (day, order within the day, id, kind, number, debit, credit, due_on, note)
    for invoice in db.session.scalars(select(SalesInvoice).where(
            SalesInvoice.customer_id == customer.id, SalesInvoice.issued_on.between(period.start, period.end))):
        found.append((invoice.issued_on, 0, invoice.id, OPENING if invoice.opening else INVOICE, invoice.number,
                      invoice.total, ZERO, invoice.due_on, invoice.reference))
    for credit_note in db.session.scalars(select(SalesReturn).where(
            SalesReturn.customer_id == customer.id, SalesReturn.created_at >= day_start(period.start),
            SalesReturn.created_at < after, SalesReturn.total != 0)):
        found.append((business_day(credit_note.created_at), 1, credit_note.id, CREDIT_NOTE, credit_note.number, ZERO,
                      credit_note.total, None, credit_note.reason))
    for payment in db.session.scalars(select(Payment).where(
            Payment.customer_id == customer.id, Payment.paid_on.between(period.start, period.end))):
        found.append((payment.paid_on, 2, payment.id, RECEIPT, payment.number, ZERO, payment.amount, None,
                      str(payment.method.label)))
    entries, running = [], opening
    for day, _order, document_id, kind, number, debit, credit, due_on, note in sorted(found, key=lambda f: f[:3]):
        running += debit - credit
        entries.append(Entry(day, kind, document_id, number, debit, credit, running, due_on, note))
    debits = sum((e.debit for e in entries), ZERO)
    credits = sum((e.credit for e in entries), ZERO)
    return Statement(customer, period, opening, entries, opening + debits - credits, debits, credits)


# Cash by method --------------------------------------------------------------------------------------

PAYMENTS_SHOWN = 200  # rows of a cash figure's drill-down list
GRAINS = {"day": _l("By day"), "week": _l("By week"), "month": _l("By month")}
MAX_DAYS_BY_DAY = 92  # a quarter: longer by-day tables and charts are unreadable (and slow to draw)


def default_grain(period: Period) -> str:
    """Days for up to a month, weeks up to half a year, months beyond."""
    return "day" if period.days <= 31 else ("week" if period.days <= 183 else "month")
METHODS = tuple(PaymentMethod)


@dataclass
class CashRow:
    start: date
    end: date
    received: dict = field(default_factory=lambda: {m: ZERO for m in METHODS})
    paid: dict = field(default_factory=lambda: {m: ZERO for m in METHODS})

    @property
    def total_received(self) -> Decimal:
        return sum(self.received.values(), ZERO)

    @property
    def total_paid(self) -> Decimal:
        return sum(self.paid.values(), ZERO)

    @property
    def net(self) -> Decimal:
        return self.total_received - self.total_paid


@dataclass(frozen=True)
class Cash:
    period: Period
    grain: str
    rows: list[CashRow]
    totals: CashRow


def bucket_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def _buckets(period: Period, grain: str) -> list[CashRow]:
    """Every day, week (from Monday) or month touching the period, clipped to it, so gaps show as zero."""
    rows, start = [], period.start
    while start <= period.end:
        if grain == "week":
            end = bucket_start(start, "week") + timedelta(days=6)
        elif grain == "month":
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        else:
            end = start
        end = min(end, period.end)
        rows.append(CashRow(start, end))
        start = end + timedelta(days=1)
    return rows


def cash_by_method(period: Period, grain: str = "day") -> Cash:
    """Money received from customers and paid to suppliers per method, per day, week or month of the period."""
    # The database sums per day and method (at most a few thousand rows for ten years); days are folded into
    # weeks or months here because truncating dates differs between SQLite and PostgreSQL.
    received_in = Payment.customer_id.is_not(None)
    query = (select(Payment.paid_on, received_in.label("received"), Payment.method,
                    type_coerce(func.sum(Payment.amount), Money()).label("amount"))
             .where(Payment.paid_on.between(period.start, period.end))
             .group_by(Payment.paid_on, received_in, Payment.method))
    rows = _buckets(period, grain)
    by_start = {row.start: row for row in rows}
    totals = CashRow(period.start, period.end)
    for day, received, method, amount in db.session.execute(query):
        row = by_start[max(bucket_start(day, grain), period.start)]
        side, total_side = (row.received, totals.received) if received else (row.paid, totals.paid)
        side[method] += amount
        total_side[method] += amount
    return Cash(period, grain, rows, totals)


def payments_in(period: Period, received: bool, method: PaymentMethod | None = None, limit: int = 200) -> list:
    """The receipts (or supplier payments) behind a cash figure, newest first; at most `limit`."""
    side = Payment.customer_id.is_not(None) if received else Payment.supplier_id.is_not(None)
    query = select(Payment).where(side, Payment.paid_on.between(period.start, period.end))
    if method is not None:
        query = query.where(Payment.method == method)
    return db.session.scalars(query.options(selectinload(Payment.customer), selectinload(Payment.supplier))
                              .order_by(Payment.paid_on.desc(), Payment.id.desc()).limit(limit)).all()
