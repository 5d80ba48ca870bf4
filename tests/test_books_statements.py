"""The statements and ledgers against a month of mixed documents worked out by hand: 利润表, 资产负债表 (balanced),
科目余额表, 总账, 明细账 running balances, the cash view, their exports, the dashboard's figures, and who may see them."""
import io
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from flask import g
from sqlalchemy import select

from app.books import cashbook, chart, ledgers, posting, statements
from app.books.models import Account, Expense, ExpenseCategory, MoneyAccount, MoneyDirection, VoucherLine
from app.books.months import months_from_args, months_of
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.finance import services as finance
from app.inventory import services as inventory
from app.lines import QtyInput
from app.reports import dashboard_routes
from app.purchasing import receiving
from app.sales import fulfilment
from tests import factories

D = Decimal


def _account(code: str) -> Account:
    return db.session.scalar(select(Account).where(Account.code == code))


def _manual(owner, day: date, memo: str, debit: str, credit: str, amount: str):
    posting.post_manual(owner, day, memo, [
        VoucherLine(account_id=_account(debit).id, debit=D(amount), credit=D("0")),
        VoucherLine(account_id=_account(credit).id, debit=D("0"), credit=D(amount))])


def _expense(owner, category: str, account: str, amount: str, tax: str, number: str):
    """An expense or other income as the money screens will book it: the document, then its voucher."""
    category = db.session.scalar(select(ExpenseCategory).where(ExpenseCategory.name == category))
    money = db.session.scalar(select(MoneyAccount).where(MoneyAccount.name == account))
    expense = Expense(number=number, direction=category.direction, category=category, money_account=money,
                      amount=D(amount), tax=D(tax), spent_on=business_today(), user_id=owner.id)
    db.session.add(expense)
    db.session.flush()
    posting.post(owner, "expense" if category.direction == MoneyDirection.EXPENSE else "other_income", expense)


@pytest.fixture
def month(app):
    """Last month: the owner puts in 100,000 and pays 2,000 rent. This month: 100 phone cases bought at 10 and
    invoiced (13 % VAT), 30 sold at 25 and invoiced, 500 received from the customer, the supplier paid 1,130, 2
    cases written off as damaged, office supplies of 226 (26 of it deductible VAT) paid from the bank, 150 of other
    income into WeChat."""
    owner = factories.user("owner")
    chart.ensure()
    today = business_today()
    last_month = today.replace(day=1) - timedelta(days=1)
    _manual(owner, last_month.replace(day=15), "投资款", "100201", "3001", "100000.00")
    _manual(owner, last_month.replace(day=15), "房租", "560201", "100201", "2000.00")
    main = factories.warehouse("MAIN", "总仓")
    case = factories.product(name="手机壳", sku="CASE", sale_price="25.00", purchase_price="10.00")
    maker = factories.supplier(name="深圳配件厂")
    bought = factories.purchase_order(maker, [(case, 100, "10.00")], warehouse=main, confirm=True)
    receiving.receive(owner, bought, [QtyInput(bought.lines[0].id, 100)])
    receiving.invoice_order(owner, bought)
    buyer = factories.customer("华联超市")
    sold = factories.order(buyer, [(case, 30, "25.00")], actor=owner, warehouse=main, confirm=True)
    fulfilment.deliver(owner, sold, [QtyInput(sold.lines[0].id, 30)])
    fulfilment.invoice_order(owner, sold)
    finance.record_receipt(owner, buyer, "500.00", "bank_transfer")
    finance.record_supplier_payment(owner, maker, "1130.00", "bank_transfer")
    inventory.create_adjustment(owner, main.id, "damage", "摔坏", [inventory.LineInput(case.id, D("-2"))])
    _expense(owner, "办公用品", "银行存款", "226.00", "26.00", "FY-0001")
    _expense(owner, "其他收入", "微信", "150.00", "0", "QS-0001")
    db.session.commit()
    return SimpleNamespace(owner=owner, buyer=buyer, maker=maker, months=months_of("month", today))


def test_the_income_statement_is_the_month_worked_by_hand_beside_the_month_before(month):
    report = statements.income_statement(month.months)

    # revenue 30 x 25 = 750; cost 30 x 10 = 300; office supplies 226 - 26 VAT = 200; other income 150
    figures = {row.number: row.amounts for row in report.rows}
    assert figures[1][:2] == [D("750.00"), D("0")]
    assert figures[2][:2] == [D("300.00"), D("0")]
    assert figures[14][:2] == [D("200.00"), D("2000.00")]  # 管理费用: supplies now, last month's rent
    assert figures[21][:2] == [D("250.00"), D("-2000.00")]  # 营业利润 = 750 - 300 - 200
    assert figures[22][:2] == [D("150.00"), D("0")]
    assert figures[30][:2] == [D("400.00"), D("-2000.00")]
    assert report.net_profit == D("400.00") and report.figure(32, 1) == D("-2000.00")
    if len(report.columns) == 3:  # not January: the year so far is both months
        assert report.figure(32, 2) == D("-1600.00")


