"""Account balances read off the month totals: an account with its sub-accounts, as of a month or over months."""
from decimal import Decimal

from sqlalchemy import func, select

from app.amounts import ZERO
from app.books.models import Account, AccountMonth
from app.extensions import db


def _under(account: Account):
    """The account and its sub-accounts (their codes extend its code)."""
    return select(Account.id).where(Account.code.startswith(account.code, autoescape=True))


def movements(account: Account, first: str | None = None, last: str | None = None) -> tuple[Decimal, Decimal]:
    """(debits, credits) of the account and its sub-accounts in the months `first`..`last` ("2026-12"), inclusive;
    open-ended where None."""
    query = select(func.sum(AccountMonth.debit), func.sum(AccountMonth.credit)).where(
        AccountMonth.account_id.in_(_under(account)))
    if first is not None:
        query = query.where(AccountMonth.period >= first)
    if last is not None:
        query = query.where(AccountMonth.period <= last)
    debit, credit = db.session.execute(query).one()
    return debit or ZERO, credit or ZERO


def balance(account: Account, last: str | None = None) -> Decimal:
    """The balance at the end of month `last` (now when None), on the account's normal side: positive means a
    debit balance for a debit account, a credit balance for a credit account."""
    debit, credit = movements(account, None, last)
    return debit - credit if account.debit_normal else credit - debit
