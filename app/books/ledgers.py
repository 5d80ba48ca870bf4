"""The trial balance (科目余额表): every account's opening balance, the period's debits and credits and its closing
balance, parents summing their sub-accounts; read off the month totals, so it costs the same at any volume."""
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select

from app.amounts import ZERO
from app.books import chart
from app.books.models import Account, AccountMonth
from app.extensions import db


@dataclass
class TrialRow:
    account: Account
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
                       func.sum(case((before, AccountMonth.debit - AccountMonth.credit), else_=0)),
                       func.sum(case((within, AccountMonth.debit), else_=0)),
                       func.sum(case((within, AccountMonth.credit), else_=0)))
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