def test_the_balance_sheet_is_the_month_end_worked_by_hand_and_balances(month):
    sheet = statements.balance_sheet(month.months)

    # bank 100,000 - 2,000 + 500 - 1,130 - 226 = 97,144; WeChat 150
    assert sheet.figure(1) == D("97294.00") and sheet.figure(1, 1) == D("98000.00")
    assert sheet.figure(4) == D("347.50")  # 847.50 invoiced - 500 received
    assert sheet.figure(9) == D("680.00") and sheet.figure(12) == D("680.00")  # 1,000 in - 300 sold - 20 damaged
    assert sheet.figure(14) == D("20.00")  # the damaged cases wait in 待处理财产损溢
    assert sheet.figure(30) == D("98341.50") and sheet.figure(30, 1) == D("98000.00")
    assert sheet.figure(33) == D("0.00")  # the supplier was invoiced 1,130 and paid it
    assert sheet.figure(36) == D("-58.50")  # output VAT 97.50 - input VAT 130 - 26
    assert sheet.figure(48) == D("100000.00")
    assert sheet.figure(51) == D("-1600.00") and sheet.figure(51, 1) == D("-2000.00")  # profit not yet closed
    assert sheet.figure(53) == D("98341.50") and sheet.balanced and sheet.difference() == 0


def test_carrying_profit_to_本年利润_leaves_the_income_statement_and_the_balance_sheet_as_they_were(month):
    # The bookkeeper's 结转损益: revenue and other income debited, costs credited, the profit to 3103.
    lines = [("5001", "750.00", "0"), ("5301", "150.00", "0"), ("5401", "0", "300.00"), ("560204", "0", "200.00"),
             ("3103", "0", "400.00")]
    posting.post_manual(month.owner, business_today(), "结转损益", [
        VoucherLine(account_id=_account(code).id, debit=D(debit), credit=D(credit)) for code, debit, credit in lines])
    db.session.commit()

    assert statements.income_statement(month.months).net_profit == D("400.00")
    sheet = statements.balance_sheet(month.months)
    assert sheet.figure(51) == D("-1600.00") and sheet.balanced


def test_the_trial_balance_and_general_ledger_add_up(month):
    rows = ledgers.trial_balance(month.months.first, month.months.last)
    totals = ledgers.trial_totals(rows)
    assert totals.opening == 0 and totals.closing == 0 and totals.debit == totals.credit
    bank = next(row for row in rows if row.account.code == "1002")
    assert (bank.opening, bank.debit, bank.credit, bank.closing) == (
        D("98000.00"), D("500.00"), D("1356.00"), D("97144.00"))

    [receivables] = ledgers.general_ledger([month.months.first], "1122")
    assert (receivables.opening, receivables.debit, receivables.credit, receivables.closing) == (
        D("0"), D("847.50"), D("500.00"), D("347.50"))
    year = months_of("year", business_today())
    [bank_year] = ledgers.general_ledger(year.periods(), "1002")
    assert bank_year.months[-1].balance == D("97144.00") if year.last == month.months.last else True


def test_the_account_ledger_runs_its_balance_line_by_line_and_pages(month):
    bank = _account("100201")
    ledger = ledgers.account_ledger(bank, month.months.start, month.months.end)
    assert ledger.opening == D("98000.00")
    assert [(e.line.debit, e.line.credit, e.balance) for e in ledger.entries] == [
        (D("500.00"), D("0.00"), D("98500.00")), (D("0.00"), D("1130.00"), D("97370.00")),
        (D("0.00"), D("226.00"), D("97144.00"))]
    assert ledger.closing == D("97144.00")

    second = ledgers.account_ledger(bank, month.months.start, month.months.end, page=2, per_page=2)
    assert (second.pages, second.brought_forward, [e.balance for e in second.entries]) == (
        2, D("97370.00"), [D("97144.00")])
    # A parent account's ledger has its sub-accounts' lines.
    assert ledgers.account_ledger(_account("1002"), month.months.start, month.months.end).count == 3


