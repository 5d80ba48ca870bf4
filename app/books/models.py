"""The books (账簿): the chart of accounts, vouchers (记账凭证) and their lines, month totals and closed months.

Account codes follow the 4-2-2 rule of Chinese charts: a sub-account's code is its parent's plus two digits
(1002 银行存款 → 100201 工商银行), so the tree is read off the codes. Postings go to leaf accounts only.
"""
import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.amounts import ZERO
from app.db_types import Money, UTCDateTime, enum_column, utcnow
from app.extensions import db


class AccountType(enum.StrEnum):
    """The five classes of 小企业会计准则 (资产, 负债, 所有者权益, 成本, 损益)."""

    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    COST = "cost"
    PROFIT_LOSS = "profit_loss"

    @property
    def label(self):
        return ACCOUNT_TYPE_LABELS[self]


ACCOUNT_TYPE_LABELS = {AccountType.ASSET: _l("Assets"), AccountType.LIABILITY: _l("Liabilities"),
                       AccountType.EQUITY: _l("Owner's equity"), AccountType.COST: _l("Costs"),
                       AccountType.PROFIT_LOSS: _l("Profit and loss")}


class Account(db.Model):
    """A ledger account (会计科目). `role` names what the posting rules address it by (receivables, stock...):
    the rules say "receivables", the chart says which account that is."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    type: Mapped[AccountType] = mapped_column(enum_column(AccountType))
    debit_normal: Mapped[bool]  # 借方 balance (assets, costs, expenses) or 贷方
    role: Mapped[str | None] = mapped_column(String(30), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def parent_code(self) -> str | None:
        return self.code[:-2] if len(self.code) > 4 else None

    @property
    def level(self) -> int:
        return 1 + (len(self.code) - 4) // 2

    @property
    def direction(self):
        return _l("Dr") if self.debit_normal else _l("Cr")

    def __str__(self):
        return f"{self.code} {self.name}"


class Voucher(db.Model):
    """A 记账凭证: balanced lines, numbered per month (记-0001), made by a posting document (`source_type`,
    `source_id`) or by hand (`source_type` "manual")."""

    __table_args__ = (UniqueConstraint("period", "seq"), UniqueConstraint("source_type", "source_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7))  # "2026-12"
    seq: Mapped[int] = mapped_column(Integer)
    booked_on: Mapped[date] = mapped_column(Date, index=True)
    memo: Mapped[str] = mapped_column(String(200), default="")
    source_type: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[int | None]
    source_number: Mapped[str] = mapped_column(String(30), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when an opening voucher was restated

    user = relationship("User")
    lines: Mapped[list["VoucherLine"]] = relationship(back_populates="voucher", order_by="VoucherLine.id",
                                                      cascade="all, delete-orphan")

    @property
    def number(self) -> str:
        return f"记-{self.seq:04d}"

    @property
    def debit_total(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit_total(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)


class VoucherLine(db.Model):
    """One side of a voucher: an account debited or credited, with the partner it concerns (辅助核算)."""

    __table_args__ = (Index("ix_voucher_line_account_booked", "account_id", "booked_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    booked_on: Mapped[date] = mapped_column(Date)  # the voucher's, here for the ledgers' index
    memo: Mapped[str] = mapped_column(String(200), default="")
    debit: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    credit: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"))

    voucher: Mapped[Voucher] = relationship(back_populates="lines")
    account: Mapped[Account] = relationship()
    customer = relationship("Customer")
    supplier = relationship("Supplier")


class AccountMonth(db.Model):
    """Debits and credits of an account in a month, kept by the posting function so statements read months, not
    lines (`flask check` proves they equal the lines)."""

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    debit: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    credit: Mapped[Decimal] = mapped_column(Money(), default=ZERO)


class ClosedPeriod(db.Model):
    """A month finance has closed (结账): nothing may be dated in it until it is reopened."""

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    closed_by = relationship("User")

    @property
    def name(self) -> str:  # what the audit log labels the entry with
        return self.period


class MoneyKind(enum.StrEnum):
    """Where money is kept: the ledger account a money account of this kind sits under."""

    CASH = "cash"
    BANK = "bank"
    WECHAT = "wechat"
    ALIPAY = "alipay"
    OTHER = "other"

    @property
    def label(self):
        return MONEY_KIND_LABELS[self]


MONEY_KIND_LABELS = {MoneyKind.CASH: _l("Cash"), MoneyKind.BANK: lazy_pgettext("money account kind", "Bank account"), MoneyKind.WECHAT: _l("WeChat"),
                     MoneyKind.ALIPAY: _l("Alipay"), MoneyKind.OTHER: _l("Other")}


class MoneyAccount(db.Model):
    """A 资金账户 (the till, a bank account, the WeChat or Alipay balance), each with its own leaf ledger account."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[MoneyKind] = mapped_column(enum_column(MoneyKind))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), unique=True)
    bank_name: Mapped[str] = mapped_column(String(100), default="")
    account_number: Mapped[str] = mapped_column(String(50), default="")
    opening_balance: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    opened_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[Account] = relationship()

    def __str__(self):
        return self.name


