"""The ledgers: the trial balance (科目余额表) and the general ledger (总账), read off the month totals so they cost
the same at any volume, and an account's ledger (明细账), its voucher lines a page at a time.

Balances are signed here (+ debit, - credit); screens print them with their side (借/贷).
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select, tuple_, type_coerce

from app.amounts import ZERO
from app.books import chart
from app.books.models import Account, AccountMonth, Voucher, VoucherLine
from app.db_types import Money
from app.extensions import db


def money_sum(expression):
    """SUM of money read back as money: arithmetic (debit - credit) or CASE loses the column's scaled type."""
    return type_coerce(func.sum(expression), Money())


@dataclass
class TrialRow:
    account: Account | None  # None in the totals row
    opening: Decimal = ZERO  # signed: + debit, - credit
    debit: Decimal = ZERO
    credit: Decimal = ZERO

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @staticmethod
    def sides(signed: Decimal) -> tuple[Decimal, Decimal]:
        """(debit, credit) columns of a signed balance, as the table prints it."""
        return (signed, ZERO) if signed >= 0 else (ZERO, -signed)


def trial_balance(first: str, last: str) -> list[TrialRow]:
    """Rows for every account by code, for the months `first`..`last` ("2026-01".."2026-12")."""
    chart.ensure()
    before = AccountMonth.period < first
    within = AccountMonth.period.between(first, last)
    sums = {account_id: (opening or ZERO, debit or ZERO, credit or ZERO)
            for account_id, opening, debit, credit in db.session.execute(
                select(AccountMonth.account_id,
                       money_sum(case((before, AccountMonth.debit - AccountMonth.credit), else_=0)),
                       money_sum(case((within, AccountMonth.debit), else_=0)),
                       money_sum(case((within, AccountMonth.credit), else_=0)))
                .where(AccountMonth.period <= last).group_by(AccountMonth.account_id))}
    accounts = db.session.scalars(select(Account).order_by(Account.code)).all()
    rows = {account.code: TrialRow(account) for account in accounts}
    for account in accounts:
        opening, debit, credit = sums.get(account.id, (ZERO, ZERO, ZERO))
        code = account.code
        while code is not None and code in rows:  # the account and each parent above it
            row = rows[code]
            row.opening += opening
            row.debit += debit
            row.credit += credit
            code = row.account.parent_code
    return list(rows.values())


def trial_totals(rows: list[TrialRow]) -> TrialRow:
    """The first-level accounts summed: opening and closing debits equal credits, as do the period's, when every
    voucher balances."""
    total = TrialRow(None)
    for row in rows:
        if row.account.parent_code is None:
            total.opening += row.opening
            total.debit += row.debit
            total.credit += row.credit
    return total


# 总账 ------------------------------------------------------------------------------------------------

@dataclass
class LedgerMonth:
    period: str
    debit: Decimal
    credit: Decimal
    balance: Decimal  # signed: + debit, - credit, at the month's end


