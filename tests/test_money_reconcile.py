"""Bank reconciliation: a bank's export read by its Chinese headers, lines matched to the books by amount within
three days, matched and unmatched by hand, and the differences with both balances."""
import io
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import func, select

from app.books import chart
from app.books.models import BankStatementLine
from app.books.posting import voucher_of
from app.checks import run_all
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.money import expenses, reconcile, services
from app.books.models import ExpenseCategory
from tests import factories

D = Decimal


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def bank(app):
    """A bank account opened with 5,000.00 ten days ago, then rent paid (3,000.00, day 2), freight (120.00, day 4)
    and interest received (8.88, day 6) in the books."""
    owner = factories.user("owner")
    chart.ensure()
    start = business_today() - timedelta(days=10)
    account = services.create_account(owner, {"name": "建设银行", "kind": "bank", "opening_balance": "5000",
                                              "opened_on": start})

    def book(name, amount, day):
        category = db.session.scalar(select(ExpenseCategory).where(ExpenseCategory.name == name))
        entry = expenses.create_expense(owner, {"category_id": category.id, "money_account_id": account.id,
                                                "amount": amount, "spent_on": start + timedelta(days=day)})
        return voucher_of(expenses.RULE[entry.direction], entry.id).lines
    rent = next(line for line in book("房租", "3000.00", 2) if line.account_id == account.account_id)
    freight = next(line for line in book("运费", "120.00", 4) if line.account_id == account.account_id)
    interest = next(line for line in book("利息收入", "8.88", 6) if line.account_id == account.account_id)
    db.session.commit()
    return SimpleNamespace(owner=owner, account=account, start=start, rent=rent, freight=freight, interest=interest)


def csv_statement(start, rows, encoding="gb18030") -> bytes:
    """A statement as a Chinese bank exports it: title rows, then 交易日期/摘要/收入/支出/余额/流水号, then 合计."""
    text = ["中国建设银行 账户明细", "账号:6217000012345678,,,,,", "交易日期,摘要,收入(元),支出(元),余额,交易流水号"]
    for day, description, money_in, money_out, reference in rows:
        when = (start + timedelta(days=day)).strftime("%Y/%m/%d")
        text.append(f'{when},{description},"{money_in}","{money_out}",,{reference}')
    text.append("合计,,,,,")
    return "\r\n".join(text).encode(encoding)


ROWS = [(3, "房租", "", "3,000.00", "B001"),  # a day after the books: matches the rent
        (9, "运费", "", "120.00", "B002"),  # five days after the books: too far to match by itself
        (6, "结息", "8.88", "", "B003"),  # the same day: matches the interest
        (7, "手续费", "", "15.00", "B004")]  # not in the books at all


def test_a_chinese_csv_is_read_and_matched_within_three_days(bank):
    done = reconcile.import_statement(bank.account, "建行流水.csv", csv_statement(bank.start, ROWS))
    assert (done.added, done.already, done.matched) == (4, 0, 2)
    lines = {line.reference: line for line in db.session.scalars(select(BankStatementLine))}
    assert lines["B001"].amount == D("-3000.00") and lines["B001"].voucher_line_id == bank.rent.id
    assert lines["B003"].amount == D("8.88") and lines["B003"].voucher_line_id == bank.interest.id
    assert lines["B002"].voucher_line_id is None and lines["B004"].voucher_line_id is None

    found = reconcile.differences(bank.account, bank.start, business_today())
    assert [line.reference for line in found.not_in_books] == ["B004", "B002"]
    assert [line.id for line in found.not_on_statement] == [bank.freight.id]  # the opening balance is not listed
    assert found.book_balance == D("1888.88")  # 5000 - 3000 - 120 + 8.88
    assert found.statement_balance == D("1873.88")  # 5000 - 3000 - 120 + 8.88 - 15
    assert found.adjusted_books == found.adjusted_statement == D("1753.88")

    again = reconcile.import_statement(bank.account, "建行流水.csv", csv_statement(bank.start, ROWS))
    assert (again.added, again.already) == (0, 4)
    assert db.session.scalar(select(func.count()).select_from(BankStatementLine)) == 4
    assert run_all() == []


def test_matching_by_hand_needs_the_same_amount_and_can_be_undone(bank):
    reconcile.import_statement(bank.account, "s.csv", csv_statement(bank.start, ROWS))
    late = db.session.scalar(select(BankStatementLine).where(BankStatementLine.reference == "B002"))
    fee = db.session.scalar(select(BankStatementLine).where(BankStatementLine.reference == "B004"))
    found = reconcile.candidates(bank.account, [late, fee])
    assert [book.id for book in found[late.id]] == [bank.freight.id] and found[fee.id] == []
    with pytest.raises(BusinessRuleError, match="The amounts differ"):
        reconcile.match(bank.account, fee.id, bank.freight.id)
    with pytest.raises(BusinessRuleError, match="already matched to another statement line"):
        reconcile.match(bank.account, late.id, bank.rent.id)
    reconcile.match(bank.account, late.id, bank.freight.id)
    found = reconcile.differences(bank.account, bank.start, business_today())
    assert found.not_on_statement == [] and [line.reference for line in found.not_in_books] == ["B004"]
    reconcile.unmatch(bank.account, late.id)
    assert late.voucher_line_id is None
    other = services.create_account(bank.owner, {"name": "农行", "kind": "bank"})
    with pytest.raises(BusinessRuleError, match="not on this account"):
        reconcile.match(other, late.id, bank.freight.id)


def test_an_xlsx_with_one_signed_amount_column_and_dates_as_cells(bank):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["记账日期", "交易金额", "用途", "凭证号"])
    sheet.append([datetime.combine(bank.start + timedelta(days=2), datetime.min.time()), -3000, "房租", "X1"])
    sheet.append([f"{(bank.start + timedelta(days=6)).isoformat()} 10:22:33", 8.88, "结息", "X2"])
    out = io.BytesIO()
    workbook.save(out)
    done = reconcile.import_statement(bank.account, "statement.xlsx", out.getvalue())
    assert (done.added, done.matched) == (2, 2)


@pytest.mark.parametrize("name, data, message", [
    ("s.csv", "名称,数量\n苹果,1\n".encode(), "No header row with a date column"),
    ("s.csv", "日期,金额\n2026-12-01,abc\n".encode(), "Row 2: abc is not an amount."),
    ("s.csv", "日期,金额\n合计,100\n".encode(), "no statement lines with a date and an amount"),
    ("s.pdf", b"%PDF-1.4", "Upload an Excel workbook (.xlsx) or a CSV file (.csv)"),
    ("s.csv", b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    ("s.xlsx", b"not a zip", "not an Excel workbook"),
])
def test_unreadable_statements_are_refused_and_store_nothing(bank, name, data, message):
    with pytest.raises(BusinessRuleError) as refused:
        reconcile.import_statement(bank.account, name, data)
    assert message in str(refused.value.message) and refused.value.field == "file"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(BankStatementLine)) == 0
