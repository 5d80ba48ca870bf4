"""Issue 16 on a 390 px phone in Chinese: finance sees last month's stock loss waiting in 待处理财产损溢 before
closing, writes it off with a voucher entered by hand (one refusal first: the two sides differ), then closes the
month; the books are read back from the database the live server wrote to."""
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.books import chart, posting
from app.books.models import Account, ClosedPeriod, Voucher, VoucherLine
from app.db_types import business_today
from app.extensions import db
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.screens import sign_in, snapshot
from tests.browser.test_sales_flow import arrive, assert_fits_the_screen, assert_tappable


@pytest.mark.browser_expects("console", r"status of 422 .* at .*/books/vouchers/new$")  # the refused voucher
def test_finance_writes_off_a_stock_loss_by_hand_and_closes_the_month_on_a_phone(new_page, app):
    finance = factories.user("finance")
    chart.ensure()
    codes = dict(db.session.execute(select(Account.code, Account.id)).all())
    last_month = business_today().replace(day=1) - timedelta(days=1)
    period = posting.period_of(last_month)
    posting.post_manual(None, last_month, "盘亏 手机壳", [  # a count's loss, waiting to be written off
        VoucherLine(account_id=codes["1901"], debit=Decimal("12.50"), credit=Decimal(0)),
        VoucherLine(account_id=codes["1405"], debit=Decimal(0), credit=Decimal("12.50"))])
    db.session.commit()
    page = new_page(PHONE)
    sign_in(page, finance)

    page.goto("/books/")
    arrive(page, r"/books/")
    assert_fits_the_screen(page)
    page.get_by_role("link", name="结账").tap()
    arrive(page, r"/books/periods")
    expect(page.locator(".stock-differences")).to_contain_text("1901 待处理财产损溢")
    expect(page.locator(".stock-differences")).to_contain_text("¥12.50")
    assert_fits_the_screen(page)
    snapshot(page, "books periods warning")

    page.locator(".stock-differences a").tap()
    arrive(page, r"/books/vouchers/new")
    page.locator("#booked_on").fill(last_month.isoformat())
    page.locator("#memo").fill("转销盘亏")
    page.locator("#lines-0-account").fill("5711 营业外支出")
    page.locator("#lines-0-debit").fill("12.50")
    page.locator("#lines-1-account").fill("1901")
    page.locator("#lines-1-credit").fill("12.05")
    expect(page.locator("[data-voucher-totals]")).to_contain_text("借贷相差 ¥0.45")  # as typed, before posting
    post = page.get_by_role("button", name="保存凭证")
    assert_tappable(post)
    assert_fits_the_screen(page)
    post.tap()
    expect(page.locator(".form-error")).to_contain_text("相差 0.45")
    snapshot(page, "books voucher refused")
    page.locator("#lines-1-credit").fill("12.50")
    expect(page.locator("[data-voucher-totals]")).to_contain_text("借贷平衡")
    page.get_by_role("button", name="保存凭证").tap()
    arrive(page, r"/books/vouchers/\d+")
    expect(page.locator("h1")).to_have_text("记-0002")
    expect(page.locator(".books-table tfoot")).to_contain_text("¥12.50")
    assert_fits_the_screen(page)
    snapshot(page, "books voucher")

    page.goto("/books/periods")
    arrive(page, r"/books/periods")
    expect(page.locator(".stock-differences")).to_have_count(0)
    close = page.get_by_role("button", name=f"{period} 结账")
    assert_tappable(close)
    page.once("dialog", lambda dialog: dialog.accept())
    close.tap()
    expect(page.locator(".flash-success")).to_contain_text(f"{period} 已结账")
    expect(page.locator(".month-list")).to_contain_text("已结账")
    expect(page.get_by_role("button", name=f"{period} 反结账")).to_be_visible()
    assert_fits_the_screen(page)
    snapshot(page, "books periods closed")

    db.session.rollback()  # the live server wrote since
    assert db.session.get(ClosedPeriod, period) is not None
    written_off = db.session.scalar(select(Voucher).where(Voucher.memo == "转销盘亏"))
    assert written_off.period == period and written_off.user_id == finance.id
    assert sorted((line.account_id, line.debit, line.credit) for line in written_off.lines) == sorted([
        (codes["5711"], Decimal("12.50"), Decimal(0)), (codes["1901"], Decimal(0), Decimal("12.50"))])
