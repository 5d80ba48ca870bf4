"""Vouchers (记账凭证) as finance reads and enters them: a month's vouchers searched, the document behind one, and
a voucher entered by hand, checked in full before app.books.posting.post_manual writes it.

A voucher by hand may not touch the accounts the documents keep (receivables, payables, stock and each money
account): `flask check` holds those to the customers', suppliers', stock ledger's and money accounts' own figures,
so a change there is made with the document (an invoice, a receipt, an adjustment, an expense) instead.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import selectinload

from app.amounts import ZERO
from app.audit import services as audit
from app.books import chart, posting
from app.books.models import Account, ClosedPeriod, MoneyAccount, Voucher, VoucherLine
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import AMOUNT, check_amount, parse_date, parse_decimal, parse_number, unstorable

MAX_LINES = 50
MEMO_LENGTH = 200
KEPT_BY_DOCUMENTS = ("receivables", "payables", "stock")  # roles whose balance `flask check` holds to documents


# ---- reading ------------------------------------------------------------------------------------------------------

def month_of(value) -> str:
    """A month "2026-12" from the ?month= asked for; this month when missing or not a month."""
    text = str(value or "")
    try:
        return posting.period_of(date.fromisoformat(f"{text}-01")) if len(text) == 7 else _this_month()
    except ValueError:
        return _this_month()


def _this_month() -> str:
    return posting.period_of(business_today())


def months() -> list[str]:
    """The months that have vouchers, latest first, with this month among them."""
    found = set(db.session.scalars(select(distinct(Voucher.period))))
    return sorted(found | {_this_month()}, reverse=True)


def is_closed(period: str) -> bool:
    return db.session.get(ClosedPeriod, period) is not None


@dataclass(frozen=True)
class Month:
    period: str
    vouchers: int
    closed: ClosedPeriod | None


def month_rows() -> list[Month]:
    """Every month with vouchers or closed, latest first: how many vouchers, and who closed it when."""
    counts = dict(db.session.execute(select(Voucher.period, func.count()).group_by(Voucher.period)).all())
    closed = {row.period: row for row in db.session.scalars(select(ClosedPeriod)
                                                             .options(selectinload(ClosedPeriod.closed_by)))}
    return [Month(period, counts.get(period, 0), closed.get(period))
            for period in sorted(set(counts) | set(closed), reverse=True)]


def search(period: str, text: str = ""):
    """A select of the month's vouchers, newest first, narrowed by each word of `text`: a number (记-0007, 0007
    or 7), a word of the memo, or a document's number."""
    query = select(Voucher).where(Voucher.period == period)
    for word in text.lower().split()[:5]:
        digits = word.removeprefix("记").lstrip("-")
        matches = [func.lower(Voucher.memo).contains(word, autoescape=True),
                   func.lower(Voucher.source_number).contains(word, autoescape=True)]
        if digits.isascii() and digits.isdigit() and len(digits) <= 6:
            matches.append(Voucher.seq == int(digits))
        query = query.where(or_(*matches))
    return query.options(selectinload(Voucher.lines)).order_by(Voucher.booked_on.desc(), Voucher.seq.desc())


def get(voucher_id: int) -> Voucher | None:
    return db.session.scalar(select(Voucher).where(Voucher.id == voucher_id).options(
        selectinload(Voucher.lines).selectinload(VoucherLine.account),
        selectinload(Voucher.lines).selectinload(VoucherLine.customer),
        selectinload(Voucher.lines).selectinload(VoucherLine.supplier)))


def _document(model, document_id):
    return db.session.get(model, document_id) if document_id is not None else None


def document_target(voucher: Voucher) -> tuple[str, dict] | None:
    """(endpoint, arguments) of the screen showing the voucher's document; None for a voucher entered by hand.
    The caller checks the endpoint exists and the user may open it."""
    from app.finance.models import Payment
    from app.purchasing.models import PurchaseInvoice, PurchaseReceipt, PurchaseReturn

    source, document_id = voucher.source_type, voucher.source_id
    direct = {"sales_invoice": ("sales.invoice_show", "invoice_id"),
              "sales_delivery": ("sales.delivery_show", "delivery_id"),
              "sales_return": ("sales.return_show", "return_id"), "receipt": ("finance.receipt_show", "payment_id"),
              "adjustment": ("inventory.adjustment", "adjustment_id"),
              "stocktake": ("stocktake.review", "stocktake_id"), "opening": ("opening.stock", "stock_id"),
              "expense": ("money.expense_show", "expense_id"), "other_income": ("money.expense_show", "expense_id"),
              "opening_money": ("money.account_show", "account_id")}
    if document_id is None:
        return None
    if source in direct:
        endpoint, name = direct[source]
        return endpoint, {name: document_id}
    if source in ("opening_receivable", "opening_payable"):
        return "opening.item", {"side": source.removeprefix("opening_"), "item_id": document_id}
    if source == "money_transfer":
        return "money.transfers", {}
    if source == "supplier_payment":
        payment = _document(Payment, document_id)
        return ("purchasing.supplier_show", {"supplier_id": payment.supplier_id}) if payment else None
    model = {"purchase_receipt": PurchaseReceipt, "purchase_invoice": PurchaseInvoice,
             "purchase_return": PurchaseReturn}.get(source)
    document = _document(model, document_id) if model else None
    if document is None:
        return None
    if getattr(document, "order_id", None):
        return "purchasing.show", {"order_id": document.order_id}
    return "purchasing.supplier_show", {"supplier_id": document.supplier_id}


