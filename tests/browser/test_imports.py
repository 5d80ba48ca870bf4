"""Issue 14's import at 390 px, in Chinese: the owner uploads a customer file with a mistake, sees the preview name
the row, the column and what is expected, downloads the error report, uploads the corrected file and confirms."""
import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.partners.models import Customer
from tests import factories
from tests.factories import xlsx
from tests.browser.conftest import PHONE
from tests.browser.screens import sign_in, snapshot

HEADERS = ["编码", "名称", "联系人", "手机", "信用额度", "账期天数", "价格等级", "业务员"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"



def choose_and_check(page, data: bytes):
    page.locator("input[type=file]").last.set_input_files({"name": "客户.xlsx", "mimeType": XLSX, "buffer": data})
    with page.expect_navigation():
        page.get_by_role("button", name="检查文件").last.tap()


# A preview with problems answers 422 (a full page: the import forms are not boosted, files travel in real POSTs).
@pytest.mark.browser_expects("console", r"status of 422 .* at .*/imports/customers$")
def test_owner_fixes_a_customer_file_the_preview_caught_and_imports_it_on_a_phone(new_page, app):
    factories.user("sales", display_name="小王")
    page = new_page(PHONE)
    sign_in(page, factories.user("owner"))

    page.goto("/customers")
    page.get_by_role("link", name="导入", exact=True).tap()
    expect(page).to_have_url(re.compile(r"/imports/customers$"))
    expect(page.get_by_role("link", name="下载模板")).to_be_visible()
    snapshot(page, "imports-customers-upload")

    rows = [["", "广州天河数码城李记", "李先生", "13800138000", "50000", "45", "批发价", "小王"],
            ["", "深圳华强北张记", "张小姐", "13900139000", "五万", "30", "零售价", ""]]
    choose_and_check(page, xlsx(HEADERS, rows))
    expect(page.get_by_role("heading", name="检查导入数据")).to_be_visible()
    expect(page.locator(".import-problems")).to_contain_text("第 3 行 · 信用额度：“五万”不是数字。应填写数字，例如 12.00。")
    expect(page.locator("#import-summary")).to_contain_text("尚未保存任何数据")
    expect(page.get_by_role("button", name=re.compile("^导入"))).to_have_count(0)
    snapshot(page, "imports-customers-preview-with-a-problem")

    with page.expect_download() as download:
        page.get_by_role("button", name="下载错误报告").tap()
    assert download.value.suggested_filename == "客户-problems.xlsx"
    with open(download.value.path(), "rb") as saved:
        report = openpyxl.load_workbook(io.BytesIO(saved.read())).worksheets[0]
    assert "“五万”不是数字" in report.cell(3, len(HEADERS) + 1).value

    rows[1][4] = "50000"
    choose_and_check(page, xlsx(HEADERS, rows))
    expect(page.locator("#import-summary")).to_contain_text("2 行可以导入：新增 2 条，更新 0 条。")
    snapshot(page, "imports-customers-preview-clean")
    with page.expect_navigation():
        page.get_by_role("button", name="导入 2 行").tap()
    expect(page).to_have_url(re.compile(r"/imports/customers$"))
    expect(page.locator("#flash")).to_contain_text("已导入 2 行：新增 2 条，更新 0 条。")
    snapshot(page, "imports-customers-imported")

    db.session.rollback()  # a fresh read: the server wrote in its own connection
    names = db.session.scalars(select(Customer.name).order_by(Customer.code)).all()
    assert names == ["广州天河数码城李记", "深圳华强北张记"]

    page.goto("/imports")
    expect(page.locator(".import-kinds")).to_contain_text("客户")
    snapshot(page, "imports-index")