def test_the_cash_view_says_where_money_came_from_and_went(month):
    report = cashbook.cash(month.months.first, month.months.last, month.months.start, month.months.end)

    by_name = {a.name: (a.opening, a.money_in, a.money_out, a.closing) for a in report.accounts}
    assert by_name["银行存款"] == (D("98000.00"), D("500.00"), D("1356.00"), D("97144.00"))
    assert by_name["微信"] == (D("0"), D("150.00"), D("0"), D("150.00"))
    assert report.closing == D("97294.00") == statements.cash_on_hand()
    counters = {c.account.code: (c.money_in, c.money_out) for c in report.counters}
    assert counters == {"1122": (D("500.00"), D("0.00")), "220201": (D("0.00"), D("1130.00")),
                        "560204": (D("0.00"), D("200.00")), "22210101": (D("0.00"), D("26.00")),
                        "5301": (D("150.00"), D("0.00"))}
    assert report.moved_in == 0 and report.moved_out == 0


@pytest.mark.parametrize("args, expected", [
    ({"grain": "quarter", "month": "2026-11"}, ("2026-10", "2026-12", "2026-07", "2026-09")),
    ({"grain": "year", "month": "2026-05"}, ("2026-01", "2026-12", "2025-01", "2025-12")),
    ({"grain": "month", "month": "2026-01"}, ("2026-01", "2026-01", "2025-12", "2025-12")),
])
def test_months_and_the_period_before(app, args, expected):
    months = months_from_args(args)
    assert (months.first, months.last, months.previous().first, months.previous().last) == expected


@pytest.mark.parametrize("args, field", [({"month": "2026-13"}, "month"), ({"month": "１２"}, "month"),
                                         ({"grain": "week"}, "grain")])
def test_bad_months_are_refused(app, args, field):
    with pytest.raises(BusinessRuleError) as refused:
        months_from_args(args)
    assert refused.value.field == field


SCREENS = ("/books/income-statement", "/books/balance-sheet", "/books/trial-balance", "/books/general-ledger",
           "/books/cash")


def test_the_screens_show_the_figures_and_link_down_to_the_ledger(month, client, login):
    login("finance")
    args = f"?grain=month&month={month.months.first}"
    income = client.get("/books/income-statement" + args).get_data(as_text=True)
    assert "750.00" in income and "400.00" in income
    sheet = client.get("/books/balance-sheet" + args).get_data(as_text=True)
    assert "98,341.50" in sheet and "✓" in sheet
    trial = client.get("/books/trial-balance" + args).get_data(as_text=True)
    bank = _account("100201")
    assert f"/books/accounts/{bank.id}/ledger" in trial
    ledger = client.get(f"/books/accounts/{bank.id}/ledger" + args).get_data(as_text=True)
    assert "97,144.00" in ledger and "98,500.00" in ledger
    assert client.get("/books/cash" + args).status_code == 200
    assert client.get("/books/general-ledger" + args + "&code=1122").status_code == 200
    assert client.get("/books/income-statement?month=2026-13").status_code == 422


def test_each_statement_downloads_as_a_spreadsheet_and_prints(month, client, login):
    login("owner")
    for path in SCREENS + (f"/books/accounts/{_account('100201').id}/ledger",):
        sheet = client.get(path + "?format=xlsx")
        assert sheet.status_code == 200 and sheet.mimetype.endswith("spreadsheetml.sheet"), path
        printed = client.get(path + "?format=pdf")
        assert printed.status_code == 200 and printed.data.startswith(b"%PDF"), path
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/books/income-statement?format=xlsx").data))
    rows = {row[1]: row[2] for row in workbook.active.iter_rows(min_row=3, values_only=True)}
    assert rows[1] == 750 and rows[32] == 400  # figures stay numbers


@pytest.mark.parametrize("role", ["sales", "warehouse", "purchasing"])
def test_only_the_books_roles_see_the_statements(app, client, login, role):
    chart.ensure()
    bank = _account("100201")
    db.session.commit()
    login(role)
    for path in SCREENS + (f"/books/accounts/{bank.id}/ledger",):
        assert client.get(path).status_code == 403, path
        assert client.get(path + "?format=xlsx").status_code == 403, path
    assert client.get("/reports/").status_code == 403 and client.get("/reports/summary").status_code == 403


def test_the_dashboard_computes_the_books_figures_for_the_books_roles_only(app):
    for role, shown in (("owner", True), ("finance", True), ("sales", False), ("warehouse", False),
                        ("purchasing", False)):
        with app.test_request_context("/reports/"):
            g.user = SimpleNamespace(role=role)
            assert (dashboard_routes._books() is not None) is shown, role


def test_the_dashboard_shows_net_profit_and_cash_on_hand_to_the_books_roles(month, client, login):
    login("owner")
    html = client.get("/reports/?period=today").get_data(as_text=True)
    assert "¥400.00" in html and "¥97,294.00" in html  # this month's, whatever period the sales tiles show
    assert f'href="/books/income-statement?grain=month&amp;month={month.months.first}"' in html
    assert 'href="/books/cash"' in html
