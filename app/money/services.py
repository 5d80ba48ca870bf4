"""Money accounts (资金账户) and transfers between them: each account has its own leaf ledger account, and what it
holds is read off the books; a statement lists its voucher lines with a running balance."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.amounts import ZERO
from app.audit import services as audit
from app.books import balances, chart, posting
from app.books.models import Account, AccountType, MoneyAccount, MoneyKind, MoneyTransfer, Voucher, VoucherLine
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.formatting import money
from app.limits import AMOUNT, FIRST_DAY, LAST_DAY, MAX_ID, clean_text, parse_int, parse_number
from app.numbering import next_number

# The ledger account a money account of each kind sits under (its own leaf is parent + two digits).
PARENT_CODES = {MoneyKind.CASH: "1001", MoneyKind.BANK: "1002", MoneyKind.WECHAT: "1012",
                MoneyKind.ALIPAY: "1012", MoneyKind.OTHER: "1012"}
OPENING = "opening_money"  # the posting rule of an opening balance
STATEMENT_ROWS = 500  # lines a statement shows at most; a longer range is narrowed by the user


KIND_ORDER = list(MoneyKind)  # the till first, then banks, WeChat, Alipay, others


def _in_order(accounts) -> list[MoneyAccount]:
    return sorted(accounts, key=lambda account: (not account.active, KIND_ORDER.index(account.kind), account.id))


def accounts() -> list[MoneyAccount]:
    """Every money account, active ones first, by kind."""
    chart.ensure()
    return _in_order(db.session.scalars(select(MoneyAccount).options(selectinload(MoneyAccount.account))))


def with_balances() -> tuple[list[tuple[MoneyAccount, Decimal]], Decimal]:
    """[(account, balance in the books)] and their total."""
    rows = [(account, balances.balance(account.account)) for account in accounts()]
    return rows, sum((balance for _account, balance in rows), ZERO)


def choices() -> list[tuple[int, str]]:
    """(id, name) of the active accounts, for a select: names only, no balances (salespeople pick from it too)."""
    return [(account.id, account.name) for account in posting_accounts()]


def posting_accounts() -> list[MoneyAccount]:
    chart.ensure()
    return _in_order(db.session.scalars(select(MoneyAccount).where(MoneyAccount.active.is_(True))))


# --- creating and changing an account ------------------------------------------------------------------------------

def _name(values: dict, account: MoneyAccount | None = None) -> str:
    name = clean_text(str(values.get("name") or "")).strip()
    if not name:
        raise BusinessRuleError(_("Enter a name."), "name")
    if len(name) > 60:
        raise BusinessRuleError(_("At most %(max)s characters.", max=60), "name")
    taken = db.session.scalar(select(MoneyAccount.id).where(func.lower(MoneyAccount.name) == name.lower()))
    if taken is not None and (account is None or taken != account.id):
        raise BusinessRuleError(_("There is already a money account named %(name)s.", name=name), "name")
    return name


def _opening(values: dict) -> tuple[Decimal, date | None]:
    amount = parse_number(values.get("opening_balance") or "0", AMOUNT, "opening_balance")
    opened_on = values.get("opened_on")
    if opened_on is not None and not FIRST_DAY <= opened_on <= LAST_DAY:
        raise BusinessRuleError(_("Enter a date from %(first)s to %(last)s.", first=FIRST_DAY.isoformat(),
                                  last=LAST_DAY.isoformat()), "opened_on")
    if amount and opened_on is None:
        opened_on = business_today()  # a balance is held from some day: today unless told
    return amount, opened_on


def _text(values: dict, field: str, longest: int) -> str:
    return clean_text(str(values.get(field) or "")).strip()[:longest]


def _next_code(parent: Account) -> str:
    """The parent's code plus the next two digits free under it (100201, 100202 ...)."""
    codes = db.session.scalars(select(Account.code).where(Account.code.startswith(parent.code, autoescape=True),
                                                          func.length(Account.code) == len(parent.code) + 2)).all()
    last = max((int(code[-2:]) for code in codes if code[-2:].isdigit()), default=0)
    if last >= 99:
        raise BusinessRuleError(_("%(account)s has no room for another sub-account.", account=str(parent)), "kind")
    return f"{parent.code}{last + 1:02d}"


def create_account(actor, values: dict) -> MoneyAccount:
    """A new money account with its own leaf under 库存现金, 银行存款 or 其他货币资金, and its opening balance's
    voucher when it has one."""
    chart.ensure()
    name = _name(values)
    try:
        kind = MoneyKind(values.get("kind"))
    except ValueError:
        raise BusinessRuleError(_("Choose what kind of account it is."), "kind") from None
    amount, opened_on = _opening(values)
    # Locked: two accounts added at once under one parent would both take its next code.
    parent = db.session.scalar(select(Account).where(Account.code == PARENT_CODES[kind]).with_for_update())
    leaf = Account(code=_next_code(parent), name=name, type=AccountType.ASSET, debit_normal=True)
    account = MoneyAccount(name=name, kind=kind, account=leaf, bank_name=_text(values, "bank_name", 100),
                           account_number=_text(values, "account_number", 50), opening_balance=amount,
                           opened_on=opened_on, active=bool(values.get("active", True)))
    db.session.add(account)
    db.session.flush()
    audit.record(actor, "money_account.create", account, {"name": (None, name), "kind": (None, kind),
                                                          "opening_balance": (None, amount)})
    if amount:
        posting.restate(actor, OPENING, account)
    return account


