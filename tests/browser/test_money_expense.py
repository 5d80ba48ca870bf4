"""Issue 16: on a phone in Chinese the owner records the shop's rent with a photo of the fapiao (the phone's camera
opens for the photo field), and the expense shows with its photo, its money account and its voucher."""
import io

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from app.books import chart
from app.books.models import Expense, ExpenseCategory
from app.books.posting import voucher_of
from app.extensions import db
from tests import factories
from tests.browser.conftest import PHONE
from tests.browser.screens import sign_in
from tests.browser.test_sales_flow import arrive, assert_fits_the_screen, assert_tappable


def _fapiao() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2400, 1800), (240, 230, 200)).save(out, "JPEG")
    return out.getvalue()


def test_an_expense_with_a_photo_of_the_fapiao_on_a_phone(new_page, app):
    owner = factories.user("owner")
    chart.ensure()
    db.session.commit()
    page = new_page(PHONE)
    sign_in(page, owner)

    page.goto("/money/expenses/new")
    arrive(page, "/money/expenses/new")
    photo = page.locator("#photo")
    expect(photo).to_have_attribute("capture", "environment")
    expect(photo).to_have_attribute("accept", "image/*")
    page.locator("#category_id").select_option(label="房租")
    page.locator("#amount").fill("113.00")
    page.locator("#tax").fill("13.00")
    page.locator("#money_account_id").select_option(label="现金")
    page.locator("#notes").fill("十二月门面租金")
    photo.set_input_files({"name": "fapiao.jpg", "mimeType": "image/jpeg", "buffer": _fapiao()})
    assert_fits_the_screen(page)
    record = page.get_by_role("button", name="登记", exact=True)
    assert_tappable(record)
    record.tap()

    arrive(page, r"/money/expenses/\d+")
    expect(page.locator("#expense .money-summary")).to_contain_text("¥113.00")
    expect(page.locator("#expense")).to_contain_text("十二月门面租金")
    image = page.locator("#expense img")
    expect(image).to_be_visible()
    page.wait_for_function("() => document.querySelector('#expense img').naturalWidth === 1600")
    assert_fits_the_screen(page)

    db.session.rollback()  # the live server wrote since
    expense = db.session.scalar(select(Expense))
    assert expense.category == db.session.scalar(select(ExpenseCategory).where(ExpenseCategory.name == "房租"))
    assert expense.amount == 113 and expense.tax == 13 and expense.photo_version == 1
    assert sorted((line.account.code, line.debit, line.credit) for line in voucher_of("expense", expense.id).lines) == [
        ("100101", 0, 113), ("22210101", 13, 0), ("560201", 100, 0)]
