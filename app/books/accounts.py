"""The chart of accounts as finance edits it (科目设置): the tree with balances, renaming, sub-accounts, deactivating
and deleting, each change audited.

A sub-account's code is its parent's plus the next two digits (4-2-2-2, at most four levels). When the parent was
a leaf that was already in use, what used it moves to the new sub-account, as 金蝶 does: its voucher lines and month
totals, the role the posting rules address it by, and the money accounts and expense categories that post there.
Postings only ever go to leaves, so the parent's figures stay the same: they are now the sum of its one child.
"""
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.amounts import ZERO
from app.audit import services as audit
from app.books import balances, chart
from app.books.models import Account, AccountMonth, AccountType, ExpenseCategory, MoneyAccount, VoucherLine
from app.books.rules import ROLE_LABELS
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import unstorable

MAX_LEVEL = 4  # 4-2-2-2: 1002 银行存款 / 100201 / 10020101 / 1002010101
NAME_LENGTH = 60


@dataclass
class Row:
    """An account as the chart shows it: its place in the tree, its balance and what posts to it."""

    account: Account
    balance: Decimal  # on the account's normal side, sub-accounts included
    leaf: bool
    uses: list[str]  # what posts here: the rule's role, money accounts, expense categories

    @property
    def role_label(self):
        return ROLE_LABELS.get(self.account.role) if self.account.role else None


def _sub_accounts(account: Account):
    """The accounts under `account` (their codes extend its code), not itself."""
    return select(Account).where(Account.code.startswith(account.code, autoescape=True), Account.id != account.id)


def _users(account_ids) -> dict[int, list[str]]:
    """{account id: names of the money accounts and expense categories posting there}."""
    found: dict[int, list[str]] = {}
    for account_id, name in db.session.execute(select(MoneyAccount.account_id, MoneyAccount.name)
                                               .where(MoneyAccount.account_id.in_(account_ids))):
        found.setdefault(account_id, []).append(_("Money account %(name)s", name=name))
    for account_id, name in db.session.execute(select(ExpenseCategory.account_id, ExpenseCategory.name)
                                               .where(ExpenseCategory.account_id.in_(account_ids))):
        found.setdefault(account_id, []).append(_("Category %(name)s", name=name))
    return found


def tree() -> list[tuple[AccountType, list[Row]]]:
    """Every account by class (资产, 负债, 所有者权益, 成本, 损益), in code order, with its balance now."""
    chart.ensure()
    accounts = db.session.scalars(select(Account).order_by(Account.code)).all()
    sums = dict((account_id, debit - credit) for account_id, debit, credit in db.session.execute(
        select(AccountMonth.account_id, func.sum(AccountMonth.debit), func.sum(AccountMonth.credit))
        .group_by(AccountMonth.account_id)))
    by_code = {account.code: account for account in accounts}
    signed: dict[str, Decimal] = {}
    for account in accounts:  # each account's own lines, added to it and to every parent above it
        code = account.code
        while code is not None and code in by_code:
            signed[code] = signed.get(code, ZERO) + (sums.get(account.id) or ZERO)
            code = by_code[code].parent_code
    parents = {account.parent_code for account in accounts}
    users = _users([account.id for account in accounts])
    groups = {kind: [] for kind in AccountType}
    for account in accounts:
        balance = signed[account.code] if account.debit_normal else -signed[account.code]
        groups[account.type].append(Row(account, balance, account.code not in parents, users.get(account.id, [])))
    return [(kind, rows) for kind, rows in groups.items() if rows]


def get(account_id: int) -> Account | None:
    chart.ensure()
    return db.session.get(Account, account_id)


def is_leaf(account: Account) -> bool:
    return not chart.has_children(account.code)


def balance(account: Account) -> Decimal:
    """The account's balance now, on its normal side, sub-accounts included."""
    return balances.balance(account)


def stock_differences(period: str) -> tuple[Account, Decimal] | None:
    """待处理财产损溢 and its balance at the end of `period`, when stock gains or losses wait there unwritten-off
    (finance writes them off with a voucher before closing the month)."""
    account = chart.by_role().get("stock_differences")
    if account is None:
        return None
    amount = balances.balance(account, period)
    return (account, amount) if amount else None


def line_count(account: Account) -> int:
    return db.session.scalar(select(func.count()).select_from(VoucherLine).where(VoucherLine.account_id == account.id))


def uses(account: Account) -> list[str]:
    """What posts to the account besides vouchers entered by hand: its role in the rules, money accounts and
    expense categories, in words."""
    found = [_("the posting rules (%(role)s)", role=ROLE_LABELS.get(account.role, account.role))] if account.role else []
    return found + _users([account.id]).get(account.id, [])


def _name(text) -> str:
    name = " ".join(str(text or "").split())
    if not name:
        raise BusinessRuleError(_("Enter a name."), "name")
    if len(name) > NAME_LENGTH or unstorable(name):
        raise BusinessRuleError(_("Enter a name of at most %(count)d characters.", count=NAME_LENGTH), "name")
    return name


