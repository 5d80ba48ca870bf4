"""Issue 14's proof: a real company goes live in the browser, in Chinese, without help.

On a 1024 x 768 tablet the owner opens an empty JXC, sets the company up, follows the go-live checklist: invites a
salesperson, imports products, opening stock, customers, suppliers and opening balances from the templates JXC
hands out (downloaded, filled in with openpyxl, uploaded; one file with mistakes that the preview catches before
anything is saved). Then on a 390 x 844 phone the salesperson opens the invitation, sets a password, and takes,
confirms, delivers and invoices an order for one of the imported customers.

Taps and seconds of both parts are printed (run with -s) for the issue's note; they are figures, not asserts.
"""
import io
import re
import time

import openpyxl
import pytest
from playwright.sync_api import expect

from app.checks import run_all
from app.extensions import db
from app.imports import framework
from tests.browser.conftest import PHONE, TABLET
from tests.browser.screens import snapshot
from tests.browser.test_setup_screens import first_run_server  # noqa: F401 (a fixture)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SELLER = "王小明"

# Rows by the kinds' field names; the test writes them under the headers of JXC's own template.
PRODUCTS = [
    {"sku": "QH-001", "name": "苹果手机壳", "spec": "iPhone 15", "unit": "个", "barcode": "6901234567892",
     "sale_price": "39.00", "purchase_price": "12.50"},
    {"sku": "QH-002", "name": "快充数据线", "spec": "USB-C 1 米", "unit": "条", "sale_price": "25.00",
     "purchase_price": "8.60"},
    {"sku": "QH-003", "name": "钢化膜", "spec": "iPhone 15 高清", "unit": "片", "sale_price": "19.90",
     "purchase_price": "4.20"},
]
OPENING_STOCK = [
    {"warehouse": "总仓", "sku": "QH-001", "qty": "120", "unit_cost": "12.50"},
    {"warehouse": "总仓", "sku": "QH-002", "qty": "260", "unit_cost": "8.60"},
    {"warehouse": "总仓", "sku": "QH-003", "qty": "300", "unit_cost": "4.20"},
]
CUSTOMERS = [
    {"name": "华联超市", "contact": "李经理", "mobile": "13800138001", "payment_terms_days": "30",
     "salesperson": SELLER},
    {"name": "万达数码城", "contact": "周先生", "mobile": "13800138002", "payment_terms_days": "15",
     "salesperson": SELLER},
]
SUPPLIERS = [{"name": "深圳绿联配件厂", "contact": "陈工", "mobile": "13900139001", "payment_terms_days": "30"}]
RECEIVABLES = [{"partner": "华联超市", "reference": "XS-2026-118", "issued_on": "2026-11-20", "due_on": "2026-12-20",
                "amount": "3560.00"}]
PAYABLES = [{"partner": "深圳绿联配件厂", "reference": "CG-2026-077", "issued_on": "2026-11-25",
             "amount": "8800.00"}]


class Person:
    """Someone using JXC on one device: each tap (or click, on the tablet) is counted, and the time taken."""

    def __init__(self, page, touch: bool):
        self.page, self.touch, self.taps, self.started = page, touch, 0, time.perf_counter()

    def press(self, locator):
        self.taps += 1
        locator.tap() if self.touch else locator.click()

    def go(self, locator):
        """A tap that loads the next page."""
        with self.page.expect_navigation():
            self.press(locator)
        settle(self.page)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


def settle(page):
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-request')")


