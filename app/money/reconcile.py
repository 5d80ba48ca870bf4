"""Bank reconciliation (银行对账): the bank's statement read from its .xlsx or CSV export, each line matched to the
voucher line that books the same money on the account's leaf, and the differences both ways with the two balances
(the 余额调节表).

Chinese banks' exports differ in layout but not in words: the header is found among the first rows by its names
(交易日期, 收入/支出 or 金额, 摘要, 流水号 ...), title rows above it are skipped, as are rows without a date below
(合计 lines)."""
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.amounts import ZERO
from app.books.models import BankStatementLine, MoneyAccount, Voucher, VoucherLine
from app.db_types import to_decimal
from app.errors import BusinessRuleError
from app.extensions import db
from app.imports.reading import cell_text, read_table
from app.limits import AMOUNT, FIRST_DAY, LAST_DAY, clean_text
from app.money.services import OPENING, balance_on

MAX_LINES = 2000  # statement lines in one file
HEADER_SEARCH = 15  # rows above the header a bank's export may put (account, period, printed on ...)
WINDOW = timedelta(days=3)  # a voucher line matches a statement line dated this close
# Header words of the columns, normalised (no spaces, brackets or their contents, lower case).
HEADERS = {
    "date": ("交易日期", "日期", "记账日期", "交易时间", "入账日期", "date", "transactiondate"),
    "amount": ("金额", "交易金额", "发生额", "amount"),
    "in": ("收入", "收入金额", "贷方金额", "贷方发生额", "存入", "存入金额", "收款金额", "in", "credit"),
    "out": ("支出", "支出金额", "借方金额", "借方发生额", "支取", "支取金额", "付款金额", "out", "debit"),
    "description": ("摘要", "用途", "交易摘要", "附言", "备注", "对方户名", "description", "memo"),
    "reference": ("流水号", "凭证号", "交易流水号", "交易流水", "银行流水号", "reference", "ref"),
}
_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")
_DATE = re.compile(r"\s*([0-9]{4})\s*[-/.年]?\s*([0-9]{1,2})\s*[-/.月]?\s*([0-9]{1,2})")
_MONEY_NOISE = re.compile(r"[\s,，¥￥元]|RMB|CNY", re.IGNORECASE)


def _normal(text: str) -> str:
    return _BRACKETS.sub("", text).replace(" ", "").replace("\u3000", "").rstrip(":：").lower()


def _columns(header: list) -> dict[str, int] | None:
    """{column kind: index} when the row is a statement's header: a date and either an amount or in/out."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _normal(cell_text(cell))
        for kind, words in HEADERS.items():
            if name in words and kind not in found:
                found[kind] = index
                break
    if "date" in found and ("amount" in found or "in" in found or "out" in found):
        return found
    return None


def _date(cell) -> date | None:
    if isinstance(cell, date):
        return cell if not hasattr(cell, "date") else cell.date()
    match = _DATE.match(cell_text(cell))
    if not match:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def _money(cell, row: int) -> Decimal:
    text = _MONEY_NOISE.sub("", cell_text(cell))
    if text in ("", "-", "--"):
        return ZERO
    try:
        amount = to_decimal(text, 2)
    except (TypeError, ValueError):
        raise BusinessRuleError(_("Row %(row)s: %(text)s is not an amount.", row=row, text=cell_text(cell)[:30]),
                                "file") from None
    if abs(amount) > AMOUNT.high:
        raise BusinessRuleError(_("Row %(row)s: %(text)s is over the limit of one amount.", row=row,
                                  text=cell_text(cell)[:30]), "file")
    return amount


def _reader(cells: list, columns: dict[str, int]):
    """The row's cell of a column kind (None when the file has no such column or the row is short)."""
    return lambda kind: cells[columns[kind]] if kind in columns and columns[kind] < len(cells) else None


@dataclass(frozen=True)
class Read:
    lines: list[BankStatementLine]
    skipped: int  # rows without a date (totals, notes)


