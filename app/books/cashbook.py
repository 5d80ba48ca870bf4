"""The owner's cash view from the books: money in and out of each money account (货币资金: 1001, 1002, 1012 and
their sub-accounts) in some months, and where it came from or went (the other side of each voucher that moved
money: customers, suppliers, rent, wages...), with the cash held at the end.

The per-account figures are month totals; the by-counter-account figures read the voucher lines of the vouchers
that touched a money account in those months (found through the lines' account and date index).
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, or_, select

from app.amounts import ZERO
from app.books import chart
from app.books.ledgers import money_sum
from app.books.models import Account, AccountMonth, ExpenseCategory, MoneyAccount, VoucherLine
from app.books.statements import MONEY_CODES
from app.extensions import db


@dataclass
class CashAccount:
    account: Account
    name: str  # the money account's name, else the ledger account's
    opening: Decimal
    money_in: Decimal
    money_out: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.money_in - self.money_out


@dataclass
class Counter:
    account: Account
    categories: list[str]  # the expense categories that post to it
    money_in: Decimal  # what came in against it (a customer paying: credits to 1122)
    money_out: Decimal  # what went out against it (rent paid: debits to 560201)


@dataclass
class Cash:
    accounts: list[CashAccount]
    counters: list[Counter]

    @property
    def opening(self) -> Decimal:
        return sum((a.opening for a in self.accounts), ZERO)

    @property
    def money_in(self) -> Decimal:
        return sum((a.money_in for a in self.accounts), ZERO)

    @property
    def money_out(self) -> Decimal:
        return sum((a.money_out for a in self.accounts), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.money_in - self.money_out

    @property
    def moved_in(self) -> Decimal:
        """Money in from one money account to another (transfers): in the accounts' figures, not in any counter."""
        return self.money_in - sum((c.money_in for c in self.counters), ZERO)

    @property
    def moved_out(self) -> Decimal:
        return self.money_out - sum((c.money_out for c in self.counters), ZERO)


def _money_accounts() -> list[Account]:
    """The leaf accounts under 1001, 1002 and 1012 (postings only go to leaves)."""
    accounts = db.session.scalars(select(Account).where(or_(*(Account.code.startswith(c) for c in MONEY_CODES)))
                                  .order_by(Account.code)).all()
    parents = {account.parent_code for account in accounts}
    return [account for account in accounts if account.code not in parents]


def cash(first: str, last: str, start: date, end: date) -> Cash:
    """Money in and out in the months `first`..`last` (days `start`..`end`), by money account and by counter
    account."""
    chart.ensure()
    leaves = _money_accounts()
    ids = [account.id for account in leaves]
    within = AccountMonth.period.between(first, last)
    sums = {account_id: (opening or ZERO, debit or ZERO, credit or ZERO) for account_id, opening, debit, credit in
            db.session.execute(select(AccountMonth.account_id,
                                      money_sum(case((AccountMonth.period < first,
                                                     AccountMonth.debit - AccountMonth.credit), else_=0)),
                                      money_sum(case((within, AccountMonth.debit), else_=0)),
                                      money_sum(case((within, AccountMonth.credit), else_=0)))
                               .where(AccountMonth.account_id.in_(ids), AccountMonth.period <= last)
                               .group_by(AccountMonth.account_id))}
    names = dict(db.session.execute(select(MoneyAccount.account_id, MoneyAccount.name)).all())
    accounts = [CashAccount(account, names.get(account.id, account.name), *sums.get(account.id, (ZERO,) * 3))
                for account in leaves]
    accounts = [a for a in accounts if a.opening or a.money_in or a.money_out or a.account.id in names]
    return Cash(accounts, _counters(ids, start, end))


def _counters(ids: list[int], start: date, end: date) -> list[Counter]:
    """The other side of every voucher that moved money: a credit there is money in, a debit money out."""
    if not ids:
        return []
    moved = select(VoucherLine.voucher_id).where(VoucherLine.account_id.in_(ids),
                                                 VoucherLine.booked_on.between(start, end))
    rows = db.session.execute(select(VoucherLine.account_id, money_sum(VoucherLine.credit),
                                     money_sum(VoucherLine.debit))
                              .where(VoucherLine.voucher_id.in_(moved), VoucherLine.account_id.not_in(ids),
                                     VoucherLine.booked_on.between(start, end))
                              .group_by(VoucherLine.account_id)).all()
    accounts = {a.id: a for a in db.session.scalars(select(Account).where(Account.id.in_([r[0] for r in rows])))}
    categories = defaultdict(list)
    for account_id, name in db.session.execute(select(ExpenseCategory.account_id, ExpenseCategory.name)
                                               .order_by(ExpenseCategory.id)):
        categories[account_id].append(name)
    counters = [Counter(accounts[account_id], categories[account_id], money_in or ZERO, money_out or ZERO)
                for account_id, money_in, money_out in rows]
    return sorted(counters, key=lambda c: (-(c.money_in + c.money_out), c.account.code))
