"""Vouchers out to the bookkeeper: 金蝶 and 用友 import sheets, the account mapping, and the beancount round trip."""
import io
import re
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from app.amounts import ZERO
from app.books import chart, mapping
from app.books import export as exports
from app.books.ledgers import trial_balance
from app.books.mapping import AccountMapping
from app.books.models import Account, VoucherLine
from app.books.posting import post_manual
from app.errors import BusinessRuleError
from app.extensions import db
from tests import factories


def _line(code, debit="0", credit="0", **partner):
    account = db.session.scalar(select(Account).where(Account.code == code))
    return VoucherLine(account_id=account.id, memo="", debit=Decimal(debit), credit=Decimal(credit), **partner)


@pytest.fixture
def books(app):
    """November: the owner pays in capital. December: a sale on credit with output VAT, a purchase on credit with
    input VAT, and an empty voucher (a document whose figures were all zero)."""
    chart.ensure()
    clerk = factories.user("finance", display_name="王会计")
    buyer = factories.customer(name="华强电子")
    maker = factories.supplier(name="深圳配件厂")
    capital = post_manual(clerk, date(2026, 11, 15), "投入资本", [_line("100201", debit="10000"),
                                                               _line("3001", credit="10000")])
    sale = post_manual(clerk, date(2026, 12, 3), "销售 华强电子", [
        _line("1122", debit="1130", customer_id=buyer.id), _line("5001", credit="1000"),
        _line("22210102", credit="130")])
    purchase = post_manual(clerk, date(2026, 12, 5), "采购 深圳配件厂", [
        _line("1405", debit="500"), _line("22210101", debit="65"), _line("220201", credit="565", supplier_id=maker.id)])
    empty = post_manual(clerk, date(2026, 12, 6), "零金额单据", [])
    db.session.commit()
    return {"clerk": clerk, "buyer": buyer, "maker": maker, "capital": capital, "sale": sale, "purchase": purchase,
            "empty": empty}


DECEMBER = exports.Span(date(2026, 12, 1), date(2026, 12, 31))


