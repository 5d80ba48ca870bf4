"""The one posting function: a document's voucher, written in the document's own transaction.

`post` reads the document's rule (app.books.rules), turns its entries into balanced voucher lines on leaf accounts,
numbers the voucher in its month (记-0001, gapless, like document numbers) and adds the lines to the month totals.
It runs last in the document's transaction: the voucher counter and the month totals are the last locks taken, in
one order (counter, then accounts by id), so documents posting at once queue rather than deadlock.
"""
from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import cache

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import make_transient_to_detached

from app.amounts import CENT, ZERO
from app.books import chart
from app.books.models import Account, AccountMonth, ClosedPeriod, Voucher, VoucherLine
from app.books.rules import MANUAL, RULES, Entry, Figures
from app.db_types import Money, utcnow
from app.errors import BusinessRuleError
from app.extensions import db
from app.numbering import DocumentSequence

VOUCHER_COUNTER = "记"  # the DocumentSequence prefix; its "year" holds the month as yyyymm


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def is_closed(day: date) -> bool:
    return db.session.get(ClosedPeriod, period_of(day)) is not None


def check_open(day: date, field: str = "booked_on") -> None:
    """Refuse a date in a closed month, in words that say what to do."""
    if is_closed(day):
        raise _closed(day, field)


def _closed(day: date, field: str) -> BusinessRuleError:
    return BusinessRuleError(_("%(month)s is closed: nothing can be dated in it any more. Choose a date in an open "
                               "month, or ask finance to reopen %(month)s.", month=format_date(day, "yyyy-MM")), field)


class UnbalancedVoucher(RuntimeError):
    """A rule whose entries do not balance: a programming error, never the user's."""


def voucher_of(source: str, document_id: int) -> Voucher | None:
    return db.session.scalar(select(Voucher).where(Voucher.source_type == source, Voucher.source_id == document_id))


def post(actor, source: str, document, moves=None) -> Voucher | None:
    """Write `document`'s voucher by its rule (`source`, one of app.books.rules.RULES); none when every figure is
    zero, as for a transfer (`flask check` knows: see `changes_value`). `moves`: every stock move the document
    posted, as post_moves answered them (their value, not read back from the ledger).

    Four statements whatever the number of lines: the voucher's number (which also says whether its month is closed
    and which accounts the roles are), the voucher, its lines, the month totals; a fifth sums a stock document's
    moves when they are not given."""
    rule = RULES[source]
    figures = rule.read(document, moves)
    if not any(figures.amounts[entry.figure] for entry in rule.entries):
        check_open(figures.booked_on, rule.dated_by)  # it books nothing, but is still refused in a closed month
        return None  # it changed no value (a count that found everything in place): nothing to book
    if figures.partner is not None:  # a lazy label (an adjustment's kind): translated once, for both memos
        figures = replace(figures, partner=str(figures.partner))
    period, seq, roles = _number(figures.booked_on, rule.dated_by)
    voucher = Voucher(period=period, seq=seq, booked_on=figures.booked_on, memo=_memo(rule.title, figures),
                      source_type=source, source_id=document.id, source_number=figures.number,
                      user_id=getattr(actor, "id", None))
    return _write(voucher, _lines(rule.entries, figures, roles))


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
    lines = _lines(rule.entries, figures, chart.role_ids())
    if not lines:
        withdraw(source, document)
        return None
    # The counter before the month totals, as in `post`: the same lock order everywhere.
    moved = _number(figures.booked_on, rule.dated_by)[:2] if period_of(figures.booked_on) != voucher.period else None
    _unbook(voucher)
    voucher.lines.clear()
    db.session.flush()
    if moved:  # moved to another month: numbered there
        voucher.period, voucher.seq = moved
    voucher.booked_on, voucher.memo = figures.booked_on, _memo(rule.title, figures)
    voucher.source_number = figures.number
    voucher.updated_at = utcnow()
    return _write(voucher, lines)


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
    """A voucher finance enters by hand (accruals, writing off stock differences, owner's capital). `lines` are
    not added to the session: the voucher's lines are written from them (read them back from `voucher.lines`)."""
    period, seq, _roles = _number(booked_on, "booked_on")
    voucher = Voucher(period=period, seq=seq, booked_on=booked_on, memo=memo, source_type=MANUAL, source_id=None,
                      source_number="", user_id=getattr(actor, "id", None))
    return _write(voucher, [{"account_id": line.account_id, "memo": line.memo or "", "debit": line.debit,
                             "credit": line.credit, "customer_id": line.customer_id, "supplier_id": line.supplier_id}
                            for line in lines])


def _memo(title, figures: Figures) -> str:
    # Each part made text once: a lazy title or label is translated anew every time it is read, even for `if part`.
    return " ".join(text for text in (str(part) for part in (title, figures.number, figures.partner)
                                      if part is not None) if text)[:200]