def template(page) -> bytes:
    """The import screen's own template, downloaded as the signed-in user."""
    response = page.request.get(page.get_by_role("link", name="下载模板").get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"].startswith(XLSX)
    return response.body()


def filled(template_xlsx: bytes, kind: str, rows: list[dict]) -> bytes:
    """The template with its example row replaced by `rows`, each under the header of its field."""
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx))
    sheet = book.worksheets[0]
    by_header = {column.header(chinese=True): column.name for column in framework.kind(kind).columns}
    headers = [cell.value for cell in sheet[1]]
    assert all(header in by_header for header in headers if header), headers
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append([row.get(by_header.get(header), None) for header in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_file(owner: Person, kind: str, rows: list[dict], count: int, blank: bytes | None = None):
    """On the kind's import screen: the template filled in, uploaded, checked, and imported."""
    page = owner.page
    data = filled(blank or template(page), kind, rows)
    owner.taps += 1  # choosing the file
    page.locator("input[type=file]").set_input_files({"name": f"{kind}.xlsx", "mimeType": XLSX, "buffer": data})
    owner.go(page.get_by_role("button", name="检查文件"))
    expect(page.locator("#import-summary")).to_contain_text("尚未保存")
    owner.go(page.get_by_role("button", name=re.compile(rf"^导入 {count} 行$")))
    expect(page.locator("#flash")).to_contain_text(f"已导入 {count} 行")


def from_checklist(owner: Person, step: str):
    """Home, then the checklist's step."""
    owner.go(owner.page.locator("nav").get_by_role("link", name="首页").first)
    owner.go(owner.page.locator("#golive").get_by_role("link", name=re.compile(rf"^{step} ")))


@pytest.mark.browser_expects("console", r"status of 422 .* at .*/imports/")  # the file with mistakes, on purpose
def test_a_company_goes_live_and_its_salesperson_sells_on_a_phone(app, chromium, judge, first_run_server):
    tablet = chromium.new_context(viewport=TABLET, locale="zh-CN", base_url=first_run_server,
                                  service_workers="block")
    phone = chromium.new_context(viewport=PHONE, locale="zh-CN", base_url=first_run_server, has_touch=True,
                                 service_workers="block")
    for context in (tablet, phone):
        context.set_default_timeout(15_000)
        judge.watch(context)
    try:
        owner = Person(tablet.new_page(), touch=False)
        invitation = set_up_and_import(owner)
        owner_taps, owner_seconds = owner.taps, owner.seconds
        seller = Person(phone.new_page(), touch=True)
        sell(seller, invitation)
    finally:
        tablet.close()
        phone.close()
    print(f"\ngo-live proof: owner on a tablet {owner_taps} taps, {owner_seconds:.0f} s; "
          f"salesperson on a phone {seller.taps} taps, {seller.seconds:.0f} s")
    with app.app_context():
        db.session.remove()
        assert run_all() == []


def set_up_and_import(owner: Person) -> str:
    page = owner.page
    page.goto("/")
    assert page.url.endswith("/setup")
    for label, value in (("公司名称", "杭州青禾贸易有限公司"), ("税号", "91330100MA2AB1234X"),
                         ("地址", "杭州市西湖区文三路 90 号"), ("电话", "0571-8888 6666"),
                         ("开户行", "工商银行杭州文三支行"), ("银行账号", "1202 0212 0900 1234 567"),
                         ("第一个仓库", "总仓"), ("用户名", "qinghe"), ("姓名", "陈总"),
                         ("密码", "a long secret"), ("再次输入密码", "a long secret")):
        page.get_by_label(label, exact=True).fill(value)
    owner.go(page.get_by_role("button", name="开始使用 JXC", exact=True))
    expect(page.locator("#golive")).to_be_visible()
    snapshot(page, "go-live checklist at start")

    # Invite the salesperson (the checklist's third step).
    owner.go(page.locator("#golive").get_by_role("link", name=re.compile("邀请员工")))
    page.get_by_label("姓名").fill(SELLER)
    page.get_by_label("手机号").fill("13800138000")
    owner.go(page.get_by_role("button", name="生成邀请链接"))
    invitation = page.locator("[data-invite-link]").input_value()

    # Products: first a file with mistakes, which the preview catches before anything is saved.
    from_checklist(owner, "商品")
    wrong = [dict(PRODUCTS[0]), dict(PRODUCTS[1], sale_price="-5"), dict(PRODUCTS[2], sku="QH-001")]
    blank = template(page)
    data = filled(blank, "products", wrong)
    owner.taps += 1
    page.locator("input[type=file]").set_input_files({"name": "products.xlsx", "mimeType": XLSX, "buffer": data})
    owner.go(page.get_by_role("button", name="检查文件"))
    problems = page.locator(".import-problems li")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("第 3 行")
    expect(problems.nth(1)).to_contain_text("第 4 行")
    expect(page.get_by_role("button", name=re.compile("^导入 "))).to_have_count(0)  # nothing can be saved
    snapshot(page, "go-live products preview with mistakes")
    import_file(owner, "products", PRODUCTS, 3, blank)

    from_checklist(owner, "期初库存")
    owner.go(page.get_by_role("link", name="导入期初库存"))
    import_file(owner, "opening_stock", OPENING_STOCK, 3)
    from_checklist(owner, "客户")
    import_file(owner, "customers", CUSTOMERS, 2)
    from_checklist(owner, "供应商")
    import_file(owner, "suppliers", SUPPLIERS, 1)
    from_checklist(owner, "期初余额")
    owner.go(page.locator("#receivables").get_by_role("link", name="导入"))
    import_file(owner, "opening_receivables", RECEIVABLES, 1)
    from_checklist(owner, "期初余额")  # not ticked by receivables alone? it is: the step stays a link either way
    owner.go(page.locator("#payables").get_by_role("link", name="导入"))
    import_file(owner, "opening_payables", PAYABLES, 1)

    owner.go(page.locator("nav").get_by_role("link", name="首页").first)
    expect(page.locator(".golive-step.done")).to_have_count(8)  # all but the first sale
    snapshot(page, "go-live checklist before the first sale")
    return invitation


def sell(seller: Person, invitation: str):
    page = seller.page
    page.goto(invitation)
    page.get_by_label("新密码", exact=True).fill("xiaoming 2026")
    page.get_by_label("确认新密码").fill("xiaoming 2026")
    seller.go(page.get_by_role("button", name="设置密码并登录"))
    seller.go(page.get_by_role("link", name="开始使用 JXC"))

    seller.go(page.locator("nav.nav").get_by_role("link", name="订单", exact=True))
    seller.go(page.get_by_role("link", name="+ 新建订单"))
    picks = page.locator("#customer-options button.pick")
    expect(picks).to_have_count(2)  # the two customers imported for this salesperson
    seller.go(picks.filter(has_text="华联超市"))
    lines = page.locator("#order-lines .line-card")
    for sku in ("QH-001", "QH-002"):
        page.get_by_label("扫码，或输入名称、商品编码或拼音").fill(sku)  # the one box: typed words search
        option = page.locator("#product-options button.option")
        expect(option).to_have_count(1)
        settle(page)
        seller.press(option)
        expect(lines.filter(has_text=sku)).to_have_count(1)
        settle(page)
    seller.press(lines.first.get_by_role("button", name="加一"))
    expect(lines.first.locator(".qty-input")).to_have_value("2")
    expect(page.locator("#order-total")).to_have_text("¥116.39")  # (2 x 39.00 + 25.00) x 1.13, once saved
    seller.go(page.get_by_role("button", name="确认订单"))
    expect(page.locator(".badge.status")).to_have_text("已确认")
    seller.go(page.get_by_role("link", name="出库", exact=True))
    seller.go(page.get_by_role("button", name="确认出库"))
    expect(page.locator(".badge.status")).to_have_text("已出库")
    seller.go(page.get_by_role("button", name="开单", exact=True))
    expect(page.locator(".page-head .badge")).to_have_text("未结清")
    total = page.locator("#invoice .money-summary")
    expect(total).to_contain_text("¥116.39")
    snapshot(page, "go-live first invoice on the phone")
    pdf = page.request.get(page.get_by_role("link", name="打开 PDF").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
