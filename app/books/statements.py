"""利润表 (会小企02表) and 资产负债表 (会小企01表) of 小企业会计准则, read off the month totals (AccountMonth).

Both cost the same at any volume: a few dozen accounts times a few dozen months. Each statement line names the
accounts it adds up by code (an account counts towards a line when its code starts with one of the line's codes,
so sub-accounts the owner adds follow their parent), and which side it reads: income lines credits less debits,
expense lines debits less credits; asset lines debit balances, liability and equity lines credit balances.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, or_, select

from app.amounts import ZERO
from app.books import chart
from app.books.ledgers import money_sum
from app.books.models import Account, AccountMonth, AccountType, Voucher, VoucherLine
from app.books.months import Months
from app.extensions import db

DEBIT, CREDIT = 1, -1  # which side a line reads: debits less credits, or credits less debits
MONEY_CODES = ("1001", "1002", "1012")  # 货币资金
CLOSING_CODE = "3103"  # 本年利润: a voucher posting here carries profit and loss out of the P&L accounts (结转损益)


@dataclass(frozen=True)
class Item:
    """A statement line: its number (行次), label, the account codes it adds (or, for a total, the line numbers
    it adds and subtracts), the side it reads, and how it is shown (a 其中 sub-line is indented, a total bold)."""

    number: int
    label: object
    codes: tuple[str, ...] = ()
    side: int = DEBIT
    adds: tuple[int, ...] = ()
    subtracts: tuple[int, ...] = ()
    sub: bool = False

    @property
    def total(self) -> bool:
        return bool(self.adds)


@dataclass
class Row:
    item: Item
    amounts: list[Decimal] = field(default_factory=list)  # one per column

    @property
    def number(self) -> int:
        return self.item.number


INCOME_ITEMS = (
    Item(1, _l("Operating revenue"), ("5001", "5051"), CREDIT),
    Item(2, _l("Less: cost of sales"), ("5401", "5402"), DEBIT),
    Item(3, _l("Taxes and surcharges"), ("5403",), DEBIT),
    Item(11, _l("Selling expenses"), ("5601",), DEBIT),
    Item(13, _l("Of which: advertising and promotion"), ("560102",), DEBIT, sub=True),
    Item(14, _l("Administrative expenses"), ("5602",), DEBIT),
    Item(16, _l("Of which: business entertainment"), ("560205",), DEBIT, sub=True),
    Item(18, _l("Finance costs"), ("5603",), DEBIT),
    Item(19, _l("Of which: interest (income as a negative figure)"), ("560302",), DEBIT, sub=True),
    Item(20, _l("Add: investment income"), ("5111",), CREDIT),
    Item(21, _l("Operating profit"), adds=(1, 20), subtracts=(2, 3, 11, 14, 18)),
    Item(22, _l("Add: non-operating income"), ("5301",), CREDIT),
    Item(24, _l("Less: non-operating expenses"), ("5711",), DEBIT),
    Item(30, _l("Total profit"), adds=(21, 22), subtracts=(24,)),
    Item(31, _l("Less: income tax expense"), ("5801",), DEBIT),
    Item(32, _l("Net profit"), adds=(30,), subtracts=(31,)),
)

ASSET_ITEMS = (
    Item(1, _l("Cash and cash equivalents"), MONEY_CODES),
    Item(2, _l("Short-term investments"), ("1101",)),
    Item(3, _l("Notes receivable"), ("1121",)),
    Item(4, _l("Accounts receivable"), ("1122",)),
    Item(5, _l("Prepayments"), ("1123",)),
    Item(6, _l("Dividends receivable"), ("1131",)),
    Item(7, _l("Interest receivable"), ("1132",)),
    Item(8, _l("Other receivables"), ("1221",)),
    Item(9, _l("Inventories"), ("1401", "1402", "1403", "1404", "1405", "1406", "1407", "1408", "1411", "1421",
                                "4001", "4101")),
    Item(10, _l("Of which: raw materials"), ("1403",), sub=True),
    Item(11, _l("Work in progress"), ("4001",), sub=True),
    Item(12, _l("Goods in stock"), ("1405", "1406"), sub=True),
    Item(13, _l("Turnover materials"), ("1411",), sub=True),
    Item(14, _l("Other current assets"), ("1901",)),
    Item(15, _l("Total current assets"), adds=(1, 2, 3, 4, 5, 6, 7, 8, 9, 14)),
    Item(16, _l("Long-term bond investments"), ("1501",)),
    Item(17, _l("Long-term equity investments"), ("1511",)),
    Item(18, _l("Fixed assets at cost"), ("1601",)),
    Item(19, _l("Less: accumulated depreciation"), ("1602",), CREDIT),
    Item(20, _l("Fixed assets, net"), adds=(18,), subtracts=(19,)),
    Item(21, _l("Construction in progress"), ("1604",)),
    Item(22, _l("Construction materials"), ("1605",)),
    Item(23, _l("Fixed assets in disposal"), ("1606",)),
    Item(24, _l("Productive biological assets"), ("1621", "1622")),
    Item(25, _l("Intangible assets"), ("1701", "1702")),
    Item(26, _l("Development costs"), ("4301",)),
    Item(27, _l("Long-term prepaid expenses"), ("1801",)),
    Item(28, _l("Other non-current assets"), ()),
    Item(29, _l("Total non-current assets"), adds=(16, 17, 20, 21, 22, 23, 24, 25, 26, 27, 28)),
    Item(30, _l("Total assets"), adds=(15, 29)),
)

LIABILITY_ITEMS = (
    Item(31, _l("Short-term borrowings"), ("2001",), CREDIT),
    Item(32, _l("Notes payable"), ("2201",), CREDIT),
    Item(33, _l("Accounts payable"), ("2202",), CREDIT),
    Item(34, _l("Advances from customers"), ("2203",), CREDIT),
    Item(35, _l("Employee pay payable"), ("2211",), CREDIT),
    Item(36, _l("Taxes payable"), ("2221",), CREDIT),
    Item(37, _l("Interest payable"), ("2231",), CREDIT),
    Item(38, _l("Profit payable"), ("2232",), CREDIT),
    Item(39, _l("Other payables"), ("2241",), CREDIT),
    Item(40, _l("Other current liabilities"), (), CREDIT),
    Item(41, _l("Total current liabilities"), adds=(31, 32, 33, 34, 35, 36, 37, 38, 39, 40)),
    Item(42, _l("Long-term borrowings"), ("2501",), CREDIT),
    Item(43, _l("Long-term payables"), ("2701",), CREDIT),
    Item(44, _l("Deferred income"), ("2401",), CREDIT),
    Item(45, _l("Other non-current liabilities"), (), CREDIT),
    Item(46, _l("Total non-current liabilities"), adds=(42, 43, 44, 45)),
    Item(47, _l("Total liabilities"), adds=(41, 46)),
    Item(48, _l("Paid-in capital"), ("3001",), CREDIT),
    Item(49, _l("Capital reserve"), ("3002",), CREDIT),
    Item(50, _l("Surplus reserve"), ("3101",), CREDIT),
    # Profit not yet carried to 本年利润 (the P&L accounts' balances) is part of it until it is.
    Item(51, _l("Retained earnings"), ("3103", "3104", "5"), CREDIT),
    Item(52, _l("Total owner's equity"), adds=(48, 49, 50, 51)),
    Item(53, _l("Total liabilities and owner's equity"), adds=(47, 52)),
)

# Where an account no line names goes (a first-level account the owner added), so assets always equal liabilities
# plus equity: every account's balance lands on exactly one main line.
CATCH_ALL = {AccountType.ASSET: 14, AccountType.COST: 9, AccountType.LIABILITY: 40, AccountType.EQUITY: 51,
             AccountType.PROFIT_LOSS: 51}


def _matches(code: str, codes: tuple[str, ...]) -> bool:
    return any(code.startswith(prefix) for prefix in codes)


def _fill(items: tuple[Item, ...], signed: dict[str, list[Decimal]], columns: int,
          unplaced: dict[int, list[Decimal]] | None = None) -> list[Row]:
    """Rows for `items` from each account's signed (debit less credit) figures per column, keyed by code."""
    rows: dict[int, Row] = {}
    for item in items:
        if item.total:
            amounts = [sum((rows[n].amounts[c] for n in item.adds), ZERO)
                       - sum((rows[n].amounts[c] for n in item.subtracts), ZERO) for c in range(columns)]
        else:
            amounts = [ZERO] * columns
            for code, figures in signed.items():
                if _matches(code, item.codes):
                    amounts = [a + item.side * f for a, f in zip(amounts, figures)]
            for figure_index, extra in enumerate((unplaced or {}).get(item.number, [])):
                amounts[figure_index] += item.side * extra
        rows[item.number] = Row(item, amounts)
    return list(rows.values())