def _lines(entries: tuple[Entry, ...], figures: Figures, roles: dict[str, int]) -> list[dict]:
    """Voucher lines for the entries, one per account and side (a partner on the receivables or payables line), as
    rows of the voucher_line table less the voucher's columns. `roles`: {role: account id}."""
    accounts = roles | figures.accounts
    partner = {accounts["receivables"]: (figures.customer_id, None), accounts["payables"]: (None, figures.supplier_id)}
    sides: dict[tuple[int, bool], Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        amount = figures.amounts[entry.figure]
        if amount == 0:
            continue
        debit, credit = (entry.debit, entry.credit) if amount > 0 else (entry.credit, entry.debit)
        sides[(accounts[debit], True)] += abs(amount)
        sides[(accounts[credit], False)] += abs(amount)
    memo = _memo("", figures)
    lines = []
    for (account_id, is_debit), amount in sides.items():
        if amount:
            customer_id, supplier_id = partner.get(account_id, (None, None))
            lines.append({"account_id": account_id, "memo": memo, "debit": amount if is_debit else ZERO,
                          "credit": ZERO if is_debit else amount, "customer_id": customer_id,
                          "supplier_id": supplier_id})
    return lines


def _number(day: date, field: str) -> tuple[str, int, dict[str, int]]:
    """The voucher's month, its next number there and the chart's {role: account id}, refusing a closed month.

    One statement: the counter's bump also reads whether the month is closed and the roles. A statement of its own
    costs the document's request 0.1-0.4 ms of CPU (PostgreSQL's round trips the more), and neither answer may be
    kept from one transaction to the next: another process may close the month, or give a role to a new
    sub-account."""
    connection = db.session.connection()
    period = period_of(day)
    seq, closed, roles = connection.execute(_number_statement(connection.dialect.name), {
        "prefix": VOUCHER_COUNTER, "year": day.year * 100 + day.month, "period": period}).one()
    if closed:
        raise _closed(day, field)
    found = dict(pair.split("=") for pair in roles.split(",")) if roles else None
    # No roles: a new database, whose chart is seeded on first use.
    return period, seq, {role: int(account_id) for role, account_id in found.items()} if found else chart.role_ids()


def _write(voucher: Voucher, lines: list[dict]) -> Voucher:
    """Write the numbered `voucher` (new, or restated) with `lines`, then add them to the month totals."""
    debit = sum((line["debit"] for line in lines), ZERO)
    credit = sum((line["credit"] for line in lines), ZERO)
    if debit != credit or any(line["debit"].quantize(CENT) != line["debit"]
                              or line["credit"].quantize(CENT) != line["credit"] for line in lines):
        raise UnbalancedVoucher(f"{voucher.source_type} {voucher.source_number}: debits {debit} != credits {credit}")
    connection = db.session.connection()
    if voucher.id is None:
        # Written as it is, then added to the session as loaded: a flush of the unit of work for one row (and of all
        # the document had pending, with the flush hooks) cost more than the rest of the posting.
        voucher.created_at, voucher.updated_at = utcnow(), None
        voucher.id = connection.execute(_INSERT_VOUCHER, {column: getattr(voucher, column)
                                                          for column in _VOUCHER_COLUMNS}).scalar_one()
        make_transient_to_detached(voucher)  # its lines (and user) load when read
        db.session.add(voucher)
    else:
        db.session.flush()  # a restated voucher's own changes
        db.session.expire(voucher, ["lines"])
    # One executemany, not one INSERT ... RETURNING per line through the unit of work: nothing needs their ids now.
    if lines:  # (none at all would insert one row of defaults)
        connection.execute(_INSERT_LINE, [{**line, "voucher_id": voucher.id, "booked_on": voucher.booked_on}
                                          for line in lines])
    _book(voucher.period, ((line["account_id"], line["debit"], line["credit"]) for line in lines), 1)
    return voucher


def _unbook(voucher: Voucher) -> None:
    _book(voucher.period, ((line.account_id, line.debit, line.credit) for line in voucher.lines), -1)


def _book(period: str, lines, sign: int) -> None:
    """Add (or, with sign -1, take back) the lines, (account id, debit, credit), in the month totals: one upsert
    of every account, in id order (the lock order)."""
    totals: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for account_id, debit, credit in lines:
        totals[account_id][0] += debit
        totals[account_id][1] += credit
    if totals:
        db.session.connection().execute(_ADD, [
            {"account_id": account_id, "period": period, "debit": sign * totals[account_id][0],
             "credit": sign * totals[account_id][1]} for account_id in sorted(totals)])


_VOUCHER_COLUMNS = ("period", "seq", "booked_on", "memo", "source_type", "source_id", "source_number", "user_id",
                    "created_at", "updated_at")
_INSERT_VOUCHER = Voucher.__table__.insert().returning(Voucher.__table__.c.id)
_INSERT_LINE = VoucherLine.__table__.insert()

# The voucher counter's bump (app.numbering), returning also whether the month is closed and the chart's roles as
# "role=id,role=id" (roles are plain words). Plain SQL but for the name of the string aggregate.
_NUMBER = (f"INSERT INTO {DocumentSequence.__tablename__} (prefix, year, last) VALUES (:prefix, :year, 1) "
           f"ON CONFLICT (prefix, year) DO UPDATE SET last = {DocumentSequence.__tablename__}.last + 1 "
           f"RETURNING last, EXISTS (SELECT 1 FROM {ClosedPeriod.__tablename__} WHERE period = :period), "
           f"(SELECT {{aggregate}}(role || '=' || id, ',') FROM {Account.__tablename__} WHERE role IS NOT NULL)")
_AGGREGATE = {"sqlite": "group_concat", "postgresql": "string_agg"}


@cache
def _number_statement(dialect: str):
    return text(_NUMBER.format(aggregate=_AGGREGATE[dialect]))


# Plain SQL both engines run as is, as in app.numbering: one atomic upsert, run for every account at once (an
# executemany, as the stock ledger's totals in app.inventory.totals).
_TABLE = AccountMonth.__tablename__
_ADD = text(f"INSERT INTO {_TABLE} (account_id, period, debit, credit) VALUES (:account_id, :period, :debit, :credit) "
            f"ON CONFLICT (account_id, period) DO UPDATE SET debit = {_TABLE}.debit + excluded.debit, "
            f"credit = {_TABLE}.credit + excluded.credit").bindparams(bindparam("debit", type_=Money()),
                                                                      bindparam("credit", type_=Money()))
