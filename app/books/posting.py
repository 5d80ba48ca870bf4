"""The one posting function: a document's voucher, written in the document's own transaction.

`post` reads the document's rule (app.books.rules), turns its entries into balanced voucher lines on leaf accounts,
numbers the voucher in its month (记-0001, gapless, like document numbers) and adds the lines to the month totals.
It runs last in the document's transaction: the voucher counter and the month totals are the last locks taken, in
one order (counter, then accounts by id), so documents posting at once queue rather than deadlock.
"""
from collections import defaultdict
from datetime import date
from decimal import Decimal

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import bindparam, select, text

from app.amounts import CENT, ZERO
from app.books import chart
from app.books.models import AccountMonth, ClosedPeriod, Voucher, VoucherLine
from app.books.rules import MANUAL, RULES, Entry, Figures
from app.db_types import Money, utcnow
from app.errors import BusinessRuleError
from app.extensions import db
from app.numbering import bump

VOUCHER_COUNTER = "记"  # the DocumentSequence prefix; its "year" holds the month as yyyymm


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def is_closed(day: date) -> bool:
    return db.session.get(ClosedPeriod, period_of(day)) is not None


def check_open(day: date, field: str = "booked_on") -> None:
    """Refuse a date in a closed month, in words that say what to do."""
    if is_closed(day):
        raise BusinessRuleError(_("%(month)s is closed: nothing can be dated in it any more. Choose a date in an "
                                  "open month, or ask finance to reopen %(month)s.",
                                  month=format_date(day, "yyyy-MM")), field)


class UnbalancedVoucher(RuntimeError):
    """A rule whose entries do not balance: a programming error, never the user's."""


def voucher_of(source: str, document_id: int) -> Voucher | None:
    return db.session.scalar(select(Voucher).where(Voucher.source_type == source, Voucher.source_id == document_id))


def post(actor, source: str, document) -> Voucher | None:
    """Write `document`'s voucher by its rule (`source`, one of app.books.rules.RULES); none when every figure is
    zero, as for a transfer (`flask check` knows: see `changes_value`)."""
    rule = RULES[source]
    figures = rule.figures(document)
    check_open(figures.booked_on, rule.dated_by)
    lines = _lines(rule.entries, figures)
    if not lines:
        return None  # it changed no value (a count that found everything in place): nothing to book
    voucher = Voucher(booked_on=figures.booked_on, memo=_memo(rule.title, figures), source_type=source,
                      source_id=document.id, source_number=figures.number, user_id=getattr(actor, "id", None))
    return _write(voucher, lines)


def changes_value(source: str, document) -> bool:
    """Whether the document's voucher has lines: one whose figures are all zero posts none."""
    rule = RULES[source]
    amounts = rule.figures(document).amounts
    return any(amounts[entry.figure] for entry in rule.entries)


def restate(actor, source: str, document) -> Voucher | None:
    """An opening balance changed: its voucher follows, keeping its number (a new one when it had none; none, and
    the old one withdrawn, when it comes to zero)."""
    rule = RULES[source]
    assert rule.restated, f"{source} vouchers are never restated"
    voucher = voucher_of(source, document.id)
    if voucher is None:
        return post(actor, source, document)
    figures = rule.figures(document)
    check_open(voucher.booked_on, rule.dated_by)
    check_open(figures.booked_on, rule.dated_by)
    lines = _lines(rule.entries, figures)
    if not lines:
        withdraw(source, document)
        return None
    # The counter before the month totals, as in `post`: the same lock order everywhere.
    moved = _number(figures.booked_on) if period_of(figures.booked_on) != voucher.period else None
    _unbook(voucher)
    voucher.lines.clear()
    db.session.flush()
    if moved:  # moved to another month: numbered there
        voucher.period, voucher.seq = moved
    voucher.booked_on, voucher.memo = figures.booked_on, _memo(rule.title, figures)
    voucher.source_number = figures.number
    voucher.updated_at = utcnow()
    return _write(voucher, lines, numbered=True)


def check_dates(source: str, document, day: date | None) -> None:
    """Refuse, before a service writes anything, to date a restated document (an opening balance) in a closed month,
    or to change or delete one whose voucher is in a closed month. `document` None: a new one."""
    field = RULES[source].dated_by
    if day is not None:
        check_open(day, field)
    voucher = voucher_of(source, document.id) if document is not None and document.id is not None else None
    if voucher is not None:
        check_open(voucher.booked_on, field)