def read_statement(filename: str, data: bytes) -> Read:
    """The statement's lines (not yet stored): signed amounts, + in, - out."""
    header, body = read_table(filename, data, max_rows=MAX_LINES + HEADER_SEARCH)
    rows = [(1, header)] + body
    for position, (_number, cells) in enumerate(rows[:HEADER_SEARCH]):
        columns = _columns(cells)
        if columns is not None:
            break
    else:
        raise BusinessRuleError(_("No header row with a date column and an amount (or income and expense) column "
                                  "was found, such as 交易日期, 收入, 支出, 摘要, 流水号."), "file")
    lines, skipped = [], 0
    for number, cells in rows[position + 1:]:
        cell = _reader(cells, columns)
        day = _date(cell("date"))
        if day is None:
            skipped += 1
            continue
        amount = (_money(cell("amount"), number) if "amount" in columns
                  else _money(cell("in"), number) - abs(_money(cell("out"), number)))
        if amount == 0:
            skipped += 1
            continue
        lines.append(BankStatementLine(booked_on=day, amount=amount,
                                       description=clean_text(cell_text(cell("description")))[:200],
                                       reference=clean_text(cell_text(cell("reference")))[:100]))
    if not lines:
        raise BusinessRuleError(_("The file has no statement lines with a date and an amount."), "file")
    if len(lines) > MAX_LINES:
        raise BusinessRuleError(_("At most %(max)s rows per file. Split it into smaller files.", max=MAX_LINES), "file")
    return Read(lines, skipped)


def _key(line: BankStatementLine) -> tuple:
    return line.booked_on, line.amount, line.description, line.reference


@dataclass(frozen=True)
class Imported:
    added: int
    already: int  # lines stored by an earlier import of the same statement
    skipped: int
    matched: int


def import_statement(account: MoneyAccount, filename: str, data: bytes) -> Imported:
    """Store the statement's new lines (a statement imported twice adds nothing the second time) and match them."""
    read = read_statement(filename, data)
    stored = Counter(_key(line) for line in db.session.scalars(
        select(BankStatementLine).where(BankStatementLine.money_account_id == account.id)))
    seen: Counter = Counter()
    added = 0
    for line in read.lines:
        seen[_key(line)] += 1
        if seen[_key(line)] <= stored[_key(line)]:  # the same line again (two equal lines in one file are kept)
            continue
        line.money_account_id = account.id
        db.session.add(line)
        added += 1
    db.session.flush()
    return Imported(added, len(read.lines) - added, read.skipped, auto_match(account))


# --- matching --------------------------------------------------------------------------------------------------------

def _matched_ids(account: MoneyAccount):
    return select(BankStatementLine.voucher_line_id).where(BankStatementLine.money_account_id == account.id,
                                                           BankStatementLine.voucher_line_id.is_not(None))


def _unmatched_book_lines(account: MoneyAccount, first: date | None = None, last: date | None = None):
    query = (select(VoucherLine).join(Voucher).options(selectinload(VoucherLine.voucher))
             .where(VoucherLine.account_id == account.account_id, Voucher.source_type != OPENING,
                    VoucherLine.id.not_in(_matched_ids(account))))
    if first is not None:
        query = query.where(VoucherLine.booked_on >= first)
    if last is not None:
        query = query.where(VoucherLine.booked_on <= last)
    return query.order_by(VoucherLine.booked_on, VoucherLine.id)


def _signed(line: VoucherLine) -> Decimal:
    return line.debit - line.credit


def auto_match(account: MoneyAccount) -> int:
    """Match each unmatched statement line to an unmatched voucher line of the same signed amount dated within
    three days (the nearest date first, then the older line); returns how many were matched."""
    waiting = db.session.scalars(select(BankStatementLine).where(BankStatementLine.money_account_id == account.id,
                                                                 BankStatementLine.voucher_line_id.is_(None))
                                 .order_by(BankStatementLine.booked_on, BankStatementLine.id)).all()
    if not waiting:
        return 0
    candidates = db.session.scalars(_unmatched_book_lines(account, waiting[0].booked_on - WINDOW,
                                                          waiting[-1].booked_on + WINDOW)).all()
    matched = 0
    for line in waiting:
        near = [book for book in candidates if _signed(book) == line.amount
                and abs(book.booked_on - line.booked_on) <= WINDOW]
        if near:
            best = min(near, key=lambda book: (abs(book.booked_on - line.booked_on), book.id))
            line.voucher_line_id = best.id
            candidates.remove(best)
            matched += 1
    db.session.flush()
    return matched


def statement_line(account: MoneyAccount, line_id) -> BankStatementLine:
    line = db.session.get(BankStatementLine, line_id)
    if line is None or line.money_account_id != account.id:
        raise BusinessRuleError(_("That statement line is not on this account."), "line_id", problem="not-found")
    return line