def _sheet(content: bytes) -> tuple[list, list[dict]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return list(rows[0]), [dict(zip(rows[0], row)) for row in rows[1:]]


def test_kingdee_sheet_has_the_kis_columns_and_one_row_per_entry(books):
    headers, rows = _sheet(exports.xlsx("kingdee", DECEMBER))
    assert headers == list(exports.KINGDEE_COLUMNS) and len(headers) == 37
    assert headers[:12] == ["凭证日期", "会计年度", "会计期间", "凭证字", "凭证号", "科目代码", "科目名称", "币别代码",
                            "币别名称", "原币金额", "借方", "贷方"]
    # November's capital is before the period; the empty voucher is left out: the sale's 3 rows, the purchase's 3.
    assert [(row["凭证号"], row["分录序号"]) for row in rows] == [
        (books["sale"].seq, 0), (books["sale"].seq, 1), (books["sale"].seq, 2),
        (books["purchase"].seq, 0), (books["purchase"].seq, 1), (books["purchase"].seq, 2)]
    receivable = rows[0]
    assert receivable["凭证日期"].date() == date(2026, 12, 3)
    assert (receivable["会计年度"], receivable["会计期间"], receivable["凭证字"]) == (2026, 12, "记")
    assert (receivable["科目代码"], receivable["科目名称"]) == ("1122", "应收账款")
    assert (receivable["币别代码"], receivable["币别名称"], receivable["汇率"]) == ("RMB", "人民币", 1)
    assert (receivable["原币金额"], receivable["借方"], receivable["贷方"]) == (1130, 1130, 0)
    assert receivable["制单"] == "王会计" and receivable["凭证摘要"] == "销售 华强电子"
    assert receivable["核算项目"] == f"客户---{books['buyer'].code}---华强电子"
    assert (receivable["序号"], rows[3]["序号"]) == (1, 2)  # the voucher's place in the file
    output_vat = rows[2]
    assert (output_vat["科目代码"], output_vat["借方"], output_vat["贷方"], output_vat["核算项目"]) == (
        "22210102", 0, 130, None)
    payable = rows[5]
    assert payable["科目代码"] == "220201" and payable["核算项目"] == f"供应商---{books['maker'].code}---深圳配件厂"
    assert sum(Decimal(str(row["借方"])) for row in rows) == sum(Decimal(str(row["贷方"])) for row in rows) == 1695


def test_yonyou_sheet_has_the_t3_columns_with_partner_codes(books):
    headers, rows = _sheet(exports.xlsx("yonyou", DECEMBER))
    assert headers == list(exports.YONYOU_COLUMNS)
    assert headers[:8] == ["制单日期", "凭证类别字", "凭证号", "附单据数", "摘要", "科目编码", "借方", "贷方"]
    assert len(rows) == 6
    receivable, revenue = rows[0], rows[1]
    assert (receivable["凭证类别字"], receivable["凭证号"], receivable["附单据数"]) == ("记", books["sale"].seq, 0)
    assert (receivable["科目编码"], receivable["借方"], receivable["贷方"]) == ("1122", 1130, 0)
    assert receivable["客户编码"] == books["buyer"].code and receivable["供应商编码"] is None
    assert receivable["发生日期"].date() == date(2026, 12, 3) and receivable["制单人"] == "王会计"
    assert (revenue["科目编码"], revenue["借方"], revenue["贷方"], revenue["客户编码"]) == ("5001", 0, 1000, None)
    assert rows[5]["供应商编码"] == books["maker"].code


def test_the_mapping_renames_codes_for_its_own_target_only(books):
    receivables = db.session.scalar(select(Account).where(Account.code == "1122"))
    bank = db.session.scalar(select(Account).where(Account.code == "100201"))
    mapping.save("kingdee", {receivables.id: "1122.01", bank.id: ""})
    db.session.commit()
    assert mapping.codes("kingdee") == {receivables.id: "1122.01"}
    kingdee = _sheet(exports.xlsx("kingdee", DECEMBER))[1]
    assert kingdee[0]["科目代码"] == "1122.01" and kingdee[1]["科目代码"] == "5001"
    assert _sheet(exports.xlsx("yonyou", DECEMBER))[1][0]["科目编码"] == "1122"
    mapping.save("kingdee", {receivables.id: "1122"})  # back to our own code: the mapping row goes
    assert db.session.scalar(select(AccountMapping)) is None


@pytest.mark.parametrize("code,message", [("11 22", "请使用数字和字母"), ("=1+1", "请使用数字和字母"),
                                          ("5001", "两个科目"), ("1" * 41, "最多 40")])
def test_a_bad_or_shared_code_is_refused_and_nothing_changes(books, code, message):
    receivables = db.session.scalar(select(Account).where(Account.code == "1122"))
    with pytest.raises(BusinessRuleError, match=message):
        mapping.save("yonyou", {receivables.id: code})
    assert mapping.codes("yonyou") == {}


def test_months_are_checked():
    assert exports.months("2026-11", "2026-12") == exports.Span(date(2026, 11, 1), date(2026, 12, 31))
    assert exports.months("2024-02", "2024-02").last == date(2024, 2, 29)
    for first, last, field in (("2026-13", "2026-12", "from"), ("2026-12", "26-12", "to"), ("2026-12", "2026-11", "to"),
                               ("2016-01", "2026-12", "to")):
        with pytest.raises(BusinessRuleError) as refusal:
            exports.months(first, last)
        assert refusal.value.field == field


# beancount ----------------------------------------------------------------------------------------------------------

ACCOUNT_NAME = re.compile(r"^(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+$")


def test_account_names_are_ascii_with_the_code_first(books):
    names = exports.account_names(db.session.scalars(select(Account).order_by(Account.code)).all())
    assert names["1122"] == "Assets:1122-YingShouZhangKuan"
    assert names["22210102"] == ("Liabilities:2221-YingJiaoShuiFei:222101-YingJiaoZengZhiShui:"
                                 "22210102-XiaoXiangShuiE")
    assert names["5001"].startswith("Income:5001-") and names["5602"].startswith("Expenses:5602-")
    assert names["4001"].startswith("Assets:4001-")  # 生产成本: work in progress, on the balance sheet
    assert all(ACCOUNT_NAME.match(name) for name in names.values()), names
    assert exports.ascii_name("工行 ICBC-基本户(2)") == "GongHangICBCJiBenHu2"


def _beancount_balances(text: str) -> dict[str, Decimal]:
    loader = pytest.importorskip("beancount.loader", reason="beancount is not installed: pip install the test extras "
                                                           "(pyproject.toml [project.optional-dependencies] test)")
    from beancount.core.data import Transaction
    entries, errors, _options = loader.load_string(text)
    assert errors == []
    balances: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, Transaction):
            for posting in entry.postings:
                assert posting.units.currency == "CNY"
                balances[posting.account] = balances.get(posting.account, ZERO) + posting.units.number
    return balances