class MoneyTransfer(db.Model):
    """Money moved between two of our money accounts (cash to the bank, WeChat balance withdrawn)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    from_account_id: Mapped[int] = mapped_column(ForeignKey("money_account.id"), index=True)
    to_account_id: Mapped[int] = mapped_column(ForeignKey("money_account.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    moved_on: Mapped[date] = mapped_column(Date, index=True)
    notes: Mapped[str] = mapped_column(String(200), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    from_account: Mapped[MoneyAccount] = relationship(foreign_keys=[from_account_id])
    to_account: Mapped[MoneyAccount] = relationship(foreign_keys=[to_account_id])
    user = relationship("User")


class MoneyDirection(enum.StrEnum):
    EXPENSE = "expense"
    INCOME = "income"

    @property
    def label(self):
        return {MoneyDirection.EXPENSE: _l("Expense"), MoneyDirection.INCOME: _l("Other income")}[self]


class ExpenseCategory(db.Model):
    """What an expense or other income is for (房租, 工资, 运费...) and the account it posts to."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    direction: Mapped[MoneyDirection] = mapped_column(enum_column(MoneyDirection))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (UniqueConstraint("direction", "name"),)

    account: Mapped[Account] = relationship()


class Expense(db.Model):
    """An expense paid (费用) or other income received (其他收入) from or into a money account."""

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    direction: Mapped[MoneyDirection] = mapped_column(enum_column(MoneyDirection))
    category_id: Mapped[int] = mapped_column(ForeignKey("expense_category.id"), index=True)
    money_account_id: Mapped[int] = mapped_column(ForeignKey("money_account.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())  # paid or received in all, tax included
    tax: Mapped[Decimal] = mapped_column(Money(), default=ZERO)  # deductible input VAT on a special fapiao
    spent_on: Mapped[date] = mapped_column(Date, index=True)
    notes: Mapped[str] = mapped_column(String(200), default="")
    # The receipt or fapiao photo, resized; in the database like product photos, so app servers stay stateless.
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    photo_version: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[ExpenseCategory] = relationship()
    money_account: Mapped[MoneyAccount] = relationship()
    supplier = relationship("Supplier")
    user = relationship("User")


class BankStatementLine(db.Model):
    """A line of a bank's (or WeChat's, Alipay's) statement, imported to reconcile a money account against; matched
    to the voucher line that books the same money."""

    id: Mapped[int] = mapped_column(primary_key=True)
    money_account_id: Mapped[int] = mapped_column(ForeignKey("money_account.id"), index=True)
    booked_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())  # signed: + in, - out
    description: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    voucher_line_id: Mapped[int | None] = mapped_column(ForeignKey("voucher_line.id", ondelete="SET NULL"),
                                                        unique=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    money_account: Mapped[MoneyAccount] = relationship()
    voucher_line = relationship("VoucherLine")