# 利润表 -----------------------------------------------------------------------------------------------

@dataclass
class IncomeStatement:
    months: Months
    columns: list[Months]  # these months, the period before, and (for a month or quarter) the year to date
    rows: list[Row]

    def figure(self, number: int, column: int = 0) -> Decimal:
        return next(row.amounts[column] for row in self.rows if row.number == number)

    @property
    def net_profit(self) -> Decimal:
        return self.figure(32)


def _movements(start: date, end: date) -> dict[tuple[str, str], Decimal]:
    """{(account code, period): debits less credits} of the profit and loss accounts from `start` to `end` (whole
    months), leaving out the vouchers that carry profit to 本年利润 (结转损益): the statement shows what happened,
    not the closing entry (损益类实际发生额)."""
    first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
    rows = db.session.execute(
        select(Account.code, AccountMonth.period, money_sum(AccountMonth.debit - AccountMonth.credit))
        .join(Account, Account.id == AccountMonth.account_id)
        .where(AccountMonth.period.between(first, last), Account.type == AccountType.PROFIT_LOSS)
        .group_by(Account.code, AccountMonth.period))
    found = {(code, period): amount or ZERO for code, period, amount in rows}
    # Few vouchers touch 本年利润 (one a month at most): their ids first, so the lines are read only when there are.
    # The account ids first: given the join, SQLite scans every voucher line instead of the (account, day) index.
    profit_accounts = db.session.scalars(select(Account.id).where(Account.code.startswith(CLOSING_CODE))).all()
    closing = db.session.scalars(select(VoucherLine.voucher_id).where(VoucherLine.account_id.in_(profit_accounts),
                                                                      VoucherLine.booked_on.between(start, end))).all()
    if not closing:
        return found
    for code, period, amount in db.session.execute(
            select(Account.code, Voucher.period, money_sum(VoucherLine.debit - VoucherLine.credit))
            .join(Voucher, Voucher.id == VoucherLine.voucher_id).join(Account, Account.id == VoucherLine.account_id)
            .where(VoucherLine.voucher_id.in_(closing), Account.type == AccountType.PROFIT_LOSS)
            .group_by(Account.code, Voucher.period)):
        found[(code, period)] = found.get((code, period), ZERO) - (amount or ZERO)
    return found