def update_account(actor, account: MoneyAccount, values: dict) -> MoneyAccount:
    """Change an account's details; a changed opening balance or date restates its voucher (withdrawn at zero).
    Its kind stays: the leaf it posts to sits under its kind's account."""
    if values.get("kind") not in (None, account.kind, account.kind.value):
        raise BusinessRuleError(_("The kind of a money account cannot change: add a new account instead."), "kind")
    name = _name(values, account)
    amount, opened_on = _opening(values)
    active = bool(values.get("active", account.active))
    held = balances.balance(account.account)
    if not active and account.active and held != 0:
        raise BusinessRuleError(_("%(name)s still holds %(amount)s: transfer it to another account before "
                                  "deactivating it.", name=account.name, amount=money(held)), "active")
    opening_changed = (amount, opened_on) != (account.opening_balance, account.opened_on)
    changes = audit.apply_changes(account, {"name": name, "bank_name": _text(values, "bank_name", 100),
                                            "account_number": _text(values, "account_number", 50),
                                            "opening_balance": amount, "opened_on": opened_on, "active": active})
    account.account.name = name  # its ledger account is named after it
    if changes:
        audit.record(actor, "money_account.update", account, changes)
    if opening_changed:
        db.session.flush()
        if amount:
            posting.restate(actor, OPENING, account)
        else:
            posting.withdraw(OPENING, account)
    return account


# --- transfers -----------------------------------------------------------------------------------------------------

def active_account(account_id, field: str) -> MoneyAccount:
    try:
        account = db.session.get(MoneyAccount, parse_int(account_id, 1, MAX_ID))
    except ValueError:
        account = None
    if account is None:
        raise BusinessRuleError(_("Choose a money account."), field)
    if not account.active:
        raise BusinessRuleError(_("%(name)s is inactive: choose an active account.", name=account.name), field)
    return account


def create_transfer(actor, from_id, to_id, amount, moved_on: date | None = None, notes: str = "") -> MoneyTransfer:
    """Move money between two active accounts (cash paid into the bank, the WeChat balance withdrawn)."""
    source = active_account(from_id, "from_account_id")
    target = active_account(to_id, "to_account_id")
    if source.id == target.id:
        raise BusinessRuleError(_("Choose two different accounts."), "to_account_id")
    amount = parse_number(amount, AMOUNT, "amount")
    if amount <= 0:
        raise BusinessRuleError(_("Enter an amount above zero."), "amount")
    moved_on = moved_on or business_today()
    posting.check_open(moved_on, "moved_on")
    transfer = MoneyTransfer(number=next_number("MT"), from_account=source, to_account=target, amount=amount,
                             moved_on=moved_on, notes=clean_text(notes or "").strip()[:200],
                             user_id=getattr(actor, "id", None))
    db.session.add(transfer)
    audit.record(actor, "money_transfer.create", transfer, {"from": (None, source.name), "to": (None, target.name),
                                                            "amount": (None, amount)})
    posting.post(actor, "money_transfer", transfer)
    return transfer


def transfers(limit: int = 200) -> list[MoneyTransfer]:
    return db.session.scalars(select(MoneyTransfer).options(selectinload(MoneyTransfer.from_account),
                                                            selectinload(MoneyTransfer.to_account))
                              .order_by(MoneyTransfer.moved_on.desc(), MoneyTransfer.id.desc()).limit(limit)).all()


# --- the statement -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StatementRow:
    line: VoucherLine
    voucher: Voucher
    money_in: Decimal
    money_out: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    opening: Decimal  # the balance before `first`
    rows: list[StatementRow]
    closing: Decimal
    more: bool  # more lines than STATEMENT_ROWS in the range: the closing is still the range's


def _lines_on(leaf_id: int, first: date, last: date):
    return (select(VoucherLine).join(Voucher).where(VoucherLine.account_id == leaf_id,
                                                    VoucherLine.booked_on.between(first, last)))


def _net(account: MoneyAccount, *where) -> Decimal:
    debit, credit = db.session.execute(select(func.sum(VoucherLine.debit), func.sum(VoucherLine.credit))
                                       .where(VoucherLine.account_id == account.account_id, *where)).one()
    return (debit or ZERO) - (credit or ZERO)


def balance_on(account: MoneyAccount, day: date) -> Decimal:
    """What the books say the account held at the end of `day` (its leaf's lines, to the day)."""
    return _net(account, VoucherLine.booked_on <= day)


def statement(account: MoneyAccount, first: date, last: date) -> Statement:
    """The account's voucher lines from `first` to `last`, oldest first, each with the balance after it."""
    opening = _net(account, VoucherLine.booked_on < first)
    lines = db.session.scalars(_lines_on(account.account_id, first, last)
                               .options(selectinload(VoucherLine.voucher))
                               .order_by(VoucherLine.booked_on, Voucher.period, Voucher.seq, VoucherLine.id)
                               .limit(STATEMENT_ROWS + 1)).all()
    rows, running = [], opening
    for line in lines[:STATEMENT_ROWS]:
        running += line.debit - line.credit
        rows.append(StatementRow(line, line.voucher, line.debit, line.credit, running))
    return Statement(opening, rows, balance_on(account, last), len(lines) > STATEMENT_ROWS)