@dataclass
class GeneralLedger:
    account: Account
    opening: Decimal  # signed
    months: list[LedgerMonth]

    @property
    def debit(self) -> Decimal:
        return sum((month.debit for month in self.months), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((month.credit for month in self.months), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


def general_ledger(periods: list[str], code: str | None = None) -> list[GeneralLedger]:
    """总账: each first-level account (or the one `code` names) with a balance or a movement: its opening balance
    before `periods` (consecutive months), each month's debits and credits and the balance after it."""
    chart.ensure()
    first, last = periods[0], periods[-1]
    top = func.substr(Account.code, 1, 4)
    query = (select(top, AccountMonth.period < first, AccountMonth.period,
                    money_sum(AccountMonth.debit), money_sum(AccountMonth.credit))
             .join(Account, Account.id == AccountMonth.account_id).where(AccountMonth.period <= last)
             .group_by(top, AccountMonth.period))
    if code:
        query = query.where(Account.code.startswith(code[:4], autoescape=True))
    opening: dict[str, Decimal] = defaultdict(lambda: ZERO)
    within: dict[str, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for account_code, before, period, debit, credit in db.session.execute(query):
        if before:
            opening[account_code] += (debit or ZERO) - (credit or ZERO)
        else:
            within[account_code][period] = (debit or ZERO, credit or ZERO)
    accounts = db.session.scalars(select(Account).where(func.length(Account.code) == 4,
                                                        Account.code.in_(set(opening) | set(within)))
                                  .order_by(Account.code)).all()
    ledgers = []
    for account in accounts:
        balance = opening[account.code]
        if not balance and not within[account.code]:
            continue
        months = []
        for period in periods:
            debit, credit = within[account.code].get(period, (ZERO, ZERO))
            balance += debit - credit
            months.append(LedgerMonth(period, debit, credit, balance))
        ledgers.append(GeneralLedger(account, opening[account.code], months))
    return ledgers


# 明细账 ----------------------------------------------------------------------------------------------

LEDGER_PAGE = 100
PRINT_LINES = 1000  # a PDF of a ledger: about 25 pages
EXPORT_LINES = 50000  # the most lines one spreadsheet or PDF of a ledger holds (a year of a busy 应收账款)


@dataclass
class LedgerEntry:
    line: VoucherLine
    voucher: Voucher
    balance: Decimal  # signed, after this line


@dataclass
class AccountLedger:
    account: Account
    opening: Decimal  # signed, at the start of the months
    debit: Decimal  # the months' totals
    credit: Decimal
    count: int  # lines in the months
    page: int
    pages: int
    brought_forward: Decimal  # signed, before this page's first line
    entries: list[LedgerEntry]
    codes: dict[int, str]  # the sub-accounts' codes, for lines not on the account itself

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


def _under(account: Account):
    return select(Account.id).where(Account.code.startswith(account.code, autoescape=True))


def _month_sums(ids, first: str, last: str | None = None) -> Decimal:
    """Debits less credits of the accounts `ids` in the months from `first` (None: the beginning) to `last`."""
    query = (select(money_sum(AccountMonth.debit), money_sum(AccountMonth.credit))
             .where(AccountMonth.account_id.in_(ids)))
    if first is not None:
        query = query.where(AccountMonth.period >= first)
    if last is not None:
        query = query.where(AccountMonth.period <= last)
    debit, credit = db.session.execute(query).one()
    return (debit or ZERO) - (credit or ZERO)


def account_ledger(account: Account, start: date, end: date, page: int = 1,
                   per_page: int = LEDGER_PAGE) -> AccountLedger:
    """明细账: the account's (and its sub-accounts') voucher lines from `start` to `end` (whole months) in the order
    they were booked, a page at a time, each with the balance after it.

    What it costs does not grow with the page: the page's first line is found in the (account, day) index alone,
    the page read from there (no OFFSET over joined rows), and the balance brought forward is the month totals up to
    that line's month plus that month's lines before it."""
    ids = db.session.scalars(_under(account)).all()
    first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
    opening = _month_sums(ids, None, _previous(first))
    debit, credit = db.session.execute(select(money_sum(AccountMonth.debit), money_sum(AccountMonth.credit))
                                       .where(AccountMonth.account_id.in_(ids),
                                              AccountMonth.period.between(first, last))).one()
    where = (VoucherLine.account_id.in_(ids), VoucherLine.booked_on.between(start, end))
    count = db.session.scalar(select(func.count()).select_from(VoucherLine).where(*where))
    pages = max(1, -(-count // per_page))
    page = min(max(1, page), pages)
    order = (VoucherLine.booked_on, VoucherLine.id)
    top = db.session.execute(select(*order).where(*where).order_by(*order)
                             .offset((page - 1) * per_page).limit(1)).first()
    brought, rows = opening, []
    if top is not None:
        month_start = top.booked_on.replace(day=1)
        earlier = db.session.execute(
            select(money_sum(VoucherLine.debit), money_sum(VoucherLine.credit))
            .where(*where, VoucherLine.booked_on >= month_start, tuple_(*order) < tuple_(*top))).one()
        brought = (opening + _month_sums(ids, first, _previous(f"{month_start:%Y-%m}"))
                   + (earlier[0] or ZERO) - (earlier[1] or ZERO))
        rows = db.session.execute(select(VoucherLine, Voucher).join(Voucher, Voucher.id == VoucherLine.voucher_id)
                                  .where(*where, tuple_(*order) >= tuple_(*top)).order_by(*order)
                                  .limit(per_page)).all()
    entries, balance = [], brought
    for line, voucher in rows:
        balance += line.debit - line.credit
        entries.append(LedgerEntry(line, voucher, balance))
    codes = dict(db.session.execute(select(Account.id, Account.code).where(Account.id.in_(ids))).all())
    return AccountLedger(account, opening, debit or ZERO, credit or ZERO, count, page, pages, brought, entries, codes)


def _previous(period: str) -> str:
    """The month before "2026-01": "2025-12"."""
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"
