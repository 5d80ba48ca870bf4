"""The books' own screens (issue 16): the chart of accounts (sub-accounts take over a leaf in use, deletion
protected), vouchers by hand checked in full, the posting rules table, closing months; only owner and finance
reach any of it, and only they see a document's voucher."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.books import accounts, balances, chart, periods, posting, vouchers
from app.books.models import Account, AccountMonth, ClosedPeriod, ExpenseCategory, MoneyAccount, Voucher, VoucherLine
from app.books.rules import RULES
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from tests import factories

D = Decimal
BOOKS_ROLES = ("owner", "finance")
OTHERS = ("sales", "warehouse", "purchasing")


def account(code) -> Account:
    chart.ensure()
    return db.session.scalar(select(Account).where(Account.code == code))


def by_hand(owner, debit_code, credit_code, amount, day=None):
    return posting.post_manual(owner, day or business_today(), "测试", [
        VoucherLine(account_id=account(debit_code).id, debit=D(amount), credit=D(0)),
        VoucherLine(account_id=account(credit_code).id, debit=D(0), credit=D(amount))])


def vouchers_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Voucher))


# ---- the chart of accounts -----------------------------------------------------------------------------------------

def test_a_sub_account_takes_over_a_leaf_in_use(app):
    owner = factories.user("owner")
    by_hand(owner, "1901", "3001", "120.50")
    parent = account("1901")
    before = balances.balance(parent)
    child = accounts.add_sub_account(owner, parent, "库存盘点差异")
    db.session.commit()
    assert child.code == "190101" and child.type == parent.type and child.debit_normal
    assert (parent.role, child.role) == (None, "stock_differences")  # the rules now post to the sub-account
    assert chart.by_role()["stock_differences"].id == child.id
    assert db.session.scalar(select(func.count()).select_from(VoucherLine)
                             .where(VoucherLine.account_id == parent.id)) == 0
    assert db.session.scalar(select(AccountMonth.debit).where(AccountMonth.account_id == child.id)) == D("120.50")
    assert balances.balance(parent) == before == balances.balance(child) == D("120.50")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.create"))
    assert entry.changes["moved_from"] == [None, "1901"] and entry.changes["voucher_lines"] == [None, 1]
    second = accounts.add_sub_account(owner, parent, "其他")  # the parent is no leaf now: nothing more moves
    assert second.code == "190102" and second.role is None and balances.balance(second) == 0


def test_money_accounts_and_categories_follow_their_leaf_to_the_sub_account(app):
    owner = factories.user("owner")
    cash, rent = account("100101"), account("560201")
    cash_child = accounts.add_sub_account(owner, cash, "门店现金")
    rent_child = accounts.add_sub_account(owner, rent, "门店租金")
    db.session.commit()
    assert db.session.scalar(select(MoneyAccount.account_id).where(MoneyAccount.name == "现金")) == cash_child.id
    assert db.session.scalar(select(ExpenseCategory.account_id).where(ExpenseCategory.name == "房租")) == rent_child.id
    assert cash_child.code == "10010101" and rent_child.code == "56020101"


def test_sub_accounts_go_four_levels_deep_at_most(app):
    owner = factories.user("owner")
    third = accounts.add_sub_account(owner, account("560201"), "门店")
    fourth = accounts.add_sub_account(owner, third, "一号店")
    assert (third.code, fourth.code, fourth.level) == ("56020101", "5602010101", 4)
    with pytest.raises(BusinessRuleError, match="4"):
        accounts.add_sub_account(owner, fourth, "太深")
    with pytest.raises(BusinessRuleError):
        accounts.add_sub_account(owner, account("1122"), "  ")


def test_renaming_is_audited(app):
    owner = factories.user("owner")
    accounts.rename(owner, account("1001"), " 现金 ")
    db.session.commit()
    assert account("1001").name == "现金"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.rename"))
    assert entry.changes["name"] == ["库存现金", "现金"]


@pytest.mark.parametrize("code, reason", [
    ("1002", "它有下级科目"), ("1122", "过账规则"), ("100201", "资金账户 银行存款"), ("560201", "收支类别 房租"),
    ("5711", "已有凭证记入"),
])
def test_accounts_in_use_cannot_be_deleted(app, code, reason):
    owner = factories.user("owner")
    by_hand(owner, "5711", "3001", "10")
    target = account(code)
    with pytest.raises(BusinessRuleError, match=reason) as refused:
        accounts.delete(owner, target)
    assert code in str(refused.value.message) and "可以改为停用" in str(refused.value.message)
    assert account(code) is not None


def test_an_unused_account_is_deleted_and_audited(app):
    owner = factories.user("owner")
    made = accounts.add_sub_account(owner, account("5603"), "汇兑损益")  # 5603 has sub-accounts: nothing moves
    assert made.code == "560303"
    accounts.delete(owner, made)
    db.session.commit()
    assert account("560303") is None
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "account.delete"))


def test_accounts_documents_post_to_stay_active(app):
    owner = factories.user("owner")
    with pytest.raises(BusinessRuleError, match="不能停用"):
        accounts.set_active(owner, account("1122"), False)
    with pytest.raises(BusinessRuleError, match="不能停用"):
        accounts.set_active(owner, account("1002"), False)  # its sub-account is a money account's
    child = accounts.add_sub_account(owner, account("4101"), "折旧")
    accounts.set_active(owner, account("4101"), False)
    assert not account("4101").active and not child.active  # with its sub-accounts
    with pytest.raises(BusinessRuleError, match="4101"):
        accounts.set_active(owner, child, True)  # its parent first
    accounts.set_active(owner, account("4101"), True)
    assert account("4101").active and not child.active


def test_the_tree_groups_by_class_with_balances_rolled_up(app):
    owner = factories.user("owner")
    by_hand(owner, "560201", "3001", "300")
    groups = dict(accounts.tree())
    rows = {row.account.code: row for rows in groups.values() for row in rows}
    assert [kind.value for kind in groups] == ["asset", "liability", "equity", "cost", "profit_loss"]
    assert rows["560201"].balance == rows["5602"].balance == D(300) and rows["3001"].balance == D(300)
    assert rows["1122"].role_label == "应收账款" and not rows["1002"].leaf and rows["100201"].leaf
    assert rows["560201"].uses == ["收支类别 房租"]


# ---- vouchers by hand -----------------------------------------------------------------------------------------------

def typed(*lines):
    return [vouchers.LineInput(*line) for line in lines]


@pytest.mark.parametrize("lines, field, message", [
    (typed(("560201", "100", "", "")), "lines", "至少要两行"),
    (typed(("560201", "100", "", ""), ("3001", "", "99.99", "")), "lines", "相差 0.01"),
    (typed(("560201", "100", "100", ""), ("3001", "", "100", "")), "lines-0-credit", "只能填借方或贷方"),
    (typed(("560201", "", "", "房租"), ("3001", "", "100", "")), "lines-0-debit", "请填写借方或贷方"),
    (typed(("560201", "0", "", ""), ("3001", "", "0", "")), "lines-0-debit", "大于零"),
    (typed(("560201", "-5", "", ""), ("3001", "", "-5", "")), "lines-0-debit", "负"),
    (typed(("560201", "1.005", "", ""), ("3001", "", "1.005", "")), "lines-0-debit", "最多两位小数"),
    (typed(("560201", "1e3", "", ""), ("3001", "", "1000", "")), "lines-0-debit", "数"),
    (typed(("560201", "2000000000", "", ""), ("3001", "", "2000000000", "")), "lines-0-debit", "1000000000"),
    (typed(("9999", "10", "", ""), ("3001", "", "10", "")), "lines-0-account", "没有编码或名称"),
    (typed(("5602", "10", "", ""), ("3001", "", "10", "")), "lines-0-account", "有下级科目"),
    (typed(("560201", "10", "", ""), ("1122 应收账款", "", "10", "")), "lines-1-account", "由单据自动记账"),
    (typed(("560201", "10", "", ""), ("100101", "", "10", "")), "lines-1-account", "由单据自动记账"),
    (typed(("560201", "10", "", ""), ("", "", "10", "")), "lines-1-account", "请选择科目"),
])
def test_a_voucher_by_hand_is_refused_with_the_reason_and_nothing_written(app, lines, field, message):
    owner = factories.user("owner")
    chart.ensure()
    before = vouchers_count()
    with pytest.raises(BusinessRuleError, match=message) as refused:
        vouchers.create_manual(owner, business_today().isoformat(), "房租", lines)
    assert refused.value.field == field
    db.session.rollback()
    assert vouchers_count() == before


@pytest.mark.parametrize("day, memo, field", [
    ("2026-13-01", "房租", "booked_on"), ("", "房租", "booked_on"), ("today", "x", "booked_on"),
    (None, "  ", "memo"), (None, "x" * 201, "memo"),
])
def test_a_voucher_by_hand_needs_a_date_and_a_memo(app, day, memo, field):
    owner = factories.user("owner")
    with pytest.raises(BusinessRuleError) as refused:
        vouchers.create_manual(owner, day if day is not None else business_today().isoformat(), memo,
                               typed(("560201", "10", "", ""), ("3001", "", "10", "")))
    assert refused.value.field == field


def test_inactive_accounts_and_closed_months_are_refused(app):
    owner = factories.user("owner")
    accounts.set_active(owner, account("5403"), False)
    with pytest.raises(BusinessRuleError, match="已停用"):
        vouchers.create_manual(owner, business_today().isoformat(), "税金",
                               typed(("5403", "10", "", ""), ("3001", "", "10", "")))
    last_month = business_today().replace(day=1) - timedelta(days=1)
    by_hand(owner, "560201", "3001", "1", day=last_month)
    periods.close(owner, posting.period_of(last_month))
    with pytest.raises(BusinessRuleError, match="已结账") as refused:
        vouchers.create_manual(owner, last_month.isoformat(), "房租",
                               typed(("560201", "10", "", ""), ("3001", "", "10", "")))
    assert refused.value.field == "booked_on"


def test_a_balanced_voucher_by_hand_posts_and_is_audited(app):
    owner = factories.user("owner")
    voucher = vouchers.create_manual(owner, business_today().isoformat(), "计提工资", typed(
        ("560203 管理人员薪酬", "3,000".replace(",", ""), "", ""), ("560103", "1200.50", "", "销售部"),
        ("", "", "", ""), ("2211 应付职工薪酬", "", "4200.50", "")))
    db.session.commit()
    assert voucher.number == "记-0001" and voucher.source_type == "manual"
    assert [(line.account.code, line.debit, line.credit, line.memo) for line in voucher.lines] == [
        ("560203", D("3000"), D(0), "计提工资"), ("560103", D("1200.50"), D(0), "销售部"),
        ("2211", D(0), D("4200.50"), "计提工资")]
    assert balances.balance(account("2211")) == D("4200.50")
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "voucher.create"))


def test_vouchers_are_searched_by_number_memo_and_document(app):
    owner = factories.user("owner")
    first = by_hand(owner, "560201", "3001", "10")
    second = posting.post_manual(owner, business_today(), "水电费十二月", [
        VoucherLine(account_id=account("560202").id, debit=D(5), credit=D(0)),
        VoucherLine(account_id=account("3001").id, debit=D(0), credit=D(5))])
    month = posting.period_of(business_today())

    def found(text):
        return [v.id for v in db.session.scalars(vouchers.search(month, text))]
    assert found("") == [second.id, first.id]  # newest first
    assert found("记-0001") == found("1") == [first.id]
    assert found("水电") == [second.id]
    assert found("nothing") == [] and vouchers.search("2001-01", "") is not None


# ---- screens ---------------------------------------------------------------------------------------------------------

def _books_urls(app, client):
    """(method, url) of every /books/ route, ids filled with real ones."""
    from flask import url_for
    owner = factories.user("owner")
    voucher = by_hand(owner, "560201", "3001", "10")
    db.session.commit()
    ids = {"account_id": account("560201").id, "voucher_id": voucher.id}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/books"):
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, url_for(rule.endpoint, **{name: ids.get(name, 1) for name in rule.arguments})


@pytest.mark.parametrize("role", BOOKS_ROLES)
def test_owner_and_finance_open_every_books_screen(app, client, login, role):
    login(role)
    gets = [url for method, url in _books_urls(app, client) if method == "GET"]
    assert {"/books/", "/books/accounts", "/books/vouchers", "/books/vouchers/new", "/books/rules",
            "/books/periods"} <= set(gets)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


@pytest.mark.parametrize("role", OTHERS)
def test_sales_warehouse_and_purchasing_are_refused_every_books_route(app, client, login, role):
    login(role)
    for method, url in _books_urls(app, client):
        response = client.open(url, method=method, headers={"X-CSRFToken": client.csrf})
        assert response.status_code == 403, (role, method, url)
    assert "/books/" not in client.get("/").get_data(as_text=True)


def test_the_rules_screen_lists_every_rule(client, login):
    login("finance")
    body = client.get("/books/rules").get_data(as_text=True)
    for source in RULES:
        assert f'id="rule-{source}"' in body, source
    assert "1122" in body and "应收账款" in body and 'id="not-posted"' in body


def test_the_chart_screen_shows_roles_and_balances(client, login):
    owner = login("owner")
    by_hand(owner, "560201", "3001", "88")
    body = client.get("/books/accounts").get_data(as_text=True)
    assert "560201" in body and "¥88.00" in body and '<span class="badge role">应收账款</span>' in body


def test_adding_a_sub_account_on_screen_says_what_moves_then_moves_it(app, client, login):
    owner = login("owner")
    by_hand(owner, "1901", "3001", "7")
    parent = account("1901")
    page = client.get(f"/books/accounts/{parent.id}").get_data(as_text=True)
    assert "190101" in page and "move-note" in page
    response = client.post(f"/books/accounts/{parent.id}/sub-accounts",
                           data={"name": "盘亏", "csrf_token": client.csrf, "idempotency_key": "k1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert account("190101").role == "stock_differences"
    refused = client.post(f"/books/accounts/{parent.id}/delete", data={"csrf_token": client.csrf},
                          follow_redirects=True)
    assert "1901 待处理财产损溢 不能删除：它有下级科目" in refused.get_data(as_text=True)
    assert account("1901") is not None


def test_a_refused_voucher_comes_back_with_the_reason_and_nothing_posted(client, login):
    login("finance")
    chart.ensure()
    form = {"csrf_token": client.csrf, "idempotency_key": "v1", "booked_on": business_today().isoformat(),
            "memo": "计提", "lines-0-account": "560201", "lines-0-debit": "10",
            "lines-1-account": "3001", "lines-1-credit": "9"}
    more = client.post("/books/vouchers/new", data={**form, "add_line": "1"})  # one more row, nothing posted
    assert more.status_code == 200 and 'name="lines-4-account"' in more.get_data(as_text=True)
    response = client.post("/books/vouchers/new", data=form)
    assert response.status_code == 422
    assert "相差 1.00" in response.get_data(as_text=True)
    assert vouchers_count() == 0
    response = client.post("/books/vouchers/new", data={**form, "lines-1-credit": "10", "idempotency_key": "v2"})
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "记-0001" in shown and "560201" in shown and "¥10.00" in shown


def test_a_document_and_its_voucher_link_both_ways_for_books_roles_only(app, client, login):
    from app.purchasing.models import PurchaseReceipt
    from app.sales.models import SalesInvoice
    owner = factories.user("owner")
    world = factories.api_world(owner)
    receipt = db.session.scalar(select(PurchaseReceipt).where(PurchaseReceipt.posted_at.is_not(None)))
    receipt_voucher = posting.voucher_of("purchase_receipt", receipt.id)
    invoice = db.session.scalar(select(SalesInvoice))
    voucher = posting.voucher_of("sales_invoice", invoice.id)
    login("finance")
    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    assert f"/books/vouchers/{voucher.id}" in page
    shown = client.get(f"/books/vouchers/{voucher.id}").get_data(as_text=True)
    assert f"/invoices/{invoice.id}" in shown and invoice.number in shown
    order = client.get(f"/purchase-orders/{world['purchase_order'].id}").get_data(as_text=True)
    assert f"/books/vouchers/{receipt_voucher.id}" in order  # beside the goods receipt on its order
    shown = client.get(f"/books/vouchers/{receipt_voucher.id}").get_data(as_text=True)
    assert f"/purchase-orders/{world['purchase_order'].id}" in shown
    client.post("/logout", data={"csrf_token": client.csrf})
    invoice.order.salesperson_id = login("sales").id  # the salesperson's own order: the invoice is in scope
    page = client.get(f"/invoices/{invoice.id}")
    assert page.status_code == 200 and "/books/vouchers/" not in page.get_data(as_text=True)


def test_closing_and_reopening_a_month_on_screen(app, client, login):
    owner = login("owner")
    last_month = business_today().replace(day=1) - timedelta(days=1)
    by_hand(owner, "1901", "5711", "12", day=last_month)  # a stock loss not written off
    period = posting.period_of(last_month)
    page = client.get("/books/periods").get_data(as_text=True)
    assert "stock-differences" in page and "¥12.00" in page
    client.post("/books/periods/close", data={"csrf_token": client.csrf, "period": period, "idempotency_key": "c1"})
    assert db.session.get(ClosedPeriod, period) is not None
    refused = client.post("/books/periods/reopen", data={"csrf_token": client.csrf, "period": period, "reason": " "})
    assert refused.status_code == 422 and "请填写反结账原因" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ClosedPeriod, period) is not None
    client.post("/books/periods/reopen", data={"csrf_token": client.csrf, "period": period, "reason": "补录发票"})
    db.session.expire_all()
    assert db.session.get(ClosedPeriod, period) is None
    assert date.fromisoformat(f"{period}-01") < business_today()


def test_the_voucher_list_is_a_page_at_a_time_and_a_fragment_for_htmx(client, login):
    owner = login("finance")
    for _ in range(31):
        by_hand(owner, "560201", "3001", "1")
    month = posting.period_of(business_today())
    first = client.get(f"/books/vouchers?month={month}").get_data(as_text=True)
    assert first.lstrip().lower().startswith("<!doctype html>") and "记-0031" in first and "记-0002" in first
    assert "记-0001<" not in first.replace(" ", "") and "page=2" in first
    fragment = client.get(f"/books/vouchers?month={month}&q=记-0031", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="voucher-list"')
    second = client.get(f"/books/vouchers?month={month}&page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "记-0001" in second and "记-0002" not in second and "page=3" not in second
    assert "记-0001" not in client.get("/books/vouchers?month=2001-01").get_data(as_text=True)


def test_an_expenses_voucher_opens_the_expense(client, login):
    from app.money import expenses
    owner = login("owner")
    chart.ensure()
    rent = db.session.scalar(select(ExpenseCategory).where(ExpenseCategory.name == "房租"))
    cash = db.session.scalar(select(MoneyAccount).where(MoneyAccount.name == "现金"))
    expense = expenses.create_expense(owner, {"category_id": rent.id, "money_account_id": cash.id, "amount": "800"})
    db.session.commit()
    voucher = posting.voucher_of("expense", expense.id)
    shown = client.get(f"/books/vouchers/{voucher.id}").get_data(as_text=True)
    assert f"/money/expenses/{expense.id}" in shown and "560201" in shown and "100101" in shown
