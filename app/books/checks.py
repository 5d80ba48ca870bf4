"""The books' invariants for `flask check`: vouchers balance, each posting document has exactly one, the month
totals equal the lines, and the control accounts equal what the documents say (receivables, payables, stock, money)."""
from decimal import Decimal

from sqlalchemy import func, select

from app.amounts import ZERO
from app.books import balances, money, posting
from app.books.models import Account, AccountMonth, MoneyAccount, Voucher, VoucherLine
from app.books.rules import MANUAL, RULES
from app.checks import invariant
from app.extensions import db
from app.inventory.models import StockMove
from app.trade import balances as owed


@invariant
def vouchers_balance():
    """Every voucher's debits equal its credits"""
    rows = db.session.execute(select(Voucher.period, Voucher.seq, func.sum(VoucherLine.debit),
                                     func.sum(VoucherLine.credit))
                              .join(VoucherLine).group_by(Voucher.id, Voucher.period, Voucher.seq)
                              .having(func.sum(VoucherLine.debit) != func.sum(VoucherLine.credit)))
    return [f"{period} 记-{seq:04d}: debits {debit} credits {credit}" for period, seq, debit, credit in rows]


@invariant
def one_voucher_per_document():
    """Every posting document has exactly one voucher, and every voucher a document"""
    breaches = []
    known = set(RULES) | {MANUAL}
    for source, count in db.session.execute(select(Voucher.source_type, func.count()).group_by(Voucher.source_type)):
        if source not in known:
            breaches.append(f"{count} vouchers of unknown source {source}")
    for source, rule in RULES.items():
        documents = rule.documents().subquery()
        posted = select(Voucher.source_id).where(Voucher.source_type == source)
        missing = [document_id for document_id in db.session.scalars(
            select(documents.c.id).where(documents.c.id.not_in(posted)).order_by(documents.c.id))
            if _changes_value(rule, document_id)][:5]
        if missing:
            breaches.append(f"{source} {missing} have no voucher")
        orphans = db.session.scalars(posted.where(Voucher.source_id.not_in(select(documents.c.id)))
                                     .order_by(Voucher.source_id).limit(5)).all()
        if orphans:
            breaches.append(f"vouchers of {source} {orphans} have no document")
    return breaches


@invariant
def month_totals_match_voucher_lines():
    """The month totals of every account equal its voucher lines"""
    lines = {(account_id, period): (debit, credit) for account_id, period, debit, credit in db.session.execute(
        select(VoucherLine.account_id, Voucher.period, func.sum(VoucherLine.debit), func.sum(VoucherLine.credit))
        .join(Voucher).group_by(VoucherLine.account_id, Voucher.period))}
    breaches = []
    for month in db.session.scalars(select(AccountMonth)):
        found = lines.pop((month.account_id, month.period), (ZERO, ZERO))
        if found != (month.debit, month.credit):
            breaches.append(f"account {month.account_id} {month.period}: totals {month.debit}/{month.credit}, "
                            f"lines {found[0]}/{found[1]}")
    breaches += [f"account {key[0]} {key[1]}: lines {value} without a month total" for key, value in lines.items()
                 if value != (ZERO, ZERO)]
    return breaches


def _changes_value(rule, document_id: int) -> bool:
    """A document without a voucher is right only when it changed no value (all its figures are zero)."""
    model = rule.documents().column_descriptions[0]["entity"]
    return posting.changes_value(rule.source, db.session.get(model, document_id))


def _compare(name: str, in_books: Decimal, in_documents: Decimal) -> list[str]:
    return [] if in_books == in_documents else [f"{name}: books {in_books}, documents {in_documents}"]


@invariant
def control_accounts_match_documents():
    """Receivables (1122) equal the customers' balances, payables the suppliers', stock (1405) the stock ledger's
    value"""
    roles = {account.role: account for account in db.session.scalars(select(Account).where(Account.role.is_not(None)))}
    if not roles:
        return []  # no books yet: nothing has posted
    customers, suppliers = owed.total(owed.RECEIVABLES), owed.total(owed.PAYABLES)
    stock = db.session.scalar(select(func.sum(StockMove.value))) or ZERO
    return (_compare(roles["receivables"].code, balances.balance(roles["receivables"]), customers)
            + _compare(roles["payables"].code, balances.balance(roles["payables"]), suppliers)
            + _compare(roles["stock"].code, balances.balance(roles["stock"]), stock))


@invariant
def money_accounts_match_their_ledger():
    """Each money account's ledger account equals its own running balance (opening, receipts, payments, transfers,
    expenses)"""
    breaches = []
    for account in db.session.scalars(select(MoneyAccount).order_by(MoneyAccount.id)):
        breaches += _compare(account.name, balances.balance(account.account), money.running_balance(account))
    return breaches