# ---- a voucher by hand ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LineInput:
    """One line as typed: the account ("1122 应收账款", a code or a name), a debit or a credit, a memo."""

    account: str = ""
    debit: str = ""
    credit: str = ""
    memo: str = ""

    @property
    def empty(self) -> bool:
        return not any(str(value or "").strip() for value in (self.account, self.debit, self.credit, self.memo))


def postable() -> list[Account]:
    """The accounts a voucher by hand may use: active leaves the documents do not keep."""
    kept = _kept_ids()
    return [account for account in chart.leaves() if account.active and account.id not in kept]


def _kept_ids() -> set[int]:
    roles = chart.by_role()
    kept = {roles[role].id for role in KEPT_BY_DOCUMENTS if role in roles}
    return kept | set(db.session.scalars(select(MoneyAccount.account_id)))


def _account(text: str, field: str) -> Account:
    """The leaf account `text` names: its code first ("1122" or "1122 应收账款"), else its exact name."""
    text = " ".join(str(text or "").split())
    if not text:
        raise BusinessRuleError(_("Choose an account."), field)
    code = text.split(" ")[0]
    account = db.session.scalar(select(Account).where(Account.code == code)) if code.isascii() else None
    if account is None:
        named = db.session.scalars(select(Account).where(Account.name == text)).all()
        account = named[0] if len(named) == 1 else None
    if account is None:
        raise BusinessRuleError(_("No account has the code or name “%(text)s”.", text=text[:40]), field)
    if chart.has_children(account.code):
        raise BusinessRuleError(_("%(account)s has sub-accounts: choose one of them.", account=str(account)), field)
    if not account.active:
        raise BusinessRuleError(_("%(account)s is inactive.", account=str(account)), field)
    if account.id in _kept_ids():
        raise BusinessRuleError(_("%(account)s is kept by the documents that post to it (its balance must equal "
                                  "theirs): enter the document instead.", account=str(account)), field)
    return account


def _amount(text, field: str):
    """A positive amount to the cent, or None when the field is empty."""
    text = str(text or "").strip()
    if not text:
        return None
    amount = parse_number(text, AMOUNT, field)
    if amount != parse_decimal(text):
        raise BusinessRuleError(_("Enter the amount to the cent: at most two decimal places."), field)
    if amount <= 0:
        raise BusinessRuleError(_("Enter an amount above zero."), field)
    return amount


def _text(value, field: str, required_message=None) -> str:
    text = " ".join(str(value or "").split())
    if required_message and not text:
        raise BusinessRuleError(required_message, field)
    if len(text) > MEMO_LENGTH or unstorable(text):
        raise BusinessRuleError(_("Enter at most %(count)d characters.", count=MEMO_LENGTH), field)
    return text


def _line(index: int, typed: LineInput, memo: str) -> VoucherLine:
    field = f"lines-{index}-"
    account = _account(typed.account, field + "account")
    debit, credit = _amount(typed.debit, field + "debit"), _amount(typed.credit, field + "credit")
    if debit is not None and credit is not None:
        raise BusinessRuleError(_("A line is either a debit or a credit: clear one of them."), field + "credit")
    if debit is None and credit is None:
        raise BusinessRuleError(_("Enter a debit or a credit."), field + "debit")
    return VoucherLine(account_id=account.id, memo=_text(typed.memo, field + "memo") or memo,
                       debit=debit or ZERO, credit=credit or ZERO)


def create_manual(actor, booked_on: str, memo: str, typed: list[LineInput]) -> Voucher:
    """Check a voucher typed by hand and post it: a date in an open month, a memo, at least two lines on active
    leaf accounts, each a debit or a credit above zero, balanced to the cent. Nothing is written on refusal."""
    chart.ensure()
    day = parse_date(booked_on, "booked_on")
    posting.check_open(day, "booked_on")
    memo = _text(memo, "memo", _("Say what the voucher is for (摘要)."))
    filled = [(index, line) for index, line in enumerate(typed) if not line.empty]
    if len(filled) > MAX_LINES:
        raise BusinessRuleError(_("A voucher has at most %(count)d lines.", count=MAX_LINES), "lines")
    lines = [_line(index, line, memo) for index, line in filled]
    if len(lines) < 2:
        raise BusinessRuleError(_("A voucher needs at least two lines: a debit and a credit."), "lines")
    debit = check_amount(sum((line.debit for line in lines), ZERO), "lines")
    credit = check_amount(sum((line.credit for line in lines), ZERO), "lines")
    if debit != credit:
        raise BusinessRuleError(_("Debits (%(debit)s) and credits (%(credit)s) differ by %(difference)s: a voucher "
                                  "balances to the cent.", debit=f"{debit:,.2f}", credit=f"{credit:,.2f}",
                                  difference=f"{abs(debit - credit):,.2f}"), "lines")
    voucher = posting.post_manual(actor, day, memo, lines)
    audit.record(actor, "voucher.create", voucher, {"period": (None, voucher.period), "memo": (None, memo),
                                                     "amount": (None, debit)})
    return voucher
