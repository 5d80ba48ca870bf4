"""A money account's running balance from its documents: its opening balance, receipts in, supplier payments out,
transfers, expenses and other income. `flask check` holds the books' account for it to this figure."""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.amounts import ZERO
from app.books import chart
from app.books.models import Expense, MoneyAccount, MoneyDirection, MoneyKind, MoneyTransfer
from app.errors import BusinessRuleError
from app.extensions import db
from app.finance.models import Payment, PaymentMethod


def _sum(column, *where) -> Decimal:
    return db.session.scalar(select(func.sum(column)).where(*where)) or ZERO


def running_balance(account: MoneyAccount) -> Decimal:
    """What the account holds now by its documents."""
    return (account.opening_balance
            + _sum(Payment.amount, Payment.money_account_id == account.id, Payment.customer_id.is_not(None))
            - _sum(Payment.amount, Payment.money_account_id == account.id, Payment.supplier_id.is_not(None))
            + _sum(MoneyTransfer.amount, MoneyTransfer.to_account_id == account.id)
            - _sum(MoneyTransfer.amount, MoneyTransfer.from_account_id == account.id)
            + _sum(Expense.amount, Expense.money_account_id == account.id, Expense.direction == MoneyDirection.INCOME)
            - _sum(Expense.amount, Expense.money_account_id == account.id,
                   Expense.direction == MoneyDirection.EXPENSE))


def _kind_for(method) -> MoneyKind:
    return {PaymentMethod.CASH: MoneyKind.CASH, PaymentMethod.BANK_TRANSFER: MoneyKind.BANK,
            PaymentMethod.WECHAT: MoneyKind.WECHAT, PaymentMethod.ALIPAY: MoneyKind.ALIPAY}[PaymentMethod(method)]


def active_accounts() -> list[MoneyAccount]:
    chart.ensure()
    return db.session.scalars(select(MoneyAccount).where(MoneyAccount.active.is_(True))
                              .order_by(MoneyAccount.kind, MoneyAccount.id)).all()


def account_for(method, money_account_id=None) -> MoneyAccount:
    """The money account a payment goes into or out of: the one chosen, else the first active one of the kind the
    method says (cash to the till, a transfer to the bank); refused when none is active."""
    accounts = active_accounts()
    if money_account_id not in (None, ""):
        chosen = next((account for account in accounts if str(account.id) == str(money_account_id)), None)
        if chosen is None:
            raise BusinessRuleError(_("Choose one of the active money accounts."), "money_account_id")
        return chosen
    kind = _kind_for(method)
    found = next((account for account in accounts if account.kind == kind), None)
    if found is None:
        raise BusinessRuleError(_("There is no active money account for %(method)s: add one under Money accounts, "
                                  "or choose another.", method=PaymentMethod(method).label), "money_account_id")
    return found