@pytest.mark.parametrize("first,last", [("2026-12", "2026-12"), ("2026-11", "2026-12")])
def test_beancount_round_trip_equals_the_trial_balance_for_every_account(books, first, last):
    text = exports.beancount_text(exports.months(first, last))
    balances = _beancount_balances(text)
    names = exports.account_names(db.session.scalars(select(Account).order_by(Account.code)).all())
    rows = trial_balance(first, last)
    assert len(rows) == len(names)
    for row in rows:
        name = names[row.account.code]
        held = sum((amount for account, amount in balances.items()
                    if account == name or account.startswith(name + ":")), ZERO)
        assert held == row.closing, (row.account.code, held, row.closing)
    assert names["1122"] in balances and balances[names["100201"]] == Decimal("10000")
    # Every account opened, then December's balances brought forward and its two vouchers, or November's voucher too.
    assert text.count("\n20") == len(names) + 3
    assert f'voucher: "2026-12 {books["sale"].number}"' in text and '"销售 华强电子"' in text
    assert "零金额单据" not in text


def test_beancount_mid_month_brings_the_earlier_days_forward(books):
    balances = _beancount_balances(exports.beancount_text(exports.span(date(2026, 12, 4), date(2026, 12, 31))))
    names = exports.account_names(db.session.scalars(select(Account).order_by(Account.code)).all())
    assert balances[names["1122"]] == Decimal("1130") and balances[names["220201"]] == Decimal("-565")


# The screens --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["owner", "finance"])
def test_the_books_roles_download_each_format(books, client, login, role):
    login(role)
    page = client.get("/books/export")
    assert page.status_code == 200 and "books/export/mapping?target=kingdee" in page.get_data(as_text=True)
    assert 'hx-boost="false"' in page.get_data(as_text=True)  # a download, not a page for htmx to swap in
    sheet = client.get("/books/export?from=2026-12&to=2026-12&format=kingdee")
    assert sheet.status_code == 200 and sheet.mimetype.endswith("spreadsheetml.sheet")
    assert "vouchers-kingdee-202612-202612.xlsx" in sheet.headers["Content-Disposition"]
    assert _sheet(sheet.data)[0] == list(exports.KINGDEE_COLUMNS)
    ledger = client.get("/books/export?from=2026-12&to=2026-12&format=beancount")
    assert ledger.status_code == 200 and "open Assets:1122-YingShouZhangKuan CNY" in ledger.get_data(as_text=True)


@pytest.mark.parametrize("query,field_message", [("from=2026-12&to=2026-11&format=yonyou", "结束早于开始"),
                                                 ("from=12/2026&to=2026-12&format=kingdee", "YYYY-MM"),
                                                 ("from=2026-12&to=2026-12&format=excel", "beancount")])
def test_a_bad_choice_shows_the_form_again_with_why(books, client, login, query, field_message):
    login("finance")
    response = client.get(f"/books/export?{query}")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert field_message in response.get_data(as_text=True).replace("&#34;", '"')


@pytest.mark.parametrize("role", ["sales", "warehouse", "purchasing"])
def test_other_roles_get_no_export_and_no_mapping(books, client, login, role):
    login(role)
    for url in ("/books/export", "/books/export?from=2026-12&to=2026-12&format=beancount",
                "/books/export/mapping?target=kingdee"):
        assert client.get(url).status_code == 403, url
    response = client.post("/books/export/mapping?target=kingdee", data={"csrf_token": client.csrf})
    assert response.status_code == 403


def test_the_mapping_screen_saves_and_refuses(books, client, login):
    login("finance")
    receivables = db.session.scalar(select(Account).where(Account.code == "1122"))
    page = client.get("/books/export/mapping?target=yonyou")
    assert page.status_code == 200 and f'name="code-{receivables.id}"' in page.get_data(as_text=True)
    assert client.get("/books/export/mapping?target=sap").status_code == 404
    refused = client.post("/books/export/mapping?target=yonyou", data={"csrf_token": client.csrf,
                                                                f"code-{receivables.id}": "1122 01"})
    assert refused.status_code == 422 and 'value="1122 01"' in refused.get_data(as_text=True)
    assert mapping.codes("yonyou") == {}
    saved = client.post("/books/export/mapping?target=yonyou", data={"csrf_token": client.csrf,
                                                              f"code-{receivables.id}": " 112201 "})
    assert saved.status_code == 302
    db.session.expire_all()
    assert mapping.codes("yonyou") == {receivables.id: "112201"}