def income_statement(months: Months) -> IncomeStatement:
    """利润表 for `months`, with the period before and, for a month or a quarter, the year to date beside it."""
    chart.ensure()
    columns = [months, months.previous()] + ([months.year_to_date()] if months.year_to_date() else [])
    found = _movements(min(c.start for c in columns), max(c.end for c in columns))
    signed: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO] * len(columns))
    for (code, period), amount in found.items():
        for index, column in enumerate(columns):
            if column.first <= period <= column.last:
                signed[code][index] += amount
    return IncomeStatement(months, columns, _fill(INCOME_ITEMS, signed, len(columns)))


# 资产负债表 ---------------------------------------------------------------------------------------------

@dataclass
class BalanceSheet:
    months: Months
    columns: list[str]  # the month ends: these months' last, and the last of the period before
    assets: list[Row]
    liabilities: list[Row]

    def figure(self, number: int, column: int = 0) -> Decimal:
        return next(row.amounts[column] for row in self.assets + self.liabilities if row.number == number)

    def difference(self, column: int = 0) -> Decimal:
        """Total assets less total liabilities and equity: zero whenever every voucher balances."""
        return self.figure(30, column) - self.figure(53, column)

    @property
    def balanced(self) -> bool:
        return all(self.difference(c) == 0 for c in range(len(self.columns)))


def balances_at(*lasts: str) -> dict[int, list[Decimal]]:
    """{account id: [debits less credits up to the end of each month in `lasts`]}."""
    top = max(lasts)
    columns = [money_sum(case((AccountMonth.period <= last, AccountMonth.debit - AccountMonth.credit), else_=0))
               for last in lasts]
    rows = db.session.execute(select(AccountMonth.account_id, *columns).where(AccountMonth.period <= top)
                              .group_by(AccountMonth.account_id))
    return {account_id: [amount or ZERO for amount in amounts] for account_id, *amounts in rows}


def _placed_codes() -> tuple[str, ...]:
    return tuple(code for item in ASSET_ITEMS + LIABILITY_ITEMS if not item.sub for code in item.codes)


def balance_sheet(months: Months) -> BalanceSheet:
    """资产负债表 at the end of `months`, beside the end of the period before (for a year: the year's opening)."""
    chart.ensure()
    lasts = (months.last, months.previous().last)
    by_id = balances_at(*lasts)
    accounts = db.session.execute(select(Account.id, Account.code, Account.type)).all()
    placed = _placed_codes()
    signed: dict[str, list[Decimal]] = {}
    unplaced: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO] * len(lasts))
    for account_id, code, kind in accounts:
        figures = by_id.get(account_id)
        if figures is None:
            continue
        if _matches(code, placed):
            signed[code] = figures
        else:
            line = CATCH_ALL[AccountType(kind)]
            unplaced[line] = [a + f for a, f in zip(unplaced[line], figures)]
    return BalanceSheet(months, list(lasts), _fill(ASSET_ITEMS, signed, len(lasts), unplaced),
                        _fill(LIABILITY_ITEMS, signed, len(lasts), unplaced))


def cash_on_hand(last: str | None = None) -> Decimal:
    """货币资金: what the money accounts (1001, 1002, 1012 and their sub-accounts) hold by the books at the end of
    month `last` (now when None)."""
    query = (select(money_sum(AccountMonth.debit - AccountMonth.credit))
             .join(Account, Account.id == AccountMonth.account_id)
             .where(or_(*(Account.code.startswith(code) for code in MONEY_CODES))))
    if last is not None:
        query = query.where(AccountMonth.period <= last)
    return db.session.scalar(query) or ZERO