def candidates(account: MoneyAccount, lines: list[BankStatementLine], days: int = 31) -> dict[int, list[VoucherLine]]:
    """{statement line id: the unmatched voucher lines of its amount within a month of it, nearest first}, read in
    one query for all the lines."""
    if not lines:
        return {}
    span = timedelta(days=days)
    books = db.session.scalars(_unmatched_book_lines(account, min(line.booked_on for line in lines) - span,
                                                     max(line.booked_on for line in lines) + span)).all()
    return {line.id: sorted((book for book in books if _signed(book) == line.amount
                             and abs(book.booked_on - line.booked_on) <= span),
                            key=lambda book: (abs(book.booked_on - line.booked_on), book.id)) for line in lines}


def match(account: MoneyAccount, line_id, voucher_line_id) -> BankStatementLine:
    """Match by hand: the voucher line must be on this account, unmatched, and of the same signed amount."""
    line = statement_line(account, line_id)
    if line.voucher_line_id is not None:
        raise BusinessRuleError(_("This statement line is already matched: unmatch it first."), "line_id")
    book = db.session.get(VoucherLine, voucher_line_id) if isinstance(voucher_line_id, int) else None
    if book is None or book.account_id != account.account_id:
        raise BusinessRuleError(_("Choose one of this account's lines in the books."), "voucher_line_id")
    if db.session.scalar(select(BankStatementLine.id).where(BankStatementLine.voucher_line_id == book.id)):
        raise BusinessRuleError(_("That line in the books is already matched to another statement line."),
                                "voucher_line_id")
    if _signed(book) != line.amount:
        raise BusinessRuleError(_("The amounts differ: a statement line matches a line in the books of the same "
                                  "amount."), "voucher_line_id")
    line.voucher_line_id = book.id
    return line


def unmatch(account: MoneyAccount, line_id) -> BankStatementLine:
    line = statement_line(account, line_id)
    line.voucher_line_id = None
    return line


def remove(account: MoneyAccount, first: date, last: date) -> int:
    """Delete the statement lines from `first` to `last` (a wrong file imported): the books are untouched."""
    lines = db.session.scalars(select(BankStatementLine).where(BankStatementLine.money_account_id == account.id,
                                                               BankStatementLine.booked_on.between(first, last))).all()
    for line in lines:
        db.session.delete(line)
    return len(lines)


# --- the differences -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Differences:
    first: date
    last: date
    statement_lines: list[BankStatementLine]  # every line in the range, matched or not
    not_in_books: list[BankStatementLine]
    not_on_statement: list[VoucherLine]
    book_balance: Decimal  # the books at the end of `last`
    statement_balance: Decimal  # the opening balance and the statement's lines to `last`

    @property
    def adjusted_books(self) -> Decimal:
        return self.book_balance + sum((line.amount for line in self.not_in_books), ZERO)

    @property
    def adjusted_statement(self) -> Decimal:
        return self.statement_balance + sum((_signed(line) for line in self.not_on_statement), ZERO)


def statement_range(account: MoneyAccount) -> tuple[date, date] | None:
    """The first and last day of the imported statement lines, None before any import."""
    days = BankStatementLine.booked_on
    first, last = db.session.execute(select(func.min(days), func.max(days))
                                     .where(BankStatementLine.money_account_id == account.id)).one()
    return (first, last) if first else None


def differences(account: MoneyAccount, first: date, last: date) -> Differences:
    """What the statement has that the books lack and the other way round, from `first` to `last`, and both balances
    at `last`: each adjusted by the other side's unmatched lines, the two agree when everything is accounted for."""
    lines = db.session.scalars(select(BankStatementLine).where(BankStatementLine.money_account_id == account.id,
                                                               BankStatementLine.booked_on.between(first, last))
                               .options(selectinload(BankStatementLine.voucher_line).selectinload(VoucherLine.voucher))
                               .order_by(BankStatementLine.booked_on, BankStatementLine.id)).all()
    listed = db.session.scalar(select(func.sum(BankStatementLine.amount))
                               .where(BankStatementLine.money_account_id == account.id,
                                      BankStatementLine.booked_on <= last)) or ZERO
    opening = account.opening_balance if account.opened_on is None or account.opened_on <= last else ZERO
    return Differences(first, last, lines, [line for line in lines if line.voucher_line_id is None],
                       db.session.scalars(_unmatched_book_lines(account, first, last)).all(),
                       balance_on(account, last), opening + listed)