def withdraw(source: str, document) -> None:
    """An opening balance was deleted: its voucher goes with it."""
    assert RULES[source].restated, f"{source} vouchers are never withdrawn"
    voucher = voucher_of(source, document.id)
    if voucher is not None:
        check_open(voucher.booked_on, RULES[source].dated_by)
        _unbook(voucher)
        db.session.delete(voucher)


def post_manual(actor, booked_on: date, memo: str, lines: list[VoucherLine]) -> Voucher:
    """A voucher finance enters by hand (accruals, writing off stock differences, owner's capital)."""
    check_open(booked_on)
    voucher = Voucher(booked_on=booked_on, memo=memo, source_type=MANUAL, source_id=None, source_number="",
                      user_id=getattr(actor, "id", None))
    return _write(voucher, lines)


def _memo(title, figures: Figures) -> str:
    return " ".join(str(part) for part in (title, figures.number, figures.partner) if part)[:200]


def _lines(entries: tuple[Entry, ...], figures: Figures) -> list[VoucherLine]:
    """Voucher lines for the entries, one per account and side (a partner on the receivables or payables line)."""
    accounts = {role: account.id for role, account in chart.by_role().items()} | figures.accounts
    partner = {accounts["receivables"]: {"customer_id": figures.customer_id},
               accounts["payables"]: {"supplier_id": figures.supplier_id}}
    sides: dict[tuple[int, bool], Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        amount = figures.amounts[entry.figure]
        if amount == 0:
            continue
        debit, credit = (entry.debit, entry.credit) if amount > 0 else (entry.credit, entry.debit)
        sides[(accounts[debit], True)] += abs(amount)
        sides[(accounts[credit], False)] += abs(amount)
    memo = _memo("", figures)
    return [VoucherLine(account_id=account_id, memo=memo, debit=amount if is_debit else ZERO,
                        credit=ZERO if is_debit else amount, **partner.get(account_id, {}))
            for (account_id, is_debit), amount in sides.items() if amount]


def _number(day: date) -> tuple[str, int]:
    return period_of(day), bump(db.session, VOUCHER_COUNTER, day.year * 100 + day.month)


def _write(voucher: Voucher, lines: list[VoucherLine], numbered: bool = False) -> Voucher:
    debit = sum((line.debit for line in lines), ZERO)
    credit = sum((line.credit for line in lines), ZERO)
    if debit != credit or any(line.debit.quantize(CENT) != line.debit or line.credit.quantize(CENT) != line.credit
                              for line in lines):
        raise UnbalancedVoucher(f"{voucher.source_type} {voucher.source_number}: debits {debit} != credits {credit}")
    if not numbered:
        voucher.period, voucher.seq = _number(voucher.booked_on)
    for line in lines:
        line.booked_on = voucher.booked_on
        voucher.lines.append(line)
    db.session.add(voucher)
    db.session.flush()
    _book(voucher.period, lines, 1)
    return voucher


def _unbook(voucher: Voucher) -> None:
    _book(voucher.period, voucher.lines, -1)


def _book(period: str, lines, sign: int) -> None:
    """Add (or, with sign -1, take back) the lines in the month totals, accounts in id order."""
    totals: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for line in lines:
        totals[line.account_id][0] += line.debit
        totals[line.account_id][1] += line.credit
    for account_id in sorted(totals):
        debit, credit = totals[account_id]
        db.session.execute(_ADD, {"account_id": account_id, "period": period, "debit": sign * debit,
                                  "credit": sign * credit})


# Plain SQL both engines run as is, as in app.numbering: one atomic upsert per account.
_TABLE = AccountMonth.__tablename__
_ADD = text(f"INSERT INTO {_TABLE} (account_id, period, debit, credit) VALUES (:account_id, :period, :debit, :credit) "
            f"ON CONFLICT (account_id, period) DO UPDATE SET debit = {_TABLE}.debit + excluded.debit, "
            f"credit = {_TABLE}.credit + excluded.credit").bindparams(bindparam("debit", type_=Money()),
                                                                      bindparam("credit", type_=Money()))