def rename(actor, account: Account, text) -> None:
    name = _name(text)
    changes = audit.apply_changes(account, {"name": name})
    if changes:
        audit.record(actor, "account.rename", account, changes)


def next_code(parent: Account) -> str:
    """The parent's code and the next free two digits (01 for its first sub-account)."""
    codes = db.session.scalars(select(Account.code).where(Account.code.startswith(parent.code, autoescape=True),
                                                          func.length(Account.code) == len(parent.code) + 2)).all()
    taken = max((int(code[-2:]) for code in codes if code[-2:].isdigit()), default=0)
    if taken >= 99:
        raise BusinessRuleError(_("%(account)s already has 99 sub-accounts.", account=str(parent)), "name")
    return f"{parent.code}{taken + 1:02d}"


def add_sub_account(actor, parent: Account, text) -> Account:
    """A sub-account under `parent`; a leaf parent's postings, role, money accounts and categories move to it."""
    name = _name(text)
    if parent.level >= MAX_LEVEL:
        raise BusinessRuleError(_("Accounts go at most %(levels)d levels deep: %(account)s cannot have "
                                  "sub-accounts.", levels=MAX_LEVEL, account=str(parent)), "name")
    if not parent.active:
        raise BusinessRuleError(_("%(account)s is inactive: reactivate it first.", account=str(parent)), "name")
    # The parent's row locked first: two sub-accounts added at once take the next codes in turn (PostgreSQL; SQLite
    # writers are serialised already).
    db.session.execute(select(Account.id).where(Account.id == parent.id).with_for_update())
    was_leaf = is_leaf(parent)
    child = Account(code=next_code(parent), name=name, type=parent.type, debit_normal=parent.debit_normal)
    db.session.add(child)
    db.session.flush()
    moved = _move_uses(parent, child) if was_leaf else {}
    audit.record(actor, "account.create", child, {"code": (None, child.code), "name": (None, name), **moved})
    return child


def _move_uses(parent: Account, child: Account) -> dict:
    """Move what used the leaf `parent` to its new first sub-account; returns the audit's note of it."""
    lines = db.session.execute(update(VoucherLine).where(VoucherLine.account_id == parent.id)
                               .values(account_id=child.id)).rowcount
    db.session.execute(update(AccountMonth).where(AccountMonth.account_id == parent.id).values(account_id=child.id))
    db.session.execute(update(MoneyAccount).where(MoneyAccount.account_id == parent.id).values(account_id=child.id))
    db.session.execute(update(ExpenseCategory).where(ExpenseCategory.account_id == parent.id)
                       .values(account_id=child.id))
    role = parent.role
    if role:  # unique: off the parent before it goes on the child
        parent.role = None
        db.session.flush()
        child.role = role
    db.session.flush()
    db.session.expire_all()  # relationships loaded before the bulk updates point at the parent
    moved = {"moved_from": (None, parent.code)}
    if lines:
        moved["voucher_lines"] = (None, lines)
    if role:
        moved["role"] = (None, role)
    return moved


def deletion_refusals(account: Account) -> list[str]:
    """Why `account` may not be deleted, in words (empty when it may)."""
    reasons = []
    if chart.has_children(account.code):
        reasons.append(_("it has sub-accounts"))
    if line_count(account):
        reasons.append(_("vouchers post to it"))
    return reasons + [_("%(what)s posts to it", what=what) for what in uses(account)]


def delete(actor, account: Account) -> None:
    """Delete an account nothing uses (entered by mistake); refused, saying why, when anything does."""
    reasons = deletion_refusals(account)
    if reasons:
        raise BusinessRuleError(_("%(account)s cannot be deleted: %(reasons)s. Deactivate it instead.",
                                  account=str(account), reasons=_("; ").join(reasons)), "account")
    audit.record(actor, "account.delete", account, {"code": (account.code, None), "name": (account.name, None)})
    db.session.execute(AccountMonth.__table__.delete().where(AccountMonth.account_id == account.id))  # all zero
    db.session.delete(account)
    db.session.flush()


def set_active(actor, account: Account, active: bool) -> None:
    """Deactivate an account and its sub-accounts (no new vouchers by hand), or reactivate one. Accounts that
    documents post to stay active: the documents would post there anyway."""
    if active:
        parent = db.session.scalar(select(Account).where(Account.code == account.parent_code)) \
            if account.parent_code else None
        if parent is not None and not parent.active:
            raise BusinessRuleError(_("%(account)s is inactive: reactivate it first.", account=str(parent)),
                                    "account")
        targets = [account]
    else:
        targets = [account, *db.session.scalars(_sub_accounts(account))]
        for target in targets:
            if found := uses(target):
                raise BusinessRuleError(_("%(account)s stays active: %(what)s posts to it.",
                                          account=str(target), what=found[0]), "account")
    for target in targets:
        if target.active != active:
            target.active = active
            audit.record(actor, "account.activate" if active else "account.deactivate", target,
                         {"active": (not active, active)})
